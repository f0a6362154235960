# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config, split_every

from ..qbo import (
    BatchItem,
    QboBusy,
    QboConnectionError,
    QboError,
    QboServerUnavailable,
    QboThrottled,
    QboTimeout,
)
from ..qbo.timesheet_rules import (
    LineFacts,
    Refusal,
    build_time_activity,
    hours_to_minutes,
    matches_time_activity,
    payload_fingerprint,
    preferences_facts,
    refusal,
    resolve_hourly_rate,
    round_minutes,
)
from .qbo_state_guard import qbo_trusted

_logger = logging.getLogger(__name__)

QBO_STATES = [
    ("not_sent", "Not sent"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("error", "Error"),
    ("edited", "Edited after sending"),
]
# States of a line that has a time activity in QuickBooks.
SENT_STATES = ("sent", "edited")
# What the time activity of a sent line is made of.
QBO_PROTECTED_FIELDS = ("date", "unit_amount", "employee_id", "project_id", "name")
# A new task may move the line to another project.
QBO_WATCHED_FIELDS = frozenset((*QBO_PROTECTED_FIELDS, "task_id"))
# sale_timesheet invoice types billed by the hour. Fixed-price and milestone
# lines are invoiced from their sale order, not from the hours spent.
SALE_BILLABLE_TYPES = ("billable_time", "billable_manual")
# Lines locked and sent together: ten batch requests of 30.
SEND_CHUNK_SIZE = 300
# Clock difference allowed between Odoo and QuickBooks when looking for the
# time activities of an interrupted send.
RECONCILE_MARGIN = timedelta(minutes=10)
# Failures after which QuickBooks may have saved the entry all the same.
UNKNOWN_OUTCOME_ERRORS = (QboTimeout, QboServerUnavailable)
# Failures after which a line queued for the background sender waits for the
# next run instead of failing: QuickBooks was out of reach or kept throttling.
TRANSIENT_ERRORS = (*UNKNOWN_OUTCOME_ERRORS, QboBusy, QboConnectionError, QboThrottled)
# Lines the background sender locks, sends and commits together: three batch
# requests, so that a run stops soon after its time is up and a killed worker
# leaves little to reconcile.
BACKGROUND_CHUNK_SIZE = 90
# Longest run of the background sender per cron call; shorter when the
# server's cron time limit asks (see _qbo_cron_time_budget).
BACKGROUND_MAX_SECONDS = 300
# QuickBooks companies sent to in parallel by one background run.
BACKGROUND_MAX_REALMS = 4
# When a run leaves lines waiting (QuickBooks unreachable, realm busy).
BACKGROUND_RETRY_DELAY = timedelta(minutes=1)
CLOSE_WIZARD = {"type": "ir.actions.act_window_close"}
# First key of the realm advisory locks (the second one is the realm's hash),
# so they cannot collide with the locks of other modules.
REALM_LOCK_NAMESPACE = 0x0B05


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

    @property
    def hours(self):
        return self.minutes / 60

    @property
    def amount(self):
        if not self.billable or not self.hourly_rate:
            return 0.0
        return self.hours * float(self.hourly_rate)


@dataclass
class PendingAttempt:
    """An earlier attempt of a line whose outcome was never recorded."""

    request_id: str
    payload: dict
    attempted_at: datetime


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
    qbo_last_error = fields.Text(string="QuickBooks error", readonly=True, copy=False)
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
        watched = self.browse()
        if QBO_WATCHED_FIELDS & vals.keys():
            watched = self.sudo().filtered(lambda line: line.qbo_state in SENT_STATES)
        before = {line.id: line._qbo_protected_values() for line in watched}
        result = super().write(vals)
        changed = watched.filtered(lambda line: line._qbo_protected_values() != before[line.id])
        if changed:
            changed._qbo_edited_after_sending()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_to_qbo(self):
        sent = self.sudo().filtered(lambda line: line.qbo_state in SENT_STATES)
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
        if self.qbo_state in SENT_STATES and self.company_id.qbo_edit_policy == "refuse":
            return True
        return super()._is_readonly()

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

    def _qbo_write_state(self, vals):
        """Write the QuickBooks state of these lines: the one door the sync
        uses (see qbo.state.guard), whatever the rights of the user sending."""
        with qbo_trusted():
            return self.sudo().write(vals)

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

    # ------------------------------------------------------------------
    # What may be sent, and as what
    # ------------------------------------------------------------------
    def _qbo_check_send_access(self):
        if not self.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            raise AccessError(_("Only QuickBooks managers may send timesheets to QuickBooks."))
        self.check_access("read")

    def _qbo_by_company(self):
        lines_by_company = defaultdict(lambda: self.browse())
        for line in self:
            lines_by_company[line.company_id] |= line
        return lines_by_company

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
                reason=str(error),
            )
            return send_context
        time_tracking_enabled, book_close_date = preferences_facts(preferences)
        send_context.time_tracking_enabled = time_tracking_enabled
        send_context.book_close_date = book_close_date
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
        hour = self.env.ref("uom.product_uom_hour")
        plans = []
        for line in lines:
            project, employee = line.project_id, line.employee_id
            hours = line._qbo_hours(hour)
            minutes = round_minutes(hours_to_minutes(hours), step, company.qbo_rounding_method)
            billable = line.qbo_billable
            rate = None
            if billable:
                rate, _source = resolve_hourly_rate(
                    project_employee_rates.get((project.id, employee.id)),
                    project.qbo_hourly_rate,
                    employee.qbo_billing_rate,
                    company.qbo_default_hourly_rate,
                )
            plan = LinePlan(line, minutes, billable, rate)
            plan.refusal = refusal(
                LineFacts(
                    qbo_state=line.qbo_state,
                    connected=send_context.connected,
                    time_tracking_enabled=send_context.time_tracking_enabled,
                    has_project=bool(project),
                    project_qbo_id=project.qbo_customer_id or None,
                    has_employee=bool(employee),
                    employee_qbo_id=(employee.qbo_kind and employee.qbo_id) or None,
                    approval_required=approval_required,
                    approved=line._qbo_is_approved(approval_kind),
                    billable=billable,
                    send_non_billable=company.qbo_send_non_billable,
                    unit_amount_hours=hours,
                    date=line.date,
                    minutes=minutes,
                    book_close_date=send_context.book_close_date,
                    hourly_rate=rate,
                    company_realm=send_context.realm_id,
                    project_realm=project.qbo_realm_id or None,
                    employee_realm=employee.qbo_realm_id or None,
                    employee_name=employee.name or "",
                    project_name=project.display_name or "",
                    time_activity_id=line.qbo_time_activity_id or None,
                )
            )
            if not plan.refusal:
                plan.payload, plan.description_truncated = build_time_activity(
                    name_of=employee.qbo_kind,
                    person_qbo_id=employee.qbo_id,
                    customer_qbo_id=project.qbo_customer_id,
                    txn_date=line.date,
                    minutes=minutes,
                    billable=billable,
                    hourly_rate=rate,
                    item_qbo_id=project.qbo_item_id or company.qbo_default_item_id or None,
                    description=line._qbo_description(),
                )
            plans.append(plan)
        return plans

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _qbo_send(self):
        """Send these lines (of any company) and say how it went. A company's
        selection larger than its background threshold is queued for the
        background sender instead."""
        self._qbo_check_send_access()
        logs = self.env["qbo.sync.log"]
        queued_logs = self.env["qbo.sync.log"]
        totals = Counter(done=0, refused=0, failed=0, remaining=0)
        for company, lines in self._qbo_by_company().items():
            if len(lines) > company.sudo().qbo_background_threshold:
                queued_logs |= lines._qbo_queue(company)
                continue
            log, counts = lines._qbo_send_company(company)
            logs |= log
            totals.update(counts)
        if queued_logs and not logs:
            return self._qbo_queued_notification(queued_logs)
        notification = self._qbo_send_notification(logs | queued_logs, totals)
        if queued_logs:
            notification["params"]["message"] = (
                _(
                    "%(count)s lines were queued and are being sent in the background.",
                    count=sum(queued_logs.mapped("count_remaining")),
                )
                + " "
                + notification["params"]["message"]
            )
        return notification

    def _qbo_send_company(self, company):
        """Send these lines of ``company`` chunk by chunk, in one sync log;
        returns (log, counts)."""
        log = self.env["qbo.sync.log"]._record(
            company,
            "send",
            _("Send timesheets"),
            _("Sending %(count)s timesheet lines.", count=len(self)),
            state="running",
            realm_id=company._qbo_connection().realm_id,
        )
        counts = Counter(done=0, refused=0, failed=0)
        failure = None
        try:
            # One sender per QuickBooks company: wait for a background run to
            # finish its chunk rather than exceed the company's limits together.
            self._qbo_lock_realm(company, wait=True)
            send_context = self._qbo_send_context(company)
            # Lock every line before the first request leaves, so that a
            # serialization failure (and Odoo's retry) comes before anything
            # was sent rather than between two chunks.
            self._qbo_lock()
            for line_ids in split_every(SEND_CHUNK_SIZE, self.ids):
                counts.update(self.browse(line_ids)._qbo_send_chunk(log, send_context))
        except QboError as error:
            failure = error
            log._add_lines(
                [
                    {
                        "level": "error",
                        "message": str(error),
                        "code": error.code,
                        "intuit_tid": error.intuit_tid,
                    }
                ]
            )
        counts["remaining"] = len(self) - counts["done"] - counts["refused"] - counts["failed"]
        summary = _(
            "%(done)s sent, %(refused)s not sent, %(failed)s failed.",
            done=counts["done"],
            refused=counts["refused"],
            failed=counts["failed"],
        )
        if failure:
            summary = f"{failure} {summary}"
        log.write(
            {
                "state": self._qbo_log_state(counts),
                "summary": summary,
                "count_done": counts["done"],
                "count_refused": counts["refused"],
                "count_failed": counts["failed"],
                "count_remaining": counts["remaining"],
            }
        )
        return log, counts

    @api.model
    def _qbo_lock_realm(self, company, wait=False):
        """Take the lock of ``company``'s QuickBooks company until the end of
        the transaction: one sender per QuickBooks company, across workers and
        servers, so that together they stay under its rate limits (each
        process paces its own requests). Returns whether it was taken; with
        ``wait``, waits for it."""
        realm_key = company.sudo()._qbo_connection().realm_id or f"company-{company.id}"
        if wait:
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                    REALM_LOCK_NAMESPACE,
                    realm_key,
                )
            )
            return True
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                REALM_LOCK_NAMESPACE,
                realm_key,
            )
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Background sending: a sync log entry is the job, queued lines its work
    # ------------------------------------------------------------------
    def _qbo_queue(self, company, name=None):
        """Queue these lines of ``company`` for the background sender and
        wake it up; returns the sync log entry that follows the send."""
        lines = self.sudo()
        log = self.env["qbo.sync.log"]._record(
            company,
            "send",
            name or _("Send timesheets in the background"),
            _("%(count)s timesheet lines queued.", count=len(lines)),
            state="running",
            realm_id=company._qbo_connection().realm_id,
        )
        sent = lines.filtered(lambda line: line.qbo_state in SENT_STATES)
        to_queue = lines - sent
        earlier_logs = to_queue.qbo_queue_log_id
        to_queue._qbo_write_state(
            {"qbo_state": "queued", "qbo_queue_log_id": log.id, "qbo_last_error": False}
        )
        already_sent = _("The line was already sent to QuickBooks: it is never sent twice.")
        log._add_lines(
            [{"level": "warning", "message": already_sent, "record": line} for line in sent]
        )
        log.write({"count_refused": len(sent), "count_remaining": len(to_queue)})
        # Lines queued again move to this send: the earlier ones may be over.
        for earlier_log in earlier_logs.filtered(lambda earlier: earlier.state == "running"):
            self._qbo_update_queue_log(earlier_log, Counter(done=0, refused=0, failed=0), 0)
        if to_queue:
            self.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")._trigger()
        else:
            self._qbo_finish_queue_log(log)
        return log

    def _qbo_queued_notification(self, logs):
        message = _(
            "%(count)s lines are being sent to QuickBooks in the background; you will be "
            "notified when it is done.",
            count=sum(logs.mapped("count_remaining")),
        )
        return logs._qbo_notification(
            message,
            "info",
            sticky=False,
            next_action=CLOSE_WIZARD,
            link_label=_("Follow it in the sync log"),
        )

    @api.model
    def _qbo_cron_send_queued(self):
        """Cron: send the queued lines, one QuickBooks company per thread,
        each in chunks committed one by one, until the time budget of the
        call is spent; the cron calls again while lines remain."""
        deadline = time.monotonic() + self._qbo_cron_time_budget()
        # The senders work in transactions of their own.
        self.env.flush_all()
        company_ids = list(self._qbo_queued_by_company())
        if len(company_ids) > 1:
            with ThreadPoolExecutor(min(len(company_ids), BACKGROUND_MAX_REALMS)) as pool:
                outcomes = list(
                    pool.map(
                        lambda company_id: self._qbo_send_queue_in_thread(company_id, deadline),
                        company_ids,
                    )
                )
        else:
            outcomes = [
                self._qbo_send_queue_in_thread(company_id, deadline) for company_id in company_ids
            ]
        done = sum(settled for settled, _waiting in outcomes)
        remaining = sum(self._qbo_queued_by_company().values())
        if any(waiting for _settled, waiting in outcomes):
            # QuickBooks out of reach or the company busy: the cron would see
            # no progress and wait for its next interval, come back sooner.
            self.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")._trigger(
                fields.Datetime.now() + BACKGROUND_RETRY_DELAY
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _qbo_queued_by_company(self):
        """{company id: lines queued for the background sender}, read in a
        transaction of its own so that it sees what the senders committed."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT company_id, count(*) FROM account_analytic_line"
                " WHERE qbo_state = 'queued' AND qbo_queue_log_id IS NOT NULL"
                " GROUP BY company_id"
            )
            return dict(cr.fetchall())

    @api.model
    def _qbo_cron_auto_send(self):
        """Cron: queue, for each company that asks for it, the lines of its
        saved filter that may be sent, every N hours."""
        now = fields.Datetime.now()
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("qbo_auto_send", "=", True), ("qbo_auto_send_filter_id", "!=", False)])
        )
        for company in companies:
            last = company.qbo_auto_send_last
            if last and last + timedelta(hours=company.qbo_auto_send_interval) > now:
                continue
            company.qbo_auto_send_last = now
            lines = self._qbo_auto_send_lines(company)
            if lines:
                lines._qbo_queue(company, name=_("Scheduled send"))

    @api.model
    def _qbo_auto_send_lines(self, company):
        """The lines of ``company``'s saved filter that would be sent now.
        Lines refused (not approved yet, not mapped...) are left alone, to be
        taken up by a later run once fixed, instead of failing every run."""
        domain = company.qbo_auto_send_filter_id._get_eval_domain()
        lines = self.sudo().search(
            [*domain, ("company_id", "=", company.id), ("qbo_state", "in", ("not_sent", "error"))]
        )
        if not lines:
            return lines
        try:
            send_context = self._qbo_send_context(company)
        except QboError as error:
            _logger.info("Scheduled QuickBooks send of company %s skipped: %s", company.id, error)
            return self.browse()
        return self.browse(
            plan.line.id for plan in lines._qbo_plans(send_context) if not plan.refusal
        )

    @api.model
    def _qbo_cron_time_budget(self):
        """Seconds one cron call may spend sending: the cron runs up to ten
        calls in a row, all within the server's time limit for a cron job."""
        limit = config["limit_time_real_cron"]
        if limit is None or limit < 0:
            limit = config["limit_time_real"]
        if not limit:
            return BACKGROUND_MAX_SECONDS
        return min(BACKGROUND_MAX_SECONDS, limit / 12)

    def _qbo_send_queue_in_thread(self, company_id, deadline):
        """Send the queue of one company in a transaction of its own (callable
        from a thread); returns (lines settled, whether lines wait for later)."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            company = env["res.company"].browse(company_id)
            return env["account.analytic.line"]._qbo_send_queue(company, deadline)

    @api.model
    def _qbo_send_queue(self, company, deadline):
        """Send the queued lines of ``company`` chunk by chunk, committing
        after each, until none is left or ``deadline`` (a monotonic time) has
        passed. Skips the company while another sender holds it. Returns
        (lines settled, whether lines wait for a later run)."""
        cr = self.env.cr
        settled = 0
        tried_ids = set()
        waiting = False
        send_context = None
        while time.monotonic() < deadline:
            if not self._qbo_lock_realm(company):
                return settled, True
            try:
                log, lines = self._qbo_next_queued_chunk(company, tried_ids)
                if not lines:
                    cr.rollback()
                    return settled, waiting
                tried_ids.update(lines.ids)
                if send_context is None:
                    send_context = self._qbo_send_context(company)
                # Sent by the user who queued the send, as an interactive send is.
                lines = lines.with_user(log.user_id or self.env.user).sudo()
                counts = lines._qbo_send_chunk(log.with_env(lines.env), send_context)
            except QboError as error:
                # QuickBooks' settings could not be read: try again later.
                cr.rollback()
                log._add_lines([{"level": "warning", "message": str(error), "code": error.code}])
                cr.commit()  # pylint: disable=invalid-commit
                return settled, True
            except psycopg2.errors.SerializationFailure:
                # A queued line was edited since this transaction began: its
                # lock is refused before anything is sent; start again.
                cr.rollback()
                continue
            left = lines.filtered(lambda line: line.qbo_state == "queued")
            settled += len(lines) - len(left)
            waiting = waiting or bool(left)
            self._qbo_update_queue_log(log, counts, len(lines) - len(left))
            # Sent lines are recorded before the next chunk leaves, so a killed
            # worker loses at most the chunk under way (reconciled next time).
            cr.commit()  # pylint: disable=invalid-commit
            # Keep memory flat however many chunks one call sends.
            self.env.invalidate_all()
            if len(left) == len(lines):
                # Nothing got through: QuickBooks is out of reach for now.
                return settled, True
        return settled, True

    @api.model
    def _qbo_next_queued_chunk(self, company, exclude_ids):
        """(log, lines): the next queued lines of ``company``, of its oldest
        background send, locked for this transaction; lines locked by another
        transaction and ``exclude_ids`` are left out."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id, qbo_queue_log_id FROM account_analytic_line
                 WHERE company_id = %(company)s
                   AND qbo_state = 'queued'
                   AND qbo_queue_log_id = (
                       SELECT min(qbo_queue_log_id) FROM account_analytic_line
                        WHERE company_id = %(company)s
                          AND qbo_state = 'queued'
                          AND qbo_queue_log_id IS NOT NULL
                          AND NOT (id = ANY(%(exclude)s))
                   )
                   AND NOT (id = ANY(%(exclude)s))
                 ORDER BY id
                 LIMIT %(limit)s
                 FOR NO KEY UPDATE SKIP LOCKED
                """,
                company=company.id,
                exclude=list(exclude_ids),
                limit=BACKGROUND_CHUNK_SIZE,
            ),
            # A serialization failure is expected (and retried): not an error to log.
            log_exceptions=False,
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return self.env["qbo.sync.log"], self.browse()
        log = self.env["qbo.sync.log"].sudo().browse(rows[0][1])
        return log, self.browse(row[0] for row in rows)

    @api.model
    def _qbo_update_queue_log(self, log, counts, settled):
        """Add a chunk's outcome to the background send ``log``: ``counts`` as
        :meth:`_qbo_send_chunk` returns them, ``settled`` the lines that left
        the queue. Closes the log when none of its lines is queued any more."""
        queued = self.sudo().search_count(
            [("qbo_queue_log_id", "=", log.id), ("qbo_state", "=", "queued")]
        )
        log.write(
            {
                "count_done": log.count_done + counts["done"],
                "count_refused": log.count_refused + counts["refused"],
                # Lines still queued (outcome unknown, QuickBooks out of reach)
                # are counted once they settle.
                "count_failed": log.count_failed + settled - counts["done"] - counts["refused"],
                "count_remaining": queued,
            }
        )
        if not queued:
            self._qbo_finish_queue_log(log)

    @api.model
    def _qbo_finish_queue_log(self, log):
        """Close a background send and tell the user who queued it."""
        counts = {
            "done": log.count_done,
            "refused": log.count_refused,
            "failed": log.count_failed,
            "remaining": log.count_remaining,
        }
        state = self._qbo_log_state(counts)
        summary = _(
            "%(done)s sent, %(refused)s not sent, %(failed)s failed.",
            done=counts["done"],
            refused=counts["refused"],
            failed=counts["failed"],
        )
        log.write({"state": state, "summary": summary})
        level = {"done": "success", "partial": "warning"}.get(state, "danger")
        log.user_id._bus_send(
            "simple_notification",
            {
                "title": _("QuickBooks"),
                "message": _(
                    "Background send finished: %(summary)s See the sync log '%(log)s'.",
                    summary=summary,
                    log=log.name,
                ),
                "type": level,
                "sticky": level != "success",
            },
        )

    @api.model
    def _qbo_log_state(self, counts):
        if counts["failed"] or counts["remaining"]:
            return "partial" if counts["done"] else "failed"
        return "partial" if counts["refused"] else "done"

    def _qbo_send_chunk(self, log, send_context=None):
        """Send these lines, all of one company, each at most once.

        The unit of work of a send: a background job can call it for each
        chunk of a large selection (with its own ``log``) and commit between
        chunks. The lines stay locked by the current transaction until it
        ends, so a concurrent send skips them. Returns the counts
        ``{"done", "refused", "failed"}`` and adds the details to ``log``.
        """
        company = self.company_id
        company.ensure_one()
        send_context = send_context or self._qbo_send_context(company)
        counts = Counter(done=0, refused=0, failed=0)
        details = []
        locked = self._qbo_lock()
        busy = self - locked
        for line in busy:
            counts["refused"] += 1
            details.append(
                {
                    "level": "warning",
                    "message": _("Another user is sending this line to QuickBooks right now."),
                    "record": line,
                }
            )
        to_send = []
        refused_in_queue = {}
        for plan in locked._qbo_plans(send_context):
            if plan.refusal:
                if plan.line.qbo_queue_log_id and plan.line.qbo_state == "queued":
                    refused_in_queue[plan.line] = plan.refusal.message
                counts["refused"] += 1
                details.append(
                    {
                        "level": "warning",
                        "message": plan.refusal.message,
                        "code": plan.refusal.code,
                        "record": plan.line,
                    }
                )
            else:
                to_send.append(plan)
        # A queued line that may not be sent leaves the queue, with the reason,
        # or the background sender would take it up again and again.
        for line, reason in refused_in_queue.items():
            line._qbo_write_state({"qbo_state": "error", "qbo_last_error": reason})
        if to_send:
            self._qbo_deliver(to_send, send_context, counts, details)
        log._add_lines(details)
        return counts

    def _qbo_lock(self):
        """Lock these lines until the end of the transaction; return those
        locked, leaving out the lines another transaction holds (it is
        sending them). ``NO KEY UPDATE`` still lets the journal refer to them.

        A line changed by a transaction committed since this one started
        raises a serialization failure: Odoo then retries the whole request,
        before anything was sent.
        """
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                tuple(self.ids),
            ),
            log_exceptions=False,  # the serialization failure above is expected
        )
        locked_ids = {row[0] for row in self.env.cr.fetchall()}
        locked = self.filtered(lambda line: line.id in locked_ids)
        # Read what the lines hold now that no one else can change them.
        locked.invalidate_recordset()
        return locked

    def _qbo_journal_cursor(self):
        """Cursor of the send journal: its own transaction, committed before
        a request leaves (tests of concurrency replace it)."""
        return self.env.registry.cursor()

    def _qbo_deliver(self, plans, send_context, counts, details):
        """Create the time activities of ``plans`` in QuickBooks."""
        realm_id = send_context.realm_id
        pending = self._qbo_pending_attempts(plans, realm_id)
        if pending:
            plans = self._qbo_settle_pending(plans, pending, send_context, counts, details)
        if not plans:
            return
        request_ids = {
            plan.line.id: pending[plan.line.id].request_id
            if plan.line.id in pending
            else uuid.uuid4().hex
            for plan in plans
        }
        # Committed before the request leaves, so that if this transaction
        # dies the next send knows to look in QuickBooks and reuses the ids.
        with self._qbo_journal_cursor() as cr:
            self.env(cr=cr, su=True)["qbo.send.attempt"].create(
                [
                    {
                        "line_id": plan.line.id,
                        "realm_id": realm_id,
                        "request_id": request_ids[plan.line.id],
                        "payload": plan.payload,
                    }
                    for plan in plans
                ]
            )
        items = [
            BatchItem("create", "TimeActivity", plan.payload, request_ids[plan.line.id], key=plan)
            for plan in plans
        ]
        for result in self.env["qbo.mapping.mixin"]._qbo_send_batch(send_context.client, items):
            plan = result.item.key
            if result.ok:
                plan.line._qbo_mark_sent(
                    result.data, plan.payload, result.item.request_id, realm_id
                )
                counts["done"] += 1
                details.append(self._qbo_sent_detail(plan))
            else:
                plan.line._qbo_mark_failed(result.error, result.item.request_id)
                counts["failed"] += 1
                details.append(
                    {
                        "level": "error",
                        "message": str(result.error),
                        "code": result.error.code,
                        "intuit_tid": result.error.intuit_tid,
                        "record": plan.line,
                    }
                )

    def _qbo_pending_attempts(self, plans, realm_id):
        """{line id: PendingAttempt} for the lines of ``plans`` whose last
        attempt has no recorded outcome: the answer never came back, or the
        transaction that sent it died before recording it.

        Read in a transaction of its own, started after the lines were
        locked, so it sees every attempt committed by an earlier send.
        """
        lines = self.browse(plan.line.id for plan in plans).sudo()
        with self._qbo_journal_cursor() as cr:
            latest = self.env(cr=cr, su=True)["qbo.send.attempt"]._latest_by_line(
                lines.ids, realm_id
            )
            attempts = {
                line_id: PendingAttempt(attempt.request_id, attempt.payload, attempt.attempted_at)
                for line_id, attempt in latest.items()
            }
        pending = {}
        for line in lines:
            attempt = attempts.get(line.id)
            settled = attempt is None or (
                line.qbo_request_id == attempt.request_id and line.qbo_state != "queued"
            )
            if not settled:
                pending[line.id] = attempt
        return pending

    def _qbo_settle_pending(self, plans, pending, send_context, counts, details):
        """Look in QuickBooks for the time activities of interrupted attempts
        and record those found; returns the plans still to send."""
        pending_plans = [plan for plan in plans if plan.line.id in pending]
        try:
            found = self._qbo_find_time_activities(send_context, pending_plans, pending)
        except QboError as error:
            # Without knowing whether they reached QuickBooks, sending them
            # again could create a second time activity: leave them for later.
            for plan in pending_plans:
                counts["failed"] += 1
                details.append(
                    {
                        "level": "error",
                        "message": _(
                            "An earlier send of this line was interrupted and QuickBooks could "
                            "not be checked for it (%(reason)s); it will be checked on the next "
                            "send.",
                            reason=str(error),
                        ),
                        "code": error.code,
                        "intuit_tid": error.intuit_tid,
                        "record": plan.line,
                    }
                )
            return [plan for plan in plans if plan.line.id not in pending]
        for plan in pending_plans:
            activity = found.get(plan.line.id)
            if not activity:
                continue
            attempt = pending[plan.line.id]
            plan.line._qbo_mark_sent(
                activity,
                attempt.payload,
                attempt.request_id,
                send_context.realm_id,
                edited=payload_fingerprint(attempt.payload) != payload_fingerprint(plan.payload),
            )
            counts["done"] += 1
            details.append(
                {
                    "level": "info",
                    "message": _(
                        "Found in QuickBooks as time activity %(id)s, created by an earlier "
                        "send that was interrupted: not sent again.",
                        id=activity["Id"],
                    ),
                    "record": plan.line,
                }
            )
        return [plan for plan in plans if plan.line.id not in found]

    def _qbo_find_time_activities(self, send_context, plans, pending):
        """{line id: time activity} of the pending attempts QuickBooks saved,
        matched on what was sent; a time activity already linked to another
        line is never taken twice."""
        since = min(pending[plan.line.id].attempted_at for plan in plans) - RECONCILE_MARGIN
        activities = send_context.client.time_activities_changed_since(since)
        taken = set(
            self.sudo()
            .search(
                [
                    ("qbo_realm_id", "=", send_context.realm_id),
                    (
                        "qbo_time_activity_id",
                        "in",
                        [str(activity["Id"]) for activity in activities],
                    ),
                ]
            )
            .mapped("qbo_time_activity_id")
        )
        found = {}
        for plan in plans:
            payload = pending[plan.line.id].payload
            for activity in activities:
                activity_id = str(activity["Id"])
                if activity_id not in taken and matches_time_activity(payload, activity):
                    found[plan.line.id] = activity
                    taken.add(activity_id)
                    break
        return found

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
                "qbo_last_error": False,
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
                "qbo_last_error": str(error),
                "qbo_intuit_tid": error.intuit_tid,
                "qbo_request_id": request_id,
            }
        )

    def _qbo_sent_detail(self, plan):
        message = _(
            "Sent as time activity %(id)s: %(hours)s h.",
            id=plan.line.qbo_time_activity_id,
            hours=round(plan.hours, 2),
        )
        if plan.description_truncated:
            message += " " + _("The description was cut to the 4000 characters QuickBooks keeps.")
        return {"level": "info", "message": message, "record": plan.line}

    def _qbo_send_notification(self, logs, counts):
        if counts["failed"] or counts["remaining"]:
            level = "warning" if counts["done"] else "danger"
        else:
            level = "warning" if counts["refused"] else "success"
        message = _(
            "%(done)s lines sent to QuickBooks, %(refused)s not sent, %(failed)s failed.",
            done=counts["done"],
            refused=counts["refused"],
            failed=counts["failed"],
        )
        return logs._qbo_notification(message, level, next_action=CLOSE_WIZARD)
