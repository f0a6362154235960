# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboSendWizardRow(models.AbstractModel):
    """A timesheet line shown in the preview of a send (a refused line, a
    time activity to update)."""

    _name = "qbo.send.wizard.row"
    _description = "Send to QuickBooks: timesheet line of the preview"
    _order = "id"

    wizard_id = fields.Many2one("qbo.send.wizard", required=True, ondelete="cascade")
    line_id = fields.Many2one("account.analytic.line", required=True, ondelete="cascade")
    date = fields.Date(related="line_id.date")
    employee_id = fields.Many2one(related="line_id.employee_id")
    project_id = fields.Many2one(related="line_id.project_id")
