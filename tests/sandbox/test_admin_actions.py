"""Admin actions: a QuickBooks user bills, edits or deletes a time activity."""

import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT

# What a browser sends for a form with a button only.
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def admin(sandbox, method, path, **kwargs):
    return requests.request(method, f"{sandbox.url}/_sandbox/{path}", timeout=TIMEOUT, **kwargs)


def action_path(record_id, action):
    return f"realms/{DEMO_REALM_ID}/time-activities/{record_id}/{action}"


def billable_activity(sandbox_api, **values):
    alice = sandbox_api.query("select * from Employee where GivenName = 'Alice'").json()
    customer = sandbox_api.query("select * from Customer").json()["QueryResponse"]["Customer"][0]
    payload = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": alice["QueryResponse"]["Employee"][0]["Id"]},
        "CustomerRef": {"value": customer["Id"]},
        "BillableStatus": "Billable",
        "HourlyRate": 100,
        "Hours": 5,
        "Minutes": 0,
        "Description": "Design review",
        **values,
    }
    answer = sandbox_api.create("TimeActivity", payload)
    assert answer.status_code == 200, answer.text
    return answer.json()["TimeActivity"]


def test_edit_changes_the_record_as_a_quickbooks_user(sandbox, sandbox_api):
    created = billable_activity(sandbox_api)
    edited = admin(
        sandbox,
        "POST",
        action_path(created["Id"], "edit"),
        json={"Hours": 6, "Minutes": 30, "Description": "Design review and fixes"},
    )
    assert edited.status_code == 200, edited.text
    record = sandbox_api.read("TimeActivity", created["Id"]).json()["TimeActivity"]
    assert (record["Hours"], record["Minutes"]) == (6, 30)
    assert record["Description"] == "Design review and fixes"
    assert record["SyncToken"] == "1"
    assert record["HourlyRate"] == 100 and record["BillableStatus"] == "Billable", "others kept"
    assert record["MetaData"]["LastUpdatedTime"] >= created["MetaData"]["LastUpdatedTime"]
    assert record["MetaData"]["CreateTime"] == created["MetaData"]["CreateTime"]
    # The client's copy is now stale: its update gets 5010, as in QuickBooks.
    stale = sandbox_api.post(
        "timeactivity", json={**created, "Hours": 7, "sparse": True}, params=None
    )
    assert stale.status_code == 400 and "5010" in stale.text
    assert sandbox.stats()["admin_actions"] == {"edit": 1}


def test_edit_billable_status_and_refusals(sandbox, sandbox_api):
    created = billable_activity(sandbox_api)
    path = action_path(created["Id"], "edit")
    not_billable = admin(sandbox, "POST", path, json={"BillableStatus": "NotBillable"})
    assert not_billable.status_code == 200, not_billable.text
    assert not_billable.json()["BillableStatus"] == "NotBillable"
    assert not_billable.json()["SyncToken"] == "1"
    # The rules of an API write still hold.
    assert admin(sandbox, "POST", path, json={"Minutes": 75}).status_code == 400
    assert admin(sandbox, "POST", path, json={"SyncToken": "9"}).status_code == 400
    assert admin(sandbox, "POST", path, json={}).status_code == 400
    assert admin(sandbox, "POST", path, json={"BillableStatus": "HasBeenBilled"}).status_code == 400
    # Billed time is edited from its invoice, not here.
    again = billable_activity(sandbox_api)
    assert admin(sandbox, "POST", action_path(again["Id"], "bill")).status_code == 200
    refused = admin(sandbox, "POST", action_path(again["Id"], "edit"), json={"Hours": 1})
    assert refused.status_code == 400 and "billed" in refused.json()["error"]


def test_delete_makes_reads_answer_object_not_found(sandbox, sandbox_api):
    created = billable_activity(sandbox_api)
    deleted = admin(sandbox, "POST", action_path(created["Id"], "delete"))
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"status": "Deleted", "domain": "QBO", "Id": created["Id"]}
    read = sandbox_api.read("TimeActivity", created["Id"])
    assert read.status_code == 400
    error = read.json()["Fault"]["Error"][0]
    assert error["code"] == "610" and error["Message"] == "Object Not Found"
    listed = sandbox_api.query("select * from TimeActivity").json()["QueryResponse"]
    assert created["Id"] not in [record["Id"] for record in listed.get("TimeActivity", [])]
    # Gone: neither edited, billed nor deleted again.
    for action in ("edit", "bill", "delete"):
        body = {"Hours": 1} if action == "edit" else None
        assert (
            admin(sandbox, "POST", action_path(created["Id"], action), json=body).status_code == 400
        )
    assert admin(sandbox, "POST", action_path(created["Id"], "paint")).status_code == 400


def test_page_offers_bill_edit_and_delete_forms(sandbox, sandbox_api):
    created = billable_activity(sandbox_api)
    page = admin(sandbox, "GET", "").text
    for element in (
        f'id="bill-{created["Id"]}"',
        f'id="edit-{created["Id"]}"',
        f'id="delete-{created["Id"]}"',
    ):
        assert element in page
    # The forms post form-encoded bodies and come back to the page.
    edited = admin(
        sandbox,
        "POST",
        action_path(created["Id"], "edit"),
        data={"Hours": "6", "Minutes": "", "Description": ""},
        allow_redirects=False,
    )
    assert edited.status_code == 303
    assert edited.headers["Location"] == f"/_sandbox/#realm-{DEMO_REALM_ID}"
    record = sandbox_api.read("TimeActivity", created["Id"]).json()["TimeActivity"]
    assert (record["Hours"], record["Minutes"], record["Description"]) == (6, 0, "Design review")
    billed = admin(
        sandbox, "POST", action_path(created["Id"], "bill"), headers=FORM, allow_redirects=False
    )
    assert billed.status_code == 303
    page = admin(sandbox, "GET", "").text
    assert f'id="bill-{created["Id"]}"' not in page and f'id="edit-{created["Id"]}"' not in page
    refused = admin(sandbox, "POST", action_path(created["Id"], "bill"), headers=FORM)
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("text/html")
    deleted = admin(
        sandbox, "POST", action_path(created["Id"], "delete"), headers=FORM, allow_redirects=False
    )
    assert deleted.status_code == 303
    assert f'id="delete-{created["Id"]}"' not in admin(sandbox, "GET", "").text
