# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..qbo.lists import CUSTOMER, EMPLOYEE, VENDOR


class QboMapWizardChoice(models.TransientModel):
    _name = "qbo.map.wizard.choice"
    _description = "QuickBooks record to link"
    _order = "score desc, name, id"

    wizard_id = fields.Many2one("qbo.map.wizard", required=True, ondelete="cascade", index=True)
    qbo_id = fields.Char(string="QuickBooks ID", required=True)
    kind = fields.Selection(
        [(EMPLOYEE, "Employee"), (VENDOR, "Vendor"), (CUSTOMER, "Customer")],
        required=True,
    )
    name = fields.Char(required=True)
    email = fields.Char()
    score = fields.Integer(string="Likeness", help="How much it looks like the Odoo record.")
    project_parent_id = fields.Char(
        string="Customer of the QuickBooks project",
        help="For a QuickBooks project: the id of its customer.",
    )
    reason = fields.Char(string="Why")
    qbo_active = fields.Boolean(string="Active in QuickBooks", default=True)
    linked_to = fields.Char(
        string="Linked to",
        help="The Odoo record already linked to this QuickBooks record: clear that link first.",
    )

    def action_link(self):
        """Link the wizard's record with this suggestion: the one click."""
        self.ensure_one()
        wizard = self.wizard_id
        wizard.choice_id = self
        return wizard.action_apply()

    @api.depends("name", "kind", "qbo_active", "linked_to")
    def _compute_display_name(self):
        for choice in self:
            if choice.kind == CUSTOMER:
                choice.display_name = choice.name
            else:
                kinds = dict(self._fields["kind"]._description_selection(self.env))
                choice.display_name = f"{choice.name} ({kinds[choice.kind]})"
            if not choice.qbo_active:
                choice.display_name += " " + self.env._("(inactive in QuickBooks)")
            if choice.linked_to:
                choice.display_name += " " + self.env._(
                    "(linked to %(name)s)", name=choice.linked_to
                )
