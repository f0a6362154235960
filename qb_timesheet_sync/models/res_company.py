# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from .qbo_read_budget import DEFAULT_SWEEP_WINDOW_DAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    qbo_connection_ids = fields.One2many(
        "qbo.connection", "company_id", string="QuickBooks connection"
    )
    qbo_create_missing = fields.Boolean(
        string="Create missing records in QuickBooks",
        help="When checking for new users and customers, also create in QuickBooks the "
        "employees, clients and projects that exist only in Odoo.",
    )
    qbo_resync_preview = fields.Boolean(
        string="Preview before writing",
        default=True,
        help="'Check for new users and customers' first shows what it will match and create, "
        "and writes only on Apply. Off: it writes at once, as scheduled and scripted resyncs "
        "do.",
    )
    # Sending time (see account.analytic.line._qbo_plans).
    qbo_default_hourly_rate = fields.Monetary(
        string="Default hourly rate",
        currency_field="currency_id",
        help="Rate of billable time when neither the project nor the employee has one.",
    )
    qbo_default_item_ref_id = fields.Many2one(
        "qbo.item",
        string="Default service item",
        domain="[('company_id', '=', id), ('kind', '=', 'item')]",
        help="Service item of the time sent to QuickBooks when its task, employee and project "
        "have none.",
    )
    qbo_default_item_id = fields.Char(
        compute="_compute_qbo_default_item_id",
        help="QuickBooks id of the default service item, for the connected QuickBooks company.",
    )
    # Class, location and cost of the time sent (see models/qbo_hour_details.py).
    qbo_default_class_ref_id = fields.Many2one(
        "qbo.item",
        string="Default class",
        domain="[('company_id', '=', id), ('kind', '=', 'class')]",
        help="Class of the time sent to QuickBooks when neither the employee nor the project "
        "has one.",
    )
    qbo_default_department_ref_id = fields.Many2one(
        "qbo.item",
        string="Default location",
        domain="[('company_id', '=', id), ('kind', '=', 'department')]",
        help="Location of the time sent to QuickBooks when neither the employee nor the "
        "project has one.",
    )
    qbo_require_class = fields.Boolean(
        string="Every hour needs a class",
        help="When the QuickBooks company tracks classes, lines without a class (on the "
        "employee, the project or the company default) are not sent.",
    )
    qbo_send_cost = fields.Boolean(
        string="Send the cost of time (job costing)",
        help="Send the employee's hourly cost (HR settings) as the cost rate of the time, so "
        "QuickBooks shows the profit of each job.",
    )
    qbo_link_projects = fields.Boolean(
        string="Link time to QuickBooks projects",
        default=True,
        help="When the QuickBooks company uses Projects, time of an Odoo project linked to a "
        "QuickBooks project is sent for the project's customer and linked to the project "
        "(ProjectRef). Off: the project is sent as the sub-customer it also is.",
    )
    # Pay types of QuickBooks Payroll (see models/qbo_payroll.py).
    qbo_send_payroll_items = fields.Boolean(
        string="Send payroll items",
        help="For QuickBooks companies with QuickBooks Payroll: the connection also asks for "
        "Intuit's payroll.compensation.read permission, 'Check for new users and customers' "
        "reads each employee's pay types, and an employee's time is sent with the pay type "
        "chosen on the employee, so it feeds payroll. Intuit grants this permission only to "
        "apps it has approved for it: ask Intuit first, then connect again.",
    )
    qbo_rounding_step = fields.Selection(
        [
            ("none", "No rounding"),
            ("6", "6 minutes"),
            ("15", "15 minutes"),
            ("30", "30 minutes"),
        ],
        string="Round durations to",
        default="none",
        required=True,
    )
    qbo_rounding_method = fields.Selection(
        [("up", "Up"), ("nearest", "To the nearest")],
        string="Rounding",
        default="up",
        required=True,
    )
    qbo_send_non_billable = fields.Boolean(
        string="Send non-billable time",
        help="Also send time that is not billable, as not billable in QuickBooks.",
    )
    qbo_approved_only = fields.Boolean(
        string="Send approved timesheets only",
        default=True,
        help="When timesheets are approved in Odoo (validated timesheets or timesheet "
        "sheets), only approved lines are sent.",
    )
    qbo_edit_policy = fields.Selection(
        [
            ("mark", "Allow, and mark the line as edited after sending"),
            ("refuse", "Refuse the change"),
        ],
        string="Editing sent time",
        default="mark",
        required=True,
    )
    qbo_delete_policy = fields.Selection(
        [
            ("refuse", "Refuse the deletion"),
            ("delete", "Delete it in QuickBooks too (QuickBooks managers only)"),
        ],
        string="Deleting sent time",
        default="refuse",
        required=True,
    )
    qbo_sweep_window_days = fields.Integer(
        string="Check for deletions (days back)",
        default=DEFAULT_SWEEP_WINDOW_DAYS,
        help="Each day, the unbilled time activities dated or sent within this many days are "
        "read again to find those deleted in QuickBooks; older ones are followed by webhooks "
        "and a small daily share of them is read again too.",
    )

    @api.depends("qbo_default_item_ref_id", "qbo_connection_ids.realm_id")
    def _compute_qbo_default_item_id(self):
        for company in self:
            item = company.qbo_default_item_ref_id
            realm_id = company.qbo_connection_ids.realm_id
            company.qbo_default_item_id = item._qbo_ref(realm_id) if item else False

    # Background and scheduled sending (see account.analytic.line._qbo_queue).
    qbo_background_threshold = fields.Integer(
        string="Send in the background above",
        default=200,
        help="Selections of more lines than this are sent in the background, with the "
        "progress in the sync log, so the browser never waits for them.",
    )
    qbo_auto_send = fields.Boolean(
        string="Scheduled sending",
        help="Every few hours, send the timesheet lines of a saved filter.",
    )
    qbo_auto_send_interval = fields.Integer(string="Send every (hours)", default=24)
    qbo_auto_send_filter_id = fields.Many2one(
        "ir.filters",
        string="Lines to send",
        domain=[("model_id", "=", "account.analytic.line")],
        help="A saved filter of the timesheet list, for example: billable, validated, older "
        "than one day. Only its lines that may be sent are sent.",
    )
    qbo_auto_send_last = fields.Datetime(string="Last scheduled send", readonly=True)
    # Real-time mode (models/qbo_send_queue_realtime.py).
    qbo_send_when_sendable = fields.Boolean(
        string="Send as soon as sendable",
        help="New timesheet lines that may be sent, and edits of sent lines, are sent to "
        "QuickBooks in the background by themselves, without anyone clicking Send.",
    )
    qbo_realtime_last = fields.Datetime(string="Last real-time check", readonly=True)
    # Cut-off: history before it never goes to QuickBooks
    # (qbo/timesheet_rules.py::before_cutoff).
    qbo_send_from_date = fields.Date(
        string="Don't send time before",
        help="Timesheet lines dated before this day are never sent, queued or offered to "
        "QuickBooks, so connecting a company with years of history does not flood QuickBooks. "
        "Lines already sent keep their updates. Empty: every date may be sent.",
    )

    _sql_constraints = [
        (
            "qbo_auto_send_interval_positive",
            "CHECK(qbo_auto_send_interval > 0)",
            "The scheduled send interval must be at least one hour.",
        ),
    ]

    def _qbo_connection(self):
        """This company's QuickBooks connection (created on first use)."""
        self.ensure_one()
        return self.env["qbo.connection"]._for_company(self)

    def _qbo_cutoff_domain(self):
        """The lines of this company its cut-off lets through: dated on or
        after its "Don't send time before" date, or already in QuickBooks
        (their edits are still sent). A domain, so that scheduled and
        real-time sends never read years of history."""
        self.ensure_one()
        if not self.qbo_send_from_date:
            return []
        return [
            "|",
            ("date", ">=", self.qbo_send_from_date),
            ("qbo_time_activity_id", "!=", False),
        ]
