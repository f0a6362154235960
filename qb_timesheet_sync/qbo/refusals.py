# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Why a timesheet line is not sent: every refusal's stable ``code``, its
sentence for QuickBooks managers (:data:`MESSAGES`), its short label
(:data:`REASONS`) and, where a manager's sentence sends the reader to a
screen only managers open, the sentence for everyone else
(:data:`MESSAGES_FOR_OTHERS`). :func:`.timesheet_rules.refusal` decides which
applies. Plain Python, no ``odoo`` import."""

from dataclasses import dataclass

from .errors import QboFeatureUnavailable
from .text import Text, _lt

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
