# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboServiceItemMixin(models.AbstractModel):
    """The QuickBooks service item of the hours of a task, an employee or a
    project (``qbo_hour_details.py`` resolves it line by line). Each model
    says in ``help`` where its own item stands in the cascade."""

    _name = "qbo.service.item.mixin"
    _description = "QuickBooks service item of the hours"

    qbo_item_ref_id = fields.Many2one(
        "qbo.item",
        string="QuickBooks service item",
        check_company=True,
        copy=False,
        domain=[("kind", "=", "item")],
        groups="qb_timesheet_sync.group_qbo_user",
    )
