# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboSendWizardUpdate(models.TransientModel):
    _name = "qbo.send.wizard.update"
    _inherit = ["qbo.send.wizard.row"]
    _description = "Send to QuickBooks: time activity to update"

    time_activity = fields.Char(string="QuickBooks time activity")
    change = fields.Char(string="QuickBooks now → after the update")
