# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from ..models.qbo_state_guard import qbo_trusted


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """The merged contact keeps a QuickBooks link of the contacts merged
        into it, in each company (the link is company-dependent): values read
        from those records, not typed by anyone."""
        with qbo_trusted():
            for company in self.env["res.company"].sudo().search([]):
                self._qbo_move_link(
                    src_partners.sudo().with_company(company),
                    dst_partner.sudo().with_company(company),
                )
            return super()._update_values(src_partners, dst_partner)

    def _qbo_move_link(self, src_partners, dst_partner):
        linked = src_partners.filtered("qbo_customer_id")
        if not linked:
            return
        link = dst_partner._qbo_link_values(linked[-1].qbo_realm_id, linked[-1].qbo_customer_id)
        # One client per QuickBooks customer: the merged ones let go first.
        linked.write(linked._qbo_clear_values())
        if not dst_partner.qbo_customer_id:
            dst_partner.write(link)
            dst_partner._qbo_check_link_unique()
