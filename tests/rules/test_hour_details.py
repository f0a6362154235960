# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The one cascade of service item, class and location, the cost
rule, and what Preferences say about classes and locations."""

from datetime import date

from qb_timesheet_sync.qbo.hour_details import (
    CATEGORY_QUERIES,
    CLASS,
    DEPARTMENT,
    ITEM,
    HourDetails,
    Tracking,
    category_from_row,
    category_queries,
    cost_rate,
    customer_refs,
    hour_details,
    resolve_details,
    tracking_facts,
)
from qb_timesheet_sync.qbo.time_activity import build_time_activity
from qb_timesheet_sync.qbo.timesheet_rules import refusal
from tests.rules.line_facts import line_facts

ALL_LEVELS = {
    "task": {ITEM: "t-item"},
    "employee": {ITEM: "e-item", CLASS: "e-class", DEPARTMENT: "e-dep"},
    "project": {ITEM: "p-item", CLASS: "p-class", DEPARTMENT: "p-dep"},
    "company": {ITEM: "c-item", CLASS: "c-class", DEPARTMENT: "c-dep"},
}
TRACKING_ALL = Tracking(classes=True, departments=True)


def test_most_specific_level_wins_for_each_kind():
    assert resolve_details(ALL_LEVELS) == {
        ITEM: ("t-item", "task"),
        CLASS: ("e-class", "employee"),
        DEPARTMENT: ("e-dep", "employee"),
    }


def test_each_level_falls_through_when_not_set():
    levels = {
        "task": {ITEM: None},
        "employee": {ITEM: None, CLASS: None, DEPARTMENT: "e-dep"},
        "project": {ITEM: "p-item", CLASS: None},
        "company": {ITEM: "c-item", CLASS: "c-class"},
    }
    assert resolve_details(levels) == {
        ITEM: ("p-item", "project"),
        CLASS: ("c-class", "company"),
        DEPARTMENT: ("e-dep", "employee"),
    }


def test_nothing_set_sends_nothing():
    assert resolve_details({}) == {}
    assert hour_details({}, TRACKING_ALL) == HourDetails()


def test_class_and_location_only_when_quickbooks_does_not_say_it_stopped_tracking():
    off = hour_details(ALL_LEVELS, Tracking(classes=False, departments=False))
    assert (off.item_qbo_id, off.class_qbo_id, off.department_qbo_id) == ("t-item", None, None)
    unknown = hour_details(ALL_LEVELS, Tracking())
    assert (unknown.class_qbo_id, unknown.department_qbo_id) == ("e-class", "e-dep")


def test_cost_is_sent_only_when_the_company_says_so():
    assert cost_rate(42.5, True) == 42.5
    assert cost_rate(42.5, False) is None
    assert cost_rate(0, True) is None
    assert hour_details({}, TRACKING_ALL, hourly_cost=30, send_cost=True).cost_rate == 30


def test_tracking_is_read_from_preferences():
    assert tracking_facts({}) == Tracking(None, None)
    prefs = {"AccountingInfoPrefs": {"ClassTrackingPerTxn": False, "TrackDepartments": True}}
    assert tracking_facts(prefs) == Tracking(classes=False, departments=True)
    both = {"AccountingInfoPrefs": {"ClassTrackingPerTxn": "true", "ClassTrackingPerTxnLine": True}}
    assert tracking_facts(both) == Tracking(classes=True, classes_per_line=False)


def test_per_line_class_tracking_sends_no_class_and_keeps_it_aside():
    # Intuit's TimeActivity reference: ClassRef "available if ClassTrackingPerTxn is true".
    per_line = {
        "AccountingInfoPrefs": {"ClassTrackingPerTxn": False, "ClassTrackingPerTxnLine": "true"}
    }
    tracking = tracking_facts(per_line)
    assert tracking == Tracking(classes=False, classes_per_line=True)
    details = hour_details(ALL_LEVELS, tracking)
    assert details.class_qbo_id is None and details.class_withheld_qbo_id == "e-class"
    assert "class_withheld_qbo_id" not in details.payload_kwargs()
    # No class list is read for it (a metered call for nothing).
    assert CLASS not in category_queries(tracking)
    # Per transaction: sent, nothing kept aside.
    sent = hour_details(ALL_LEVELS, TRACKING_ALL)
    assert sent.class_qbo_id == "e-class" and sent.class_withheld_qbo_id is None


def test_projects_are_read_from_preferences():
    def prefs(value):
        return {"OtherPrefs": {"NameValue": [{"Name": "ProjectsEnabled", "Value": value}]}}

    assert tracking_facts(prefs("true")).projects is True
    assert tracking_facts(prefs("false")).projects is False
    assert tracking_facts({}).projects is None


def test_time_of_a_quickbooks_project_is_its_customers_linked_to_the_project():
    projects_on = Tracking(projects=True)
    # A QuickBooks project (its customer is 7): CustomerRef 7, ProjectRef the project.
    assert customer_refs("42", "7", projects_on) == ("7", "42")
    # A plain sub-customer, Projects off or unknown, or the company setting off:
    # the sub-customer itself, no ProjectRef.
    assert customer_refs("42", None, projects_on) == ("42", None)
    assert customer_refs("42", "7", Tracking(projects=False)) == ("42", None)
    assert customer_refs("42", "7", Tracking()) == ("42", None)
    assert customer_refs("42", "7", projects_on, link_projects=False) == ("42", None)
    payload, _truncated = build_time_activity(
        name_of="Employee",
        person_qbo_id="5",
        customer_qbo_id="7",
        project_qbo_id="42",
        txn_date=date(2026, 7, 1),
        minutes=60,
        billable=False,
    )
    assert payload["CustomerRef"] == {"value": "7"} and payload["ProjectRef"] == {"value": "42"}


def test_resync_reads_only_the_tracked_lists():
    assert category_queries(Tracking(False, False)) == {}
    assert category_queries(Tracking(True, None)) == {CLASS: CATEGORY_QUERIES[CLASS]}
    assert set(category_queries(TRACKING_ALL)) == {CLASS, DEPARTMENT}


def test_category_rows_show_their_full_name():
    row = {"Id": 7, "Name": "West", "FullyQualifiedName": "Sales:West", "Active": False}
    assert category_from_row(row) == {"qbo_id": "7", "name": "Sales:West", "active": False}


def test_payload_carries_class_location_and_cost():
    details = hour_details(ALL_LEVELS, TRACKING_ALL, hourly_cost=35.5, send_cost=True)
    payload, _truncated = build_time_activity(
        name_of="Employee",
        person_qbo_id="55",
        customer_qbo_id="22",
        txn_date=date(2026, 7, 1),
        minutes=90,
        billable=True,
        hourly_rate=120,
        **details.payload_kwargs(),
    )
    assert payload["ItemRef"] == {"value": "t-item"}
    assert payload["ClassRef"] == {"value": "e-class"}
    assert payload["DepartmentRef"] == {"value": "e-dep"}
    assert payload["CostRate"] == 35.5


def test_payload_without_details_is_unchanged():
    payload, _truncated = build_time_activity(
        name_of="Vendor",
        person_qbo_id="9",
        customer_qbo_id="22",
        txn_date=date(2026, 7, 1),
        minutes=60,
        billable=False,
        **HourDetails().payload_kwargs(),
    )
    assert not {"ItemRef", "ClassRef", "DepartmentRef", "CostRate"} & payload.keys()


def _facts(**changes):
    return line_facts(
        **{
            "approval_required": False,
            "unit_amount_hours": 1.0,
            "hourly_rate": 100,
            "employee_name": "Alice",
            **changes,
        }
    )


def test_missing_required_class_is_refused_with_a_reason():
    refused = refusal(_facts(class_required=True))
    assert refused.code == "class_required"
    assert "'Alice'" in refused.message and "'Website'" in refused.message
    assert refusal(_facts(class_required=True, class_qbo_id="3")) is None
    assert refusal(_facts(class_required=False)) is None
