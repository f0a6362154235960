# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What people see of a line's QuickBooks outcome: the reason a preview or a
send refused it (in words that fit the reader's rights), the warning before
and when a sent line is edited or deleted, and the trace of that edit or
refused deletion in the sync log."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..qbo.text import _lt, counted, from_data, in_english, joined, render
from ..qbo.timesheet_rules import REASONS, before_cutoff, message_for_others
from .account_analytic_line import QBO_PROTECTED_FIELDS, SENT_STATES

QBO_MANAGER = "qb_timesheet_sync.group_qbo_manager"
# Those who read a line's QuickBooks status in the list and the form.
STATUS_READERS = ("qb_timesheet_sync.group_qbo_user", "hr_timesheet.group_hr_timesheet_approver")
# At most this many QuickBooks managers are named to whoever needs one.
MANAGERS_NAMED = 5

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
    qbo_reason = fields.Text(
        string="QuickBooks reason for you",
        compute="_compute_qbo_reason",
        help="Why the line was not sent, with what the reader can do about it.",
    )
    qbo_edit_warning = fields.Char(
        string="Before editing",
        compute="_compute_qbo_edit_warning",
        help="What changing or deleting this sent line does, for whoever reads it.",
    )

    @api.depends_context("uid", "lang")
    @api.depends("qbo_last_error", "qbo_last_error_data", "qbo_refusal_code", "qbo_state")
    def _compute_qbo_reason(self):
        """The stored reason, in the reader's language (its sentence and
        values are kept; a reason stored before that shows as written). It
        names fixes only a QuickBooks manager can make (link an employee,
        choose a version): others are told whom to ask."""
        manager = self.env.user.has_group(QBO_MANAGER)
        for line in self:
            code = line.qbo_refusal_code
            if line.qbo_state == "conflict":
                code = "conflict"
            elif line.qbo_state == "changed":
                code = "changed_in_quickbooks"
            other = None
            if not manager and code and line.qbo_last_error:
                other = message_for_others(
                    code,
                    employee=f"'{line.sudo().employee_id.name or '?'}'",
                    project=f"'{line.sudo().project_id.name or '?'}'",
                    date=(line.sudo().company_id.qbo_send_from_date or line.date).isoformat(),
                )
            stored = from_data(line.qbo_last_error_data) or line.qbo_last_error
            line.qbo_reason = render(other or stored, self.env._) or False

    @api.depends_context("uid")
    @api.depends("qbo_state", "qbo_billed", "company_id.qbo_edit_policy")
    def _compute_qbo_edit_warning(self):
        """For timesheet users who see no QuickBooks status (QuickBooks users
        and approvers have the form's banner of account_analytic_line_views.xml):
        what editing or deleting the sent line does, before they try
        (``write`` and ``_unlink_except_sent_to_qbo`` in account_analytic_line.py)."""
        user = self.env.user
        informed = any(user.has_group(group) for group in STATUS_READERS)
        for line in self:
            line.qbo_edit_warning = False if informed else line._qbo_edit_warning_text()

    def _qbo_edit_warning_text(self):
        self.ensure_one()
        line = self.sudo()
        if line.qbo_billed:
            return _(
                "Billed in QuickBooks: this line is on an invoice and can no longer be changed "
                "or deleted."
            )
        if line.qbo_state not in SENT_STATES:
            return False
        if line.company_id.qbo_delete_policy == "delete":
            delete = _(
                "Only a QuickBooks manager may delete it, which deletes it in QuickBooks too."
            )
        else:
            delete = _("It cannot be deleted.")
        if line.company_id.qbo_edit_policy == "refuse":
            edit = _(
                "Sent to QuickBooks: its date, duration, employee, project and description can "
                "no longer be changed."
            )
        elif line.qbo_state in ("conflict", "changed"):
            edit = _(
                "Changed in QuickBooks since it was sent: a QuickBooks manager chooses which "
                "version to keep."
            )
        elif line.qbo_state == "edited":
            edit = _(
                "Changed after it was sent to QuickBooks: QuickBooks keeps the values sent until "
                "a QuickBooks manager sends the change as an update."
            )
        else:
            edit = _(
                "Sent to QuickBooks: if you change its date, duration, employee, project or "
                "description, QuickBooks keeps the values sent until a QuickBooks manager sends "
                "your change as an update."
            )
        return f"{edit} {delete}"

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
                back_to_edited[plan.refusal.code, plan.refusal.message].append(line.id)
            elif plan.refusal and (state in REFUSABLE_STATES or queued_by_send):
                reason = (plan.refusal.code, plan.refusal.message)
                current = (line.qbo_refusal_code, line.qbo_last_error)
                # The stored words are English (see _qbo_write_state).
                if state != "refused" or current != (reason[0], in_english(reason[1])):
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
            "date": _lt("date"),
            "unit_amount": _lt("duration"),
            "employee_id": _lt("employee"),
            "project_id": _lt("project"),
            "name": _lt("description"),
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
                        "message": _lt(
                            "Changed after it was sent to QuickBooks: %(fields)s. QuickBooks "
                            "still has the values sent.",
                            fields=joined(*changed, separator=", "),
                        ),
                        "record": line,
                    }
                )
            Log._record(
                company,
                "edit",
                _lt("Edited after sending"),
                counted(
                    len(lines),
                    _lt("%(count)s timesheet line sent to QuickBooks was changed in Odoo."),
                    _lt("%(count)s timesheet lines sent to QuickBooks were changed in Odoo."),
                ),
                realm_id=lines[0].qbo_realm_id or None,
                lines=details,
            )

    # ------------------------------------------------------------------
    # Deleting sent lines
    # ------------------------------------------------------------------
    def _qbo_deletion_follows(self):
        """Those of these sent lines whose deletion, per the company's
        setting, deletes their time activity in QuickBooks too."""
        return self.sudo().filtered(
            lambda line: line.company_id.qbo_delete_policy == "delete" and line.qbo_time_activity_id
        )

    @api.model
    def qbo_delete_confirmation(self, ids):
        """What the web client's delete dialog adds when deleting the lines
        ``ids`` changes QuickBooks (static/src/delete_confirmation.js):
        {"title", "body", "done"} or False when QuickBooks is not changed
        (or when the deletion will be refused, which says why)."""
        lines = self.browse(ids)
        allowed = set(self._search([("id", "in", lines.ids)]))
        lines = self.browse(line_id for line_id in lines.ids if line_id in allowed)
        follow = lines.filtered(lambda line: line.sudo().qbo_state != "deleted")
        follow = follow._qbo_deletion_follows()
        if not follow or not self.env.user.has_group(QBO_MANAGER):
            return False
        return {
            "title": _("Delete in QuickBooks too?"),
            "body": render(
                counted(
                    len(follow),
                    _lt(
                        "%(count)s of the lines to delete was sent to QuickBooks. Per the "
                        "company's setting 'Deleting sent time', deleting it in Odoo deletes its "
                        "time in QuickBooks too: this cannot be undone."
                    ),
                    _lt(
                        "%(count)s of the lines to delete were sent to QuickBooks. Per the "
                        "company's setting 'Deleting sent time', deleting them in Odoo deletes "
                        "their time in QuickBooks too: this cannot be undone."
                    ),
                ),
                self.env._,
            ),
            "done": render(
                counted(
                    len(follow),
                    _lt(
                        "%(count)s line sent to QuickBooks was deleted in Odoo; its time is being "
                        "deleted in QuickBooks. 'Deletions in QuickBooks' shows when QuickBooks "
                        "confirms it."
                    ),
                    _lt(
                        "%(count)s lines sent to QuickBooks were deleted in Odoo; their time is "
                        "being deleted in QuickBooks. 'Deletions in QuickBooks' shows when "
                        "QuickBooks confirms it."
                    ),
                ),
                self.env._,
            ),
        }

    def _qbo_refuse_deletion(self):
        """Refuse deleting these sent lines, naming the setting and who may
        delete them; the refusal is traced in the sync log in a transaction
        of its own (the refusal rolls this one back)."""
        lines = self.sudo()
        asking = lines.filtered(lambda line: line.company_id.qbo_delete_policy == "delete")
        refused = lines - asking
        reasons = []
        if refused:
            reasons.append(
                _lt(
                    "These timesheet lines were sent to QuickBooks and cannot be deleted: "
                    "%(lines)s. The company's setting 'Deleting sent time' (Settings > "
                    "QuickBooks) refuses it, or QuickBooks would keep time Odoo no longer has. "
                    "Correct the line instead, or ask an administrator to change the setting.",
                    lines=refused._qbo_line_names(),
                )
            )
        if asking:
            reasons.append(
                _lt(
                    "These timesheet lines were sent to QuickBooks and cannot be deleted by you: "
                    "%(lines)s. Deleting them deletes their time in QuickBooks too (the "
                    "company's setting 'Deleting sent time'), which only a QuickBooks manager "
                    "may do: %(managers)s. Ask one of them, or correct the line instead.",
                    lines=asking._qbo_line_names(),
                    managers=self._qbo_manager_names(asking.company_id),
                )
            )
        message = joined(*reasons, separator="\n\n")
        self._qbo_trace_refused_deletion(message)
        raise UserError(render(message, self.env._))

    @api.model
    def _qbo_manager_names(self, companies):
        """The names of a few QuickBooks managers of ``companies``, or who
        to ask when there are none."""
        group = self.env.ref(QBO_MANAGER).sudo()
        managers = group.users.filtered(
            lambda user: (
                user.active
                and user._is_internal()
                and not user._is_superuser()
                and user.company_ids & companies
            )
        ).sorted("name")
        if not managers:
            return _lt("none yet, an administrator can name one")
        names = managers[:MANAGERS_NAMED].mapped("name")
        if len(managers) > MANAGERS_NAMED:
            others = len(managers) - MANAGERS_NAMED
            names.append(counted(others, _lt("%(count)s other"), _lt("%(count)s others")))
        return joined(*names, separator=", ")

    def _qbo_trace_refused_deletion(self, message):
        """The sync log entry of a refused deletion, committed on its own."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr, su=True)
            lines = env[self._name].browse(self.ids)
            for company, company_lines in lines.grouped("company_id").items():
                env["qbo.sync.log"]._record(
                    company,
                    "delete",
                    _lt("Deletion refused"),
                    message,
                    realm_id=company_lines[0].qbo_realm_id or None,
                    lines=[
                        {
                            "level": "warning",
                            "message": _lt("Deletion refused: the line was sent to QuickBooks."),
                            "record": line,
                        }
                        for line in company_lines
                    ],
                    state="failed",
                    user=self.env.user,
                    counts={"refused": len(company_lines)},
                )
