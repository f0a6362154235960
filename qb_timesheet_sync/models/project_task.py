# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ProjectTask(models.Model):
    _name = "project.task"
    _inherit = ["project.task", "qbo.state.guard", "qbo.service.item.mixin"]

    # A setting of QuickBooks managers, not QuickBooks state.
    _qbo_user_fields = frozenset({"qbo_item_ref_id"})
    _qbo_manager_fields = frozenset({"qbo_item_ref_id"})

    # A field of qbo_service_item_mixin.py, its help here.
    qbo_item_ref_id = fields.Many2one(
        help="Service item of the time spent on this task: above the employee's, the "
        "project's and the company's (see the QuickBooks settings).",
    )
