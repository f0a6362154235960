"""Entity rules of the Accounting API: create, read, update, delete and their faults."""

import datetime

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT


def fault_code(response):
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]["code"]


def find(api, entity, name, field="DisplayName"):
    text = f"select * from {entity} where {field} = '{name}' and Active in (true, false)"
    return api.query(text).json()["QueryResponse"][entity][0]


def settings(sandbox, **changes):
    response = requests.post(
        f"{sandbox.url}/_sandbox/realms/{DEMO_REALM_ID}/settings", json=changes, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def people(sandbox_api):
    return {
        "alice": find(sandbox_api, "Employee", "Alice Martin")["Id"],
        "farid": find(sandbox_api, "Employee", "Farid Haddad")["Id"],
        "jordan": find(sandbox_api, "Vendor", "Jordan Blake")["Id"],
        "acme": find(sandbox_api, "Customer", "Acme Corporation")["Id"],
        "website": find(sandbox_api, "Customer", "Website Redesign")["Id"],
        "hours": find(sandbox_api, "Item", "Hours", field="Name")["Id"],
    }


def time_activity(people, **overrides):
    payload = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": people["alice"]},
        "CustomerRef": {"value": people["website"]},
        "ItemRef": {"value": people["hours"]},
        "TxnDate": "2026-07-01",
        "Hours": 7,
        "Minutes": 30,
        "BillableStatus": "Billable",
        "HourlyRate": 120,
        "Description": "Sprint planning",
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def test_time_activity_create_read_update_delete(sandbox, sandbox_api, people):
    created = sandbox_api.create("TimeActivity", time_activity(people))
    assert created.status_code == 200, created.text
    assert created.headers["intuit_tid"]
    envelope = created.json()
    record = envelope["TimeActivity"]
    assert envelope["time"].endswith("-07:00") and "." in envelope["time"]
    assert record["SyncToken"] == "0" and record["domain"] == "QBO" and record["sparse"] is False
    assert record["EmployeeRef"] == {"value": people["alice"], "name": "Alice Martin"}
    assert record["CustomerRef"]["name"] == "Acme Corporation:Website Redesign"
    assert record["ItemRef"]["name"] == "Hours"
    assert record["MetaData"]["CreateTime"].endswith("-07:00")
    read = sandbox_api.read("TimeActivity", record["Id"]).json()["TimeActivity"]
    assert read == record

    full = {**read, "Description": "Retro", "Hours": 1}
    del full["ItemRef"]
    updated = sandbox_api.create("TimeActivity", full).json()["TimeActivity"]
    assert updated["SyncToken"] == "1"
    assert updated["Description"] == "Retro" and updated["Hours"] == 1
    assert "ItemRef" not in updated  # a full update clears what is left out

    sparse = {"Id": record["Id"], "SyncToken": "1", "sparse": True, "Minutes": 45}
    patched = sandbox_api.create("TimeActivity", sparse).json()["TimeActivity"]
    assert patched["SyncToken"] == "2"
    assert patched["Minutes"] == 45 and patched["Description"] == "Retro"

    stale = sandbox_api.create("TimeActivity", {**sparse, "SyncToken": "1"})
    assert fault_code(stale) == "5010"
    assert stale.json()["Fault"]["Error"][0]["Message"] == "Stale Object Error"

    deleted = sandbox_api.post(
        "timeactivity", json={"Id": record["Id"], "SyncToken": "2"}, params={"operation": "delete"}
    )
    assert deleted.json()["TimeActivity"] == {
        "status": "Deleted",
        "domain": "QBO",
        "Id": record["Id"],
    }
    assert fault_code(sandbox_api.read("TimeActivity", record["Id"])) == "610"
    again = sandbox_api.create("TimeActivity", {**sparse, "SyncToken": "2"})
    assert fault_code(again) == "610"
    listed = sandbox.state.records(DEMO_REALM_ID, "TimeActivity")
    assert [entry["status"] for entry in listed] == ["Deleted"]
    stats = sandbox.stats()
    assert stats["creates"]["TimeActivity"] == 1
    assert stats["updates"]["TimeActivity"] == 2
    assert stats["deletes"]["TimeActivity"] == 1


def test_time_activity_with_vendor_and_start_end_times(sandbox_api, people):
    payload = time_activity(
        people,
        NameOf="Vendor",
        EmployeeRef=None,
        VendorRef={"value": people["jordan"]},
        Hours=None,
        Minutes=None,
        StartTime="2026-07-01T09:00:00-07:00",
        EndTime="2026-07-01T12:00:00-07:00",
        BreakMinutes=15,
    )
    response = sandbox_api.create("TimeActivity", payload)
    assert response.status_code == 200, response.text
    assert response.json()["TimeActivity"]["VendorRef"]["name"] == "Jordan Blake"


def test_time_activity_defaults(sandbox, sandbox_api, people):
    payload = time_activity(
        people, TxnDate=None, BillableStatus=None, HourlyRate=None, CustomerRef=None
    )
    record = sandbox_api.create("TimeActivity", payload).json()["TimeActivity"]
    assert record["BillableStatus"] == "NotBillable"
    assert record["Taxable"] is False
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=-7))).date()
    assert record["TxnDate"] == today.isoformat()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"VendorRef": {"value": "7"}}, "6290"),
        ({"NameOf": None}, "6300"),
        ({"NameOf": "Vendor"}, "6300"),
        ({"EmployeeRef": None}, "6300"),
        ({"CustomerRef": None}, "6310"),
        ({"HourlyRate": None}, "6330"),
        ({"BillableStatus": "Sometimes"}, "6320"),
        ({"BillableStatus": "HasBeenBilled"}, "2170"),
        ({"StartTime": "2026-07-01T09:00:00", "EndTime": "2026-07-01T10:00:00"}, "6390"),
        ({"Hours": None, "Minutes": None}, "6350"),
        ({"Hours": 8761, "Minutes": 0}, "6380"),
        ({"Hours": 8760, "Minutes": 1}, "6380"),
        ({"Minutes": 60}, "6380"),
        ({"Hours": -1}, "6380"),
        ({"Description": "x" * 4001}, "2050"),
        ({"TxnDate": "2026-13-45"}, "2010"),
        ({"EmployeeRef": {"value": "999"}}, "2500"),
        ({"ItemRef": {"value": "999"}}, "2500"),
        ({"CustomerRef": {"value": "999"}}, "2500"),
    ],
)
def test_time_activity_validation_faults(sandbox_api, people, overrides, code):
    response = sandbox_api.create("TimeActivity", time_activity(people, **overrides))
    assert fault_code(response) == code
    assert response.json()["Fault"]["type"] == "ValidationFault"


