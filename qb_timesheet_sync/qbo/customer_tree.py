# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks customer tree as Odoo clients and projects: what each
QuickBooks customer is in Odoo (:func:`plan_customer_tree`).

Plain Python on purpose (no ``odoo`` import, no I/O), as ``mapping.py``; what
to link, create, move or archive is :func:`.customers.match_projects`.
"""

from collections import defaultdict
from dataclasses import dataclass

from .mapping import Problem, make_problem

# Odoo roles of a QuickBooks customer.
CLIENT = "client"
PROJECT = "project"

# A top-level customer and four levels of sub-customers (error 6180 beyond;
# docs/ASSUMPTIONS.md#customer-levels).
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

    @property
    def top_level(self):
        """No parent customer: its Odoo client may also own a project that is
        the customer itself (see :func:`.customers.match_projects`)."""
        return self.parent_id is None


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
    - The roles say what a resync creates. Time may also be logged directly
      against a top-level customer (``docs/ASSUMPTIONS.md#time-on-top-level-customer``):
      an Odoo client of its name and that client's project of its name may be
      linked to it, whatever its role (:func:`.customers.match_projects`).

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
