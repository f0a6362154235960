"""Real processes for the system tests: PostgreSQL databases, ``odoo-bin``
(server and shell) and the QuickBooks sandbox, all on 127.0.0.1.

Odoo comes from ``$ODOO_SRC`` (default ``~/.cache/qb_timesheet_sync/odoo-18.0``)
and runs with the Python of ``$QBTS_VENV`` (default
``~/.cache/qb_timesheet_sync/venv``). :data:`ODOO_MISSING` says why the tier
cannot run here, or is empty.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
QBTS_HOME = Path.home() / ".cache" / "qb_timesheet_sync"
ODOO_SRC = Path(os.environ.get("ODOO_SRC") or QBTS_HOME / "odoo-18.0")
ODOO_BIN = ODOO_SRC / "odoo-bin"
ODOO_PYTHON = Path(os.environ.get("QBTS_VENV") or QBTS_HOME / "venv") / "bin" / "python"
ADDONS_PATH = f"{ODOO_SRC / 'odoo' / 'addons'},{REPO_ROOT}"
LAUNCHER = Path(__file__).with_name("launch_odoo.py")
# The sandbox's default Intuit app.
CLIENT_ID, CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
# The opening of the scripts run in odoo-bin shell (a template for
# str.format, with the sandbox's ``url``, ``client_id`` and ``client_secret``):
# the Intuit app set as an administrator sets it in Settings, and
# ``connect(company, realm)``, which connects a company to a QuickBooks
# company of the sandbox as the browser's consent does.
SHELL_OPENING = """
import datetime, requests, time
from urllib.parse import parse_qs, urlparse
params = env["ir.config_parameter"].sudo()
params.set_param("qb_timesheet_sync.environment", "custom")
params.set_param("qb_timesheet_sync.custom_base_url", {url!r})
params.set_param("qb_timesheet_sync.client_id", {client_id!r})
params.set_param("qb_timesheet_sync.client_secret", {client_secret!r})
def connect(company, realm):
    connection = company._qbo_connection()
    answer = requests.get(connection.action_connect()["url"], params={{"realm_id": realm}},
                          allow_redirects=False, timeout=30)
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    connection._qbo_finish_connect(query["code"][0], query["realmId"][0])
"""
# Bounds of the waits: generous, because a loaded CI machine (or one shared
# with other builds) must not turn a passing suite red. They only bound how
# long a broken run hangs; no test asserts on how fast anything is.
START_TIMEOUT = 600  # odoo-bin loading its registry, the sandbox starting
REQUEST_TIMEOUT = 60  # one HTTP request to Odoo or to the sandbox


def _odoo_missing():
    if not ODOO_BIN.is_file():
        return f"no Odoo 18.0 source at {ODOO_SRC} (set ODOO_SRC)"
    if not ODOO_PYTHON.is_file():
        return f"no Python with Odoo's requirements at {ODOO_PYTHON} (set QBTS_VENV)"
    for command in ("createdb", "dropdb", "psql"):
        if not shutil.which(command):
            return f"the PostgreSQL client '{command}' is not installed"
    probe = subprocess.run(
        ["psql", "-d", "postgres", "-Atc", "select 1"], capture_output=True, check=False
    )
    if probe.returncode:
        return "PostgreSQL is not reachable"
    return ""


ODOO_MISSING = _odoo_missing()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout, what, interval=0.2):
    """Poll ``condition()`` until it returns a true value; return that value.

    ``timeout`` (seconds) is a bound for a run that would otherwise hang, not
    a speed requirement. The condition is tried once more after the deadline,
    so a machine that was too busy to poll in time still passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"Still waiting for {what} after {timeout} s")
        time.sleep(interval)


def odoo_env():
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT))


