# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ProjectProject(models.Model):
    """A project: a QuickBooks customer without sub-customers, or a
    sub-customer of its client's customer."""

    _name = "project.project"
    _inherit = ["project.project", "qbo.mapping.mixin", "qbo.hour.details.mixin"]

    _qbo_id_field = "qbo_customer_id"
    _qbo_name_field = "qbo_fully_qualified_name"
    _qbo_odoo_kind = "project"
    _qbo_mapping_fields = frozenset(
        {"qbo_customer_id", "qbo_fully_qualified_name", "qbo_realm_id", "qbo_project_parent_id"}
    )
    # Billing settings of the project; every other qbo_ field is its link.
    _qbo_user_fields = frozenset(
        {
            "qbo_billable",
            "qbo_hourly_rate",
            "qbo_item_ref_id",
            "qbo_rate_ids",
            "qbo_class_ref_id",
            "qbo_department_ref_id",
        }
    )
    _qbo_manager_fields = frozenset(
        {
            "qbo_hourly_rate",
            "qbo_item_ref_id",
            "qbo_rate_ids",
            "qbo_class_ref_id",
            "qbo_department_ref_id",
        }
    )
    # A project shared by all companies has none.
    _qbo_link_key_columns = ("COALESCE(company_id, 0)",)

    qbo_customer_id = fields.Char(
        string="QuickBooks customer ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_fully_qualified_name = fields.Char(
        string="QuickBooks customer",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Full name of the QuickBooks customer or sub-customer, parents first.",
    )
    qbo_project_parent_id = fields.Char(
        string="Customer of the QuickBooks project",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="When the QuickBooks customer is a QuickBooks project: the id of its customer, "
        "which the time is sent for, linked to the project (kept by the resync).",
    )
    # Billing in QuickBooks (see account.analytic.line._qbo_plans).
    qbo_billable = fields.Boolean(
        string="Billable in QuickBooks",
        compute="_compute_qbo_billable",
        store=True,
        readonly=False,
        help="Time of this project is sent to QuickBooks as billable time. Internal projects "
        "(no client and no QuickBooks customer, or the company's internal project) are not "
        "billable unless ticked here.",
    )
    qbo_hourly_rate = fields.Monetary(
        string="Hourly rate in QuickBooks",
        currency_field="currency_id",
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Rate of the billable time of this project, unless the employee has a rate of "
        "their own on it.",
    )
    # What the project's hours carry: fields of qbo_hour_details_mixin.py,
    # their help here (the cascade: models/qbo_hour_details.py).
    qbo_item_ref_id = fields.Many2one(
        help="Service item of the time sent for this project, unless its task or employee has "
        "one; the company default when empty.",
    )
    qbo_class_ref_id = fields.Many2one(
        help="Class of the time sent for this project, unless the employee has one; the "
        "company default when empty.",
    )
    qbo_department_ref_id = fields.Many2one(
        help="Location of the time sent for this project, unless the employee has one; the "
        "company default when empty.",
    )
    qbo_item_id = fields.Char(
        compute="_compute_qbo_item_id",
        groups="qb_timesheet_sync.group_qbo_user",
        help="QuickBooks id of the service item, for the connected QuickBooks company.",
    )
    qbo_rate_ids = fields.One2many(
        "qbo.project.rate",
        "project_id",
        string="Hourly rates per employee",
        groups="qb_timesheet_sync.group_qbo_user",
    )

    @api.depends("qbo_item_ref_id", "company_id.qbo_connection_ids.realm_id")
    def _compute_qbo_item_id(self):
        for project in self:
            item = project.qbo_item_ref_id
            realm_id = (project.company_id or self.env.company).qbo_connection_ids.realm_id
            project.qbo_item_id = item._qbo_ref(realm_id) if item else False

    @api.depends("partner_id", "qbo_customer_id", "company_id.internal_project_id")
    def _compute_qbo_billable(self):
        for project in self:
            project.qbo_billable = not project._qbo_is_internal()

    def _qbo_is_internal(self):
        """Internal time, not a customer's: the company's internal project
        (leaves, meetings), or a project with no client that is not linked
        with a QuickBooks customer either."""
        if not self:
            return False
        self.ensure_one()
        project = self.sudo()
        company = project.company_id or self.env.company
        if project == company.internal_project_id:
            return True
        return not project.partner_id and not project.qbo_customer_id

    def _qbo_company(self):
        self.ensure_one()
        return self.company_id or self.env.company

    def _qbo_is_sendable(self, company):
        """Projects whose time can go to QuickBooks: timesheets allowed, and
        not the company's internal project (leaves, meetings)."""
        return self.filtered(
            lambda project: (
                project.allow_timesheets
                and project.active
                and project != company.internal_project_id
            )
        )
