# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A timesheet line as QuickBooks sees it: its QuickBooks fields, the guards
that keep a sent line as QuickBooks has it, and what sending it means (a
:class:`LinePlan`). How lines travel to QuickBooks is in ``qbo_sender.py``
(sending now) and ``qbo_send_queue.py`` (sending in the background)."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.models import UPDATE_BATCH_SIZE
from odoo.osv import expression

from ..qbo import (
    QboBusy,
    QboConnectionError,
    QboServerUnavailable,
    QboThrottled,
    QboTimeout,
)
from ..qbo.text import in_english, render, to_data
from ..qbo.time_activity import sent_hours
from ..tools.bulk import update_rows, update_rows_each
from .qbo_state_guard import is_trusted, qbo_trusted

# The words of these states are the vocabulary of readme/USAGE.md.
QBO_STATES = [
    ("not_sent", "Not sent"),
    ("refused", "Refused"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("error", "Failed"),
    ("edited", "Edited after sending"),
    ("conflict", "Changed in QuickBooks and in Odoo"),
    ("changed", "Changed in QuickBooks"),
    ("deleted", "Deleted in QuickBooks"),
]
# The status people read: the state, except that billed time reads "Billed
# in QuickBooks" whatever its state (qbo_status). Billed is a flag beside the
# state, not a state: the line keeps its time activity and every rule of its
# sent state (reconciliation, deletion sweep, conflicts), and forgets nothing
# when QuickBooks takes the time off the invoice again.
QBO_STATUSES = [*QBO_STATES, ("billed", "Billed in QuickBooks")]
# States of a line that has a time activity in QuickBooks. A line whose time
# activity was deleted in QuickBooks ("deleted") has none any more: it keeps
# the old id for the record, and is sent again only deliberately.
SENT_STATES = ("sent", "edited", "conflict", "changed")
# What the time activity of a sent line is made of.
QBO_PROTECTED_FIELDS = ("date", "unit_amount", "employee_id", "project_id", "name")
# A new task may move the line to another project.
QBO_WATCHED_FIELDS = frozenset((*QBO_PROTECTED_FIELDS, "task_id"))
# sale_timesheet invoice types billed by the hour. Fixed-price and milestone
# lines are invoiced from their sale order, not from the hours spent.
SALE_BILLABLE_TYPES = ("billable_time", "billable_manual")
# Failures after which QuickBooks may have saved the entry all the same.
UNKNOWN_OUTCOME_ERRORS = (QboTimeout, QboServerUnavailable)
# Failures after which a line queued for the background sender waits for the
# next run instead of failing: QuickBooks was out of reach or kept throttling.
TRANSIENT_ERRORS = (*UNKNOWN_OUTCOME_ERRORS, QboBusy, QboConnectionError, QboThrottled)


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "qbo.state.guard"]

    # Every other qbo_ field is QuickBooks state (see qbo.state.guard).
    _qbo_user_fields = frozenset({"qbo_billable"})

    qbo_state = fields.Selection(
        QBO_STATES,
        string="QuickBooks sync state",
        default="not_sent",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    # Not stored: a state written on many lines at once (tools/bulk.py update_rows)
    # has no stored field to recompute line by line.
    qbo_status = fields.Selection(
        QBO_STATUSES,
        string="QuickBooks status",
        compute="_compute_qbo_status",
        search="_search_qbo_status",
        help="Where the line stands in QuickBooks; billed time reads Billed in QuickBooks.",
    )
    qbo_sent = fields.Boolean(
        string="Sent to QuickBooks", compute="_compute_qbo_sent", search="_search_qbo_sent"
    )
    qbo_billable = fields.Boolean(
        string="Billable in QuickBooks",
        compute="_compute_qbo_billable",
        store=True,
        readonly=False,
        help="Sent to QuickBooks as billable time, at the hourly rate of the employee on the "
        "project. Follows the project unless changed on the line.",
    )
    qbo_time_activity_id = fields.Char(
        string="QuickBooks time activity", readonly=True, copy=False, index="btree_not_null"
    )
    qbo_sync_token = fields.Char(
        string="QuickBooks version",
        readonly=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_realm_id = fields.Char(string="Sent to QuickBooks company", readonly=True, copy=False)
    qbo_sent_at = fields.Datetime(string="Sent to QuickBooks on", readonly=True, copy=False)
    qbo_sent_by_id = fields.Many2one(
        "res.users", string="Sent to QuickBooks by", readonly=True, copy=False
    )
    qbo_sent_duration = fields.Float(
        string="Duration sent",
        readonly=True,
        copy=False,
        help="The duration QuickBooks received, in hours, once rounded.",
    )
    qbo_sent_rate = fields.Monetary(
        string="Hourly rate sent",
        readonly=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
    )
    # The two copies of a time activity are read where they are compared (an
    # update, a reconciliation), not with the rest of the line: decoding them
    # with every line read (a list, a send's log) costs more than the line.
    qbo_sent_payload = fields.Json(
        string="Time activity sent",
        readonly=True,
        copy=False,
        prefetch=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="What QuickBooks got last from Odoo; an update compares QuickBooks' copy with it.",
    )
    qbo_conflict_payload = fields.Json(
        string="QuickBooks' version",
        readonly=True,
        copy=False,
        prefetch=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="The time activity as QuickBooks has it, changed there since Odoo sent it.",
    )
    qbo_billed = fields.Boolean(
        string="Billed in QuickBooks",
        readonly=True,
        copy=False,
        index=True,
        help="QuickBooks put this time on an invoice (HasBeenBilled): the line is locked.",
    )
    qbo_last_error = fields.Text(
        string="QuickBooks reason",
        readonly=True,
        copy=False,
        help="Why the last preview or send did not send the line, in plain words (in English "
        "when it was written with its sentence below; the reason shown is qbo_reason).",
    )
    qbo_last_error_data = fields.Json(
        string="QuickBooks reason (sentence)",
        readonly=True,
        copy=False,
        help="The reason's sentence and its values, shown in the reader's language.",
    )
    qbo_intuit_tid = fields.Char(
        string="Intuit transaction ID",
        readonly=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Give it to Intuit support when asking about a refusal.",
    )
    qbo_request_id = fields.Char(
        string="QuickBooks request ID",
        readonly=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="The requestid of the last attempt; sending again after an interruption reuses it.",
    )
    qbo_queue_log_id = fields.Many2one(
        "qbo.sync.log",
        string="Queued by send",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The background send that queued this line; its sync log shows the progress.",
    )

    @api.depends("qbo_state", "qbo_billed")
    def _compute_qbo_status(self):
        for line in self:
            line.qbo_status = "billed" if line.qbo_billed else line.qbo_state

    def _search_qbo_status(self, operator, value):
        if operator in ("=", "!="):
            operator, value = ("in" if operator == "=" else "not in"), [value]
        if operator not in ("in", "not in") or not isinstance(value, (list, tuple, set)):
            raise UserError(_("Lines can only be searched for being in a status or not."))
        states = [state for state in value if state != "billed"]
        domain = expression.AND([[("qbo_billed", "=", False)], [("qbo_state", "in", states)]])
        if "billed" in value:
            domain = expression.OR([[("qbo_billed", "=", True)], domain])
        return domain if operator == "in" else ["!", *domain]

    @api.depends("qbo_state")
    def _compute_qbo_sent(self):
        for line in self:
            line.qbo_sent = line.qbo_state in SENT_STATES

    def _search_qbo_sent(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Lines can only be searched for being sent or not."))
        sent = (operator == "=") == value
        return [("qbo_state", "in" if sent else "not in", SENT_STATES)]

    def _qbo_billable_depends(self):
        if "timesheet_invoice_type" in self._fields:
            return ["timesheet_invoice_type"]
        return ["project_id.qbo_billable"]

    @api.depends(lambda self: self._qbo_billable_depends())
    def _compute_qbo_billable(self):
        # sale_timesheet, when installed, already knows what is billable.
        use_invoice_type = "timesheet_invoice_type" in self._fields
        for line in self:
            if use_invoice_type:
                line.qbo_billable = line.timesheet_invoice_type in SALE_BILLABLE_TYPES
            else:
                line.qbo_billable = line.project_id.qbo_billable

    # ------------------------------------------------------------------
    # CRUD: sent lines are protected
    # ------------------------------------------------------------------
    def write(self, vals):
        # Keeping QuickBooks' version of billed time is the addon's own write.
        if any(not name.startswith("qbo_") for name in vals) and not is_trusted():
            self._qbo_check_not_billed()
        watched = self.browse()
        if QBO_WATCHED_FIELDS & vals.keys():
            watched = self.sudo().filtered(lambda line: line.qbo_state in SENT_STATES)
        before = {line.id: line._qbo_protected_values() for line in watched}
        result = super().write(vals)
        changed = watched.filtered(lambda line: line._qbo_protected_values() != before[line.id])
        # Taking QuickBooks' version (qbo_reconcile_changes.py) is the addon's
        # own write: not an edit to send back.
        if changed and not is_trusted():
            changed._qbo_edited_after_sending()
            changed._qbo_log_edits(before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed_in_qbo(self):
        self._qbo_check_not_billed()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_to_qbo(self):
        # A line whose time activity was deleted in QuickBooks has nothing
        # left there: it may go.
        sent = self.sudo().filtered(
            lambda line: (
                line.qbo_state in SENT_STATES
                or (line.qbo_time_activity_id and line.qbo_state != "deleted")
            )
        )
        # The company may ask to delete the time activity too (qbo_time_deletion.py);
        # a QuickBooks manager's deletion then follows to QuickBooks.
        follow = sent.filtered(
            lambda line: line.company_id.qbo_delete_policy == "delete" and line.qbo_time_activity_id
        )
        if follow and self.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            self.env["qbo.time.deletion"]._qbo_record_deletions(follow)
            sent -= follow
        if sent:
            sent._qbo_refuse_deletion()  # account_analytic_line_outcome.py

    def _is_readonly(self):
        if self.sudo().qbo_billed:
            return True
        if self.qbo_state in SENT_STATES and self.company_id.qbo_edit_policy == "refuse":
            return True
        return super()._is_readonly()

    def _qbo_check_not_billed(self):
        """Time QuickBooks has billed is locked, for everyone: the invoice
        would no longer match the timesheet."""
        billed = self.sudo().filtered("qbo_billed")
        if billed:
            raise UserError(
                self.env._(
                    "These timesheet lines are billed in QuickBooks (on an invoice) and can no "
                    "longer be changed or deleted: %(lines)s.",
                    lines=billed._qbo_line_names(),
                )
            )

    def _qbo_protected_values(self):
        self.ensure_one()
        return (self.date, self.unit_amount, self.employee_id.id, self.project_id.id, self.name)

    def _qbo_edited_after_sending(self):
        """Refuse the change, or mark the lines, per the company's setting."""
        refused = self.filtered(lambda line: line.company_id.qbo_edit_policy == "refuse")
        if refused:
            raise UserError(
                _(
                    "These timesheet lines were sent to QuickBooks: their date, duration, "
                    "employee, project and description can no longer be changed: %(lines)s.",
                    lines=refused._qbo_line_names(),
                )
            )
        self.filtered(lambda line: line.qbo_state == "sent")._qbo_write_state(
            {"qbo_state": "edited"}
        )
        # Changed in QuickBooks, and now in Odoo too: both versions to choose from.
        self.filtered(lambda line: line.qbo_state == "changed")._qbo_write_state(
            {"qbo_state": "conflict"}
        )

    def _qbo_line_names(self):
        return ", ".join(
            f"{line.display_name} ({fields.Date.to_string(line.date)})" for line in self
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_qbo_send_preview(self):
        """Open the preview of a send; nothing leaves before it is confirmed."""
        self._qbo_check_send_access()
        return self.env["qbo.send.wizard"]._qbo_open_for(self)

    def _qbo_send(self):
        """Send these lines now, or queue them (see ``qbo.sender``)."""
        return self.env["qbo.sender"]._qbo_send(self)

    # ------------------------------------------------------------------
    # QuickBooks state: written by the addon's own code only, here
    # ------------------------------------------------------------------
    def _qbo_write_state(self, vals):
        """Write the QuickBooks state of these lines: the one door the sync
        uses (see qbo.state.guard), whatever the rights of the user sending."""
        vals = self._qbo_state_column_values(vals)
        lines = self.sudo()
        if len(lines) > UPDATE_BATCH_SIZE:
            # The same state on a large selection (a preview noting refusals,
            # a queued send): one query, where the ORM takes one per 100 lines.
            update_rows(lines, vals)
            return True
        with qbo_trusted():
            return lines.write(vals)

    def _qbo_write_states(self, vals_list):
        """:meth:`_qbo_write_state` of ``vals_list[i]`` on the i-th line, all
        in one query: the answers of a batch request, each line its own time
        activity. Only QuickBooks state is written (no stored field is
        computed from it, none of core's ``write()`` concerns it), so no
        ``write()`` override runs: one per line was most of the time spent
        recording a send."""
        assert all(name.startswith("qbo_") for vals in vals_list for name in vals)
        update_rows_each(self.sudo(), [self._qbo_state_column_values(vals) for vals in vals_list])
        return True

    def _qbo_state_column_values(self, vals):
        """``vals`` of :meth:`_qbo_write_state` as stored: the reason keeps
        its sentence, shown in each reader's language (qbo_reason), and its
        English words, which searches find; other values of the qbo
        package in the user's language."""
        if "qbo_last_error" in vals:
            data = to_data(vals["qbo_last_error"])
            vals = {**vals, "qbo_last_error_data": data or False}
            if data:
                vals["qbo_last_error"] = in_english(vals["qbo_last_error"])
        return {name: render(value, self.env._) for name, value in vals.items()}

    def _qbo_mark_sent(self, activity, payload, request_id, realm_id, edited=False):
        """Record the time activity QuickBooks made from ``payload``."""
        self.ensure_one()
        self._qbo_mark_sent_each([(activity, payload, request_id)], realm_id, edited=edited)

    def _qbo_mark_sent_each(self, answers, realm_id, edited=False):
        """:meth:`_qbo_mark_sent` of each line with its ``answers[i]``
        (activity, payload, request id, and optionally when it came: now by
        default), in one query."""
        now = fields.Datetime.now()
        self._qbo_write_states(
            [
                {
                    "qbo_state": "edited" if edited else "sent",
                    "qbo_time_activity_id": str(activity["Id"]),
                    "qbo_sync_token": activity.get("SyncToken"),
                    "qbo_realm_id": realm_id,
                    "qbo_sent_at": moment[0] if moment else now,
                    "qbo_sent_by_id": self.env.uid,
                    "qbo_sent_duration": sent_hours(payload),
                    "qbo_sent_rate": payload.get("HourlyRate") or 0.0,
                    "qbo_sent_payload": payload,
                    "qbo_conflict_payload": False,
                    "qbo_last_error": False,
                    "qbo_refusal_code": False,
                    "qbo_intuit_tid": False,
                    "qbo_request_id": request_id,
                }
                for activity, payload, request_id, *moment in answers
            ]
        )

    def _qbo_mark_failed(self, error, request_id):
        """Record why QuickBooks did not take the line. When QuickBooks may
        have saved it all the same, the line stays queued: the next send looks
        for it in QuickBooks before sending it again. A line of a background
        send also stays queued when QuickBooks could not be reached: the next
        run sends it."""
        self.ensure_one()
        keep_queued = isinstance(error, UNKNOWN_OUTCOME_ERRORS) or (
            self.qbo_queue_log_id and isinstance(error, TRANSIENT_ERRORS)
        )
        self._qbo_write_state(
            {
                "qbo_state": "queued" if keep_queued else "error",
                "qbo_last_error": error,
                "qbo_refusal_code": False,
                "qbo_intuit_tid": error.intuit_tid,
                "qbo_request_id": request_id,
            }
        )
