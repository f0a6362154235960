# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Projects and QuickBooks customers: what a resync does to Odoo projects
(match, link, create, follow renames, archive) and what it creates in
QuickBooks. The project's own fields and billing settings are in
project_project.py."""

from odoo import api, models

from ..qbo.customers import (
    ARCHIVE,
    CREATE,
    LINK,
    UPDATE,
    OdooProject,
    match_projects,
    plan_customer_tree,
)
from ..qbo.lists import CUSTOMER, customer_from_row, customer_full_name, customer_payload
from ..qbo.mapping import normalize_name
from ..qbo.suggestions import Candidate
from ..qbo.text import _lt
from .qbo_resync import Report, outcome

# Outcome category of each problem code of qbo.customers.match_projects.
PROBLEM_CATEGORIES = {
    "ambiguous_client_name": Report.AMBIGUOUS,
    "ambiguous_project_name": Report.AMBIGUOUS,
    "contested_client": Report.AMBIGUOUS,
    "contested_project": Report.AMBIGUOUS,
    "inactive_client": Report.INACTIVE,
    "renamed": Report.UPDATED,
    "no_longer_project": Report.UPDATED,
}
# Problem codes about QuickBooks data, not something an Odoo user must fix.
INFO_PROBLEMS = {"renamed", "no_longer_project", "inactive_client"}
# Keys of the Odoo records given to qbo.customers: project and client ids may
# collide, so each key names its model.
PROJECT_MODEL = "project.project"
CLIENT_MODEL = "res.partner"


def _project_parent(planned):
    """The customer id of a QuickBooks project (``IsProject``), else False."""
    return (planned.qbo_is_project and planned.parent_id) or False


class ProjectProject(models.Model):
    _inherit = "project.project"

    # ------------------------------------------------------------------
    # Resync
    # ------------------------------------------------------------------
    @api.model
    def _qbo_resync_customers(self, company, client, qbo_rows, qbo_names, create_missing):
        """Mirror the QuickBooks customers of ``qbo_rows`` as the clients
        and projects of ``company`` (the rules are in qbo.customers), then
        create in QuickBooks the projects and clients that exist only in Odoo
        when ``create_missing``. Returns the outcomes (see ``outcome()``)."""
        realm_id = client.realm_id
        customer_rows = qbo_rows[CUSTOMER]
        plan = plan_customer_tree(customer_from_row(row) for row in customer_rows)
        projects = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [company.id, False])])
            .filtered(lambda project: project.active or project._qbo_ref(realm_id))
        )
        clients = self.env["res.partner"]._qbo_resync_candidates(company, realm_id, projects)
        result = match_projects(
            plan, projects._qbo_odoo_projects(realm_id), clients._qbo_odoo_clients(realm_id)
        )
        records = {(PROJECT_MODEL, project.id): project for project in projects}
        records.update({(CLIENT_MODEL, partner.id): partner for partner in clients})

        outcomes, client_by_qbo_id = self._qbo_apply_client_actions(
            company, realm_id, plan, clients, result.clients, records
        )
        project_outcomes, renamed_keys = self._qbo_apply_project_actions(
            company, realm_id, plan, projects, result, client_by_qbo_id
        )
        outcomes += project_outcomes
        names = {str(row["Id"]): customer_full_name(row) for row in customer_rows}
        problems = [problem for problem in result.report if problem.odoo_key not in renamed_keys]
        outcomes += [
            outcome(
                PROBLEM_CATEGORIES.get(problem.code, Report.UNMATCHED),
                problem.message,
                records[problem.odoo_key].sudo(False) if problem.odoo_key in records else None,
                level="info" if problem.code in INFO_PROBLEMS else "warning",
                record_name=names.get(problem.qbo_id),
            )
            for problem in problems
        ]
        # Projects whose name QuickBooks has under several look-alikes were
        # just reported as ambiguous: not again as missing in QuickBooks.
        ambiguous_names = {
            normalize_name(plan.customers[problem.qbo_id].display_name)
            for problem in result.report
            if problem.code == "ambiguous_project_name"
        }
        reported = {problem.odoo_key for problem in problems}
        odoo_only = projects.filtered(
            lambda project: (
                not project._qbo_ref(realm_id)
                and (PROJECT_MODEL, project.id) not in reported
                and normalize_name(project.name) not in ambiguous_names
            )
        )._qbo_is_sendable(company)
        return outcomes + odoo_only._qbo_create_or_report(
            client, company, qbo_names, create_missing
        )

    def _qbo_odoo_projects(self, realm_id):
        """These projects as the matching rules see them."""
        return [
            OdooProject(
                key=(PROJECT_MODEL, project.id),
                name=project.name,
                client_key=(CLIENT_MODEL, project.partner_id.commercial_partner_id.id)
                if project.partner_id
                else None,
                qbo_id=project._qbo_ref(realm_id),
                active=project.active,
            )
            for project in self
        ]

    def _qbo_create_or_report(self, client, company, qbo_names, create_missing):
        """Create these projects, which exist only in Odoo, in QuickBooks when
        ``create_missing``; else report each as not matched."""
        if create_missing:
            return self._qbo_create_in_quickbooks(client, company, qbo_names)
        Suggestion = self.env["qbo.suggestion"]
        # The QuickBooks customers named most like each project (suggestions).
        customers = [
            Candidate(display_name, display_name)
            for names in qbo_names.values()
            for kind, display_name in names
            if kind == CUSTOMER
        ]
        outcomes = []
        for project in self:
            suggestions = Suggestion._qbo_suggest(project.name, customers)
            message = _lt(
                "The Odoo project '%(name)s' has no QuickBooks customer: link it by "
                "hand, or turn on 'Create missing records in QuickBooks'.",
                name=project.name,
            )
            outcomes.append(
                outcome(
                    Report.UNMATCHED,
                    message,
                    project.sudo(False),
                    level="warning",
                    creatable=True,
                    suggestions=Suggestion._qbo_report_values(suggestions),
                )
            )
        return outcomes

    @api.model
    def _qbo_apply_client_actions(self, company, realm_id, plan, clients, actions, records):
        """Link and create the Odoo clients; returns (outcomes, {QuickBooks
        id: the client new projects of that customer get})."""
        partner_model = self.env["res.partner"].sudo().with_company(company)
        outcomes = []
        client_by_qbo_id = {}
        for partner in clients.sorted("id"):
            qbo_id = partner._qbo_ref(realm_id)
            if not qbo_id or qbo_id in client_by_qbo_id:
                continue
            client_by_qbo_id[qbo_id] = partner
            planned = plan.customers.get(qbo_id)
            # A top-level customer without sub-customers may have a client too.
            if planned and (planned.as_client or planned.top_level) and planned.active:
                outcomes.append(outcome(Report.MATCHED, "", partner.sudo(False), logged=False))

        links = {}
        to_create = []
        for action in actions:
            if action.action == LINK:
                partner = records[action.odoo_key]
                links[partner] = partner_model._qbo_link_values(realm_id, action.qbo_id)
                client_by_qbo_id.setdefault(action.qbo_id, partner)
                outcomes.append(outcome(Report.MATCHED, action.reason, partner.sudo(False)))
            elif action.action == CREATE:
                to_create.append(action)
        partner_model._qbo_write_each(links)
        created = partner_model.with_context(tracking_disable=True)._qbo_create_linked(
            [
                {
                    "name": action.name,
                    "is_company": True,
                    **partner_model._qbo_link_values(realm_id, action.qbo_id),
                }
                for action in to_create
            ]
        )
        for action, partner in zip(to_create, created, strict=True):
            client_by_qbo_id[action.qbo_id] = partner
            outcomes.append(outcome(Report.CREATED_ODOO, action.reason, partner.sudo(False)))
        return outcomes, client_by_qbo_id

    @api.model
    def _qbo_apply_project_actions(
        self, company, realm_id, plan, projects, result, client_by_qbo_id
    ):
        """Link, create, move and archive the Odoo projects of ``result`` (a
        ``MatchResult``), and follow the QuickBooks renames. Returns
        (outcomes, keys of the projects renamed)."""
        outcomes = []
        values_by_project = {}
        to_create = []
        for action in result.projects:
            if action.action == CREATE:
                to_create.append(action)
                continue
            project = projects.browse(action.odoo_key[1])
            planned = plan.customers[action.qbo_id]
            values = values_by_project.setdefault(project, {})
            category = Report.UPDATED
            if action.action == LINK:
                category = Report.MATCHED
                values.update(
                    self._qbo_link_values(
                        realm_id, action.qbo_id, name=planned.fully_qualified_name
                    ),
                    qbo_project_parent_id=_project_parent(planned),
                )
            elif action.action == UPDATE:
                client = client_by_qbo_id.get(action.client_qbo_id)
                values["partner_id"] = client.id if client else False
            elif action.action == ARCHIVE:
                category = Report.INACTIVE
                values["active"] = False
            outcomes.append(outcome(category, action.reason, project.sudo(False)))
        followed = projects.filtered(lambda project: (PROJECT_MODEL, project.id) in result.followed)
        follow_outcomes, renamed_keys = followed._qbo_follow_customers(
            realm_id, plan, values_by_project
        )
        self._qbo_write_each(values_by_project)
        created_outcomes = self._qbo_create_from_quickbooks(
            company, realm_id, plan, to_create, client_by_qbo_id
        )
        return outcomes + follow_outcomes + created_outcomes, renamed_keys

    def _qbo_follow_customers(self, realm_id, plan, values_by_project):
        """Outcomes of following the QuickBooks customers of these linked
        projects (``MatchResult.followed``; their values go to
        ``values_by_project``), and the keys of the projects renamed."""
        outcomes = []
        renamed_keys = set()
        for project in self:
            planned = plan.customers[project._qbo_ref(realm_id)]
            if planned.active:
                outcomes.append(outcome(Report.MATCHED, "", project.sudo(False), logged=False))
            values = project._qbo_follow_customer(planned)
            if values:
                values_by_project.setdefault(project, {}).update(values)
                if "name" in values:
                    renamed_keys.add((PROJECT_MODEL, project.id))
                    outcomes.append(
                        outcome(
                            Report.UPDATED,
                            _lt(
                                "The QuickBooks customer was renamed '%(name)s': the Odoo "
                                "project '%(old)s' follows it.",
                                name=values["name"],
                                old=project.name,
                            ),
                            project.sudo(False),
                        )
                    )
        return outcomes, renamed_keys

    @api.model
    def _qbo_create_from_quickbooks(self, company, realm_id, plan, actions, client_by_qbo_id):
        """Create the Odoo projects of the QuickBooks customers of ``actions``."""
        projects_model = self.sudo().with_context(mail_create_nolog=True, tracking_disable=True)
        # Defaults computed once, not once per new project.
        defaults = projects_model.default_get(["stage_id"]) if actions else {}
        created = projects_model._qbo_create_linked(
            [
                {
                    **defaults,
                    "name": action.name,
                    "partner_id": client_by_qbo_id[action.client_qbo_id].id
                    if action.client_qbo_id
                    else False,
                    "company_id": company.id,
                    **self._qbo_link_values(
                        realm_id,
                        action.qbo_id,
                        name=plan.customers[action.qbo_id].fully_qualified_name,
                    ),
                    "qbo_project_parent_id": _project_parent(plan.customers[action.qbo_id]),
                }
                for action in actions
            ]
        )
        return [
            outcome(Report.CREATED_ODOO, action.reason, project.sudo(False))
            for action, project in zip(actions, created, strict=True)
        ]

    def _qbo_follow_customer(self, planned):
        """Values that bring this linked project up to date with its QuickBooks
        customer ``planned``: its full name, and its own name when the two
        names agreed at the previous resync (a name changed on purpose in
        Odoo is kept, and the difference reported)."""
        self.ensure_one()
        values = {}
        if (self.qbo_project_parent_id or False) != _project_parent(planned):
            values["qbo_project_parent_id"] = _project_parent(planned)
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
        new_clients = clients.filtered(lambda partner: not partner._qbo_ref(realm_id))
        outcomes = new_clients._qbo_create_in_quickbooks(client, company, qbo_names)

        ready = self.browse()
        for project in self:
            partner = clients.browse(project.partner_id.commercial_partner_id.id)
            if partner and not partner._qbo_ref(realm_id):
                outcomes.append(
                    outcome(
                        Report.FAILED,
                        _lt(
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
        return outcomes + super(ProjectProject, ready)._qbo_create_in_quickbooks(
            client, company, qbo_names
        )

    def _qbo_new_record(self, company, realm_id, display_name):
        """A sub-customer of the client's customer, or a top-level customer."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.with_company(company)
        return CUSTOMER, customer_payload(
            display_name, partner._qbo_ref(realm_id) if partner else None
        )
