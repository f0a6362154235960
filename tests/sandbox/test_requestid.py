"""requestid handling: replay, ignore and fault modes."""

import concurrent.futures

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import api


def customer(name):
    return {"DisplayName": name}


def count_customers(sandbox, name):
    records = sandbox.state.records(DEMO_REALM_ID, "Customer")
    return sum(record["DisplayName"] == name for record in records)


def test_replay_returns_the_first_response(sandbox, sandbox_api):
    first = sandbox_api.create("Customer", customer("Replay Co"), requestid="req-1")
    assert first.status_code == 200
    again = sandbox_api.create("Customer", customer("Replay Co"), requestid="req-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    # Even a different body under the same id gets the first answer.
    other_body = sandbox_api.create("Customer", customer("Else Co"), requestid="req-1")
    assert other_body.json() == first.json()
    assert count_customers(sandbox, "Replay Co") == 1
    assert count_customers(sandbox, "Else Co") == 0
    assert sandbox.stats()["requestid_replays"] == 2
    assert sandbox.stats()["creates"]["Customer"] == 1


def test_replay_also_replays_faults(sandbox, sandbox_api):
    first = sandbox_api.create("Customer", customer("Acme Corporation"), requestid="dup-1")
    assert first.status_code == 400
    again = sandbox_api.create("Customer", customer("Acme Corporation"), requestid="dup-1")
    assert again.status_code == 400
    assert again.json() == first.json()


def test_request_ids_are_per_realm(sandbox, sandbox_api):
    sandbox.seed({"realms": [{"realm_id": "123146000000002", "company_name": "Other Co"}]})
    other = api(sandbox, "123146000000002")
    first = sandbox_api.create("Customer", customer("Shared Id Co"), requestid="same")
    second = other.create("Customer", customer("Shared Id Co"), requestid="same")
    assert first.status_code == second.status_code == 200
    assert sandbox.stats()["requestid_replays"] == 0
    assert len(sandbox.state.records("123146000000002", "Customer")) == 1


def test_duplicate_arriving_while_the_first_runs_waits_for_it(sandbox, sandbox_api):
    sandbox.configure(latency_ms=400)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(sandbox_api.create, "Customer", customer("Racing Co"), requestid="race")
            for _ in range(2)
        ]
        answers = [future.result() for future in futures]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert count_customers(sandbox, "Racing Co") == 1


def test_ignore_mode_runs_every_request(sandbox, sandbox_api):
    sandbox.configure(requestid_mode="ignore")
    first = sandbox_api.create("Vendor", customer("Twice Ltd"), requestid="req-2")
    second = sandbox_api.create("TimeActivity", {"NameOf": "Nobody"}, requestid="req-2")
    assert first.status_code == 200
    assert second.json()["Fault"]["Error"][0]["code"] == "6300"
    sandbox_api.create("Vendor", customer("Twice Again"), requestid="req-2")
    names = [record["DisplayName"] for record in sandbox.state.records(DEMO_REALM_ID, "Vendor")]
    assert "Twice Ltd" in names and "Twice Again" in names


def test_fault_mode_answers_600(sandbox, sandbox_api):
    sandbox.configure(requestid_mode="fault")
    assert sandbox_api.create("Customer", customer("Once Co"), requestid="req-3").ok
    again = sandbox_api.create("Customer", customer("Once Co"), requestid="req-3")
    assert again.status_code == 400
    assert again.json()["Fault"]["Error"][0]["code"] == "600"
    assert count_customers(sandbox, "Once Co") == 1


def test_request_id_length_limit(sandbox_api):
    response = sandbox_api.create("Customer", customer("Long Id Co"), requestid="r" * 51)
    assert response.json()["Fault"]["Error"][0]["code"] == "2050"
    assert sandbox_api.create("Customer", customer("Long Id Co"), requestid="r" * 50).ok
