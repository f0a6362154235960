"""The admin API under /_sandbox/ (no auth, loopback only)."""

import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT, authorize, sandbox_token


def admin(sandbox, method, path, **kwargs):
    return requests.request(method, f"{sandbox.url}/_sandbox/{path}", timeout=TIMEOUT, **kwargs)


def test_overview_page_lists_companies_and_time(sandbox, sandbox_api):
    alice = sandbox_api.query("select * from Employee where GivenName = 'Alice'").json()
    payload = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": alice["QueryResponse"]["Employee"][0]["Id"]},
        "Hours": 3,
        "Minutes": 15,
        "Description": "Workshop <prep>",
    }
    assert sandbox_api.create("TimeActivity", payload).status_code == 200
    page = admin(sandbox, "GET", "")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    for text in (
        "Northwind Consulting (sandbox)",
        "Design Sprint",
        "Jordan Blake",
        "3h15",
        "Workshop &lt;prep&gt;",
    ):
        assert text in page.text
    root = requests.get(sandbox.url + "/", allow_redirects=False, timeout=TIMEOUT)
    assert root.status_code == 302 and root.headers["Location"] == "/_sandbox/"


def test_config_read_and_change(sandbox):
    current = admin(sandbox, "GET", "config").json()
    assert current["requests_per_minute"] == 500 and current["auto_approve"] is True
    changed = admin(sandbox, "POST", "config", json={"latency_ms": 5, "requestid_mode": "ignore"})
    assert changed.status_code == 200
    assert changed.json()["latency_ms"] == 5
    assert sandbox.config.requestid_mode == "ignore"
    assert admin(sandbox, "POST", "config", json={"colour": "red"}).status_code == 400
    assert admin(sandbox, "POST", "config", json={"requestid_mode": "maybe"}).status_code == 400
    assert admin(sandbox, "POST", "config", json={"port": 1}).status_code == 400
    assert admin(sandbox, "POST", "config", json={"fail_rate": 2}).status_code == 400


def test_settings_validation(sandbox):
    path = f"realms/{DEMO_REALM_ID}/settings"
    updated = admin(sandbox, "POST", path, json={"BookCloseDate": "2026-01-31"})
    assert updated.json()["BookCloseDate"] == "2026-01-31"
    assert sandbox.state.realm(DEMO_REALM_ID).settings["BookCloseDate"] == "2026-01-31"
    for bad in (
        {"BookCloseDate": "31/01/2026"},
        {"PayrollFeature": "yes"},
        {"SubscriptionStatus": "GONE"},
        {"Colour": "red"},
        {"CompanyName": ""},
    ):
        assert admin(sandbox, "POST", path, json=bad).status_code == 400
    assert admin(sandbox, "POST", "realms/42/settings", json={}).status_code == 404


def test_entities_listing_includes_inactive_and_deleted(sandbox, sandbox_api):
    employees = admin(sandbox, "GET", f"realms/{DEMO_REALM_ID}/entities/Employee").json()
    assert len(employees) == 6
    assert [record["DisplayName"] for record in employees if not record["Active"]] == [
        "Farid Haddad"
    ]
    alice = employees[0]
    created = sandbox_api.create(
        "TimeActivity",
        {"NameOf": "Employee", "EmployeeRef": {"value": alice["Id"]}, "Hours": 1, "Minutes": 0},
    ).json()["TimeActivity"]
    sandbox_api.post(
        "timeactivity",
        json={"Id": created["Id"], "SyncToken": "0"},
        params={"operation": "delete"},
    )
    listed = admin(sandbox, "GET", f"realms/{DEMO_REALM_ID}/entities/timeactivity").json()
    assert [(record["Id"], record["status"]) for record in listed] == [(created["Id"], "Deleted")]
    assert listed[0]["Hours"] == 1
    assert admin(sandbox, "GET", f"realms/{DEMO_REALM_ID}/entities/Invoice").status_code == 404


