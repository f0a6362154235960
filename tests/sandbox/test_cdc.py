"""Change data capture (docs/ASSUMPTIONS.md#cdc-window): what changed since a moment, per entity,
with QuickBooks' limits (30-day look-back, 1,000 objects, no TimeActivity), in
the shape of an answer captured from QuickBooks (ruckus/quickbooks-ruby
spec/fixtures/change_data_capture_response.xml): one group per entity asked."""

import datetime

from tests.qbo_sandbox import DEMO_REALM_ID


def age_everything(sandbox, days=2):
    """Make every stored record look last changed ``days`` ago."""
    with sandbox.state.lock:
        realm = sandbox.state.realm(DEMO_REALM_ID)
        moment = (realm.now() - datetime.timedelta(days=days)).isoformat(timespec="seconds")
        for records in realm.records.values():
            for record in records.values():
                record["MetaData"]["LastUpdatedTime"] = moment
    return realm


def since(realm, **delta):
    return (realm.now() - datetime.timedelta(**delta)).isoformat(timespec="seconds")


def cdc(sandbox_api, entities, changed_since):
    return sandbox_api.get("cdc", params={"entities": entities, "changedSince": changed_since})


def groups(response):
    assert response.status_code == 200, response.text
    body = response.json()
    assert "time" in body
    return body["CDCResponse"][0]["QueryResponse"]


def customer(sandbox_api, name):
    return sandbox_api.create("Customer", {"DisplayName": name}).json()["Customer"]


def test_only_what_changed_is_returned_grouped_by_entity(sandbox, sandbox_api):
    realm = age_everything(sandbox)
    new = customer(sandbox_api, "Fresh Co")
    employee = sandbox.state.records(DEMO_REALM_ID, "Employee")[0]
    renamed = sandbox_api.post(
        "employee",
        json={
            "Id": employee["Id"],
            "SyncToken": employee["SyncToken"],
            "sparse": True,
            "DisplayName": "Renamed Person",
        },
    )
    assert renamed.status_code == 200, renamed.text
    answer = groups(cdc(sandbox_api, "Customer,Vendor,Employee", since(realm, days=1)))
    # One group per entity, in the order asked; no vendor changed: an empty group.
    customers, vendors, employees = answer
    assert vendors == {}
    assert [row["Id"] for row in customers["Customer"]] == [new["Id"]]
    assert customers["startPosition"] == 1
    assert customers["maxResults"] == customers["totalCount"] == 1
    assert set(employees) == {"Employee", "startPosition", "maxResults", "totalCount"}
    assert employees["Employee"][0]["DisplayName"] == "Renamed Person"


def test_no_change_answers_an_empty_group_per_entity(sandbox, sandbox_api):
    realm = age_everything(sandbox)
    assert groups(cdc(sandbox_api, "Customer", since(realm, days=1))) == [{}]
    assert groups(cdc(sandbox_api, "Customer,Item,Class", since(realm, days=1))) == [{}, {}, {}]


def test_entity_names_are_read_in_any_case(sandbox, sandbox_api):
    """Intuit's CDC blog (blogs.intuit.com 2023-08-24) asks for
    entities=customer,invoice; the answer spells the entities as Intuit does."""
    realm = age_everything(sandbox)
    new = customer(sandbox_api, "Lower Case Co")
    customers, employees = groups(cdc(sandbox_api, "customer,EMPLOYEE", since(realm, days=1)))
    assert [row["Id"] for row in customers["Customer"]] == [new["Id"]]
    assert employees == {}
    # Intuit's own example: an entity the sandbox holds none of has an empty group.
    customers, invoices = groups(cdc(sandbox_api, "customer,invoice", since(realm, days=1)))
    assert [row["Id"] for row in customers["Customer"]] == [new["Id"]] and invoices == {}
    refused = cdc(sandbox_api, "customer,timeactivity", since(realm, days=1))
    assert refused.status_code == 400
    assert "TimeActivity" in refused.json()["Fault"]["Error"][0]["Detail"]


