# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboSendWizardTotal(models.TransientModel):
    _name = "qbo.send.wizard.total"
    _description = "Send to QuickBooks: total per employee or customer"
    _order = "name"

    wizard_id = fields.Many2one("qbo.send.wizard", required=True, ondelete="cascade")
    group = fields.Selection([("employee", "Employee"), ("customer", "Customer")], required=True)
    name = fields.Char()
    line_count = fields.Integer(string="Lines")
    hours = fields.Float()
    currency_id = fields.Many2one("res.currency")
    amount = fields.Monetary(string="Billable amount")
    cost = fields.Monetary()
