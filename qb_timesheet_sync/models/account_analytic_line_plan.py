# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What sending a timesheet line means (a :class:`LinePlan`): whether it may
be sent and why not, and the time activity QuickBooks gets. The line's fields
and guards are in ``account_analytic_line.py``."""

from dataclasses import dataclass, field
from datetime import date

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..qbo import (
    QboError,
)
from ..qbo.hour_details import HourDetails, Tracking, customer_refs, tracking_facts
from ..qbo.preferences_cache import PREFERENCES
from ..qbo.text import render
from ..qbo.time_activity import build_time_activity
from ..qbo.timesheet_rules import (
    LineFacts,
    Refusal,
    hours_to_minutes,
    preferences_facts,
    refusal,
    resolve_hourly_rate,
    round_minutes,
)

# What a plan reads of each line, in one query for all of them (reading a
# field on first access takes a query per 1,000 lines).
PLAN_FIELDS = (
    "project_id",
    "employee_id",
    "task_id",
    "product_uom_id",
    "unit_amount",
    "date",
    "name",
    "qbo_state",
    "qbo_billed",
    "qbo_billable",
    "qbo_time_activity_id",
    "qbo_skip",
    # what a preview or a send notes of the line's outcome
    "qbo_queue_log_id",
    "qbo_refusal_code",
    "qbo_last_error",
)


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
    # The classes and locations QuickBooks tracks.
    tracking: Tracking = field(default_factory=Tracking)


@dataclass
class LinePlan:
    """What sending one line means: why it is refused, or the time activity."""

    line: models.BaseModel
    minutes: int
    billable: bool
    hourly_rate: float | None = None
    refusal: Refusal | None = None
    # The refusal in the sender's language, rendered once for the wizard, the
    # line and the sync log.
    reason: str | None = None
    payload: dict | None = None
    description_truncated: bool = False
    # Item, class, location and cost of the hour (see qbo_hour_details.py).
    details: HourDetails = field(default_factory=HourDetails)
    # The line's project and employee (read once per pair of them).
    project: models.BaseModel | None = None
    employee: models.BaseModel | None = None
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
    _inherit = "account.analytic.line"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

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
        # What a plan reads, in the same query: grouped() alone would read
        # every column of every line.
        self.fetch(["company_id", *PLAN_FIELDS])
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

    def _qbo_line_refs(self):
        """{line id: (project, employee, task, unit ids)} in one query: a
        plan keys what it works out once on them, and reading them as
        records takes more time than the rest of a line's plan."""
        names = ("project_id", "employee_id", "task_id", "product_uom_id")
        self.flush_recordset(names)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, project_id, employee_id, task_id, product_uom_id"
                " FROM account_analytic_line WHERE id = ANY(%s)",
                self.ids,
            )
        )
        return {row[0]: row[1:] for row in rows}

    def _qbo_hours(self, hour=None):
        """The duration in hours, whatever unit the line was entered in.

        ``hour`` is the hour unit: callers that convert many lines look it up
        once (``env.ref`` queries the database each time)."""
        self.ensure_one()
        hour = hour or self.env.ref("uom.product_uom_hour")
        return self.unit_amount * self._qbo_hour_ratio(self.product_uom_id, hour)

    @api.model
    def _qbo_hour_ratio(self, uom, hour):
        """Hours in one ``uom``: a line entered in days is converted; a line
        without a unit, or in a unit that is not one of time, is in hours."""
        if not uom or uom == hour or uom.category_id != hour.category_id:
            return 1.0
        return uom._compute_quantity(1.0, hour, round=False)

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
        tracking) once per send, or take those this process read in the
        last minutes (qbo/preferences_cache.py). A preview shows what
        it cannot read as a warning; a send raises the :class:`QboError`."""
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
            # A preview reads them afresh; a send takes those of the last
            # minutes (each read is a metered call).
            preferences = None if preview else PREFERENCES.get(connection.realm_id)
            if preferences is None:
                preferences = send_context.client.preferences()
                PREFERENCES.put(connection.realm_id, preferences)
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
        rounding_method = company.qbo_rounding_method
        # The queries of a plan do not grow with the lines: what each line
        # needs is read in one query (reading it on first access takes a
        # query per 1,000 lines), and the hour unit is looked up once.
        lines = self.sudo()
        approval_field = {"validated": "validated", "sheet": "sheet_id"}.get(approval_kind)
        approval_fields = [approval_field] if approval_field in self._fields else []
        lines.fetch([*PLAN_FIELDS, *approval_fields])
        project_employee_rates = self._qbo_project_employee_rates()
        details_of = self.env["qbo.hour.details"]._qbo_details_finder(lines, send_context)
        hour = self.env.ref("uom.product_uom_hour")
        # What depends on the project and employee only is worked out once
        # per pair: a year of timesheets has a few hundred pairs.
        pairs = {}
        hour_ratios = {}
        plans = []
        refs = lines._qbo_line_refs()
        for line in lines:
            project_id, employee_id, task_id, uom_id = refs[line.id]
            pair = pairs.get((project_id, employee_id))
            if pair is None:
                project = self.env["project.project"].sudo().browse(project_id)
                employee = self.env["hr.employee"].sudo().browse(employee_id)
                pair = pairs[project_id, employee_id] = self._qbo_pair_facts(
                    project, employee, send_context, project_employee_rates, approval_required
                )
            ratio = hour_ratios.get(uom_id)
            if ratio is None:
                uom = self.env["uom.uom"].browse(uom_id)
                ratio = hour_ratios[uom_id] = self._qbo_hour_ratio(uom, hour)
            hours = line.unit_amount * ratio
            line_date = line.date
            minutes = round_minutes(hours_to_minutes(hours), step, rounding_method)
            billable = line.qbo_billable
            rate = pair["rate"] if billable else None
            details = details_of(task_id, employee_id, project_id)
            plan = LinePlan(line, minutes, billable, rate, details=details)
            plan.project, plan.employee = pair["project"], pair["employee"]
            plan.refusal = refusal(
                LineFacts(
                    **pair["facts"],
                    qbo_state=line.qbo_state,
                    billed=line.qbo_billed,
                    approved=line._qbo_is_approved(approval_kind),
                    billable=plan.billable,
                    unit_amount_hours=hours,
                    date=line_date,
                    minutes=plan.minutes,
                    hourly_rate=plan.hourly_rate,
                    time_activity_id=line.qbo_time_activity_id or None,
                    class_qbo_id=plan.details.class_qbo_id,
                    payroll_pending=plan.details.payroll_pending,
                    not_to_send=line.qbo_skip,
                )
            )
            if plan.refusal:
                plan.reason = render(plan.refusal.message, self.env._)
            else:
                customer_qbo_id, project_qbo_id = pair["customer_refs"]
                plan.payload, plan.description_truncated = build_time_activity(
                    **pair["person"],
                    customer_qbo_id=customer_qbo_id,
                    project_qbo_id=project_qbo_id,
                    txn_date=line_date,
                    minutes=minutes,
                    billable=plan.billable,
                    hourly_rate=rate,
                    description=line._qbo_description(),
                    **plan.details.payload_kwargs(),
                )
            plans.append(plan)
        return plans

    @api.model
    def _qbo_pair_facts(self, project, employee, send_context, rates, approval_required):
        """What the sending rules judge of the lines of ``project`` and
        ``employee`` alike: the :class:`LineFacts` of the project, the
        employee and the company, the hourly rate of billable time and the
        customer references sent."""
        company = send_context.company.sudo()
        rate, _source = resolve_hourly_rate(
            rates.get((project.id, employee.id)),
            project.qbo_hourly_rate,
            employee.qbo_billing_rate,
            company.qbo_default_hourly_rate,
        )
        return {
            "project": project,
            "employee": employee,
            "rate": rate,
            "person": {"name_of": employee.qbo_kind, "person_qbo_id": employee.qbo_id},
            "customer_refs": customer_refs(
                project.qbo_customer_id,
                project.qbo_project_parent_id,
                send_context.tracking,
                company.qbo_link_projects,
            ),
            "facts": {
                "connected": send_context.connected,
                "time_tracking_enabled": send_context.time_tracking_enabled,
                "has_project": bool(project),
                "project_qbo_id": project.qbo_customer_id or None,
                "has_employee": bool(employee),
                "employee_qbo_id": (employee.qbo_kind and employee.qbo_id) or None,
                "employee_qbo_inactive": bool(employee.qbo_id and employee.qbo_inactive),
                "approval_required": approval_required,
                "send_non_billable": company.qbo_send_non_billable,
                "book_close_date": send_context.book_close_date,
                "company_realm": send_context.realm_id,
                "project_realm": project.qbo_realm_id or None,
                "employee_realm": employee.qbo_realm_id or None,
                "employee_name": employee.name or "",
                "project_name": project.display_name or "",
                "project_internal": project._qbo_is_internal(),
                "class_required": bool(company.qbo_require_class and send_context.tracking.classes),
                # The company's cut-off: older lines stay out of QuickBooks.
                "send_from_date": company.qbo_send_from_date or None,
            },
        }
