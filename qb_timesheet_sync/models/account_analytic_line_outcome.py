# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What people see of a line's QuickBooks outcome: the reason a preview or a
send refused it, the warning when a sent line is edited, and the trace of
that edit in the sync log."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..qbo.timesheet_rules import REASONS, before_cutoff
from .account_analytic_line import QBO_PROTECTED_FIELDS, SENT_STATES

# States a preview or a send may turn into "refused" (and back): lines that
# have no time activity in QuickBooks and are not on their way there.
REFUSABLE_STATES = ("not_sent", "refused", "error")


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    qbo_refusal_code = fields.Selection(
        list(REASONS.items()),
        string="Refusal reason",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Why the last preview or send refused the line; cleared once it can be sent.",
    )

    # Cut-off (res.company.qbo_send_from_date): the lines it keeps out of QuickBooks.
    qbo_before_cutoff = fields.Boolean(
        string="Before the cut-off date",
        compute="_compute_qbo_before_cutoff",
        search="_search_qbo_before_cutoff",
        help="Dated before the company's 'Don't send time before' date, and not in QuickBooks: "
        "never sent.",
    )

    @api.depends("date", "company_id.qbo_send_from_date", "qbo_time_activity_id")
    def _compute_qbo_before_cutoff(self):
        for line in self:
            line.qbo_before_cutoff = before_cutoff(
                line.date, line.company_id.sudo().qbo_send_from_date, line.qbo_time_activity_id
            )

    def _search_qbo_before_cutoff(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Lines can only be searched for being before the cut-off or not."))
        companies = self.env["res.company"].sudo().search([("qbo_send_from_date", "!=", False)])
        before = (
            expression.OR(
                [
                    [
                        ("company_id", "=", company.id),
                        ("date", "<", company.qbo_send_from_date),
                        ("qbo_time_activity_id", "=", False),
                    ]
                    for company in companies
                ]
            )
            if companies
            else expression.FALSE_DOMAIN
        )
        if (operator == "=") == value:
            return before
        return ["!", *before]

    @api.model
    def _qbo_note_refusals(self, plans):
        """Keep on each line the verdict of the last preview or send: a
        refused line shows why (state, reason code and sentence); a refused
        line that may now be sent is back to *Not sent*. Lines already sent,
        or queued for a send, keep their state. Written per distinct reason,
        so the queries do not grow with the lines."""
        refused = defaultdict(list)
        back_to_edited = defaultdict(list)
        cleared = []
        for plan in plans:
            line = plan.line
            state = line.qbo_state
            # A line queued after an answer that never came keeps its state:
            # the next send looks for it in QuickBooks first.
            queued_by_send = state == "queued" and line.qbo_queue_log_id
            if plan.refusal and queued_by_send and line.qbo_time_activity_id:
                # A queued edit goes back to edited: its time activity stays.
                back_to_edited[plan.refusal.code, plan.reason].append(line.id)
            elif plan.refusal and (state in REFUSABLE_STATES or queued_by_send):
                reason = (plan.refusal.code, plan.reason)
                current = (line.qbo_refusal_code, line.qbo_last_error)
                if state != "refused" or current != reason:
                    refused[reason].append(line.id)
            elif not plan.refusal and state == "refused":
                cleared.append(line.id)
        for (code, message), line_ids in refused.items():
            self.browse(line_ids)._qbo_write_state(
                {"qbo_state": "refused", "qbo_refusal_code": code, "qbo_last_error": message}
            )
        for (code, message), line_ids in back_to_edited.items():
            self.browse(line_ids)._qbo_write_state(
                {"qbo_state": "edited", "qbo_refusal_code": code, "qbo_last_error": message}
            )
        if cleared:
            self.browse(cleared)._qbo_write_state(
                {"qbo_state": "not_sent", "qbo_refusal_code": False, "qbo_last_error": False}
            )

    @api.onchange(*QBO_PROTECTED_FIELDS)
    def _onchange_qbo_sent_line(self):
        """Warn whoever edits a sent line (form or list) that QuickBooks
        still has the values sent."""
        origin = self._origin
        if not origin or origin.qbo_state not in SENT_STATES:
            return None
        if origin.company_id.qbo_edit_policy == "refuse":
            return None
        return {
            "warning": {
                "title": _("Sent to QuickBooks"),
                "message": _(
                    "This line was sent to QuickBooks: QuickBooks keeps the values sent until a "
                    "QuickBooks manager sends the change."
                ),
                "type": "notification",
            }
        }

    def _qbo_log_edits(self, before):
        """The trace of edits after sending in the sync log: which line,
        which values, by whom (the log's user)."""
        labels = {
            "date": _("date"),
            "unit_amount": _("duration"),
            "employee_id": _("employee"),
            "project_id": _("project"),
            "name": _("description"),
        }
        Log = self.env["qbo.sync.log"]
        for company, lines in self._qbo_by_company().items():
            details = []
            for line in lines:
                changed = [
                    labels[field]
                    for field, old, new in zip(
                        QBO_PROTECTED_FIELDS,
                        before[line.id],
                        line._qbo_protected_values(),
                        strict=True,
                    )
                    if old != new
                ]
                details.append(
                    {
                        "level": "warning",
                        "message": _(
                            "Changed after it was sent to QuickBooks: %(fields)s. QuickBooks "
                            "still has the values sent.",
                            fields=", ".join(changed),
                        ),
                        "record": line,
                    }
                )
            Log._record(
                company,
                "edit",
                _("Edited after sending"),
                _(
                    "%(count)s timesheet lines sent to QuickBooks were changed in Odoo.",
                    count=len(lines),
                ),
                realm_id=lines[0].qbo_realm_id or None,
                lines=details,
            )