def test_an_inactive_customer_is_a_changed_record_and_a_deleted_one_a_tombstone(
    sandbox, sandbox_api
):
    realm = age_everything(sandbox)
    gone = customer(sandbox_api, "Merged Away Co")
    inactive = customer(sandbox_api, "Sleeping Co")
    answer = sandbox_api.post(
        "customer",
        json={"Id": inactive["Id"], "SyncToken": "0", "sparse": True, "Active": False},
    )
    assert answer.status_code == 200, answer.text
    with sandbox.state.lock:
        # As a merge leaves the merged customer in QuickBooks (name lists are
        # never deleted through the API).
        realm.records["Customer"][gone["Id"]]["status"] = "Deleted"
    rows = groups(cdc(sandbox_api, "Customer", since(realm, hours=1)))[0]["Customer"]
    assert [row["Id"] for row in rows] == [inactive["Id"], gone["Id"]]  # tombstones last
    assert rows[0]["Active"] is False and "status" not in rows[0]
    assert rows[1]["status"] == "Deleted" and rows[1]["domain"] == "QBO"
    assert set(rows[1]) == {"status", "domain", "Id", "MetaData"}


def test_time_activity_is_refused(sandbox, sandbox_api):
    realm = sandbox.state.realm(DEMO_REALM_ID)
    response = cdc(sandbox_api, "Customer,TimeActivity", since(realm, days=1))
    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == "500"
    assert "TimeActivity" in error["Detail"]


def test_more_than_thirty_days_back_is_refused(sandbox, sandbox_api):
    realm = sandbox.state.realm(DEMO_REALM_ID)
    response = cdc(sandbox_api, "Customer", since(realm, days=31))
    assert response.status_code == 400
    assert "older than fixed days" in response.json()["Fault"]["Error"][0]["Detail"]
    assert cdc(sandbox_api, "Customer", since(realm, days=29)).status_code == 200


def test_missing_parameters_are_refused(sandbox, sandbox_api):
    realm = sandbox.state.realm(DEMO_REALM_ID)
    assert sandbox_api.get("cdc", params={"changedSince": since(realm, days=1)}).status_code == 400
    assert sandbox_api.get("cdc", params={"entities": "Customer"}).status_code == 400


def test_python_quickbooks_dates_are_accepted(sandbox, sandbox_api):
    """python-quickbooks sends changedSince without an offset; a date alone is documented."""
    realm = age_everything(sandbox)
    customer(sandbox_api, "Naive Co")
    naive = (realm.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert len(groups(cdc(sandbox_api, "Customer", naive))[0]["Customer"]) == 1
    day = (realm.now() - datetime.timedelta(days=1)).date().isoformat()
    assert len(groups(cdc(sandbox_api, "Customer", day))[0]["Customer"]) == 1


def test_one_response_holds_at_most_a_thousand_objects(sandbox, sandbox_api):
    realm = age_everything(sandbox)
    batch = {
        "BatchItemRequest": [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"Many {n}"}}
            for n in range(30)
        ]
    }
    for start in range(0, 1005, 30):
        for item in batch["BatchItemRequest"]:
            item["Customer"]["DisplayName"] = f"Many {start + int(item['bId'])}"
        assert sandbox_api.post("batch", json=batch).status_code == 200
    answer = groups(cdc(sandbox_api, "Customer,Employee", since(realm, hours=1)))
    objects = sum(len(group.get("Customer", [])) for group in answer)
    assert objects == 1000
    assert answer[0]["totalCount"] == 1020


def test_cdc_is_one_coreplus_call(sandbox, sandbox_api):
    realm = sandbox.state.realm(DEMO_REALM_ID)
    before = sandbox.stats()["metered"]["CorePlus"]
    cdc(sandbox_api, "Customer,Employee,Vendor", since(realm, days=1))
    stats = sandbox.stats()
    assert stats["metered"]["CorePlus"] == before + 1
    assert stats["requests"]["cdc"] == 1
