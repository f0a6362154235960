# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..qbo.customers import OdooClient
from ..qbo.lists import CUSTOMER, customer_payload
from .project_project_resync import CLIENT_MODEL


class ResPartner(models.Model):
    """A client: the QuickBooks (parent) customer of its projects.

    Contacts are usually shared by all companies, while each company connects
    its own QuickBooks company: the link is company-dependent.
    """

    _name = "res.partner"
    _inherit = ["res.partner", "qbo.mapping.mixin"]

    _qbo_id_field = "qbo_customer_id"
    _qbo_odoo_kind = "client"
    _qbo_mapping_fields = frozenset({"qbo_customer_id", "qbo_realm_id"})

    qbo_customer_id = fields.Char(
        string="QuickBooks customer ID",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_realm_id = fields.Char(company_dependent=True)

    def _qbo_check_link_unique(self):
        """One client per QuickBooks customer and company. The link is
        company-dependent, so no database index can say it: the doors that
        write links (resync, map, merge) check it, in one query for all the
        partners they wrote."""
        linked = self.sudo().filtered("qbo_customer_id")
        if not linked:
            return
        same_ids = linked.with_context(active_test=False).search(
            [("qbo_customer_id", "in", list(set(linked.mapped("qbo_customer_id"))))]
        )
        by_link = defaultdict(lambda: self.browse())
        for partner in same_ids:
            by_link[partner.qbo_realm_id, partner.qbo_customer_id] |= partner
        for partner in linked:
            others = by_link[partner.qbo_realm_id, partner.qbo_customer_id] - partner
            if others:
                raise ValidationError(
                    self.env._(
                        "The QuickBooks customer %(qbo_id)s is already linked to '%(other)s': "
                        "clear that link first.",
                        qbo_id=partner.qbo_customer_id,
                        other=others[0].display_name,
                    )
                )

    def _qbo_new_record(self, company, realm_id, display_name):
        """A top-level QuickBooks customer."""
        return CUSTOMER, customer_payload(display_name)

    def _qbo_odoo_clients(self, realm_id):
        """These clients as the matching rules see them."""
        return [
            OdooClient(
                key=(CLIENT_MODEL, partner.id), name=partner.name, qbo_id=partner._qbo_ref(realm_id)
            )
            for partner in self
        ]

    @api.model
    def _qbo_resync_candidates(self, company, realm_id, projects):
        """The Odoo clients a resync of ``company`` looks at: those linked in
        ``realm_id`` (archived ones too), the companies of the address book and
        the clients of ``projects``. Runs as superuser, in one search."""
        partners = (
            self.sudo()
            .with_company(company)
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "in", [company.id, False]),
                    "|",
                    ("qbo_customer_id", "!=", False),
                    "&",
                    ("is_company", "=", True),
                    ("parent_id", "=", False),
                ]
            )
        )
        partners |= projects.partner_id.commercial_partner_id
        return partners.filtered(lambda partner: partner._qbo_ref(realm_id) or partner.active)
