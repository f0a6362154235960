# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ProjectTask(models.Model):
    _name = "project.task"
    _inherit = ["project.task", "qbo.state.guard"]

    # A setting of QuickBooks managers, not QuickBooks state.
    _qbo_user_fields = frozenset({"qbo_item_ref_id"})
    _qbo_manager_fields = frozenset({"qbo_item_ref_id"})

    qbo_item_ref_id = fields.Many2one(
        "qbo.item",
        string="QuickBooks service item",
        check_company=True,
        copy=False,
        domain=[("kind", "=", "item")],
        groups="qb_timesheet_sync.group_qbo_user",
        help="Service item of the time spent on this task: above the employee's, the "
        "project's and the company's (see the QuickBooks settings).",
    )
