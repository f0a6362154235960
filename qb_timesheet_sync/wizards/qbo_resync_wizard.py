# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.qbo_item import ITEMS_QUERY
from ..models.qbo_mapping_mixin import (
    AMBIGUOUS,
    CREATED_ODOO,
    CREATED_QBO,
    FAILED,
    INACTIVE,
    MATCHED,
    UNMATCHED,
    UPDATED,
    names_by_key,
)
from ..qbo import QboError

# First key of the advisory lock that keeps two resyncs of a company apart.
RESYNC_LOCK_KEY = 4_917_031
QUERIES = {
    "Employee": "SELECT * FROM Employee WHERE Active IN (true, false)",
    "Vendor": "SELECT * FROM Vendor WHERE Active IN (true, false)",
    "Customer": "SELECT * FROM Customer WHERE Active IN (true, false)",
    "Item": ITEMS_QUERY,
}


class QboResyncWizard(models.TransientModel):
    """Check for new users and customers: run a resync and show its report."""

    _name = "qbo.resync.wizard"
    _description = "QuickBooks resync"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    create_missing = fields.Boolean(
        string="Create missing records in QuickBooks",
        compute="_compute_create_missing",
        store=True,
        readonly=False,
        help="Also create in QuickBooks the employees, clients and projects that exist only "
        "in Odoo.",
    )
    state = fields.Selection(
        [("draft", "Ready"), ("done", "Done"), ("failed", "Failed")],
        default="draft",
        required=True,
        readonly=True,
    )
    log_id = fields.Many2one("qbo.sync.log", string="Sync log", readonly=True)
    summary = fields.Text(related="log_id.summary")
    line_ids = fields.One2many(related="log_id.line_ids")
    count_matched = fields.Integer(string="Matched", readonly=True)
    count_created_odoo = fields.Integer(string="Created in Odoo", readonly=True)
    count_created_qbo = fields.Integer(string="Created in QuickBooks", readonly=True)
    count_updated = fields.Integer(string="Updated", readonly=True)
    count_unmatched = fields.Integer(string="Not matched", readonly=True)
    count_ambiguous = fields.Integer(string="Ambiguous", readonly=True)
    count_inactive = fields.Integer(string="Inactive in QuickBooks", readonly=True)
    count_failed = fields.Integer(string="Failed", readonly=True)

    @api.depends("company_id")
    def _compute_create_missing(self):
        for wizard in self:
            wizard.create_missing = wizard.company_id.qbo_create_missing

    def action_check(self):
        """Pull the QuickBooks lists, apply the matching rules, and show the report."""
        self.ensure_one()
        connection = self.company_id._qbo_connection()
        connection._check_qbo_manager()
        self._qbo_lock_company()
        client = connection._qbo_client()
        try:
            qbo_rows = {entity: client.query(query) for entity, query in QUERIES.items()}
        except QboError as error:
            log = self.env["qbo.sync.log"]._record(
                self.company_id,
                "resync",
                self.env._("Check for new users and customers"),
                self.env._("QuickBooks lists could not be read: %(reason)s", reason=str(error)),
                state="failed",
                realm_id=client.realm_id,
            )
            self.write({"state": "failed", "log_id": log.id})
            return self._qbo_reopen()
        self._qbo_resync(client, qbo_rows)
        return self._qbo_reopen()

    def action_create_missing(self):
        """Run again, this time creating in QuickBooks what exists only in Odoo."""
        self.ensure_one()
        wizard = self.create({"company_id": self.company_id.id, "create_missing": True})
        return wizard.action_check()

    def _qbo_lock_company(self):
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [RESYNC_LOCK_KEY, self.company_id.id]
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "A resync of %(company)s is already running.", company=self.company_id.name
                )
            )

    def _qbo_resync(self, client, qbo_rows):
        """Apply the rules to ``qbo_rows`` ({entity: rows}) and record the report."""
        company = self.company_id
        qbo_names = names_by_key(
            (entity, row.get("DisplayName") or "")
            for entity, rows in qbo_rows.items()
            if entity != "Item"  # items have names of their own, apart from people and customers
            for row in rows
        )
        outcomes = self.env["hr.employee"]._qbo_resync_people(
            company, client, qbo_rows, qbo_names, self.create_missing
        )
        self.env["qbo.item"]._qbo_store(company, client.realm_id, qbo_rows["Item"])
        outcomes += self.env["project.project"]._qbo_resync_customers(
            company, client, qbo_rows["Customer"], qbo_names, self.create_missing
        )
        counts = Counter(item["category"] for item in outcomes)
        summary = self.env._(
            "Matched: %(matched)s. Created in Odoo: %(created_odoo)s. Created in QuickBooks: "
            "%(created_qbo)s. Updated: %(updated)s. Not matched: %(unmatched)s. Ambiguous: "
            "%(ambiguous)s. Inactive in QuickBooks: %(inactive)s. Failed: %(failed)s.",
            matched=counts[MATCHED],
            created_odoo=counts[CREATED_ODOO],
            created_qbo=counts[CREATED_QBO],
            updated=counts[UPDATED],
            unmatched=counts[UNMATCHED],
            ambiguous=counts[AMBIGUOUS],
            inactive=counts[INACTIVE],
            failed=counts[FAILED],
        )
        log = self.env["qbo.sync.log"]._record(
            company,
            "resync",
            self.env._("Check for new users and customers"),
            summary,
            state="partial" if counts[FAILED] else "done",
            realm_id=client.realm_id,
            lines=[item for item in outcomes if item["logged"]],
        )
        log.sudo().write(
            {
                "count_done": counts[MATCHED] + counts[CREATED_ODOO] + counts[CREATED_QBO],
                "count_refused": counts[UNMATCHED] + counts[AMBIGUOUS],
                "count_failed": counts[FAILED],
            }
        )
        self.write(
            {
                "state": "done",
                "log_id": log.id,
                "count_matched": counts[MATCHED],
                "count_created_odoo": counts[CREATED_ODOO],
                "count_created_qbo": counts[CREATED_QBO],
                "count_updated": counts[UPDATED],
                "count_unmatched": counts[UNMATCHED],
                "count_ambiguous": counts[AMBIGUOUS],
                "count_inactive": counts[INACTIVE],
                "count_failed": counts[FAILED],
            }
        )
        return outcomes

    def _qbo_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Check for new users and customers"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _qbo_run(self, company, create_missing=None):
        """Run a resync of ``company`` (for settings and scripts); returns the wizard."""
        values = {"company_id": company.id}
        if create_missing is not None:
            values["create_missing"] = create_missing
        wizard = self.create(values)
        wizard.action_check()
        return wizard
