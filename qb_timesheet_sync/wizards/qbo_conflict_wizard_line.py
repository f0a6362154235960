# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools.text import rendered


class QboConflictWizardLine(models.TransientModel):
    """One line of :class:`qbo.conflict.wizard`: its three versions, each
    as duration (HH:MM), date and description, and what each choice does."""

    _name = "qbo.conflict.wizard.line"
    _description = "Line changed in QuickBooks: its versions"

    wizard_id = fields.Many2one("qbo.conflict.wizard", required=True, ondelete="cascade")
    line_id = fields.Many2one("account.analytic.line", string="Timesheet line", readonly=True)
    employee = fields.Char(readonly=True)
    project = fields.Char(readonly=True)
    qbo_version = fields.Char(string="QuickBooks now", readonly=True)
    odoo_version = fields.Char(string="Odoo now", readonly=True)
    sent_version = fields.Char(string="Last sent", readonly=True)
    billed = fields.Boolean(string="Billed in QuickBooks", readonly=True)
    keep_effect = fields.Char(string="If QuickBooks' version is kept", readonly=True)
    send_effect = fields.Char(string="If Odoo's version is sent", readonly=True)

    @api.model
    def _qbo_values_for(self, line):
        """The row of ``line`` (in conflict, or changed in QuickBooks)."""
        sender = self.env["qbo.sender"]
        sudo_line = line.sudo()
        qbo = rendered(sender._qbo_version_text(sudo_line.qbo_conflict_payload or {}), self.env)
        odoo = rendered(sender._qbo_line_version_text(line), self.env)
        if sudo_line.qbo_billed:
            send_effect = self.env._(
                "Billed in QuickBooks (on an invoice): Odoo's version is not sent."
            )
        else:
            send_effect = self.env._(
                "Odoo's %(odoo)s will be sent over QuickBooks' %(qbo)s.", odoo=odoo, qbo=qbo
            )
        return {
            "line_id": line.id,
            # Names the line's list shows already, whatever the HR rights.
            "employee": sudo_line.employee_id.name,
            "project": sudo_line.project_id.display_name,
            "qbo_version": qbo,
            "odoo_version": odoo,
            "sent_version": rendered(
                sender._qbo_version_text(sudo_line.qbo_sent_payload or {}), self.env
            ),
            "billed": sudo_line.qbo_billed,
            "keep_effect": self.env._(
                "QuickBooks' %(qbo)s will replace Odoo's %(odoo)s.", qbo=qbo, odoo=odoo
            ),
            "send_effect": send_effect,
        }