def test_time_activity_start_and_end_checks(sandbox_api, people):
    base = time_activity(people, Hours=None, Minutes=None)
    backwards = {**base, "StartTime": "2026-07-01T12:00:00", "EndTime": "2026-07-01T09:00:00"}
    assert fault_code(sandbox_api.create("TimeActivity", backwards)) == "6370"
    long_break = {
        **base,
        "StartTime": "2026-07-01T09:00:00",
        "EndTime": "2026-07-01T10:00:00",
        "BreakHours": 1,
    }
    assert fault_code(sandbox_api.create("TimeActivity", long_break)) == "6360"
    time_only = {**base, "StartTime": "08:00:00-07:00", "EndTime": "09:30:00-07:00"}
    assert sandbox_api.create("TimeActivity", time_only).status_code == 200


def test_inactive_reference_is_610(sandbox_api, people):
    response = sandbox_api.create(
        "TimeActivity", time_activity(people, EmployeeRef={"value": people["farid"]})
    )
    assert fault_code(response) == "610"
    assert "inactive" in response.json()["Fault"]["Error"][0]["Detail"]


def test_closed_books_refuse_time_activities_on_or_before_the_close_date(
    sandbox, sandbox_api, people
):
    created = sandbox_api.create("TimeActivity", time_activity(people, TxnDate="2026-03-31"))
    record = created.json()["TimeActivity"]
    settings(sandbox, BookCloseDate="2026-03-31")
    prefs = sandbox_api.get("preferences").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2026-03-31"
    response = sandbox_api.create("TimeActivity", time_activity(people, TxnDate="2026-03-31"))
    assert fault_code(response) == "6210"
    assert response.json()["Fault"]["Error"][0]["Message"].startswith("Account Period Closed")
    ok = sandbox_api.create("TimeActivity", time_activity(people, TxnDate="2026-04-01"))
    assert ok.status_code == 200
    delete = sandbox_api.post(
        "timeactivity", json={"Id": record["Id"], "SyncToken": "0"}, params={"operation": "delete"}
    )
    assert fault_code(delete) == "6210"
    settings(sandbox, BookCloseDate=None)
    prefs = sandbox_api.get("preferences").json()["Preferences"]
    assert "BookCloseDate" not in prefs["AccountingInfoPrefs"]


