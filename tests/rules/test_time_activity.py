# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import date
from decimal import Decimal

import pytest

from qb_timesheet_sync.qbo.time_activity import (
    build_time_activity,
    matches_time_activity,
    payload_fingerprint,
)

JULY_1 = date(2026, 7, 1)


def employee_line(**changes):
    values = {
        "name_of": "Employee",
        "person_qbo_id": "55",
        "customer_qbo_id": "22",
        "txn_date": JULY_1,
        "minutes": 450,
        "billable": True,
        "hourly_rate": 120,
        "item_qbo_id": "2",
        "description": "Sprint planning",
    }
    values.update(changes)
    return build_time_activity(**values)


def test_billable_employee_payload():
    payload, truncated = employee_line()
    # The duration-form create example of Intuit's TimeActivity reference.
    assert payload == {
        "NameOf": "Employee",
        "EmployeeRef": {"value": "55"},
        "CustomerRef": {"value": "22"},
        "ItemRef": {"value": "2"},
        "TxnDate": "2026-07-01",
        "Hours": 7,
        "Minutes": 30,
        "BillableStatus": "Billable",
        "HourlyRate": 120,
        "Description": "Sprint planning",
    }
    assert truncated is False


def test_non_billable_vendor_payload():
    payload, truncated = build_time_activity(
        name_of="Vendor",
        person_qbo_id=31,
        customer_qbo_id=22,
        txn_date=date(2026, 1, 9),
        minutes=59,
        billable=False,
        hourly_rate=80,  # known, but not sent for non-billable time
    )
    assert payload == {
        "NameOf": "Vendor",
        "VendorRef": {"value": "31"},
        "CustomerRef": {"value": "22"},
        "TxnDate": "2026-01-09",
        "Hours": 0,
        "Minutes": 59,
        "BillableStatus": "NotBillable",
    }
    assert truncated is False


def test_decimal_rate_is_sent_as_a_json_number():
    payload, _truncated = employee_line(hourly_rate=Decimal("99.50"))
    assert payload["HourlyRate"] == 99.5
    assert '"HourlyRate": 99.5' in json.dumps(payload)


def test_longest_line():
    payload, _truncated = employee_line(minutes=1435)
    assert (payload["Hours"], payload["Minutes"]) == (23, 55)


@pytest.mark.parametrize(
    ("length", "truncated"),
    [(3999, False), (4000, False), (4001, True), (9000, True)],
)
def test_description_is_cut_at_4000_characters(length, truncated):
    description = "é" * length
    payload, was_truncated = employee_line(description=description)
    assert payload["Description"] == description[:4000]
    assert len(payload["Description"]) == min(length, 4000)
    assert was_truncated is truncated


def test_empty_description_is_left_out():
    payload, truncated = employee_line(description="")
    assert "Description" not in payload
    assert truncated is False


@pytest.mark.parametrize(
    "changes",
    [
        {"hourly_rate": None},
        {"hourly_rate": 0},
        {"minutes": 0},
        {"minutes": -5},
        {"minutes": 1436},
        {"minutes": 30.0},
        {"minutes": True},
        {"name_of": "Other"},
        {"customer_qbo_id": None},
        {"person_qbo_id": ""},
    ],
)
def test_programmer_errors_are_refused(changes):
    with pytest.raises(ValueError):
        employee_line(**changes)


def qbo_echo(payload, **changes):
    """The TimeActivity QuickBooks sends back for ``payload``."""
    record = {
        **payload,
        "Id": "1401",
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "Taxable": False,
        "EmployeeRef": {"value": "55", "name": "Jane Doe"},
        "CustomerRef": {"value": "22", "name": "Acme:Website"},
        "ItemRef": {"value": "2", "name": "Hours"},
        "MetaData": {"CreateTime": "2026-07-01T10:00:00-07:00"},
    }
    record.update(changes)
    return record


