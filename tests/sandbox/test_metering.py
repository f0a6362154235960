"""Calls counted as Intuit's App Partner Program meters them: CorePlus (data
out: reads, queries, CompanyInfo, Preferences) and Core (writes), in total
and per company."""

import requests

from tests.qbo_sandbox.testing import api

OTHER_REALM = {"realms": [{"realm_id": "123146000000001", "company_name": "Other Co"}]}


def metered(sandbox, realm_id=None):
    counts = sandbox.stats()["metered"]
    if realm_id is None:
        return {"Core": counts["Core"], "CorePlus": counts["CorePlus"]}
    return counts["realms"].get(realm_id, {"Core": 0, "CorePlus": 0})


def test_reads_are_coreplus_and_writes_core(sandbox, sandbox_api):
    sandbox_api.get(f"companyinfo/{sandbox_api.realm_id}")
    sandbox_api.get("preferences")
    sandbox_api.query("select * from Customer")
    created = sandbox_api.create("Customer", {"DisplayName": "Metered Co"}).json()["Customer"]
    sandbox_api.read("Customer", created["Id"])
    assert metered(sandbox) == {"Core": 1, "CorePlus": 4}
    assert metered(sandbox, sandbox_api.realm_id) == {"Core": 1, "CorePlus": 4}


def test_a_batch_is_one_call_coreplus_when_it_reads(sandbox, sandbox_api):
    writes = {
        "BatchItemRequest": [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"B{n}"}}
            for n in range(3)
        ]
    }
    assert sandbox_api.post("batch", json=writes).status_code == 200
    assert metered(sandbox) == {"Core": 1, "CorePlus": 0}
    mixed = {
        "BatchItemRequest": [
            {"bId": "w", "operation": "create", "Customer": {"DisplayName": "Mixed"}},
            {"bId": "q", "Query": "select * from Customer"},
        ]
    }
    assert sandbox_api.post("batch", json=mixed).status_code == 200
    assert metered(sandbox) == {"Core": 1, "CorePlus": 1}


def test_counts_are_per_company_and_throttled_calls_are_not_counted(sandbox, sandbox_api):
    sandbox.seed(OTHER_REALM)
    other = api(sandbox, "123146000000001")
    sandbox.configure(minute_seconds=30, requests_per_minute=1)
    assert sandbox_api.get("preferences").status_code == 200
    assert sandbox_api.get("preferences").status_code == 429
    assert other.get("preferences").status_code == 200
    assert metered(sandbox) == {"Core": 0, "CorePlus": 2}
    assert metered(sandbox, "123146000000001") == {"Core": 0, "CorePlus": 1}


def test_the_page_shows_the_metered_calls(sandbox, sandbox_api):
    sandbox_api.get("preferences")
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=10).text
    assert "1 CorePlus (metered: data out)" in page
    assert "0 Core (writes)" in page


def test_reset_forgets_the_counts(sandbox, sandbox_api):
    sandbox_api.get("preferences")
    sandbox.reset()
    assert metered(sandbox) == {"Core": 0, "CorePlus": 0}
