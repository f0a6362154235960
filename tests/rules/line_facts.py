# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The facts of a timesheet line that may be sent, for the rules' tests to
change one at a time."""

import dataclasses
from datetime import date

from qb_timesheet_sync.qbo.timesheet_rules import LineFacts

SENDABLE = LineFacts(
    qbo_state="not_sent",
    billed=False,
    connected=True,
    time_tracking_enabled=True,
    has_project=True,
    project_qbo_id="22",
    has_employee=True,
    employee_qbo_id="55",
    approval_required=True,
    approved=True,
    billable=True,
    send_non_billable=False,
    unit_amount_hours=7.5,
    date=date(2026, 7, 1),
    book_close_date=date(2026, 6, 30),
    hourly_rate=120,
    company_realm="9130",
    project_realm="9130",
    employee_realm="9130",
    employee_name="Jane Doe",
    project_name="Website",
)


def line_facts(**changes):
    """:data:`SENDABLE` with ``changes``."""
    return dataclasses.replace(SENDABLE, **changes)