def test_fingerprint():
    payload, _truncated = employee_line()
    assert payload_fingerprint(payload) == (
        "Employee",
        "55",
        "2026-07-01",
        7,
        30,
        "Sprint planning",
        "22",
        "",
    )
    # Two payloads of ours for other projects are told apart.
    linked, _truncated = employee_line(customer_qbo_id="7", project_qbo_id="42")
    other, _truncated = employee_line(customer_qbo_id="7", project_qbo_id="43")
    assert payload_fingerprint(linked) != payload_fingerprint(other)


def test_matches_the_record_quickbooks_created():
    payload, _truncated = employee_line()
    assert matches_time_activity(payload, qbo_echo(payload))
    # Invoiced since: the billable status changed, it is still the same record.
    assert matches_time_activity(payload, qbo_echo(payload, BillableStatus="HasBeenBilled"))
    assert matches_time_activity(payload, qbo_echo(payload, Description="Sprint planning\r\n"))


@pytest.mark.parametrize(
    "changes",
    [
        {"Minutes": 45},
        {"Hours": 6},
        {"TxnDate": "2026-07-02"},
        {"CustomerRef": {"value": "23"}},
        {"EmployeeRef": {"value": "56"}},
        {"Description": "Sprint review"},
        {"NameOf": "Vendor", "VendorRef": {"value": "55"}},
        {"status": "Deleted"},
    ],
)
def test_other_records_do_not_match(changes):
    payload, _truncated = employee_line()
    assert not matches_time_activity(payload, qbo_echo(payload, **changes))


def test_values_quickbooks_leaves_out_still_match():
    # QuickBooks omits properties without a value (docs/ASSUMPTIONS.md#absent-properties):
    # zero hours, no description.
    payload, _truncated = employee_line(minutes=20, description="")
    echo = qbo_echo(payload)
    del echo["Hours"]
    assert "Description" not in echo
    assert matches_time_activity(payload, echo)


def test_vendor_records_match_on_the_vendor_ref():
    payload, _truncated = build_time_activity(
        name_of="Vendor",
        person_qbo_id="31",
        customer_qbo_id="22",
        txn_date=JULY_1,
        minutes=90,
        billable=False,
    )
    echo = {**payload, "Id": "7", "VendorRef": {"value": "31", "name": "Bolt"}}
    assert matches_time_activity(payload, echo)
    assert not matches_time_activity(payload, {**echo, "VendorRef": {"value": "32"}})


def test_time_sent_for_a_project_sub_customer_matches_in_either_form():
    """docs/ASSUMPTIONS.md#project-customer-ref: sent for the project (42, a
    sub-customer of 7) without ProjectRef, QuickBooks may keep it so or store
    the project's customer and link the project."""
    payload, _truncated = employee_line(customer_qbo_id="42")
    as_sent = qbo_echo(payload, CustomerRef={"value": "42", "name": "Acme:Website"})
    rewritten = qbo_echo(payload, CustomerRef={"value": "7"}, ProjectRef={"value": "42"})
    assert matches_time_activity(payload, as_sent)
    assert matches_time_activity(payload, rewritten)
    # Another project, or the customer without the project, is another record.
    assert not matches_time_activity(
        payload, qbo_echo(payload, CustomerRef={"value": "7"}, ProjectRef={"value": "43"})
    )
    assert not matches_time_activity(payload, qbo_echo(payload, CustomerRef={"value": "7"}))


def test_time_linked_to_a_project_matches_with_or_without_its_echoed_project():
    payload, _truncated = employee_line(customer_qbo_id="7", project_qbo_id="42")
    echo = qbo_echo(payload, CustomerRef={"value": "7", "name": "Acme"})
    assert matches_time_activity(payload, echo)
    # An answer that leaves ProjectRef out still names the customer sent.
    assert matches_time_activity(payload, {k: v for k, v in echo.items() if k != "ProjectRef"})
    assert not matches_time_activity(payload, {**echo, "ProjectRef": {"value": "43"}})
    assert not matches_time_activity(payload, {**echo, "CustomerRef": {"value": "8"}})


def test_time_of_a_customer_linked_to_a_project_in_quickbooks_is_a_change():
    payload, _truncated = employee_line()
    assert not matches_time_activity(payload, qbo_echo(payload, ProjectRef={"value": "42"}))
