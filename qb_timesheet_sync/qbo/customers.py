# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks customers and the Odoo clients and projects: what to link,
create, move or archive (:func:`match_projects`), given the plan of the
customer tree (:mod:`.customer_tree`).

Plain Python on purpose (no ``odoo`` import, no I/O), as ``mapping.py``.
"""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from .customer_tree import (  # noqa: F401 (the plan, for callers of this module)
    CLIENT,
    MAX_CUSTOMER_LEVELS,
    PROJECT,
    CustomerPlan,
    PlannedCustomer,
    plan_customer_tree,
)
from .mapping import Problem, make_problem, normalize_name, quote_names, sentence

# Actions of a customer resync.
LINK = "link"
CREATE = "create"
UPDATE = "update"
ARCHIVE = "archive"


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
    # Keys of the projects linked before this resync that follow their
    # QuickBooks customer (its name, its full name): a project of the
    # customer, or the own project of a top-level customer.
    followed: frozenset = frozenset()


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
    """Return (client actions, Odoo client keys by QuickBooks id, unresolved
    QuickBooks ids, own client keys by QuickBooks id).

    A client-role customer always has active sub-customers, so it gets a client
    even when it is inactive itself. An active top-level customer without
    sub-customers needs no client: one of its name is linked to it, none is
    created. "Unresolved" clients are those left ambiguous, whose projects
    must wait. "Own" clients (:func:`_own_client_keys`) are those whose project
    of the customer's name may be the customer itself.
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
        wanted = planned.as_client or (planned.top_level and planned.active)
        if not wanted or client_keys.get(planned.qbo_id):
            continue
        same_name = unlinked_by_name.get(normalize_name(planned.display_name), [])
        if not same_name and not planned.as_client:
            continue
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
    own_keys = _own_client_keys(plan, client_keys, unresolved, unlinked_by_name)
    return actions, client_keys, unresolved, own_keys


def _own_client_keys(plan, client_keys, unresolved, unlinked_by_name):
    """{QuickBooks id of a top-level customer: the Odoo clients whose project
    of the customer's name is the customer itself}: the client linked to it
    or, while that is ambiguous, the unlinked clients of its name."""
    own_keys = {}
    for planned in plan.customers.values():
        if not planned.top_level:
            continue
        keys = set(client_keys.get(planned.qbo_id, ()))
        if planned.qbo_id in unresolved:
            name = normalize_name(planned.display_name)
            keys.update(client.key for client in unlinked_by_name.get(name, ()))
        own_keys[planned.qbo_id] = keys
    return own_keys


def _place_project(plan, planned, project, client_keys, own_clients):
    """Return the update that puts ``project`` under its QuickBooks client, or None.

    The project of a top-level customer may have no client or the
    customer's own client; it gets that own client when it has another one.
    """
    expected = planned.client_qbo_id
    if expected is None:
        if project.client_key is None or project.client_key in own_clients:
            return None
        if planned.top_level and client_keys.get(planned.qbo_id):
            return _action(
                "own_client_project",
                UPDATE,
                planned,
                odoo_key=project.key,
                client_qbo_id=planned.qbo_id,
                odoo_name=project.name,
            )
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


def _follow_linked_projects(plan, planned, projects, client_keys, own_clients):
    """Return the actions that keep projects linked by id in step with QuickBooks."""
    actions = []
    for project in projects:
        if planned.active:
            update = _place_project(plan, planned, project, client_keys, own_clients)
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


def _same_name_projects(planned, unlinked_by_name, client_keys, own_clients):
    """The unlinked Odoo projects named like ``planned``, of the client its
    project must have (for a top-level customer: none, or its own client)."""
    if planned.client_qbo_id:
        wanted_clients = client_keys.get(planned.client_qbo_id, set())
    else:
        wanted_clients = {None, *own_clients}
    return [
        project
        for project in unlinked_by_name.get(normalize_name(planned.display_name), [])
        if project.client_key in wanted_clients
    ]


@dataclass(frozen=True)
class _ProjectContext:
    """What the project rules of one resync look things up in."""

    plan: CustomerPlan
    client_keys: dict
    own_keys: dict
    unlinked_by_name: dict
    sub_names: set


def _sub_customer_names(plan):
    """{(QuickBooks id, normalized name)} of the names of the active
    sub-customers whose Odoo projects belong to the client of that customer."""
    return {
        (planned.client_qbo_id, normalize_name(planned.display_name))
        for planned in plan.customers.values()
        if planned.as_project and planned.active and planned.client_qbo_id
    }


