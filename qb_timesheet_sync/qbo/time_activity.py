# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The TimeActivity of a timesheet line: the request body
(:func:`build_time_activity`), and how to recognise, after a crash, the one
QuickBooks created for us (:func:`matches_time_activity`).

Plain Python on purpose (no ``odoo`` import, no I/O); whether a line may be
sent at all is :func:`.timesheet_rules.refusal`.
"""

from decimal import Decimal

from .lists import EMPLOYEE, VENDOR
from .timesheet_rules import DESCRIPTION_MAX, MAX_MINUTES, split_hours_minutes

# ---------------------------------------------------------------------------
# The TimeActivity body
# ---------------------------------------------------------------------------


def _json_number(value):
    """Decimals are not JSON; QuickBooks takes rates as plain numbers."""
    return float(value) if isinstance(value, Decimal) else value


def build_time_activity(
    *,
    name_of,
    person_qbo_id,
    customer_qbo_id,
    txn_date,
    minutes,
    billable,
    hourly_rate=None,
    item_qbo_id=None,
    description="",
    class_qbo_id=None,
    department_qbo_id=None,
    cost_rate=None,
    project_qbo_id=None,
    payroll_item_qbo_id=None,
):
    """Return ``(payload, description_truncated)`` for a TimeActivity create.

    The duration form (Hours and Minutes, with TxnDate) is used rather than
    start and end times, whose time zones QuickBooks does not round-trip
    (docs/ASSUMPTIONS.md#duration-form). ``minutes`` is the rounded duration. ``class_qbo_id``,
    ``department_qbo_id`` (a location) and ``cost_rate`` (job costing) are
    sent when given (see hour_details.py), and ``project_qbo_id`` as
    ``ProjectRef`` (a QuickBooks project, see
    :func:`~.hour_details.customer_refs`). ``payroll_item_qbo_id`` (the
    employee's pay type, qbo/payroll.py) is sent as ``PayrollItemRef`` for an
    employee's time only, never a vendor's. Raises ValueError on
    values the caller should have refused first (see :func:`refusal`).
    """
    if name_of not in (EMPLOYEE, VENDOR):
        raise ValueError(f"NameOf must be Employee or Vendor, not {name_of!r}")
    if not person_qbo_id or not customer_qbo_id:
        raise ValueError("A time activity needs a person and a customer.")
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError(f"The duration must be a whole number of minutes: {minutes!r}")
    if not 0 < minutes <= MAX_MINUTES:
        raise ValueError(f"The duration must be between 1 and {MAX_MINUTES} minutes: {minutes}")
    if billable and not (hourly_rate and hourly_rate > 0):
        raise ValueError("A billable time activity needs an hourly rate above zero.")
    hours, rest = split_hours_minutes(minutes)
    payload = {
        "NameOf": name_of,
        f"{name_of}Ref": {"value": str(person_qbo_id)},
        "CustomerRef": {"value": str(customer_qbo_id)},
    }
    if project_qbo_id:
        payload["ProjectRef"] = {"value": str(project_qbo_id)}
    if item_qbo_id:
        payload["ItemRef"] = {"value": str(item_qbo_id)}
    if class_qbo_id:
        payload["ClassRef"] = {"value": str(class_qbo_id)}
    if department_qbo_id:
        payload["DepartmentRef"] = {"value": str(department_qbo_id)}
    if payroll_item_qbo_id and name_of == EMPLOYEE:
        payload["PayrollItemRef"] = {"value": str(payroll_item_qbo_id)}
    payload.update(
        {
            "TxnDate": txn_date.isoformat(),
            "Hours": hours,
            "Minutes": rest,
            "BillableStatus": "Billable" if billable else "NotBillable",
        }
    )
    if billable:
        payload["HourlyRate"] = _json_number(hourly_rate)
    if cost_rate is not None and cost_rate > 0:
        payload["CostRate"] = _json_number(cost_rate)
    description = description or ""
    # Unknown whether QuickBooks counts characters or UTF-16 units; Python
    # characters match the documented "4000 characters" (docs/ASSUMPTIONS.md#description-max).
    truncated = len(description) > DESCRIPTION_MAX
    if description:
        payload["Description"] = description[:DESCRIPTION_MAX]
    return payload, truncated


# ---------------------------------------------------------------------------
# Finding a TimeActivity QuickBooks created for us
# ---------------------------------------------------------------------------


def _ref_value(record, key):
    return str((record.get(key) or {}).get("value") or "")


def _normalize_description(text):
    # Unknown whether QuickBooks keeps trailing spaces and CR/LF as sent:
    # compare without them so a lost response can still be recognised
    # (docs/ASSUMPTIONS.md#description-whitespace).
    return (text or "").replace("\r\n", "\n").strip()


def payload_fingerprint(payload):
    """Return what a payload of ours says, to tell two of our payloads apart.

    Every field that :func:`matches_time_activity` compares, and the customer
    and project exactly as sent. BillableStatus is left out: QuickBooks turns
    it into HasBeenBilled once the time is invoiced.
    """
    return (
        *echoed_fields(payload),
        _ref_value(payload, "CustomerRef"),
        _ref_value(payload, "ProjectRef"),
    )


def sent_hours(payload):
    """The duration a TimeActivity body gives QuickBooks, in hours."""
    return (int(payload.get("Hours") or 0) * 60 + int(payload.get("Minutes") or 0)) / 60


def echoed_fields(record):
    """The fields QuickBooks echoes back as sent (the customer aside, see
    :func:`same_customer`); works on our payload and on a record read from
    QuickBooks alike."""
    name_of = record.get("NameOf") or ""
    return (
        name_of,
        _ref_value(record, f"{name_of}Ref"),
        record.get("TxnDate") or "",
        int(record.get("Hours") or 0),
        int(record.get("Minutes") or 0),
        _normalize_description(record.get("Description")),
    )


def same_customer(qbo_record, payload):
    """Tell whether QuickBooks' ``qbo_record`` holds the customer and project
    ``payload`` (ours) was sent with, in any form QuickBooks may store them.

    Intuit shows time linked to a project as ``CustomerRef`` = the project's
    customer and ``ProjectRef`` = the project. It does not say what it stores
    for time sent for a project sub-customer without ``ProjectRef``, nor that
    every answer echoes ``ProjectRef`` (docs/ASSUMPTIONS.md#project-customer-ref).
    So, besides the very refs sent, two forms are the same customer:

    * sent ``CustomerRef`` = a project, no ``ProjectRef``: QuickBooks may hold
      ``CustomerRef`` = its customer and ``ProjectRef`` = that project;
    * sent ``CustomerRef`` and ``ProjectRef``: QuickBooks may answer without
      the ``ProjectRef`` (the ``CustomerRef`` then still says the customer).

    Any other difference (another customer, another project, time linked to
    a project in QuickBooks after it was sent) is a change.
    """
    held_customer = _ref_value(qbo_record, "CustomerRef")
    held_project = _ref_value(qbo_record, "ProjectRef")
    sent_customer = _ref_value(payload, "CustomerRef")
    sent_project = _ref_value(payload, "ProjectRef")
    if sent_project:
        # A blank CustomerRef beside a ProjectRef is filled by QuickBooks.
        customer_ok = held_customer == sent_customer or not sent_customer
        return held_project in (sent_project, "") and customer_ok
    if held_project:
        return held_project == sent_customer
    return held_customer == sent_customer


def matches_time_activity(payload, qbo_record):
    """Tell whether ``qbo_record`` is the TimeActivity ``payload`` created.

    Used after a crash, when the response of a create was lost, to find the
    record QuickBooks made instead of creating a second one. Only what
    QuickBooks is known to echo back is compared (see :func:`same_customer`).
    """
    if qbo_record.get("status") == "Deleted":
        return False
    return echoed_fields(payload) == echoed_fields(qbo_record) and same_customer(
        qbo_record, payload
    )
