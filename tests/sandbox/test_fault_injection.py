"""Injected failures: 500/503 and dropped connections before work, slow answers after."""

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID


def customers(sandbox):
    return [record["DisplayName"] for record in sandbox.state.records(DEMO_REALM_ID, "Customer")]


def test_fail_rate_answers_500_or_503_without_doing_the_work(sandbox, sandbox_api):
    sandbox.configure(fail_rate=1.0, random_seed=7)
    responses = [
        sandbox_api.create("Customer", {"DisplayName": f"Never {number}"}) for number in range(12)
    ]
    statuses = {response.status_code for response in responses}
    assert statuses == {500, 503}
    for response in responses:
        assert response.headers["intuit_tid"]
        if response.status_code == 503:
            assert response.headers["Content-Type"].startswith("text/html")
            assert "503 Service Temporarily Unavailable" in response.text
        else:
            assert response.json()["Fault"]["type"] == "SERVICE"
    assert not [name for name in customers(sandbox) if name.startswith("Never")]
    injected = sandbox.stats()["injected_faults"]
    assert injected["500"] + injected["503"] == 12
    sandbox.configure(fail_rate=0.0)
    assert sandbox_api.create("Customer", {"DisplayName": "Now Ok"}).status_code == 200


def test_partial_fail_rate_is_reproducible_with_a_seed(sandbox, sandbox_api):
    def run():
        sandbox.configure(fail_rate=0.5, random_seed=42)
        return [sandbox_api.get("preferences").status_code for _ in range(20)]

    first = run()
    assert 200 in first and set(first) - {200}
    assert run() == first


def test_drop_rate_closes_the_connection_before_the_work(sandbox, sandbox_api):
    sandbox.configure(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        sandbox_api.create("Customer", {"DisplayName": "Dropped Co"})
    assert "Dropped Co" not in customers(sandbox)
    assert sandbox.stats()["injected_faults"]["drop"] == 1


def test_slow_answer_after_commit_then_retry_with_the_same_request_id(sandbox, sandbox_api):
    sandbox.configure(slow_after_commit_ms=1200, slow_rate=1.0)
    url = f"{sandbox_api.base_url}/customer"
    with pytest.raises(requests.Timeout):
        requests.post(
            url,
            json={"DisplayName": "Slow Co"},
            params={"requestid": "slow-1"},
            headers=sandbox_api.headers(),
            timeout=0.4,
        )
    # QuickBooks did the work although the client gave up.
    assert "Slow Co" in customers(sandbox)
    sandbox.configure(slow_rate=0.0)
    retry = sandbox_api.create("Customer", {"DisplayName": "Slow Co"}, requestid="slow-1")
    assert retry.status_code == 200
    assert retry.json()["Customer"]["DisplayName"] == "Slow Co"
    assert customers(sandbox).count("Slow Co") == 1
    assert sandbox.stats()["injected_faults"]["slow"] == 1
