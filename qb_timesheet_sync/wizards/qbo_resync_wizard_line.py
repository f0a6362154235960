# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import UserError

from .qbo_resync_wizard import PREVIEW_ACTIONS


class QboResyncWizardLine(models.TransientModel):
    _name = "qbo.resync.wizard.line"
    _description = "QuickBooks resync preview: one record"
    _order = "id"

    wizard_id = fields.Many2one("qbo.resync.wizard", required=True, ondelete="cascade")
    action = fields.Selection(PREVIEW_ACTIONS, required=True)
    record_name = fields.Char(string="Record")
    unchanged = fields.Boolean(help="Already linked to the QuickBooks record it matches.")
    message = fields.Text(string="Rule")
    res_model = fields.Char()
    res_id = fields.Many2oneReference(model_field="res_model")
    suggestions = fields.Char(
        string="Closest in QuickBooks",
        help="QuickBooks records named most like this one, best first (an inactive one is "
        "said so, to reactivate in QuickBooks before its time can be sent): none is linked "
        "unless you choose it.",
    )

    def action_choose_in_quickbooks(self):
        """The link wizard of the record, its suggestions first: one click links."""
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("The record to link no longer exists."))
        return record.action_qbo_choose_mapping()

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
