# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A timesheet line as QuickBooks sees it: its QuickBooks fields, the guards
that keep a sent line as QuickBooks has it, and what sending it means (a
:class:`LinePlan`). How lines travel to QuickBooks is in ``qbo_sender.py``
(sending now) and ``qbo_send_queue.py`` (sending in the background)."""

from dataclasses import dataclass, field
from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..qbo import (
    QboBusy,
    QboConnectionError,
    QboError,
    QboServerUnavailable,
    QboThrottled,
    QboTimeout,
)
from ..qbo.hour_details import HourDetails, Tracking, tracking_facts
from ..qbo.text import render
from ..qbo.timesheet_rules import (
    LineFacts,
    Refusal,
    build_time_activity,
    hours_to_minutes,
    preferences_facts,
    refusal,
    resolve_hourly_rate,
    round_minutes,
)
from .qbo_state_guard import qbo_trusted

# The words of these states are the vocabulary of readme/USAGE.md.
QBO_STATES = [
    ("not_sent", "Not sent"),
    ("refused", "Refused"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("error", "Failed"),
    ("edited", "Edited after sending"),
    ("conflict", "Changed in QuickBooks and in Odoo"),
]
# States of a line that has a time activity in QuickBooks.
SENT_STATES = ("sent", "edited", "conflict")
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


@dataclass
class SendContext:
    """What sending needs to know about one company, read once per send."""

    company: models.BaseModel
    realm_id: str | None
    connected: bool
    client: object = None
    time_tracking_enabled: bool | None = None
    book_close_date: date | None = None
    warning: str | None = None
    # Issue 14: the classes and locations QuickBooks tracks.
    tracking: Tracking = field(default_factory=Tracking)


@dataclass
class LinePlan:
    """What sending one line means: why it is refused, or the time activity."""

    line: models.BaseModel
    minutes: int
    billable: bool
    hourly_rate: float | None = None
    refusal: Refusal | None = None
    payload: dict | None = None
    description_truncated: bool = False
    # Issue 14: item, class, location and cost (see qbo_hour_details.py).
    details: HourDetails = field(default_factory=HourDetails)
    # The duration QuickBooks had before an update (for the sync log).
    minutes_before: int | None = None

    @property
    def operation(self):
        """create, or update of the time activity the line already has."""
        return "update" if self.line.qbo_time_activity_id else "create"

    @property
    def hours(self):
        return self.minutes / 60

    @property
    def amount(self):
        if not self.billable or not self.hourly_rate:
            return 0.0
        return self.hours * float(self.hourly_rate)

    @property
    def cost(self):
        """The cost of the hours sent (job costing), 0 when none is sent."""
        return self.hours * self.details.cost_rate if self.details.cost_rate else 0.0


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "qbo.state.guard"]

    # Every other qbo_ field is QuickBooks state (see qbo.state.guard).
    _qbo_user_fields = frozenset({"qbo_billable"})

    qbo_state = fields.Selection(
        QBO_STATES,
        string="QuickBooks status",
        default="not_sent",
        required=True,
        readonly=True,
        copy=False,
        index=True,
    )
    qbo_sent = fields.Boolean(
        string="Sent to QuickBooks", compute="_compute_qbo_sent", store=True, index=True
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
    qbo_sent_payload = fields.Json(
        string="Time activity sent",
        readonly=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="What QuickBooks got last from Odoo; an update compares QuickBooks' copy with it.",
    )
    qbo_conflict_payload = fields.Json(
        string="QuickBooks' version",
        readonly=True,
        copy=False,
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
        help="Why the last preview or send did not send the line, in plain words.",
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

    @api.depends("qbo_state")
    def _compute_qbo_sent(self):
        for line in self:
            line.qbo_sent = line.qbo_state in SENT_STATES

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
        if any(not name.startswith("qbo_") for name in vals):
            self._qbo_check_not_billed()
        watched = self.browse()
        if QBO_WATCHED_FIELDS & vals.keys():
            watched = self.sudo().filtered(lambda line: line.qbo_state in SENT_STATES)
        before = {line.id: line._qbo_protected_values() for line in watched}
        result = super().write(vals)
        changed = watched.filtered(lambda line: line._qbo_protected_values() != before[line.id])
        if changed:
            changed._qbo_edited_after_sending()
            changed._qbo_log_edits(before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed_in_qbo(self):
        self._qbo_check_not_billed()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_to_qbo(self):
        sent = self.sudo().filtered(
            lambda line: line.qbo_state in SENT_STATES or line.qbo_time_activity_id
        )
        # The company may ask to delete the time activity too (qbo_deletion.py);
        # a QuickBooks manager's deletion then follows to QuickBooks.
        follow = sent.filtered(
            lambda line: line.company_id.qbo_delete_policy == "delete" and line.qbo_time_activity_id
        )
        if follow and self.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            self.env["qbo.time.deletion"]._qbo_record_deletions(follow)
            sent -= follow
        if sent:
            raise UserError(
                _(
                    "These timesheet lines were sent to QuickBooks and cannot be deleted, or "
                    "QuickBooks would keep billing time Odoo no longer has: %(lines)s. "
                    "Correct the line instead.",
                    lines=sent._qbo_line_names(),
                )
            )

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
    # What may be sent, and as what
    # ------------------------------------------------------------------
    def _qbo_check_send_access(self):
        if not self.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            raise AccessError(_("Only QuickBooks managers may send timesheets to QuickBooks."))
        # Record rules in one SQL query: check_access("read") would evaluate
        # them line by line in Python (seconds for a year of timesheets).
        self.browse().check_access("read")
        allowed = set(self._search([("id", "in", self.ids)]))
        refused = self.browse(line_id for line_id in self.ids if line_id not in allowed)
        if refused:
            refused.check_access("read")  # raises Odoo's own AccessError

    def _qbo_by_company(self):
        return self.grouped("company_id")

    @api.model
    def _qbo_approval_kind(self):
        """The timesheet approval this database has, if any: Odoo
        Enterprise's validated timesheets or OCA's timesheet sheets. Detected
        from the fields they add, so this addon depends on neither."""
        if "validated" in self._fields:
            return "validated"
        sheet = self._fields.get("sheet_id")
        if sheet is not None and sheet.comodel_name == "hr_timesheet.sheet":
            return "sheet"
        return None

    def _qbo_is_approved(self, approval_kind):
        self.ensure_one()
        if approval_kind == "validated":
            return bool(self.validated)
        if approval_kind == "sheet":
            return self.sheet_id.state == "done"
        return True

    def _qbo_hours(self, hour=None):
        """The duration in hours, whatever unit the line was entered in.

        ``hour`` is the hour unit: callers that convert many lines look it up
        once (``env.ref`` queries the database each time)."""
        self.ensure_one()
        hour = hour or self.env.ref("uom.product_uom_hour")
        uom = self.product_uom_id
        if not uom or uom == hour or uom.category_id != hour.category_id:
            return self.unit_amount
        return uom._compute_quantity(self.unit_amount, hour, round=False)

    def _qbo_description(self):
        self.ensure_one()
        # hr_timesheet stores "/" for a line without description.
        return "" if self.name in (False, "/") else self.name

    def _qbo_project_employee_rates(self):
        """{(project id, employee id): hourly rate} for these lines."""
        rates = (
            self.env["qbo.project.rate"]
            .sudo()
            .search(
                [
                    ("project_id", "in", self.project_id.ids),
                    ("employee_id", "in", self.employee_id.ids),
                ]
            )
        )
        return {(rate.project_id.id, rate.employee_id.id): rate.hourly_rate for rate in rates}

    @api.model
    def _qbo_send_context(self, company, preview=False):
        """Read the company's QuickBooks settings (closing date, time
        tracking) once per send. A preview shows what it cannot read as a
        warning; a send raises the :class:`QboError`."""
        connection = company._qbo_connection()
        send_context = SendContext(
            company=company,
            realm_id=connection.realm_id,
            connected=connection.state == "connected",
        )
        if not send_context.connected:
            return send_context
        try:
            send_context.client = connection._qbo_client()
            preferences = send_context.client.preferences()
        except QboError as error:
            if not preview:
                raise
            send_context.warning = _(
                "The QuickBooks settings of %(company)s could not be read (%(reason)s): the "
                "closing date is not checked in this preview.",
                company=company.name,
                reason=render(error, self.env._),
            )
            return send_context
        time_tracking_enabled, book_close_date = preferences_facts(preferences)
        send_context.time_tracking_enabled = time_tracking_enabled
        send_context.book_close_date = book_close_date
        send_context.tracking = tracking_facts(preferences)
        return send_context

    def _qbo_plans(self, send_context):
        """A :class:`LinePlan` per line, all of ``send_context.company``."""
        company = send_context.company.sudo()
        approval_kind = self._qbo_approval_kind()
        approval_required = bool(approval_kind) and company.qbo_approved_only
        step = int(company.qbo_rounding_step) if company.qbo_rounding_step != "none" else None
        # The queries of a plan do not grow with the lines: what each line
        # needs is read in one query (reading it on first access takes a
        # query per 1,000 lines), and the hour unit is looked up once.
        lines = self.sudo()
        approval_field = {"validated": "validated", "sheet": "sheet_id"}.get(approval_kind)
        approval_fields = [approval_field] if approval_field in self._fields else []
        lines.fetch(
            [
                "project_id",
                "employee_id",
                "product_uom_id",
                "unit_amount",
                "date",
                "name",
                "qbo_state",
                "qbo_billable",
                *approval_fields,
            ]
        )
        project_employee_rates = self._qbo_project_employee_rates()
        details = self.env["qbo.hour.details"]._qbo_details(lines, send_context)
        hour = self.env.ref("uom.product_uom_hour")
        plans = []
        for line in lines:
            project, employee = line.project_id, line.employee_id
            hours = line._qbo_hours(hour)
            minutes = round_minutes(hours_to_minutes(hours), step, company.qbo_rounding_method)
            rate = None
            if line.qbo_billable:
                rate, _source = resolve_hourly_rate(
                    project_employee_rates.get((project.id, employee.id)),
                    project.qbo_hourly_rate,
                    employee.qbo_billing_rate,
                    company.qbo_default_hourly_rate,
                )
            plan = LinePlan(line, minutes, line.qbo_billable, rate, details=details[line.id])
            plan.refusal = refusal(
                line._qbo_line_facts(plan, hours, send_context, approval_kind, approval_required)
            )
            if not plan.refusal:
                plan.payload, plan.description_truncated = build_time_activity(
                    name_of=employee.qbo_kind,
                    person_qbo_id=employee.qbo_id,
                    customer_qbo_id=project.qbo_customer_id,
                    txn_date=line.date,
                    minutes=minutes,
                    billable=plan.billable,
                    hourly_rate=rate,
                    description=line._qbo_description(),
                    **plan.details.payload_kwargs(),
                )
            plans.append(plan)
        return plans

    def _qbo_line_facts(self, plan, hours, send_context, approval_kind, approval_required):
        """The :class:`LineFacts` the sending rules judge this line on."""
        self.ensure_one()
        project, employee = self.project_id, self.employee_id
        company = send_context.company.sudo()
        return LineFacts(
            qbo_state=self.qbo_state,
            connected=send_context.connected,
            time_tracking_enabled=send_context.time_tracking_enabled,
            has_project=bool(project),
            project_qbo_id=project.qbo_customer_id or None,
            has_employee=bool(employee),
            employee_qbo_id=(employee.qbo_kind and employee.qbo_id) or None,
            approval_required=approval_required,
            approved=self._qbo_is_approved(approval_kind),
            billable=plan.billable,
            send_non_billable=company.qbo_send_non_billable,
            unit_amount_hours=hours,
            date=self.date,
            minutes=plan.minutes,
            book_close_date=send_context.book_close_date,
            hourly_rate=plan.hourly_rate,
            company_realm=send_context.realm_id,
            project_realm=project.qbo_realm_id or None,
            employee_realm=employee.qbo_realm_id or None,
            employee_name=employee.name or "",
            project_name=project.display_name or "",
            project_internal=project._qbo_is_internal(),
            time_activity_id=self.qbo_time_activity_id or None,
            class_required=bool(company.qbo_require_class and send_context.tracking.classes),
            class_qbo_id=plan.details.class_qbo_id,
        )

    # ------------------------------------------------------------------
    # QuickBooks state: written by the addon's own code only, here
    # ------------------------------------------------------------------
    def _qbo_write_state(self, vals):
        """Write the QuickBooks state of these lines: the one door the sync
        uses (see qbo.state.guard), whatever the rights of the user sending."""
        # Reasons and errors of the qbo package, in the user's language.
        vals = {name: render(value, self.env._) for name, value in vals.items()}
        with qbo_trusted():
            return self.sudo().write(vals)

    def _qbo_mark_sent(self, activity, payload, request_id, realm_id, edited=False):
        """Record the time activity QuickBooks made from ``payload``."""
        self.ensure_one()
        minutes = int(payload.get("Hours") or 0) * 60 + int(payload.get("Minutes") or 0)
        self._qbo_write_state(
            {
                "qbo_state": "edited" if edited else "sent",
                "qbo_time_activity_id": str(activity["Id"]),
                "qbo_sync_token": activity.get("SyncToken"),
                "qbo_realm_id": realm_id,
                "qbo_sent_at": fields.Datetime.now(),
                "qbo_sent_by_id": self.env.uid,
                "qbo_sent_duration": minutes / 60,
                "qbo_sent_rate": payload.get("HourlyRate") or 0.0,
                "qbo_sent_payload": payload,
                "qbo_conflict_payload": False,
                "qbo_last_error": False,
                "qbo_refusal_code": False,
                "qbo_intuit_tid": False,
                "qbo_request_id": request_id,
            }
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
                "qbo_last_error": render(error, self.env._),
                "qbo_refusal_code": False,
                "qbo_intuit_tid": error.intuit_tid,
                "qbo_request_id": request_id,
            }
        )