def psql(db_name, statement):
    """Rows of ``statement`` as lists of strings."""
    output = subprocess.run(
        ["psql", "-d", db_name, "-AtF", "\t", "-v", "ON_ERROR_STOP=1", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split("\t") for line in output.splitlines() if line]


def create_database(db_name, log_path):
    """A new database with the addon installed (no demo data)."""
    subprocess.run(["dropdb", "--if-exists", db_name], check=True, capture_output=True)
    subprocess.run(["createdb", db_name], check=True)
    subprocess.run(
        [
            ODOO_PYTHON,
            ODOO_BIN,
            f"--database={db_name}",
            f"--addons-path={ADDONS_PATH}",
            "--init=qb_timesheet_sync",
            "--without-demo=all",
            "--stop-after-init",
            f"--logfile={log_path}",
            f"--http-port={free_port()}",
            f"--gevent-port={free_port()}",
        ],
        env=odoo_env(),
        check=True,
        timeout=2 * START_TIMEOUT,
    )


def drop_database(db_name):
    subprocess.run(["dropdb", "--if-exists", db_name], check=False, capture_output=True)
    shutil.rmtree(Path.home() / ".local/share/Odoo/filestore" / db_name, ignore_errors=True)


def odoo_shell(db_name, script, timeout=START_TIMEOUT):
    """Run ``script`` in ``odoo-bin shell`` (it commits what it does); returns its output."""
    result = subprocess.run(
        [
            ODOO_PYTHON,
            ODOO_BIN,
            "shell",
            f"--database={db_name}",
            f"--addons-path={ADDONS_PATH}",
            "--log-level=warn",
            f"--http-port={free_port()}",
            f"--gevent-port={free_port()}",
        ],
        input=script + "\nenv.cr.commit()\n",
        env=odoo_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode or "Traceback" in result.stdout + result.stderr:
        raise AssertionError(f"odoo-bin shell failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class OdooServer:
    """``odoo-bin`` serving one database, with ``cron_threads`` cron threads
    (one by default) and ``options``, more options of ``odoo-bin``."""

    def __init__(self, db_name, realm_id, minute_seconds, log_path, cron_threads=1, options=()):
        self.db_name = db_name
        self.cron_threads = cron_threads
        self.options = list(options)
        self.realm_id = realm_id
        self.minute_seconds = minute_seconds
        self.log_path = log_path
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                ODOO_PYTHON,
                LAUNCHER,
                ODOO_BIN,
                self.realm_id,
                str(self.minute_seconds),
                f"--database={self.db_name}",
                f"--db-filter=^{self.db_name}$",
                f"--addons-path={ADDONS_PATH}",
                f"--http-port={self.port}",
                f"--gevent-port={free_port()}",
                "--http-interface=127.0.0.1",
                "--workers=0",
                f"--max-cron-threads={self.cron_threads}",
                f"--logfile={self.log_path}",
                *self.options,
            ],
            env=odoo_env(),
        )
        wait_for(self._healthy, START_TIMEOUT, "Odoo to answer on /web/health", interval=0.5)
        return self

    def _healthy(self):
        if self.process.poll() is not None:
            raise AssertionError(f"odoo-bin exited; see {self.log_path}")
        try:
            answer = requests.get(
                f"http://127.0.0.1:{self.port}/web/health", timeout=REQUEST_TIMEOUT
            )
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or too busy loading to answer: ask again.
            return False
        return answer.ok

    def wake_cron(self):
        """What Odoo does when a cron is triggered (``ir.cron._notifydb``):
        notify ``cron_trigger`` on the ``postgres`` database, where the cron
        threads of every Odoo server LISTEN."""
        notify_function = os.environ.get("ODOO_NOTIFY_FUNCTION", "pg_notify")
        psql("postgres", f"SELECT {notify_function}('cron_trigger', '{self.db_name}')")

    def kill(self):
        """SIGKILL: the worker dies in the middle of whatever it does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=REQUEST_TIMEOUT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=REQUEST_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()


class SandboxProcess:
    """The QuickBooks sandbox as a process of its own, keeping its state in a
    file so that it can be restarted."""

    def __init__(self, state_file, seed, config, persist=True):
        """``persist``: keep the state in ``state_file`` so a restart finds it
        (the sandbox then writes the whole state after each change, which
        slows it down as it fills: benchmarks do without)."""
        self.persist = persist
        self.state_file = state_file
        self.seed_file = state_file.with_suffix(".seed.json")
        self.seed_file.write_text(json.dumps(seed), encoding="utf-8")
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.qbo_sandbox",
                f"--port={self.port}",
                f"--seed={self.seed_file}",
                "--auto-approve",
                *([f"--state-file={self.state_file}"] if self.persist else []),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        # The sandbox prints one line once it listens (or dies trying).
        ready = self.process.stdout.readline()
        if "ready" not in ready:
            raise AssertionError(f"The sandbox did not start: {ready!r}")
        # Configuration is not part of the saved state: give it again.
        requests.post(
            f"{self.url}/_sandbox/config", json=self.config, timeout=REQUEST_TIMEOUT
        ).raise_for_status()
        return self

    def configure(self, **changes):
        """Change the running sandbox's configuration (until it restarts:
        a restart gives it the configuration it was created with)."""
        requests.post(
            f"{self.url}/_sandbox/config", json=changes, timeout=REQUEST_TIMEOUT
        ).raise_for_status()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=REQUEST_TIMEOUT)
        self.process.stdout.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.kill()

    def time_activities(self, realm_id):
        answer = requests.get(
            f"{self.url}/_sandbox/realms/{realm_id}/entities/TimeActivity",
            timeout=REQUEST_TIMEOUT,
        )
        answer.raise_for_status()
        return [record for record in answer.json() if record.get("status") != "Deleted"]

    def stats(self):
        answer = requests.get(f"{self.url}/_sandbox/stats", timeout=REQUEST_TIMEOUT)
        answer.raise_for_status()
        return answer.json()
