"""Persistence to a state file, and the command line."""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import types
import urllib.parse

import requests

from tests.qbo_sandbox import DEMO_REALM_ID, SandboxConfig, SandboxServer, load_demo_seed
from tests.qbo_sandbox.server import _Handler
from tests.qbo_sandbox.testing import TIMEOUT, SandboxApi, refresh_token_request, sandbox_token

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_state_file_round_trip(tmp_path):
    state_file = tmp_path / "sandbox.json"
    first = SandboxServer(
        SandboxConfig(auto_approve=True, seed=load_demo_seed(), state_file=str(state_file))
    ).start()
    try:
        access_token, refresh_token = sandbox_token(first)
        api = SandboxApi(first, DEMO_REALM_ID, access_token)
        created = api.create("Customer", {"DisplayName": "Persisted Co"}, requestid="p-1")
        assert created.status_code == 200
    finally:
        first.stop()
    saved = json.loads(state_file.read_text())
    assert [realm["realm_id"] for realm in saved["realms"]] == [DEMO_REALM_ID]
    assert sorted(os.listdir(tmp_path)) == ["sandbox.json"]

    # The seed is ignored when the state file exists.
    second = SandboxServer(
        SandboxConfig(seed={"realms": [{"realm_id": "1"}]}, state_file=str(state_file))
    ).start()
    try:
        assert sorted(second.state.realms) == [DEMO_REALM_ID]
        api = SandboxApi(second, DEMO_REALM_ID, access_token)
        read = api.read("Customer", created.json()["Customer"]["Id"])
        assert read.json()["Customer"]["DisplayName"] == "Persisted Co"
        replay = api.create("Customer", {"DisplayName": "Persisted Co"}, requestid="p-1")
        assert replay.json() == created.json()
        refreshed = refresh_token_request(second, refresh_token)
        assert refreshed.status_code == 200
        new_id = api.create("Customer", {"DisplayName": "After Restart"}).json()["Customer"]["Id"]
        assert int(new_id) > int(created.json()["Customer"]["Id"])
    finally:
        second.stop()


def test_a_write_saved_before_its_answer_keeps_its_requestid(tmp_path, monkeypatch):
    """Any request may save the state the moment another one's write is done
    (each saves after its own work). What is saved then holds the write's
    requestid with its records: QuickBooks killed before answering and
    restarted replays the write instead of doing it again."""
    state_file = tmp_path / "sandbox.json"
    at_kill = tmp_path / "at-kill.json"
    execute = _Handler._execute

    def execute_then_save(handler, *args, **kwargs):
        answer = execute(handler, *args, **kwargs)
        handler.sandbox.persist()
        # What a kill at this moment leaves on disk.
        shutil.copy(state_file, at_kill)
        return answer

    monkeypatch.setattr(_Handler, "_execute", execute_then_save)
    first = SandboxServer(
        SandboxConfig(auto_approve=True, seed=load_demo_seed(), state_file=str(state_file))
    ).start()
    try:
        access_token, _refresh = sandbox_token(first)
        api = SandboxApi(first, DEMO_REALM_ID, access_token)
        created = api.create("Customer", {"DisplayName": "Saved Unanswered"}, requestid="k-1")
        assert created.status_code == 200
    finally:
        first.stop()
    monkeypatch.undo()

    restarted = SandboxServer(SandboxConfig(state_file=str(at_kill))).start()
    try:
        api = SandboxApi(restarted, DEMO_REALM_ID, access_token)
        replay = api.create("Customer", {"DisplayName": "Saved Unanswered"}, requestid="k-1")
        assert replay.json() == created.json()
        names = [
            record["DisplayName"] for record in restarted.state.records(DEMO_REALM_ID, "Customer")
        ]
        assert names.count("Saved Unanswered") == 1
        assert restarted.stats()["requestid_replays"] == 1
    finally:
        restarted.stop()


def _start_cli(*args):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.qbo_sandbox", "--port", "0", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready, _write, _error = select.select([process.stdout], [], [], 15)
    if not ready:
        process.kill()
        raise AssertionError("the sandbox did not print its ready line in time")
    return process, process.stdout.readline().strip()


def _stop_cli(process):
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_cli_prints_ready_line_and_keeps_state_across_restarts(tmp_path):
    state_file = str(tmp_path / "cli-state.json")
    process, line = _start_cli("--auto-approve", "--state-file", state_file)
    try:
        assert line.startswith("QBO sandbox ready at http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        port = urllib.parse.urlsplit(url).port
        assert port and port != 0
        discovery = requests.get(
            f"{url}/.well-known/openid_sandbox_configuration", timeout=TIMEOUT
        ).json()
        assert discovery["token_endpoint"] == f"{url}/oauth2/v1/tokens/bearer"
        running = types.SimpleNamespace(url=url)
        access_token, _refresh = sandbox_token(running)
        api = SandboxApi(running, DEMO_REALM_ID, access_token)
        assert api.create("Customer", {"DisplayName": "CLI Co"}).status_code == 200
    finally:
        _stop_cli(process)

    process, line = _start_cli("--state-file", state_file)
    try:
        url = line.rsplit(" ", 1)[1]
        listed = requests.get(
            f"{url}/_sandbox/realms/{DEMO_REALM_ID}/entities/Customer", timeout=TIMEOUT
        ).json()
        assert "CLI Co" in [record["DisplayName"] for record in listed]
        # Without --auto-approve the consent page is shown.
        page = requests.get(
            f"{url}/connect/oauth2",
            params={
                "client_id": "sandbox-client-id",
                "response_type": "code",
                "scope": "com.intuit.quickbooks.accounting",
                "redirect_uri": "http://127.0.0.1/cb",
                "state": "s",
            },
            timeout=TIMEOUT,
        )
        assert page.status_code == 200 and 'id="connect"' in page.text
    finally:
        _stop_cli(process)


def test_cli_loads_a_seed_file(tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({"realms": [{"realm_id": "777", "company_name": "Tiny"}]}))
    process, line = _start_cli(
        "--seed",
        str(seed_file),
        "--latency-ms",
        "1",
        "--requestid-mode",
        "fault",
        "--minute-seconds",
        "5",
    )
    try:
        url = line.rsplit(" ", 1)[1]
        config = requests.get(f"{url}/_sandbox/config", timeout=TIMEOUT).json()
        assert config["requestid_mode"] == "fault"
        assert config["minute_seconds"] == 5 and config["latency_ms"] == 1
        assert config["state_file"] is None
        page = requests.get(f"{url}/_sandbox/", timeout=TIMEOUT).text
        assert "Tiny" in page and "Northwind" not in page
    finally:
        _stop_cli(process)
