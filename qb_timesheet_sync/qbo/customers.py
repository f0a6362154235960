# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks customer tree as Odoo clients and projects.

Plain Python on purpose (no ``odoo`` import, no I/O), as ``mapping.py``:
:func:`plan_customer_tree` says what each QuickBooks customer is in Odoo, and
:func:`match_projects` what to link, create, move or archive.
"""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from .mapping import Problem, make_problem, normalize_name, quote_names, sentence

# Odoo roles of a QuickBooks customer.
CLIENT = "client"
PROJECT = "project"

# Actions of a customer resync.
LINK = "link"
CREATE = "create"
UPDATE = "update"
ARCHIVE = "archive"

# A top-level customer and four levels of sub-customers (facts 3.2, error 6180).
MAX_CUSTOMER_LEVELS = 5


# ---------------------------------------------------------------------------
# Customers: the QuickBooks tree as Odoo clients and projects
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlannedCustomer:
    """What one QuickBooks customer becomes in Odoo."""

    qbo_id: str
    display_name: str
    roles: tuple[str, ...]  # CLIENT and/or PROJECT
    # For the PROJECT role: the QuickBooks customer whose Odoo client owns the
    # project (the nearest ancestor that is a client), None for a top-level one.
    client_qbo_id: str | None
    parent_id: str | None
    fully_qualified_name: str
    level: int  # 0 for a top-level customer
    active: bool
    qbo_is_project: bool

    @property
    def as_client(self):
        return CLIENT in self.roles

    @property
    def as_project(self):
        return PROJECT in self.roles


@dataclass(frozen=True)
class CustomerPlan:
    # Planned customers by QuickBooks id, parents before their children.
    customers: dict
    # QuickBooks ids left out because of an anomaly, which ``report`` explains.
    skipped_ids: frozenset = frozenset()
    report: tuple[Problem, ...] = ()


def _ancestry(customer, by_id):
    """Walk up from ``customer``: (chain from the customer to its top, anomaly code).

    On a loop the chain stops before the repeated customer; the anomaly is
    "cycle" only when the loop comes back to ``customer`` itself.
    """
    chain = [customer]
    seen = {customer.qbo_id}
    current = customer
    while current.parent_id:
        parent = by_id.get(current.parent_id)
        if parent is None:
            return chain, "missing_parent"
        if parent.qbo_id in seen:
            return chain, "cycle" if parent.qbo_id == customer.qbo_id else "broken_ancestor"
        chain.append(parent)
        seen.add(parent.qbo_id)
        current = parent
    return chain, None


def _anomaly(chain, walk_problem):
    """Return the code of the anomaly that leaves ``chain[0]`` out, or None."""
    if walk_problem == "missing_parent" and len(chain) > 1:
        return "broken_ancestor"
    if walk_problem:
        return walk_problem
    level = len(chain) - 1
    if level > MAX_CUSTOMER_LEVELS:
        return "broken_ancestor"
    if level == MAX_CUSTOMER_LEVELS:
        return "too_deep"
    return None


def _chains(customers):
    """(chains, skipped ids, report): the chain of ancestors of each customer
    (itself first), leaving out and reporting those with an anomaly."""
    by_id = {customer.qbo_id: customer for customer in customers}
    chains = {}
    report = []
    skipped = set()
    for customer in customers:
        chain, walk_problem = _ancestry(customer, by_id)
        anomaly = _anomaly(chain, walk_problem)
        if not anomaly:
            chains[customer.qbo_id] = chain
            continue
        skipped.add(customer.qbo_id)
        parent = by_id.get(customer.parent_id)
        report.append(
            make_problem(
                anomaly,
                qbo_id=customer.qbo_id,
                qbo_name=customer.fully_qualified_name or customer.display_name,
                parent_id=customer.parent_id,
                parent_name=parent.display_name if parent else "",
                max_levels=MAX_CUSTOMER_LEVELS,
            )
        )
    return chains, skipped, report


def _roles(chains):
    """{QuickBooks id: roles}: client when it has active sub-customers,
    project when it has none, both in the middle of the tree."""
    active_children = defaultdict(int)
    for chain in chains.values():
        if chain[0].active and chain[0].parent_id:
            active_children[chain[0].parent_id] += 1
    roles = {}
    for qbo_id, chain in chains.items():
        if not active_children[qbo_id]:
            roles[qbo_id] = (PROJECT,)
        elif chain[0].parent_id:
            roles[qbo_id] = (CLIENT, PROJECT)  # in the middle of the tree
        else:
            roles[qbo_id] = (CLIENT,)
    return roles


def _planned(chain, roles):
    """The :class:`PlannedCustomer` of the first customer of ``chain``."""
    customer = chain[0]
    client_qbo_id = None
    if PROJECT in roles[customer.qbo_id]:
        # Only an inactive customer can sit under an ancestor that is no client.
        client_qbo_id = next(
            (ancestor.qbo_id for ancestor in chain[1:] if CLIENT in roles[ancestor.qbo_id]),
            None,
        )
    return PlannedCustomer(
        qbo_id=customer.qbo_id,
        display_name=customer.display_name,
        roles=roles[customer.qbo_id],
        client_qbo_id=client_qbo_id,
        parent_id=customer.parent_id,
        fully_qualified_name=":".join(c.display_name for c in reversed(chain)),
        level=len(chain) - 1,
        active=customer.active,
        qbo_is_project=customer.is_project,
    )


def plan_customer_tree(customers):
    """Decide what each QuickBooks customer becomes in Odoo (the product rule).

    - A customer with sub-customers is an Odoo client; one without is an Odoo
      project whose client is the nearest ancestor that is a client (none for
      a top-level one); one in the middle (a parent and sub-customers) is both
      a client and a project of the same name. QuickBooks projects are
      sub-customers and follow the same rule.
    - Only active sub-customers count: a customer whose sub-customers are all
      inactive is a project again. An inactive customer with active
      sub-customers is still a client, since its sub-customers need one.
    - Customers with an unknown parent, in a loop of parents or deeper than
      five levels are left out, with their descendants, and reported.

    ``customers`` should include inactive ones (``Active IN (true, false)``),
    otherwise active sub-customers of inactive parents are reported as
    having an unknown parent.
    """
    chains, skipped, report = _chains(list(customers))
    roles = _roles(chains)
    planned = [_planned(chain, roles) for chain in chains.values()]
    planned.sort(key=lambda planned_customer: planned_customer.level)
    return CustomerPlan(
        customers={item.qbo_id: item for item in planned},
        skipped_ids=frozenset(skipped),
        report=tuple(report),
    )


@dataclass(frozen=True)
class OdooClient:
    key: Hashable
    name: str
    qbo_id: str | None = None


@dataclass(frozen=True)
class OdooProject:
    key: Hashable
    name: str
    client_key: Hashable | None = None
    qbo_id: str | None = None
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class SyncAction:
    """One change the resync asks the Odoo side to make.

    - ``link``: write ``qbo_id`` on the existing record ``odoo_key``.
    - ``create``: create a record named ``name`` linked to ``qbo_id``.
    - ``update`` (projects): give the project ``odoo_key`` the client linked to
      ``client_qbo_id`` (no client when it is None).
    - ``archive`` (projects): archive the project ``odoo_key``. Nothing is deleted.

    Project actions carry ``client_qbo_id``; apply the client actions first so
    that the client of a new project can be found by its QuickBooks id.
    """

    action: str
    qbo_id: str
    name: str
    odoo_key: Hashable | None = None
    client_qbo_id: str | None = None
    reason_code: str
    reason: str


@dataclass(frozen=True)
class MatchResult:
    clients: tuple[SyncAction, ...] = ()
    projects: tuple[SyncAction, ...] = ()
    report: tuple[Problem, ...] = ()


def _action(code, action, planned, *, odoo_key=None, client_qbo_id=None, **params):
    return SyncAction(
        action=action,
        qbo_id=planned.qbo_id,
        name=planned.display_name,
        odoo_key=odoo_key,
        client_qbo_id=client_qbo_id,
        reason_code=code,
        reason=sentence(code, qbo_name=planned.display_name, **params),
    )


def _by_name(records):
    named = defaultdict(list)
    for record in records:
        named[normalize_name(record.name)].append(record)
    return named


def _settle_claims(proposals, contested_code, plan, report):
    """Keep the name matches whose Odoo record no other QuickBooks customer wants.

    ``proposals`` maps a QuickBooks id to the one Odoo record its name matched.
    Returns the accepted proposals; contested records are reported.
    """
    wanted_by = defaultdict(list)
    for qbo_id, record in proposals.items():
        wanted_by[record.key].append(qbo_id)
    accepted = {}
    for qbo_id, record in proposals.items():
        rivals = wanted_by[record.key]
        if len(rivals) == 1:
            accepted[qbo_id] = record
        elif rivals[0] == qbo_id:
            report.append(
                make_problem(
                    contested_code,
                    odoo_key=record.key,
                    odoo_name=record.name,
                    qbo_names=quote_names(plan.customers[rival].display_name for rival in rivals),
                )
            )
    return accepted


def _report_links(records, plan, odoo_kind, report):
    """Report renamed links and links to customers QuickBooks no longer returns."""
    for record in records:
        if not record.qbo_id or record.qbo_id in plan.skipped_ids:
            continue
        planned = plan.customers.get(record.qbo_id)
        if planned is None:
            report.append(
                make_problem(
                    "customer_missing_in_qbo",
                    qbo_id=record.qbo_id,
                    odoo_key=record.key,
                    odoo_kind=odoo_kind,
                    odoo_name=record.name,
                )
            )
        elif normalize_name(record.name) != normalize_name(planned.display_name):
            report.append(
                make_problem(
                    "renamed",
                    qbo_id=record.qbo_id,
                    odoo_key=record.key,
                    odoo_kind=odoo_kind,
                    odoo_name=record.name,
                    qbo_name=planned.display_name,
                )
            )


def _propose_by_name(planned, same_name, ambiguity_code, proposals, to_create, report):
    """Note what the Odoo namesakes of one QuickBooks customer mean: a link to
    propose when there is one, a report when there are several (never a
    guess), a creation when there is none. Returns False when ambiguous."""
    if len(same_name) == 1:
        proposals[planned.qbo_id] = same_name[0]
    elif same_name:
        report.append(
            make_problem(
                ambiguity_code,
                qbo_id=planned.qbo_id,
                qbo_name=planned.display_name,
                odoo_names=quote_names(record.name for record in same_name),
            )
        )
        return False
    else:
        to_create.append(planned)
    return True


def _match_clients(plan, odoo_clients, report):
    """Return (client actions, Odoo client keys by QuickBooks id, unresolved QuickBooks ids).

    A client-role customer always has active sub-customers, so it gets a client
    even when it is inactive itself. "Unresolved" clients are those left
    ambiguous, whose projects must wait.
    """
    client_keys = defaultdict(set)
    for client in odoo_clients:
        if client.qbo_id:
            client_keys[client.qbo_id].add(client.key)
    unlinked_by_name = _by_name(client for client in odoo_clients if not client.qbo_id)

    proposals = {}
    to_create = []
    unresolved = set()
    for planned in plan.customers.values():
        if not planned.as_client or client_keys.get(planned.qbo_id):
            continue
        same_name = unlinked_by_name.get(normalize_name(planned.display_name), [])
        if not _propose_by_name(
            planned, same_name, "ambiguous_client_name", proposals, to_create, report
        ):
            unresolved.add(planned.qbo_id)

    accepted = _settle_claims(proposals, "contested_client", plan, report)
    unresolved.update(set(proposals) - set(accepted))
    actions = []
    for qbo_id, client in accepted.items():
        actions.append(
            _action(
                "link_client_by_name",
                LINK,
                plan.customers[qbo_id],
                odoo_key=client.key,
                odoo_name=client.name,
            )
        )
        client_keys[qbo_id].add(client.key)
    actions.extend(_action("create_client", CREATE, planned) for planned in to_create)
    return actions, client_keys, unresolved


def _place_project(plan, planned, project, client_keys):
    """Return the update that puts ``project`` under its QuickBooks client, or None."""
    expected = planned.client_qbo_id
    if expected is None:
        if project.client_key is None:
            return None
        return _action(
            "unparent_project", UPDATE, planned, odoo_key=project.key, odoo_name=project.name
        )
    if project.client_key in client_keys.get(expected, ()):
        return None
    return _action(
        "reparent_project",
        UPDATE,
        planned,
        odoo_key=project.key,
        client_qbo_id=expected,
        odoo_name=project.name,
        client_name=plan.customers[expected].display_name,
    )


def _follow_linked_projects(plan, planned, projects, client_keys):
    """Return the actions that keep projects linked by id in step with QuickBooks."""
    actions = []
    for project in projects:
        if planned.active:
            update = _place_project(plan, planned, project, client_keys)
            if update:
                actions.append(update)
        elif project.active:
            # An archived project keeps its client: it is only archived.
            actions.append(
                _action(
                    "archive_project",
                    ARCHIVE,
                    planned,
                    odoo_key=project.key,
                    odoo_name=project.name,
                )
            )
    return actions


def _same_name_projects(planned, unlinked_by_name, client_keys):
    """The unlinked Odoo projects named like ``planned``, of the client its
    project must have (none for a top-level customer)."""
    if planned.client_qbo_id:
        wanted_clients = client_keys.get(planned.client_qbo_id, set())
    else:
        wanted_clients = {None}
    return [
        project
        for project in unlinked_by_name.get(normalize_name(planned.display_name), [])
        if project.client_key in wanted_clients
    ]


def _match_projects(plan, odoo_projects, client_keys, unresolved_clients, report):
    linked = defaultdict(list)
    for project in odoo_projects:
        if project.qbo_id:
            linked[project.qbo_id].append(project)
    unlinked_by_name = _by_name(project for project in odoo_projects if not project.qbo_id)

    actions = []
    proposals = {}
    to_create = []
    for planned in plan.customers.values():
        projects = linked.get(planned.qbo_id, [])
        if not planned.as_project:
            report.extend(
                make_problem(
                    "no_longer_project",
                    qbo_id=planned.qbo_id,
                    odoo_key=project.key,
                    qbo_name=planned.display_name,
                    odoo_name=project.name,
                )
                for project in projects
            )
            continue
        if planned.active and planned.client_qbo_id in unresolved_clients:
            report.append(
                make_problem(
                    "client_unresolved",
                    qbo_id=planned.qbo_id,
                    qbo_name=planned.display_name,
                    client_name=plan.customers[planned.client_qbo_id].display_name,
                )
            )
            continue
        if projects:
            actions.extend(_follow_linked_projects(plan, planned, projects, client_keys))
            continue
        if not planned.active:
            # Inactive customers are only followed through existing links.
            continue
        same_name = _same_name_projects(planned, unlinked_by_name, client_keys)
        _propose_by_name(planned, same_name, "ambiguous_project_name", proposals, to_create, report)

    accepted = _settle_claims(proposals, "contested_project", plan, report)
    for qbo_id, project in accepted.items():
        planned = plan.customers[qbo_id]
        actions.append(
            _action(
                "link_project_by_name",
                LINK,
                planned,
                odoo_key=project.key,
                client_qbo_id=planned.client_qbo_id,
                odoo_name=project.name,
            )
        )
    actions.extend(
        _action("create_project", CREATE, planned, client_qbo_id=planned.client_qbo_id)
        for planned in to_create
    )
    return actions


def match_projects(plan, odoo_projects, odoo_clients):
    """Decide what a resync links, creates, updates and archives in Odoo.

    Clients: an Odoo client already linked to the QuickBooks id stays linked
    (a renamed customer is reported ``renamed``, the link follows the id);
    else one unlinked Odoo client of the same normalized name is linked (two
    of them: ambiguous); else a client is created.

    Projects: the same, where a name only matches an unlinked project of the
    right client (or without client for a top-level customer). A linked project
    whose QuickBooks customer moved gets an ``update`` to its new client; one
    whose customer is inactive is archived. An inactive customer never creates
    or links a project by name (it still gets a client while it has active
    sub-customers). Projects whose client stays ambiguous wait
    (``client_unresolved``). Archived Odoo projects are not brought back.

    Applying the actions and running again gives no action (idempotent).
    """
    odoo_projects = list(odoo_projects)
    odoo_clients = list(odoo_clients)
    report = list(plan.report)
    _report_links(odoo_clients, plan, CLIENT, report)
    _report_links(odoo_projects, plan, PROJECT, report)
    client_actions, client_keys, unresolved_clients = _match_clients(plan, odoo_clients, report)
    project_actions = _match_projects(plan, odoo_projects, client_keys, unresolved_clients, report)
    return MatchResult(
        clients=tuple(client_actions), projects=tuple(project_actions), report=tuple(report)
    )
