# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..qbo.mapping import (
    ARCHIVE,
    CREATE,
    LINK,
    UPDATE,
    OdooClient,
    OdooProject,
    QboCustomer,
    match_projects,
    normalize_name,
    plan_customer_tree,
)
from .qbo_mapping_mixin import (
    AMBIGUOUS,
    CREATED_ODOO,
    FAILED,
    INACTIVE,
    MATCHED,
    UNMATCHED,
    UPDATED,
    outcome,
)

# Outcome category of each problem code of qbo.mapping.match_projects.
PROBLEM_CATEGORIES = {
    "ambiguous_client_name": AMBIGUOUS,
    "ambiguous_project_name": AMBIGUOUS,
    "contested_client": AMBIGUOUS,
    "contested_project": AMBIGUOUS,
    "inactive_client": INACTIVE,
    "renamed": UPDATED,
    "no_longer_project": UPDATED,
}
# Problem codes about QuickBooks data, not something an Odoo user must fix.
INFO_PROBLEMS = {"renamed", "no_longer_project", "inactive_client"}
# Keys of the Odoo records given to qbo.mapping: project and client ids may
# collide, so each key names its model.
PROJECT = "project.project"
CLIENT = "res.partner"


def _qbo_customer(row):
    return QboCustomer(
        qbo_id=str(row["Id"]),
        display_name=row.get("DisplayName") or "",
        parent_id=str((row.get("ParentRef") or {}).get("value") or "") or None,
        active=row.get("Active", True),
        is_project=row.get("IsProject", False),
        fully_qualified_name=row.get("FullyQualifiedName"),
    )