def _own_project_of_client(context, planned, projects, proposals, report):
    """Follow or propose the own project of the client-role customer
    ``planned``; returns (actions, followed projects). ``context`` is the
    :class:`_ProjectContext` of the resync.

    A project linked to it is its own when its client is the customer's own
    client; any other (linked when the customer had no sub-customers) is
    reported. Without a linked project, the unlinked project of its own client
    and of its name is proposed, unless a sub-customer of that name takes it.
    """
    own = context.own_keys.get(planned.qbo_id, set())
    own_projects = [project for project in projects if project.client_key in own]
    report.extend(
        make_problem(
            "no_longer_project",
            qbo_id=planned.qbo_id,
            odoo_key=project.key,
            qbo_name=planned.display_name,
            odoo_name=project.name,
        )
        for project in projects
        if project not in own_projects
    )
    name = normalize_name(planned.display_name)
    if projects or not planned.active or (planned.qbo_id, name) in context.sub_names:
        actions = _follow_linked_projects(
            context.plan, planned, own_projects, context.client_keys, own
        )
        return actions, own_projects
    same_name = [
        project for project in context.unlinked_by_name.get(name, []) if project.client_key in own
    ]
    if same_name:
        _propose_by_name(planned, same_name, "ambiguous_project_name", proposals, [], report)
    return [], []


def _match_projects(plan, odoo_projects, client_keys, unresolved_clients, own_keys, report):
    """Return (project actions, keys of the linked projects that follow their customer)."""
    linked = defaultdict(list)
    for project in odoo_projects:
        if project.qbo_id:
            linked[project.qbo_id].append(project)
    unlinked_by_name = _by_name(project for project in odoo_projects if not project.qbo_id)
    context = _ProjectContext(
        plan, client_keys, own_keys, unlinked_by_name, _sub_customer_names(plan)
    )

    actions = []
    followed = set()
    proposals = {}
    to_create = []
    for planned in plan.customers.values():
        projects = linked.get(planned.qbo_id, [])
        own = own_keys.get(planned.qbo_id, set())
        if not planned.as_project:
            own_actions, own_projects = _own_project_of_client(
                context, planned, projects, proposals, report
            )
            actions.extend(own_actions)
            followed.update(project.key for project in own_projects)
            continue
        followed.update(project.key for project in projects)
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
            actions.extend(_follow_linked_projects(plan, planned, projects, client_keys, own))
            continue
        if not planned.active:
            # Inactive customers are only followed through existing links.
            continue
        same_name = _same_name_projects(planned, unlinked_by_name, client_keys, own)
        _propose_by_name(planned, same_name, "ambiguous_project_name", proposals, to_create, report)

    accepted = _settle_claims(proposals, "contested_project", plan, report)
    for qbo_id, project in accepted.items():
        planned = plan.customers[qbo_id]
        if project.client_key in own_keys.get(qbo_id, ()):
            code, client_qbo_id = "link_own_project", qbo_id
        else:
            code, client_qbo_id = "link_project_by_name", planned.client_qbo_id
        actions.append(
            _action(
                code,
                LINK,
                planned,
                odoo_key=project.key,
                client_qbo_id=client_qbo_id,
                odoo_name=project.name,
            )
        )
    for planned in to_create:
        # A top-level customer's project goes to its own client, when linked.
        client_qbo_id = planned.client_qbo_id
        if planned.top_level and client_keys.get(planned.qbo_id):
            client_qbo_id = planned.qbo_id
        actions.append(_action("create_project", CREATE, planned, client_qbo_id=client_qbo_id))
    return actions, frozenset(followed)


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

    A client's own project: time logged directly against a top-level
    customer (``docs/ASSUMPTIONS.md#time-on-top-level-customer``). An active
    top-level customer without sub-customers links an Odoo client of its
    name (never creates one); the project of that client named like the
    customer is linked to the customer itself (``link_own_project``), and the
    project a resync creates for it gets that client. A top-level customer
    with sub-customers gets the same link when no active sub-customer of that
    name takes the project. Such a project keeps its client and its link,
    with or without sub-customers; a project linked to a top-level customer
    and to another client gets the customer's own client
    (``own_client_project``), or none.

    Applying the actions and running again gives no action (idempotent).
    """
    odoo_projects = list(odoo_projects)
    odoo_clients = list(odoo_clients)
    report = list(plan.report)
    _report_links(odoo_clients, plan, CLIENT, report)
    _report_links(odoo_projects, plan, PROJECT, report)
    client_actions, client_keys, unresolved_clients, own_keys = _match_clients(
        plan, odoo_clients, report
    )
    project_actions, followed = _match_projects(
        plan, odoo_projects, client_keys, unresolved_clients, own_keys, report
    )
    return MatchResult(
        clients=tuple(client_actions),
        projects=tuple(project_actions),
        report=tuple(report),
        followed=followed,
    )
