# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models


class QboConflictWizard(models.TransientModel):
    """A look before a QuickBooks manager's choice on lines changed in
    QuickBooks after they were sent: QuickBooks' version now, Odoo's version
    now and the version last sent, line by line, and what each choice will
    overwrite where. The choices themselves are ``qbo.sender``'s
    (``models/qbo_sender_choice.py``); nothing is written before a button."""

    _name = "qbo.conflict.wizard"
    _description = "Choose between QuickBooks' and Odoo's versions"

    row_ids = fields.One2many(
        "qbo.conflict.wizard.line", "wizard_id", string="Lines", readonly=True
    )
    count_billed = fields.Integer(string="Billed in QuickBooks", readonly=True)
    can_send = fields.Boolean(
        readonly=True, help="At least one line is not billed: Odoo's version may be sent."
    )
    proposed = fields.Selection(
        [("keep_qbo", "Keep QuickBooks' version"), ("send_odoo", "Send Odoo's version")],
        readonly=True,
        help="The choice of the action that opened this window, shown first.",
    )

    @api.model
    def _qbo_open_for(self, lines, proposed="keep_qbo"):
        """The window for ``lines`` (QuickBooks managers only; lines neither
        in conflict nor changed in QuickBooks are left out, as the choices
        themselves do)."""
        lines = self.env["qbo.sender"]._qbo_conflict_lines(lines)
        Row = self.env["qbo.conflict.wizard.line"]
        rows = [Command.create(Row._qbo_values_for(line)) for line in lines]
        billed = sum(1 for line in lines if line.sudo().qbo_billed)
        wizard = self.create(
            {
                "row_ids": rows,
                "count_billed": billed,
                "can_send": billed < len(lines),
                "proposed": proposed if billed < len(lines) else "keep_qbo",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("QuickBooks' version or Odoo's?"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_keep_quickbooks_version(self):
        self.ensure_one()
        return self.env["qbo.sender"]._qbo_keep_quickbooks_version(self.row_ids.line_id)

    def action_send_odoo_version(self):
        self.ensure_one()
        return self.env["qbo.sender"]._qbo_send_odoo_version(self.row_ids.line_id)