class ProjectProject(models.Model):
    """A project: a QuickBooks customer without sub-customers, or a
    sub-customer of its client's customer."""

    _name = "project.project"
    _inherit = ["project.project", "qbo.mapping.mixin"]

    _qbo_id_field = "qbo_customer_id"
    _qbo_mapping_fields = frozenset({"qbo_customer_id", "qbo_fully_qualified_name", "qbo_realm_id"})
    # Billing settings of the project; every other qbo_ field is its link.
    _qbo_user_fields = frozenset(
        {"qbo_billable", "qbo_hourly_rate", "qbo_item_ref_id", "qbo_rate_ids"}
    )
    _qbo_manager_fields = frozenset({"qbo_hourly_rate", "qbo_item_ref_id", "qbo_rate_ids"})
    # A project shared by all companies has none.
    _qbo_link_key_columns = ("COALESCE(company_id, 0)",)

    qbo_customer_id = fields.Char(
        string="QuickBooks customer ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_fully_qualified_name = fields.Char(
        string="QuickBooks customer",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Full name of the QuickBooks customer or sub-customer, parents first.",
    )
    # Billing in QuickBooks (see account.analytic.line._qbo_plans).
    qbo_billable = fields.Boolean(
        string="Billable in QuickBooks",
        default=True,
        help="Time of this project is sent to QuickBooks as billable time.",
    )
    qbo_hourly_rate = fields.Monetary(
        string="Hourly rate in QuickBooks",
        currency_field="currency_id",
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Rate of the billable time of this project, unless the employee has a rate of "
        "their own on it.",
    )
    qbo_item_ref_id = fields.Many2one(
        "qbo.item",
        string="QuickBooks service item",
        check_company=True,
        copy=False,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Service item of the time sent for this project; the company default when empty.",
    )
    qbo_item_id = fields.Char(
        compute="_compute_qbo_item_id",
        groups="qb_timesheet_sync.group_qbo_user",
        help="QuickBooks id of the service item, for the connected QuickBooks company.",
    )
    qbo_rate_ids = fields.One2many(
        "qbo.project.rate",
        "project_id",
        string="Hourly rates per employee",
        groups="qb_timesheet_sync.group_qbo_user",
    )

    @api.depends("qbo_item_ref_id", "company_id.qbo_connection_ids.realm_id")
    def _compute_qbo_item_id(self):
        for project in self:
            item = project.qbo_item_ref_id
            realm_id = (project.company_id or self.env.company).qbo_connection_ids.realm_id
            project.qbo_item_id = item._qbo_id_for(realm_id) if item else False

    def _qbo_customer_ref(self, realm_id):
        """QuickBooks customer id of this project in QuickBooks company
        ``realm_id``, or None when it is not mapped there."""
        self.ensure_one()
        if not self.qbo_customer_id or self.qbo_realm_id != str(realm_id):
            return None
        return self.qbo_customer_id

    def _qbo_company(self):
        self.ensure_one()
        return self.company_id or self.env.company

    def _qbo_mapping_values(self, realm_id, choice):
        return {
            "qbo_customer_id": choice.qbo_id,
            "qbo_fully_qualified_name": choice.name,
            "qbo_realm_id": realm_id,
        }

    def _qbo_is_sendable(self, company):
        """Projects whose time can go to QuickBooks: timesheets allowed, and
        not the company's internal project (leaves, meetings)."""
        return self.filtered(
            lambda project: (
                project.allow_timesheets
                and project.active
                and project != company.internal_project_id
            )
        )

    # ------------------------------------------------------------------
    # Resync
    # ------------------------------------------------------------------
    @api.model
    def _qbo_resync_customers(self, company, client, customer_rows, qbo_names, create_missing):
        """Mirror the QuickBooks customers of ``customer_rows`` as the clients
        and projects of ``company`` (the rules are in qbo.mapping), then
        create in QuickBooks the projects and clients that exist only in Odoo
        when ``create_missing``. Returns the outcomes (see ``outcome()``)."""
        realm_id = client.realm_id
        plan = plan_customer_tree(_qbo_customer(row) for row in customer_rows)
        projects = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [company.id, False])])
            .filtered(lambda project: project.active or project._qbo_customer_ref(realm_id))
        )
        clients = self.env["res.partner"]._qbo_resync_candidates(company, realm_id, projects)
        result = match_projects(
            plan,
            [
                OdooProject(
                    key=(PROJECT, project.id),
                    name=project.name,
                    client_key=(CLIENT, project.partner_id.commercial_partner_id.id)
                    if project.partner_id
                    else None,
                    qbo_id=project._qbo_customer_ref(realm_id),
                    active=project.active,
                )
                for project in projects
            ],
            [
                OdooClient(
                    key=(CLIENT, partner.id),
                    name=partner.name,
                    qbo_id=partner._qbo_customer_ref(realm_id),
                )
                for partner in clients
            ],
        )
        records = {(PROJECT, project.id): project for project in projects}
        records.update({(CLIENT, partner.id): partner for partner in clients})

        outcomes, client_by_qbo_id = self._qbo_apply_client_actions(
            company, realm_id, plan, clients, result.clients, records
        )
        project_outcomes, renamed_keys = self._qbo_apply_project_actions(
            company, realm_id, plan, projects, result.projects, client_by_qbo_id
        )
        outcomes += project_outcomes
        names = {str(row["Id"]): row.get("FullyQualifiedName") or "" for row in customer_rows}
        reported = set()
        for problem in result.report:
            if problem.odoo_key in renamed_keys:
                continue
            reported.add(problem.odoo_key)
            record = records.get(problem.odoo_key)
            outcomes.append(
                outcome(
                    PROBLEM_CATEGORIES.get(problem.code, UNMATCHED),
                    problem.message,
                    record.sudo(False) if record else None,
                    level="info" if problem.code in INFO_PROBLEMS else "warning",
                    record_name=names.get(problem.qbo_id),
                )
            )

        # Projects whose name QuickBooks has under several look-alikes were
        # just reported as ambiguous: not again as missing in QuickBooks.
        ambiguous_names = {
            normalize_name(plan.customers[problem.qbo_id].display_name)
            for problem in result.report
            if problem.code == "ambiguous_project_name"
        }
        odoo_only = projects.filtered(
            lambda project: (
                not project._qbo_customer_ref(realm_id)
                and (PROJECT, project.id) not in reported
                and normalize_name(project.name) not in ambiguous_names
            )
        )._qbo_is_sendable(company)
        if create_missing:
            outcomes += odoo_only._qbo_create_in_quickbooks(client, company, qbo_names)
        else:
            outcomes += [
                outcome(
                    UNMATCHED,
                    self.env._(
                        "The Odoo project '%(name)s' has no QuickBooks customer: link it by "
                        "hand, or turn on 'Create missing records in QuickBooks'.",
                        name=project.name,
                    ),
                    project.sudo(False),
                    level="warning",
                )
                for project in odoo_only
            ]
        return outcomes

    @api.model
    def _qbo_apply_client_actions(self, company, realm_id, plan, clients, actions, records):
        """Link and create the Odoo clients; returns (outcomes, {QuickBooks
        id: the client new projects of that customer get})."""
        partner_model = self.env["res.partner"].sudo().with_company(company)
        outcomes = []
        client_by_qbo_id = {}
        for partner in clients.sorted("id"):
            qbo_id = partner._qbo_customer_ref(realm_id)
            if not qbo_id or qbo_id in client_by_qbo_id:
                continue
            client_by_qbo_id[qbo_id] = partner
            planned = plan.customers.get(qbo_id)
            if planned and planned.as_client and planned.active:
                outcomes.append(outcome(MATCHED, "", partner.sudo(False), logged=False))

        links = {}
        to_create = []
        for action in actions:
            if action.action == LINK:
                partner = records[action.odoo_key]
                links[partner] = {"qbo_customer_id": action.qbo_id, "qbo_realm_id": realm_id}
                client_by_qbo_id.setdefault(action.qbo_id, partner)
                outcomes.append(outcome(MATCHED, action.reason, partner.sudo(False)))
            elif action.action == CREATE:
                to_create.append(action)
        partner_model._qbo_write_each(links)
        created = partner_model.with_context(tracking_disable=True)._qbo_create_linked(
            [
                {
                    "name": action.name,
                    "is_company": True,
                    "qbo_customer_id": action.qbo_id,
                    "qbo_realm_id": realm_id,
                }
                for action in to_create
            ]
        )
        for action, partner in zip(to_create, created, strict=True):
            client_by_qbo_id[action.qbo_id] = partner
            outcomes.append(outcome(CREATED_ODOO, action.reason, partner.sudo(False)))
        return outcomes, client_by_qbo_id

    @api.model
    def _qbo_apply_project_actions(
        self, company, realm_id, plan, projects, actions, client_by_qbo_id
    ):
        """Link, create, move and archive the Odoo projects, and follow the
        QuickBooks renames. Returns (outcomes, keys of the projects renamed)."""
        outcomes = []
        values_by_project = {}
        to_create = []
        for action in actions:
            if action.action == CREATE:
                to_create.append(action)
                continue
            project = projects.browse(action.odoo_key[1])
            planned = plan.customers[action.qbo_id]
            values = values_by_project.setdefault(project, {})
            category = UPDATED
            if action.action == LINK:
                category = MATCHED
                values.update(
                    qbo_customer_id=action.qbo_id,
                    qbo_fully_qualified_name=planned.fully_qualified_name,
                    qbo_realm_id=realm_id,
                )
            elif action.action == UPDATE:
                client = client_by_qbo_id.get(action.client_qbo_id)
                values["partner_id"] = client.id if client else False
            elif action.action == ARCHIVE:
                category = INACTIVE
                values["active"] = False
            outcomes.append(outcome(category, action.reason, project.sudo(False)))

        renamed_keys = set()
        for project in projects:
            planned = plan.customers.get(project._qbo_customer_ref(realm_id))
            if not planned or not planned.as_project:
                continue
            if planned.active:
                outcomes.append(outcome(MATCHED, "", project.sudo(False), logged=False))
            values = project._qbo_follow_customer(planned)
            if values:
                values_by_project.setdefault(project, {}).update(values)
                if "name" in values:
                    renamed_keys.add((PROJECT, project.id))
                    outcomes.append(
                        outcome(
                            UPDATED,
                            self.env._(
                                "The QuickBooks customer was renamed '%(name)s': the Odoo "
                                "project '%(old)s' follows it.",
                                name=values["name"],
                                old=project.name,
                            ),
                            project.sudo(False),
                        )
                    )
        self._qbo_write_each(values_by_project)

        projects_model = self.sudo().with_context(mail_create_nolog=True, tracking_disable=True)
        # Defaults computed once, not once per new project.
        defaults = projects_model.default_get(["stage_id"]) if to_create else {}
        created = projects_model._qbo_create_linked(
            [
                {
                    **defaults,
                    "name": action.name,
                    "partner_id": client_by_qbo_id[action.client_qbo_id].id
                    if action.client_qbo_id
                    else False,
                    "company_id": company.id,
                    "qbo_customer_id": action.qbo_id,
                    "qbo_fully_qualified_name": plan.customers[action.qbo_id].fully_qualified_name,
                    "qbo_realm_id": realm_id,
                }
                for action in to_create
            ]
        )
        for action, project in zip(to_create, created, strict=True):
            outcomes.append(outcome(CREATED_ODOO, action.reason, project.sudo(False)))
        return outcomes, renamed_keys

    def _qbo_follow_customer(self, planned):
        """Values that bring this linked project up to date with its QuickBooks
        customer ``planned``: its full name, and its own name when the two
        names agreed at the previous resync (a name changed on purpose in
        Odoo is kept, and the difference reported)."""
        self.ensure_one()
        values = {}
        if self.qbo_fully_qualified_name != planned.fully_qualified_name:
            values["qbo_fully_qualified_name"] = planned.fully_qualified_name
            previous_name = (self.qbo_fully_qualified_name or "").rpartition(":")[2]
            if (
                normalize_name(previous_name)
                == normalize_name(self.name)
                != normalize_name(planned.display_name)
            ):
                values["name"] = planned.display_name
        return values

    # ------------------------------------------------------------------
    # Odoo -> QuickBooks
    # ------------------------------------------------------------------
    def _qbo_create_in_quickbooks(self, client, company, qbo_names):
        """Create these projects in QuickBooks, as sub-customers of their
        client's customer (created first when the client has none)."""
        realm_id = client.realm_id
        clients = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .browse(self.partner_id.commercial_partner_id.ids)
        )
        new_clients = clients.filtered(lambda partner: not partner._qbo_customer_ref(realm_id))
        outcomes = new_clients._qbo_create_customers(client, company, qbo_names, "client")

        ready = self.browse()
        for project in self:
            partner = clients.browse(project.partner_id.commercial_partner_id.id)
            if partner and not partner._qbo_customer_ref(realm_id):
                outcomes.append(
                    outcome(
                        FAILED,
                        self.env._(
                            "The Odoo project '%(name)s' was not created in QuickBooks because "
                            "its client '%(client)s' could not be created there.",
                            name=project.name,
                            client=partner.name,
                        ),
                        project.sudo(False),
                        level="error",
                    )
                )
            else:
                ready |= project
        outcomes += ready._qbo_create_customers(client, company, qbo_names, "project")
        return outcomes

    def _qbo_new_customer_payload(self, company, realm_id, display_name):
        self.ensure_one()
        payload = {"DisplayName": display_name}
        partner = self.partner_id.commercial_partner_id.with_company(company)
        if partner:
            payload.update(
                ParentRef={"value": partner._qbo_customer_ref(realm_id)},
                Job=True,
            )
        return payload

    def _qbo_created_values(self, realm_id, data):
        values = super()._qbo_created_values(realm_id, data)
        values["qbo_fully_qualified_name"] = data.get("FullyQualifiedName") or data.get(
            "DisplayName"
        )
        return values
