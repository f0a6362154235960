# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboSendWizardRefusal(models.TransientModel):
    _name = "qbo.send.wizard.refusal"
    _inherit = ["qbo.send.wizard.row"]
    _description = "Send to QuickBooks: refused line"

    unit_amount = fields.Float(related="line_id.unit_amount", string="Duration")
    reason = fields.Text()
