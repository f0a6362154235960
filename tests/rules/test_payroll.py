# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The employee's pay type is sent as PayrollItemRef, for an employee's time
only: the employee's own compensation id, never the employer pay type's."""

from datetime import date

import pytest

from qb_timesheet_sync.qbo.hour_details import Tracking, hour_details
from qb_timesheet_sync.qbo.payroll import (
    Compensation,
    compensation_from_node,
    has_payroll,
    resolve_choice,
)
from qb_timesheet_sync.qbo.time_activity import build_time_activity
from qb_timesheet_sync.qbo.timesheet_rules import refusal
from tests.rules.line_facts import line_facts


def payload(name_of, details):
    built, _truncated = build_time_activity(
        name_of=name_of,
        person_qbo_id="55",
        customer_qbo_id="22",
        txn_date=date(2026, 7, 1),
        minutes=60,
        billable=False,
        **details.payload_kwargs(),
    )
    return built


def test_pay_type_sent_for_an_employee():
    details = hour_details({}, Tracking(), payroll_item="623972114")
    assert details.payroll_item_qbo_id == "623972114"
    assert payload("Employee", details)["PayrollItemRef"] == {"value": "623972114"}


def test_pay_type_never_sent_for_a_vendor():
    details = hour_details({}, Tracking(), payroll_item="623972114")
    assert "PayrollItemRef" not in payload("Vendor", details)


def test_no_pay_type_no_reference():
    assert "PayrollItemRef" not in payload("Employee", hour_details({}, Tracking()))


NODE = {
    "id": "623972114",
    "active": True,
    "employerCompensation": {
        "id": "1000027777",
        "name": "Overtime Pay",
        "type": {"key": "OVERTIME", "value": "OVERTIME", "description": "OVERTIME"},
    },
}


def test_compensation_of_a_node_is_the_node_id():
    """IntuitDeveloper/SampleApp-PayrollCompensation-NodeJS pages/index.html
    sends the node ``id`` as PayrollItemRef, not ``employerCompensation.id``."""
    compensation = compensation_from_node(NODE)
    assert compensation == Compensation("623972114", "1000027777", "Overtime Pay", "OVERTIME")
    details = hour_details({}, Tracking(), payroll_item=compensation.qbo_id)
    assert payload("Employee", details)["PayrollItemRef"] == {"value": "623972114"}


@pytest.mark.parametrize(
    ("name", "key", "shown"),
    [
        ("Overtime Pay", "OVERTIME", "Overtime Pay"),
        ("Double Overtime Pay", "DOUBLE_OVERTIME", "Double Overtime Pay"),
        ("Regular pay", "HOURLY", "Regular pay (hourly)"),
        ("Holiday Pay", "HOLIDAY_PAY", "Holiday Pay"),
        ("Jane's rate", "", "Jane's rate"),
    ],
)
def test_compensation_name_says_its_kind(name, key, shown):
    assert Compensation("1", "2", name, key).name == shown


def test_node_without_a_name_is_named_by_its_pay_type_id():
    node = {"id": 5, "employerCompensation": {"id": 77, "type": None}}
    assert compensation_from_node(node) == Compensation("5", "77", "77", "")


REGULAR = Compensation("623972114", "900", "Regular pay", "HOURLY")
OVERTIME = Compensation("623972115", "901", "Overtime", "OVERTIME")


def test_choice_kept_while_the_employee_has_it():
    assert resolve_choice("623972115", "901", [REGULAR, OVERTIME]) == OVERTIME


def test_choice_follows_the_pay_type_to_the_employee_own_compensation():
    # A choice of 18.0.1.1.0: no compensation id, the employer's pay type 901.
    assert resolve_choice(None, "901", [REGULAR, OVERTIME]) == OVERTIME
    # A compensation QuickBooks replaced by another of the same pay type.
    replaced = Compensation("623972999", "901", "Overtime", "OVERTIME")
    assert resolve_choice("623972115", "901", [REGULAR, replaced]) == replaced


def test_choice_without_a_compensation_of_its_pay_type():
    assert resolve_choice(None, "901", [REGULAR]) is None
    assert resolve_choice("623972115", "901", []) is None
    # An employer pay type id is never taken for a compensation id.
    assert resolve_choice("900", None, [REGULAR, OVERTIME]) is None


def facts(**changes):
    return line_facts(
        **{
            "approval_required": False,
            "billable": False,
            "send_non_billable": True,
            "unit_amount_hours": 1.0,
            "employee_name": "Emily Platt",
            **changes,
        }
    )


def test_pay_type_still_to_be_found_holds_the_line_back():
    assert refusal(facts()) is None
    refused = refusal(facts(payroll_pending="Regular pay (Hourly)"))
    assert refused.code == "payroll_pending"
    assert "'Regular pay (Hourly)' of 'Emily Platt'" in refused.message
    assert "Check for new users and customers" in refused.message


def test_pending_pay_type_is_not_sent():
    details = hour_details({}, Tracking(), payroll_pending="Regular pay (Hourly)")
    assert details.payroll_pending == "Regular pay (Hourly)"
    assert "PayrollItemRef" not in payload("Employee", details)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), (None, False)])
def test_has_payroll(value, expected):
    pairs = [] if value is None else [{"Name": "PayrollFeature", "Value": value}]
    assert has_payroll({"NameValue": pairs}) is expected
