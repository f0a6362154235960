# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboHourDetailsMixin(models.AbstractModel):
    """Service item, class and location of the hours of an employee or a
    project (``qbo_hour_details.py`` resolves them line by line). Each model
    says in ``help`` where its own settings stand in the cascade."""

    _name = "qbo.hour.details.mixin"
    _inherit = ["qbo.service.item.mixin"]
    _description = "QuickBooks service item, class and location of the hours"

    qbo_class_ref_id = fields.Many2one(
        "qbo.item",
        string="QuickBooks class",
        check_company=True,
        copy=False,
        domain=[("kind", "=", "class")],
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_department_ref_id = fields.Many2one(
        "qbo.item",
        string="QuickBooks location",
        check_company=True,
        copy=False,
        domain=[("kind", "=", "department")],
        groups="qb_timesheet_sync.group_qbo_user",
    )
