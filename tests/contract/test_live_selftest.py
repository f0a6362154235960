"""The live run's plumbing (settings, refresh and rotated token file, probes,
clean-up, report), exercised against a local sandbox standing in for
Intuit: ``QBTS_LIVE_BASE_URL`` points the live code at it."""

import json
import stat

import pytest

from qb_timesheet_sync.qbo import INTUIT_SANDBOX, OAuthClient, local_environment
from tests.client.helpers import change_settings, stored_records
from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import CLIENT_ID, CLIENT_SECRET, sandbox_token

from .live import local_sandbox, local_settings, run_live, run_target
from .probes import PROBE_NAMES
from .target import REQUIRED, LiveSettings, LiveSettingsError, missing_keys


@pytest.fixture
def stand_in():
    """A local sandbox playing Intuit's part, and the variables a maintainer
    would set (the refresh token from its consent flow)."""
    with local_sandbox() as server:
        yield server


def _environ(server, tmp_path):
    _access, refresh_token = sandbox_token(server, DEMO_REALM_ID)
    return {
        "QBTS_LIVE_CLIENT_ID": CLIENT_ID,
        "QBTS_LIVE_CLIENT_SECRET": CLIENT_SECRET,
        "QBTS_LIVE_REFRESH_TOKEN": refresh_token,
        "QBTS_LIVE_REALM_ID": DEMO_REALM_ID,
        "QBTS_LIVE_BASE_URL": server.url,
        "QBTS_LIVE_TOKEN_FILE": str(tmp_path / "secret" / "refresh-token"),
        "QBTS_LIVE_REPORT": str(tmp_path / "logs" / "report.txt"),
    }


def test_live_run_against_a_stand_in(stand_in, tmp_path):
    environ = _environ(stand_in, tmp_path)
    run = run_live(environ)

    for result in run.target.results + run.reference.results:
        assert result.outcome == "passed", f"{result.name}: {result.reason}"
    assert [result.name for result in run.target.results] == PROBE_NAMES

    # The rotated refresh token is in the file (owner-only) and it works.
    token_file = tmp_path / "secret" / "refresh-token"
    rotated = token_file.read_text().strip()
    assert rotated and rotated != environ["QBTS_LIVE_REFRESH_TOKEN"]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert run.target.rotations >= 2  # the first refresh and the one after a 401
    oauth = OAuthClient(CLIENT_ID, CLIENT_SECRET, "https://x/cb", local_environment(stand_in.url))
    assert oauth.refresh(rotated).access_token

    # Everything it created in the company is deleted again.
    assert run.target.deleted and not run.target.leftovers
    created = set(run.target.deleted)
    left = [
        record
        for record in stored_records(stand_in, "TimeActivity")
        if str(record["Id"]) in created and record.get("status") != "Deleted"
    ]
    assert left == []

    # Two identical companies: the report finds no difference.
    text = (tmp_path / "logs" / "report.txt").read_text()
    assert f"{len(run.comparisons)} requests, 0 with differences" in text
    assert len(run.comparisons) > 30
    assert "target: all" in text and "NOT DELETED" not in text
    assert rotated not in text
    details = json.loads((tmp_path / "logs" / "report.json").read_text())
    assert details["differences"] == []
    assert rotated not in json.dumps(details)


def test_the_report_shows_where_the_companies_differ(stand_in, tmp_path):
    change_settings(stand_in, ProjectsEnabled=False, ClassTrackingPerTxn=False)
    change_settings(stand_in, ClassTrackingPerTxnLine=False)
    run = run_live(_environ(stand_in, tmp_path))

    outcomes = {result.name: result for result in run.target.results}
    for name in ("project.project_ref", "project.as_customer", "class.class_ref"):
        assert outcomes[name].outcome == "skipped", name
        assert run.reference.result(name).outcome == "passed", name
    assert "does not use Projects" in outcomes["project.project_ref"].reason
    text = run.text
    assert "SKIPPED  | PASSED   project.project_ref" in text
    assert "<-- differs" in text
    # The class the local sandbox accepted was never sent to the stand-in.
    differing = {(item.probe, tuple(item.differences)) for item in run.comparisons}
    assert ("class.class_ref", ("sent to the local sandbox only",)) in differing
    # An unknown ClassRef: refused by both, for different reasons (tracking off).
    bad_class = next(item for item in run.comparisons if item.probe == "fault.bad_class_ref")
    assert any(line.startswith("fault: target") for line in bad_class.differences)


def test_settings_name_the_missing_variables():
    assert missing_keys({}) == list(REQUIRED)
    with pytest.raises(LiveSettingsError, match="QBTS_LIVE_REFRESH_TOKEN, QBTS_LIVE_REALM_ID"):
        LiveSettings.from_environ({"QBTS_LIVE_CLIENT_ID": "a", "QBTS_LIVE_CLIENT_SECRET": "b"})


def test_settings_default_to_intuits_sandbox(tmp_path):
    environ = dict.fromkeys(REQUIRED, "x")
    environ.update(QBTS_LIVE_CLIENT_SECRET="s3cret-value", QBTS_LIVE_REFRESH_TOKEN="rt-value")
    environ["QBTS_HOME"] = str(tmp_path)
    settings = LiveSettings.from_environ(environ)
    assert settings.environment is INTUIT_SANDBOX
    assert settings.environment.api_base_url == "https://sandbox-quickbooks.api.intuit.com"
    assert settings.environment.token_endpoint == (
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    )
    assert settings.token_file == tmp_path / "live-refresh-token"
    assert settings.report_file == tmp_path / "test-logs" / "live-fidelity-report.txt"
    assert "s3cret-value" not in repr(settings) and "rt-value" not in repr(settings)


@pytest.mark.parametrize("variable", ["QBTS_LIVE_BASE_URL", "QBTS_LIVE_TOKEN_URL"])
def test_overrides_only_point_at_this_machine(variable):
    environ = dict.fromkeys(REQUIRED, "x")
    environ[variable] = "https://quickbooks.example.com"
    with pytest.raises(LiveSettingsError, match="only point at a server on this machine"):
        LiveSettings.from_environ(environ)


def test_token_url_override_keeps_the_api_host():
    environ = dict.fromkeys(REQUIRED, "x")
    environ["QBTS_LIVE_TOKEN_URL"] = "http://127.0.0.1:9/oauth2/v1/tokens/bearer"
    settings = LiveSettings.from_environ(environ)
    assert settings.environment.token_endpoint == "http://127.0.0.1:9/oauth2/v1/tokens/bearer"
    assert settings.environment.api_base_url == INTUIT_SANDBOX.api_base_url


def test_a_refused_write_fails_its_probe_and_the_run_goes_on(stand_in, tmp_path):
    """A company whose subscription blocks writes: every probe that writes
    fails with QuickBooks' refusal as its reason, the reads still pass, and
    nothing is left behind."""
    change_settings(stand_in, SubscriptionStatus="CANCELLED")
    run = run_target(local_settings(stand_in, tmp_path / "token"))

    outcomes = {result.name: result for result in run.results}
    assert outcomes["read.company_info"].outcome == "passed"
    assert outcomes["query.Employee"].outcome == "passed"
    for name in ("time_activity.employee", "time_activity.vendor", "batch.time_activities"):
        assert outcomes[name].outcome == "failed", name
        assert "code 6190" in outcomes[name].reason, outcomes[name].reason
    assert not run.deleted and not run.leftovers
