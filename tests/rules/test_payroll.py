# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The employee's pay type is sent as PayrollItemRef, for an
employee's time only."""

from datetime import date

import pytest

from qb_timesheet_sync.qbo.hour_details import Tracking, hour_details
from qb_timesheet_sync.qbo.payroll import PayType, has_payroll, pay_type_from_node
from qb_timesheet_sync.qbo.time_activity import build_time_activity


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
    details = hour_details({}, Tracking(), payroll_item="900")
    assert details.payroll_item_qbo_id == "900"
    assert payload("Employee", details)["PayrollItemRef"] == {"value": "900"}


def test_pay_type_never_sent_for_a_vendor():
    details = hour_details({}, Tracking(), payroll_item="900")
    assert "PayrollItemRef" not in payload("Vendor", details)


def test_no_pay_type_no_reference():
    assert "PayrollItemRef" not in payload("Employee", hour_details({}, Tracking()))


def test_pay_type_of_a_compensation_node():
    node = {
        "id": "e-1",
        "active": True,
        "employerCompensation": {
            "id": 900,
            "name": "Regular pay",
            "type": {"key": "HOURLY", "value": "Hourly", "description": "Hourly pay"},
        },
    }
    assert pay_type_from_node(node) == PayType("900", "Regular pay", "Hourly")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), (None, False)])
def test_has_payroll(value, expected):
    pairs = [] if value is None else [{"Name": "PayrollFeature", "Value": value}]
    assert has_payroll({"NameValue": pairs}) is expected
