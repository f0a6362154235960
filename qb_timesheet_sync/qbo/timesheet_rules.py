# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules for sending one Odoo timesheet line to QuickBooks as a TimeActivity.

Plain Python on purpose (no ``odoo`` import, no I/O): the Odoo side gathers the
facts of a line in :class:`LineFacts`, asks :func:`refusal` whether it may be
sent, and builds the request body with :func:`.time_activity.build_time_activity`. Every
refusal has a stable ``code`` and an English sentence from :data:`MESSAGES`.
"""

import datetime
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .errors import QboFeatureUnavailable
from .text import Text, _lt

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

MESSAGES = {
    "not_connected": (
        _lt("This company is not connected to QuickBooks: connect it in Settings > QuickBooks.")
    ),
    # The sentence of QuickBooks' own refusal, said before sending.
    "no_time_tracking": QboFeatureUnavailable.default_message,
    "already_sent": _lt("The line was already sent to QuickBooks: it is never sent twice."),
    "billed": _lt(
        "Billed in QuickBooks: the time is on an invoice, so Odoo never sends changes to it "
        "and the line is locked."
    ),
    "conflict": _lt(
        "The line was changed both in Odoo and in QuickBooks since it was sent: choose which "
        "version to keep before sending it again."
    ),
    "changed_in_quickbooks": _lt(
        "The line was changed in QuickBooks since it was sent: keep QuickBooks' version or send "
        "Odoo's before sending it again."
    ),
    "deleted_in_quickbooks": _lt(
        "The time activity of this line was deleted in QuickBooks: a QuickBooks manager may send "
        "it again as a new time activity with 'Send again to QuickBooks'."
    ),
    "edited_after_sending": (
        _lt(
            "The line was edited after it was sent to QuickBooks: push the change to QuickBooks "
            "instead of sending the line again."
        )
    ),
    "no_project": (
        _lt(
            "The line has no project: only lines that belong to a project can be sent to "
            "QuickBooks. Set a project on the line."
        )
    ),
    "no_employee": _lt("The line has no employee: set the employee on the line."),
    "employee_not_mapped": (
        _lt(
            "The employee %(employee)s is not linked to a QuickBooks employee or vendor: link "
            "them in the employee form or run 'Check for new users and customers'."
        )
    ),
    "employee_inactive": (
        _lt(
            "The employee %(employee)s is linked to a QuickBooks employee or vendor that is "
            "inactive in QuickBooks: reactivate it there, then run 'Check for new users and "
            "customers' again."
        )
    ),
    "project_not_mapped": (
        _lt(
            "The project %(project)s is not linked to a QuickBooks customer: link it in the "
            "project form or run 'Check for new users and customers'."
        )
    ),
    "employee_other_company": (
        _lt(
            "The employee %(employee)s is linked in another QuickBooks company than the one this "
            "company is connected to: link them again in the employee form or run 'Check for "
            "new users and customers'."
        )
    ),
    "project_internal": (
        _lt(
            "The project %(project)s is internal (no client, not linked to a QuickBooks "
            "customer): its time stays in Odoo. To bill it, link the project to a QuickBooks "
            "customer in the project form."
        )
    ),
    "project_other_company": (
        _lt(
            "The project %(project)s is linked in another QuickBooks company than the one this "
            "company is connected to: link it again in the project form or run 'Check for new "
            "users and customers'."
        )
    ),
    "not_approved": _lt(
        "The line is not approved yet: approve it before sending it to QuickBooks."
    ),
    "not_billable": (
        _lt(
            "The line is not billable and only billable time is sent: mark it billable or turn "
            "on sending non-billable time in the QuickBooks settings."
        )
    ),
    "no_duration": (
        _lt("The line has no time to send (%(duration)s once rounded): enter a positive duration.")
    ),
    "too_long": (
        _lt(
            "The line lasts %(duration)s once rounded, longer than the 23:55 QuickBooks accepts "
            "for one entry: split it into several lines."
        )
    ),
    "books_closed": (
        _lt(
            "The line is dated %(date)s, on or before the QuickBooks closing date %(close_date)s: "
            "move it to a later date or ask your accountant to reopen the period in QuickBooks."
        )
    ),
    "no_rate": (
        _lt(
            "The line is billable but no hourly rate was found for %(employee)s on %(project)s: "
            "set a rate on the project, the employee or in the QuickBooks settings."
        )
    ),
    # Class and location (see hour_details.py).
    "class_required": (
        _lt(
            "The QuickBooks company tracks classes and every hour needs one, but none is set "
            "for %(employee)s on %(project)s: set a class on the project, the employee or in "
            "the QuickBooks settings."
        )
    ),
    # A pay type chosen when the addon stored the employer's pay type id
    # (see models/qbo_payroll_compensation.py).
    "payroll_pending": (
        _lt(
            "The QuickBooks pay type '%(pay_type)s' of %(employee)s must be read again from "
            "QuickBooks Payroll before their time is sent: run 'Check for new users and "
            "customers', then send the line again."
        )
    ),
    # The company's cut-off (res.company.qbo_send_from_date, see before_cutoff).
    "before_cutoff": (
        _lt(
            "Dated before %(date)s, the company's 'Don't send time before' date: change it in "
            "Settings to send this line."
        )
    ),
    # A QuickBooks manager chose to keep the line out of QuickBooks
    # (account.analytic.line.qbo_skip, set from the failures screen).
    "not_to_send": _lt(
        "A QuickBooks manager marked the line as not to send to QuickBooks: it is never sent."
    ),
}


# The short name of each refusal: the reason a list groups and filters lines by.
REASONS = {
    "not_connected": "Not connected",
    "no_time_tracking": "No time tracking in QuickBooks",
    "already_sent": "Already sent",
    "billed": "Billed in QuickBooks",
    "edited_after_sending": "Edited after sending",
    "conflict": "Changed in QuickBooks and in Odoo",
    "changed_in_quickbooks": "Changed in QuickBooks",
    "deleted_in_quickbooks": "Deleted in QuickBooks",
    "no_project": "No project",
    "no_employee": "No employee",
    "employee_not_mapped": "Employee not linked",
    "employee_inactive": "Employee inactive in QuickBooks",
    "project_not_mapped": "Project not linked",
    "project_internal": "Internal project",
    "employee_other_company": "Employee linked in another company",
    "project_other_company": "Project linked in another company",
    "not_approved": "Not approved",
    "not_billable": "Not billable",
    "no_duration": "No duration",
    "too_long": "Longer than 23:55",
    "books_closed": "Books closed",
    "no_rate": "No hourly rate",
    "class_required": "No class",
    "payroll_pending": "Pay type to read again",
    "before_cutoff": "Before the cut-off date",
    "not_to_send": "Marked as not to send",
}

# The same refusals told to someone who cannot fix them: linking people and
# projects, rates, settings and the choice between versions are QuickBooks
# managers' (the employee and project forms' QuickBooks links, Settings).
MESSAGES_FOR_OTHERS = {
    "employee_inactive": _lt(
        "The employee %(employee)s is linked to a QuickBooks employee or vendor that is "
        "inactive in QuickBooks: ask a QuickBooks manager to have it reactivated there."
    ),
    "before_cutoff": _lt(
        "Dated before %(date)s, the company's 'Don't send time before' date: this line is not "
        "sent to QuickBooks unless an administrator moves that date."
    ),
    "not_connected": _lt(
        "This company is not connected to QuickBooks: ask an administrator to connect it."
    ),
    "conflict": _lt(
        "The line was changed both in Odoo and in QuickBooks since it was sent: a QuickBooks "
        "manager chooses which version to keep."
    ),
    "changed_in_quickbooks": _lt(
        "The line was changed in QuickBooks since it was sent: a QuickBooks manager chooses "
        "whether to keep QuickBooks' version or send Odoo's."
    ),
    "edited_after_sending": _lt(
        "The line was edited after it was sent to QuickBooks: a QuickBooks manager sends the "
        "change as an update."
    ),
    "employee_not_mapped": _lt(
        "The employee %(employee)s is not linked to a QuickBooks employee or vendor: ask a "
        "QuickBooks manager to link them."
    ),
    "project_not_mapped": _lt(
        "The project %(project)s is not linked to a QuickBooks customer: ask a QuickBooks "
        "manager to link it."
    ),
    "employee_other_company": _lt(
        "The employee %(employee)s is linked in another QuickBooks company than the one this "
        "company is connected to: ask a QuickBooks manager to link them again."
    ),
    "project_internal": _lt(
        "The project %(project)s is internal (no client, not linked to a QuickBooks "
        "customer): its time stays in Odoo. To bill it, ask a QuickBooks manager to link the "
        "project to a QuickBooks customer."
    ),
    "project_other_company": _lt(
        "The project %(project)s is linked in another QuickBooks company than the one this "
        "company is connected to: ask a QuickBooks manager to link it again."
    ),
    "not_billable": _lt(
        "The line is not billable and only billable time is sent: mark it billable, or ask a "
        "QuickBooks manager to send non-billable time too."
    ),
    "no_rate": _lt(
        "The line is billable but no hourly rate was found for %(employee)s on %(project)s: ask "
        "a QuickBooks manager to set one."
    ),
    "class_required": _lt(
        "The QuickBooks company tracks classes and every hour needs one, but none is set for "
        "%(employee)s on %(project)s: ask a QuickBooks manager to set one."
    ),
}


def message_for_others(code, **params):
    """The sentence of ``code`` for someone who is not a QuickBooks manager,
    or None when its own sentence fits them too."""
    template = MESSAGES_FOR_OTHERS.get(code)
    return Text(template, **params) if template is not None else None


# Verdicts that are no refusal: a line already sent, and unchanged since, is
# skipped (it is never sent twice), not refused. A preview and a send count
# it apart, and keep no reason for it.
SKIPPED_CODES = frozenset({"already_sent"})


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    @property
    def skipped(self):
        """Already sent: left alone, not refused (see :data:`SKIPPED_CODES`)."""
        return self.code in SKIPPED_CODES


def message(code, **params):
    """The sentence of ``code`` (a key of :data:`MESSAGES`)."""
    return Text(MESSAGES[code], **params)


def refusal_for(code, **params):
    """The :class:`Refusal` of ``code`` (a key of :data:`MESSAGES`)."""
    return Refusal(code, message(code, **params))


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