def test_reset_and_seed(sandbox):
    seed = {
        "realms": [
            {
                "realm_id": "555",
                "company_name": "Seeded Co",
                "settings": {"OfferingSku": "QuickBooks Online Essentials"},
                "Customer": [{"DisplayName": "Only Client", "Id": "70"}],
            }
        ]
    }
    reset = admin(sandbox, "POST", "reset", json=seed)
    assert reset.json() == {"realms": ["555"]}
    customers = sandbox.state.records("555", "Customer")
    assert [(record["Id"], record["DisplayName"]) for record in customers] == [
        ("70", "Only Client")
    ]
    assert sandbox.state.realm("555").next_id == 71
    added = admin(sandbox, "POST", "seed", json={"realms": [{"realm_id": "556"}]})
    assert added.json() == {"realms": ["555", "556"]}
    bad_seed = admin(sandbox, "POST", "seed", json={"realms": [{"realm_id": "9", "Bogus": []}]})
    assert bad_seed.status_code == 400
    invalid_record = {"realms": [{"realm_id": "9", "Customer": [{"DisplayName": "a:b"}]}]}
    assert admin(sandbox, "POST", "seed", json=invalid_record).status_code == 400
    emptied = admin(sandbox, "POST", "reset")
    assert emptied.json() == {"realms": []}
    page = requests.get(
        f"{sandbox.url}/connect/oauth2",
        params={
            "client_id": "sandbox-client-id",
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": "http://127.0.0.1/cb",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert page.status_code == 400


def test_stats_count_what_happened(sandbox, sandbox_api):
    _access_token, refresh_token = sandbox_token(sandbox)
    requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("sandbox-client-id", "sandbox-client-secret"),
        timeout=TIMEOUT,
    )
    authorize(sandbox)
    sandbox_api.query("select * from Item")
    sandbox_api.create("Customer", {"DisplayName": "Counted Co"})
    stats = admin(sandbox, "GET", "stats").json()
    assert stats["token_grants"] == {"authorization_code": 2, "refresh_token": 1}
    assert stats["creates"] == {"Customer": 1}
    assert stats["requests"]["query"] >= 1
    assert stats["requests"]["entity_write"] == 1
    assert stats["requests"]["oauth_authorize"] == 3
    assert stats["requests"]["oauth_token"] == 3
    assert stats["max_concurrent_seen"] == 1
    assert admin(sandbox, "GET", "nothing-here").status_code == 404


def test_billing_a_time_activity_as_an_invoice_does(sandbox, sandbox_api):
    alice = sandbox_api.query("select * from Employee where GivenName = 'Alice'").json()
    customer = sandbox_api.query("select * from Customer").json()["QueryResponse"]["Customer"][0]
    payload = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": alice["QueryResponse"]["Employee"][0]["Id"]},
        "CustomerRef": {"value": customer["Id"]},
        "BillableStatus": "Billable",
        "HourlyRate": 100,
        "Hours": 2,
        "Minutes": 0,
    }
    created = sandbox_api.create("TimeActivity", payload).json()["TimeActivity"]
    path = f"realms/{DEMO_REALM_ID}/time-activities/{created['Id']}/bill"
    billed = admin(sandbox, "POST", path)
    assert billed.status_code == 200
    assert (billed.json()["BillableStatus"], billed.json()["SyncToken"]) == ("HasBeenBilled", "1")
    read = sandbox_api.read("TimeActivity", created["Id"]).json()["TimeActivity"]
    assert read["BillableStatus"] == "HasBeenBilled"
    assert read["MetaData"]["LastUpdatedTime"] >= created["MetaData"]["LastUpdatedTime"]
    # Billed once only; unknown ids are refused.
    assert admin(sandbox, "POST", path).status_code == 400
    assert (
        admin(sandbox, "POST", f"realms/{DEMO_REALM_ID}/time-activities/999/bill").status_code
        == 400
    )