def test_plan_without_time_tracking_refuses_time_activities(sandbox, sandbox_api, people):
    settings(sandbox, OfferingSku="QuickBooks Online Simple Start")
    prefs = sandbox_api.get("preferences").json()["Preferences"]
    flags = {pair["Name"]: pair["Value"] for pair in prefs["OtherPrefs"]["NameValue"]}
    assert flags["TimeTrackingFeatureEnabled"] == "false"
    response = sandbox_api.create("TimeActivity", time_activity(people))
    assert fault_code(response) == "5020"
    # Other writes still work on that plan.
    assert sandbox_api.create("Customer", {"DisplayName": "Still Fine"}).status_code == 200
    settings(sandbox, TimeTrackingFeatureEnabled=True)
    assert sandbox_api.create("TimeActivity", time_activity(people)).status_code == 200
    settings(sandbox, OfferingSku="QuickBooks Online Plus", TimeTrackingFeatureEnabled=False)
    assert fault_code(sandbox_api.create("TimeActivity", time_activity(people))) == "5020"


@pytest.mark.parametrize("status", ["CANCELLED", "EXPIRED", "SUSPENDED"])
def test_ended_subscription_blocks_writes_not_reads(sandbox, sandbox_api, people, status):
    settings(sandbox, SubscriptionStatus=status)
    info = sandbox_api.get(f"companyinfo/{DEMO_REALM_ID}").json()["CompanyInfo"]
    values = {pair["Name"]: pair["Value"] for pair in info["NameValue"]}
    assert values["SubscriptionStatus"] == status
    assert fault_code(sandbox_api.create("TimeActivity", time_activity(people))) == "6190"
    assert fault_code(sandbox_api.create("Customer", {"DisplayName": "Blocked"})) == "6190"
    assert sandbox_api.query("select * from Customer").status_code == 200


def test_company_info_reflects_settings(sandbox, sandbox_api):
    settings(
        sandbox,
        CompanyName="Renamed Ltd",
        OfferingSku="QuickBooks Online Advanced",
        PayrollFeature=True,
    )
    response = sandbox_api.get(f"companyinfo/{DEMO_REALM_ID}")
    info = response.json()["CompanyInfo"]
    values = {pair["Name"]: pair["Value"] for pair in info["NameValue"]}
    assert info["CompanyName"] == "Renamed Ltd"
    assert values["OfferingSku"] == "QuickBooks Online Advanced"
    assert values["PayrollFeature"] == "true"
    assert sandbox_api.get("companyinfo/1").status_code == 200
    assert fault_code(sandbox_api.get("companyinfo/42")) == "610"


def test_payroll_company_builds_employee_display_names(sandbox, sandbox_api):
    settings(sandbox, PayrollFeature=True)
    payload = {"GivenName": "Nina", "MiddleName": "K", "FamilyName": "Ross", "DisplayName": "N"}
    record = sandbox_api.create("Employee", payload).json()["Employee"]
    assert record["DisplayName"] == "Nina K Ross"
    refused = sandbox_api.create("Employee", {"GivenName": "Max", "BillRate": 100})
    assert fault_code(refused) == "2010"


def test_display_names_are_unique_across_people_and_customers(sandbox_api):
    for entity in ("Customer", "Vendor", "Employee"):
        payload = {"DisplayName": "alice MARTIN", "GivenName": "Alice"}
        response = sandbox_api.create(entity, payload)
        assert fault_code(response) == "6240"
        assert (
            "Another customer, vendor or employee" in response.json()["Fault"]["Error"][0]["Detail"]
        )
    # Inactive records keep their name.
    assert fault_code(sandbox_api.create("Vendor", {"DisplayName": "Farid Haddad"})) == "6240"
    assert fault_code(sandbox_api.create("Item", {"Name": "hours", "Type": "Service"})) == "6240"


def test_names_reject_separators_and_empty_names(sandbox_api):
    for name in ("Acme:Web", "Tab\there", "Line\nbreak"):
        assert fault_code(sandbox_api.create("Customer", {"DisplayName": name})) == "2040"
    assert fault_code(sandbox_api.create("Customer", {"Notes": "no name"})) == "6080"
    built = sandbox_api.create("Customer", {"GivenName": "Ada", "FamilyName": "Byron"})
    assert built.json()["Customer"]["DisplayName"] == "Ada Byron"
    assert fault_code(sandbox_api.create("Employee", {"DisplayName": "Only Display"})) == "2020"
    too_long = sandbox_api.create("Customer", {"DisplayName": "x" * 501})
    assert fault_code(too_long) == "2050"


