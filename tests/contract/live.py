"""Running the contract: against the local sandbox (every test run), or
against a live company given by ``QBTS_LIVE_*`` variables, followed by the
same run against a fresh local sandbox and the fidelity report comparing them.
The live tier of ``setup/test.sh`` runs it through pytest (tests/contract).
"""

import contextlib
import datetime
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qb_timesheet_sync.qbo import local_environment
from tests.qbo_sandbox import DEMO_REALM_ID, SandboxConfig, SandboxServer, load_demo_seed
from tests.qbo_sandbox.testing import CLIENT_ID, CLIENT_SECRET, sandbox_token

from . import report
from .probes import run_contract
from .recording import Recorder
from .target import Connection, LiveSettings

LOCAL_LABEL = "local sandbox (tests/qbo_sandbox, demo company)"


@contextlib.contextmanager
def local_sandbox():
    """A local sandbox of its own (demo company, consent approved at once)."""
    server = SandboxServer(SandboxConfig(auto_approve=True, seed=load_demo_seed())).start()
    try:
        yield server
    finally:
        server.stop()


def local_settings(server, token_file, report_file=None, realm_id=DEMO_REALM_ID):
    """LiveSettings for a local sandbox, with a refresh token from its code flow."""
    _access, refresh_token = sandbox_token(server, realm_id)
    return LiveSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=refresh_token,
        realm_id=realm_id,
        environment=local_environment(server.url),
        token_file=Path(token_file),
        report_file=Path(report_file or Path(token_file).with_name("report.txt")),
        label=LOCAL_LABEL,
    )


def run_target(settings, label=None, today=None):
    return run_contract(Connection(settings), Recorder(), label or settings.label, today=today)


def run_local(today=None):
    """The contract against a fresh local sandbox."""
    with local_sandbox() as server, tempfile.TemporaryDirectory() as folder:
        return run_target(local_settings(server, Path(folder) / "token"), today=today)


@dataclass
class LiveRun:
    target: object
    reference: object
    comparisons: list
    report_file: Path
    token_file: Path
    text: str


def run_live(environ=None):
    """The live contract run: the target given by ``environ``, then the local
    sandbox; the report is written to ``settings.report_file`` (text) and
    next to it as JSON."""
    settings = LiveSettings.from_environ(environ)
    today = datetime.datetime.now(datetime.UTC).date()
    target = run_target(settings, f"{settings.label}, company {settings.realm_id}", today=today)
    reference = run_local(today=today)
    comparisons = report.compare_requests(target, reference)
    text = report.render(target, reference, comparisons)
    text += (
        f"\nThe refresh token to use next time (Intuit rotates it) is in {settings.token_file}: "
        "set it as QBTS_LIVE_REFRESH_TOKEN.\n"
    )
    settings.report_file.parent.mkdir(parents=True, exist_ok=True)
    settings.report_file.write_text(text, encoding="utf-8")
    settings.report_file.with_suffix(".json").write_text(
        report.as_json(target, reference, comparisons), encoding="utf-8"
    )
    return LiveRun(target, reference, comparisons, settings.report_file, settings.token_file, text)
