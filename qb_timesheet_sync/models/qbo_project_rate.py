# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboProjectRate(models.Model):
    """The hourly rate billed in QuickBooks for one employee on one project.

    The most specific rate: it wins over the project's rate, the employee's
    billing rate and the company default (see ``resolve_hourly_rate``).
    """

    _name = "qbo.project.rate"
    _description = "QuickBooks hourly rate of an employee on a project"
    _order = "project_id, employee_id"
    _check_company_auto = True

    project_id = fields.Many2one(
        "project.project", required=True, ondelete="cascade", index=True, check_company=True
    )
    employee_id = fields.Many2one(
        "hr.employee", required=True, ondelete="cascade", context={"active_test": False}
    )
    # A project may be shared by all companies; an employee belongs to one.
    company_id = fields.Many2one(related="employee_id.company_id", store=True)
    currency_id = fields.Many2one(related="project_id.currency_id")
    hourly_rate = fields.Monetary(required=True, currency_field="currency_id")

    _sql_constraints = [
        (
            "project_employee_uniq",
            "unique(project_id, employee_id)",
            "An employee has one QuickBooks rate per project.",
        ),
        ("hourly_rate_positive", "check(hourly_rate > 0)", "The hourly rate must be above zero."),
    ]
