# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules for sending one Odoo timesheet line to QuickBooks as a TimeActivity.

Plain Python on purpose (no ``odoo`` import, no I/O): the Odoo side gathers the
facts of a line in :class:`LineFacts`, asks :func:`refusal` whether it may be
sent, and builds the request body with :func:`.time_activity.build_time_activity`. Every
refusal has a stable ``code`` and an English sentence from
:data:`.refusals.MESSAGES`.
"""

import datetime
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

# The refusals and their sentences (imported here too, where callers find them).
from .refusals import (  # noqa: F401
    MESSAGES,
    MESSAGES_FOR_OTHERS,
    REASONS,
    SKIPPED_CODES,
    Refusal,
    message,
    message_for_others,
    refusal_for,
)

# Product rule: one line lasts at most 23h55. QuickBooks itself takes up to 8760
# hours per entry (docs/ASSUMPTIONS.md#hours-limit), but a longer line is a
# typing mistake, not a day.
MAX_MINUTES = 23 * 60 + 55
DESCRIPTION_MAX = 4000  # TimeActivity.Description (docs/ASSUMPTIONS.md#description-max)

ROUNDING_METHODS = {"up": ROUND_CEILING, "nearest": ROUND_HALF_UP, "down": ROUND_FLOOR}
# Floats from Odoo carry noise (1.1 h is 66.00000000000001 min); six decimals of a
# minute keep every real duration and drop the noise before a step rounds up.
MINUTE_PRECISION = Decimal("0.000001")

# Line states that may be sent. "queued" is sendable because the background
# sender itself evaluates the lines it queued; "refused" lines are judged
# again. "sent" and "edited" already have a TimeActivity in QuickBooks and go
# through an update instead.
SENDABLE_STATES = ("not_sent", "refused", "queued", "error")
# States of a line whose time activity is updated when sent: edited after
# sending, or such an edit queued for the background sender.
UPDATABLE_STATES = ("edited", "queued")

# Where the hourly rate came from, in order of precedence.
RATE_SOURCES = ("project_employee", "project", "employee", "company")

# ---------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------


def hours_to_minutes(hours):
    """Return ``hours`` as an exact Decimal number of minutes (1.1 h is 66 min)."""
    return Decimal(str(hours)) * 60


def round_minutes(minutes, step=None, method="up"):
    """Round a duration in minutes to a whole number of minutes.

    ``step`` (1, 6, 15, 30, ...) rounds to a multiple of it with ``method``
    "up", "nearest" (half up) or "down". Without a step (None or 0) the
    duration goes to the nearest whole minute, half up: 59.5 min is 60.
    """
    if step is not None and step < 0:
        raise ValueError(f"The rounding step cannot be negative: {step!r}")
    if method not in ROUNDING_METHODS:
        raise ValueError(f"Unknown rounding method: {method!r}")
    exact = Decimal(str(minutes)).quantize(MINUTE_PRECISION, rounding=ROUND_HALF_UP)
    if not step:
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    rounding = ROUNDING_METHODS[method]
    return int((exact / step).quantize(Decimal(1), rounding=rounding)) * step


def split_hours_minutes(total_minutes):
    """Return ``(hours, minutes)`` of a whole, non-negative number of minutes."""
    if total_minutes < 0:
        raise ValueError(f"A duration cannot be negative: {total_minutes!r}")
    return divmod(int(total_minutes), 60)


def format_duration(total_minutes):
    """Return a duration as Odoo shows one (its float_time format): "07:05"."""
    sign = "-" if total_minutes < 0 else ""
    hours, minutes = divmod(abs(int(total_minutes)), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


# ---------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------


def resolve_hourly_rate(
    project_employee_rate=None, project_rate=None, employee_rate=None, company_rate=None
):
    """Return ``(rate, source)`` of the first rate set above zero, else ``(None, None)``.

    The most specific rate wins: the employee's rate on the project, the
    project's rate, the employee's rate, then the company default.
    """
    rates = (project_employee_rate, project_rate, employee_rate, company_rate)
    for rate, source in zip(rates, RATE_SOURCES, strict=True):
        if rate and rate > 0:
            return rate, source
    return None, None


# ---------------------------------------------------------------------------
# May this line be sent?
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LineFacts:
    """Everything :func:`refusal` needs to know about one timesheet line.

    Realms are the QuickBooks company ids: ``employee_realm`` and
    ``project_realm`` are those the mappings were made in. ``minutes`` is the
    duration once rounded, as it would be sent; None means the duration rounded
    to the nearest minute. ``time_tracking_enabled`` None means "not known":
    QuickBooks then has the last word.
    """

    # What decides: no defaults, so a forgotten fact cannot let a line through.
    qbo_state: str  # not_sent, queued, sent, error, edited, conflict, changed or deleted
    # QuickBooks put the time on an invoice (qbo_billed): never updated again.
    billed: bool
    connected: bool
    time_tracking_enabled: bool | None
    has_project: bool
    project_qbo_id: str | None
    has_employee: bool
    employee_qbo_id: str | None
    approval_required: bool
    approved: bool
    billable: bool
    send_non_billable: bool
    unit_amount_hours: float
    date: date
    # Optional facts and what the messages show.
    minutes: int | None = None
    # datetime.date: below the field ``date``, a bare ``date`` reads as that field.
    book_close_date: datetime.date | None = None
    hourly_rate: float | Decimal | None = None
    company_realm: str | None = None
    project_realm: str | None = None
    employee_realm: str | None = None
    employee_name: str = ""
    project_name: str = ""
    # The QuickBooks person the employee is linked to is inactive: QuickBooks
    # refuses new time for it (docs/ASSUMPTIONS.md#object-not-found).
    employee_qbo_inactive: bool = False
    # The project is internal: no client and no QuickBooks customer, or the
    # company's own internal project.
    project_internal: bool = False
    # The time activity QuickBooks already has for the line, if any.
    time_activity_id: str | None = None
    # Whether a class is required, and the one the cascade found, if any.
    class_required: bool = False
    class_qbo_id: str | None = None
    # The name of the employee's chosen pay type while its compensation is
    # still to be found ("" otherwise).
    payroll_pending: str = ""
    # The company's "Don't send time before" date, if any (see before_cutoff).
    send_from_date: datetime.date | None = None
    # A QuickBooks manager marked the line as not to send.
    not_to_send: bool = False

    @property
    def rounded_minutes(self):
        if self.minutes is not None:
            return self.minutes
        return round_minutes(hours_to_minutes(self.unit_amount_hours))


def before_cutoff(line_date, send_from_date, time_activity_id=None):
    """Whether a line dated ``line_date`` is kept out of QuickBooks by the
    company's "Don't send time before" date ``send_from_date``.

    The cut-off keeps years of history from flooding QuickBooks when a
    company connects; it never applies to a line QuickBooks already has
    (``time_activity_id``): an edit of it is still sent, so the time
    activity stays in step with the line."""
    return bool(send_from_date and not time_activity_id and line_date < send_from_date)


def _other_realm(mapped_realm, company_realm):
    # A mapping without a realm predates the check: let QuickBooks judge it.
    return bool(mapped_realm and company_realm and mapped_realm != company_realm)


def refusal(facts):
    """Return why the line cannot be sent, or None when it can.

    Only the first reason is given, in this order: first what blocks the whole
    company (not connected, no time tracking), then the state of the line
    (billed in QuickBooks, changed or deleted there, already sent or
    edited), the company's cut-off date, what it is attached to (project, employee, their QuickBooks
    matches and company), the approval and billable policy, the
    duration (zero, too long), the closing date, and last the rate. So the
    message names the fix that unblocks the most lines first.
    """
    employee = f"'{facts.employee_name or '?'}'"
    project = f"'{facts.project_name or '?'}'"
    if not facts.connected:
        return refusal_for("not_connected")
    if facts.time_tracking_enabled is False:
        return refusal_for("no_time_tracking")
    if facts.billed:
        # Whatever its state: billed time is never updated nor sent again
        # (docs/ASSUMPTIONS.md#billed-time).
        return refusal_for("billed")
    if facts.qbo_state == "conflict":
        return refusal_for("conflict")
    if facts.qbo_state == "changed":
        return refusal_for("changed_in_quickbooks")
    if facts.qbo_state == "deleted":
        return refusal_for("deleted_in_quickbooks")
    if facts.time_activity_id and facts.qbo_state in UPDATABLE_STATES:
        pass  # an update of its time activity, judged by the rules below
    elif facts.qbo_state == "edited":
        return refusal_for("edited_after_sending")
    elif facts.qbo_state not in SENDABLE_STATES or facts.time_activity_id:
        # A line with a time activity is never created a second time,
        # whatever its state says.
        return refusal_for("already_sent")
    if facts.not_to_send:
        return refusal_for("not_to_send")
    # History before the company's cut-off is never offered, whatever else it lacks.
    if before_cutoff(facts.date, facts.send_from_date, facts.time_activity_id):
        return refusal_for("before_cutoff", date=facts.send_from_date.isoformat())
    if not facts.has_project:
        return refusal_for("no_project")
    if not facts.has_employee:
        return refusal_for("no_employee")
    if not facts.employee_qbo_id:
        return refusal_for("employee_not_mapped", employee=employee)
    if not facts.project_qbo_id:
        if facts.project_internal:
            return refusal_for("project_internal", project=project)
        return refusal_for("project_not_mapped", project=project)
    if _other_realm(facts.employee_realm, facts.company_realm):
        return refusal_for("employee_other_company", employee=employee)
    if _other_realm(facts.project_realm, facts.company_realm):
        return refusal_for("project_other_company", project=project)
    if facts.employee_qbo_inactive:
        return refusal_for("employee_inactive", employee=employee)
    if facts.approval_required and not facts.approved:
        return refusal_for("not_approved")
    if not facts.billable and not facts.send_non_billable:
        return refusal_for("not_billable")
    minutes = facts.rounded_minutes
    if facts.unit_amount_hours <= 0 or minutes <= 0:
        return refusal_for("no_duration", duration=format_duration(minutes))
    if minutes > MAX_MINUTES:
        return refusal_for("too_long", duration=format_duration(minutes))
    if facts.book_close_date and facts.date <= facts.book_close_date:
        return refusal_for(
            "books_closed",
            date=facts.date.isoformat(),
            close_date=facts.book_close_date.isoformat(),
        )
    if facts.billable and not (facts.hourly_rate and facts.hourly_rate > 0):
        return refusal_for("no_rate", employee=employee, project=project)
    if facts.class_required and not facts.class_qbo_id:
        return refusal_for("class_required", employee=employee, project=project)
    if facts.payroll_pending:
        return refusal_for("payroll_pending", pay_type=facts.payroll_pending, employee=employee)
    return None


def preferences_facts(preferences):
    """(time tracking enabled, closing date) from a QuickBooks Preferences
    document (docs/ASSUMPTIONS.md#preferences-flags); None where QuickBooks
    does not say."""
    other_prefs = {
        item.get("Name"): item.get("Value")
        for item in (preferences.get("OtherPrefs") or {}).get("NameValue", [])
    }
    tracking = other_prefs.get("TimeTrackingFeatureEnabled")
    time_tracking_enabled = None if tracking is None else str(tracking).lower() == "true"
    close_date = (preferences.get("AccountingInfoPrefs") or {}).get("BookCloseDate")
    return time_tracking_enabled, date.fromisoformat(close_date[:10]) if close_date else None