def test_customer_hierarchy(sandbox_api, people):
    sprint = find(sandbox_api, "Customer", "Design Sprint")
    assert sprint["FullyQualifiedName"] == "Acme Corporation:Mobile App:Phase 1:Design Sprint"
    assert sprint["Level"] == 3 and sprint["Job"] is True
    website = find(sandbox_api, "Customer", "Website Redesign")
    assert website["IsProject"] is True
    level4 = sandbox_api.create(
        "Customer", {"DisplayName": "Wireframes", "ParentRef": {"value": sprint["Id"]}}
    ).json()["Customer"]
    assert level4["Level"] == 4 and level4["Job"] is True
    too_deep = sandbox_api.create(
        "Customer", {"DisplayName": "Too Deep", "ParentRef": {"value": level4["Id"]}}
    )
    assert fault_code(too_deep) == "6180"
    no_parent = sandbox_api.create("Customer", {"DisplayName": "Orphan Job", "Job": True})
    assert fault_code(no_parent) == "6150"
    # The v3 API cannot create projects: IsProject is read-only.
    project = sandbox_api.create(
        "Customer",
        {"DisplayName": "Not A Project", "IsProject": True, "ParentRef": {"value": people["acme"]}},
    ).json()["Customer"]
    assert project["IsProject"] is False


def test_renaming_a_parent_renames_its_descendants(sandbox_api):
    acme = find(sandbox_api, "Customer", "Acme Corporation")
    renamed = {
        "Id": acme["Id"],
        "SyncToken": acme["SyncToken"],
        "sparse": True,
        "DisplayName": "Acme Group",
    }
    assert sandbox_api.create("Customer", renamed).status_code == 200
    sprint = find(sandbox_api, "Customer", "Design Sprint")
    assert sprint["FullyQualifiedName"] == "Acme Group:Mobile App:Phase 1:Design Sprint"
    assert sprint["ParentRef"]["name"] == "Acme Group:Mobile App:Phase 1"


def test_moving_a_customer_under_its_own_child_is_refused(sandbox_api):
    mobile = find(sandbox_api, "Customer", "Mobile App")
    phase = find(sandbox_api, "Customer", "Phase 1")
    move = {
        "Id": mobile["Id"],
        "SyncToken": mobile["SyncToken"],
        "sparse": True,
        "ParentRef": {"value": phase["Id"]},
    }
    assert fault_code(sandbox_api.create("Customer", move)) == "6000"


def test_name_lists_cannot_be_deleted_only_deactivated(sandbox_api, people):
    delete = sandbox_api.post(
        "customer", json={"Id": people["acme"], "SyncToken": "0"}, params={"operation": "delete"}
    )
    assert fault_code(delete) == "500"
    initech = find(sandbox_api, "Customer", "Initech")
    deactivate = {
        "Id": initech["Id"],
        "SyncToken": initech["SyncToken"],
        "sparse": True,
        "Active": False,
    }
    assert sandbox_api.create("Customer", deactivate).json()["Customer"]["Active"] is False
    names = [
        record["DisplayName"]
        for record in sandbox_api.query("select * from Customer").json()["QueryResponse"][
            "Customer"
        ]
    ]
    assert "Initech" not in names
    response = sandbox_api.create(
        "TimeActivity",
        time_activity(people, CustomerRef={"value": initech["Id"]}),
    )
    assert fault_code(response) == "610"


def test_update_requires_id_and_sync_token(sandbox_api, people):
    missing_token = sandbox_api.create(
        "Customer", {"Id": people["acme"], "DisplayName": "Acme Corporation"}
    )
    assert fault_code(missing_token) == "2020"
    unknown = sandbox_api.create("Customer", {"Id": "99999", "SyncToken": "0", "DisplayName": "X"})
    assert fault_code(unknown) == "610"


def test_item_rules(sandbox_api):
    assert fault_code(sandbox_api.create("Item", {"Type": "Service"})) == "2020"
    assert fault_code(sandbox_api.create("Item", {"Name": "Design"})) == "2020"
    assert fault_code(sandbox_api.create("Item", {"Name": "Design", "Type": "Magic"})) == "2170"
    item = sandbox_api.create("Item", {"Name": "Design", "Type": "Service", "UnitPrice": 90})
    assert item.json()["Item"]["FullyQualifiedName"] == "Design"


def test_malformed_json_and_unknown_paths(sandbox_api):
    broken = sandbox_api.post(
        "customer", data=b'{"DisplayName": ', headers={"Content-Type": "application/json"}
    )
    assert fault_code(broken) == "2010"
    assert broken.json()["Fault"]["Error"][0]["Message"] == (
        "Request has invalid or unsupported property"
    )
    not_object = sandbox_api.post("customer", json=["a"])
    assert fault_code(not_object) == "2010"
    unknown = sandbox_api.get("invoice/1")
    assert fault_code(unknown) == "500"
    assert unknown.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"
    assert unknown.headers["intuit_tid"]


def test_minorversion_is_accepted_whatever_its_value(sandbox_api):
    for version in ("4", "75", "76"):
        response = sandbox_api.get("preferences", params={"minorversion": version})
        assert response.status_code == 200
        assert response.json()["Preferences"]["TimeTrackingPrefs"]["WorkWeekStartDate"] == "Monday"
