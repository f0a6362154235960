# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    qbo_connection_ids = fields.One2many(
        "qbo.connection", "company_id", string="QuickBooks connection"
    )

    def _qbo_connection(self):
        """This company's QuickBooks connection (created on first use)."""
        self.ensure_one()
        return self.env["qbo.connection"]._for_company(self)
