# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Matching rules between Odoo and QuickBooks Online people and customers.

Plain Python on purpose (no ``odoo`` import, no I/O): the Odoo models turn their
records into the small dataclasses below, call these functions and act on what
they return. Every decision and every problem carries a stable machine ``code``
and an English sentence rendered from :data:`MESSAGES`, the one place where the
sentences live.

QuickBooks ids are only unique per entity (an Employee and a Vendor may both
have id "7"), so people are referred to by ``(kind, qbo_id)``.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from .lists import EMPLOYEE, VENDOR, QboPerson

# Statuses of a person's match (PersonMatch.status).
MATCHED = "matched"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"

# Odoo roles of a QuickBooks customer.
CLIENT = "client"
PROJECT = "project"

# Actions of a customer resync.
LINK = "link"
CREATE = "create"
UPDATE = "update"
ARCHIVE = "archive"

DISPLAY_NAME_MAX = 500
# A top-level customer and four levels of sub-customers (facts 3.2, error 6180).
MAX_CUSTOMER_LEVELS = 5

MESSAGES = {
    # People.
    "matched_by_name": "Matched by name with the QuickBooks %(qbo_kind)s '%(qbo_name)s'.",
    "matched_by_email": (
        "Matched by e-mail (%(email)s) with the QuickBooks %(qbo_kind)s '%(qbo_name)s'."
    ),
    "kept": "Kept the existing link with the QuickBooks %(qbo_kind)s '%(qbo_name)s'.",
    "qbo_inactive": (
        "'%(name)s' is matched with the QuickBooks %(qbo_kind)s '%(qbo_name)s', which is "
        "inactive: QuickBooks refuses new time for it until it is made active again in "
        "QuickBooks."
    ),
    "ambiguous_name": (
        "Several QuickBooks people are named '%(name)s' (%(candidates)s): choose the right "
        "one in the employee form."
    ),
    "ambiguous_email": (
        "Several QuickBooks people have the e-mail %(email)s (%(candidates)s): choose the "
        "right one in the employee form."
    ),
    "claimed_twice": (
        "The QuickBooks %(qbo_kind)s '%(qbo_name)s' matches '%(name)s' and also %(others)s: "
        "choose the right link in the employee forms."
    ),
    "already_linked": (
        "The QuickBooks %(qbo_kind)s '%(qbo_name)s' matches '%(name)s' but is already linked "
        "to %(others)s: choose the right link in the employee forms."
    ),
    "no_match": (
        "No QuickBooks employee or vendor is named '%(name)s' or has the same e-mail: create "
        "it in QuickBooks or match it by hand in the employee form."
    ),
    "person_missing_in_qbo": (
        "'%(name)s' is linked to a QuickBooks %(qbo_kind)s (id %(qbo_id)s) that QuickBooks "
        "no longer returns: match it again in the employee form."
    ),
    # Customer tree anomalies.
    "missing_parent": (
        "The QuickBooks customer '%(qbo_name)s' refers to a parent customer (id "
        "%(parent_id)s) that QuickBooks did not return: it was left out of this resync."
    ),
    "cycle": (
        "The QuickBooks customer '%(qbo_name)s' is its own ancestor (its chain of parent "
        "customers loops): it was left out of this resync; fix its parent in QuickBooks."
    ),
    "too_deep": (
        "The QuickBooks customer '%(qbo_name)s' is nested deeper than %(max_levels)s levels: "
        "it was left out of this resync; move it higher in QuickBooks."
    ),
    "broken_ancestor": (
        "The QuickBooks customer '%(qbo_name)s' was left out of this resync because its "
        "parent customer '%(parent_name)s' was left out."
    ),
    # Customer resync actions.
    "link_client_by_name": (
        "The Odoo client '%(odoo_name)s' has the same name as the QuickBooks customer "
        "'%(qbo_name)s' and is linked to it."
    ),
    "create_client": (
        "The QuickBooks customer '%(qbo_name)s' has sub-customers and no Odoo client matches "
        "it: a client is created."
    ),
    "link_project_by_name": (
        "The Odoo project '%(odoo_name)s' has the same name and client as the QuickBooks "
        "customer '%(qbo_name)s' and is linked to it."
    ),
    "create_project": (
        "No Odoo project matches the QuickBooks customer '%(qbo_name)s': a project is created."
    ),
    "reparent_project": (
        "The QuickBooks customer '%(qbo_name)s' is a sub-customer of '%(client_name)s': the "
        "Odoo project '%(odoo_name)s' gets that client."
    ),
    "unparent_project": (
        "The QuickBooks customer '%(qbo_name)s' is a top-level customer: the Odoo project "
        "'%(odoo_name)s' no longer has a client."
    ),
    "archive_project": (
        "The QuickBooks customer '%(qbo_name)s' is inactive: the Odoo project '%(odoo_name)s' "
        "is archived."
    ),
    # Customer resync report.
    "renamed": (
        "The Odoo %(odoo_kind)s '%(odoo_name)s' is linked to the QuickBooks customer "
        "'%(qbo_name)s': the link follows the QuickBooks id; rename one of them if the names "
        "should agree."
    ),
    "ambiguous_client_name": (
        "Several Odoo clients are named '%(qbo_name)s' (%(odoo_names)s): link the right one "
        "to the QuickBooks customer by hand."
    ),
    "ambiguous_project_name": (
        "Several Odoo projects of the same client are named '%(qbo_name)s' (%(odoo_names)s): "
        "link the right one to the QuickBooks customer by hand."
    ),
    "contested_client": (
        "The Odoo client '%(odoo_name)s' matches several QuickBooks customers "
        "(%(qbo_names)s): link it by hand."
    ),
    "contested_project": (
        "The Odoo project '%(odoo_name)s' matches several QuickBooks customers "
        "(%(qbo_names)s): link it by hand."
    ),
    "client_unresolved": (
        "The QuickBooks customer '%(qbo_name)s' was left as it is because its client "
        "'%(client_name)s' could not be matched; it follows once that client is linked."
    ),
    "no_longer_project": (
        "The QuickBooks customer '%(qbo_name)s' now has sub-customers, so it is an Odoo "
        "client; the Odoo project '%(odoo_name)s' keeps its link to it."
    ),
    "customer_missing_in_qbo": (
        "The Odoo %(odoo_kind)s '%(odoo_name)s' is linked to a QuickBooks customer (id "
        "%(qbo_id)s) that QuickBooks no longer returns: link it again by hand."
    ),
    # Names sent from Odoo to QuickBooks.
    "empty_name": (
        "The Odoo %(odoo_kind)s has no name QuickBooks can use: give it a name before sending."
    ),
    "name_taken": (
        "A QuickBooks %(qbo_kind)s is already named '%(qbo_name)s': rename the Odoo "
        "%(odoo_kind)s or the %(qbo_kind)s before sending."
    ),
}


def _sentence(code, **params):
    return MESSAGES[code] % params


def _quoted(names):
    return ", ".join(f"'{name}'" for name in names)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Something a resync could not decide, or a name QuickBooks would refuse."""

    code: str
    message: str
    qbo_id: str | None = None
    odoo_key: Hashable | None = None


def _problem(code, *, qbo_id=None, odoo_key=None, **params):
    return Problem(
        code=code,
        message=_sentence(code, qbo_id=qbo_id, **params),
        qbo_id=qbo_id,
        odoo_key=odoo_key,
    )


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def normalize_name(name):
    """Return the key under which two names count as the same name.

    Ignores case, Unicode compatibility forms and runs of whitespace, so
    "ACME  Corp" and " acme corp" share a key.
    """
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def _normalize_email(email):
    return (email or "").strip().casefold()


def clean_display_name(name):
    """Return ``name`` as QuickBooks accepts it in a DisplayName.

    QuickBooks refuses a colon, tab or newline in names (facts 3.2); the colon
    becomes " - " (it is the separator of fully qualified names), other
    whitespace becomes single spaces, and the result is cut to 500 characters.
    """
    text = (name or "").replace(":", " - ")
    text = " ".join(text.split())
    return text[:DISPLAY_NAME_MAX].strip()


def check_new_qbo_name(name, existing, odoo_kind="project"):
    """Say why ``name`` cannot be created in QuickBooks, or return None.

    ``existing`` yields ``(kind, display_name)`` of every QuickBooks Customer,
    Vendor and Employee: QuickBooks wants a DisplayName unique across the three
    (error 6240). Whether QuickBooks ignores case there is unsure (facts 3.2);
    we compare without case so the refusal comes from us, before sending.
    ``odoo_kind`` names the Odoo record in the sentence ("project", "client",
    "employee").
    """
    cleaned = clean_display_name(name)
    if not cleaned:
        return _problem("empty_name", odoo_kind=odoo_kind)
    key = normalize_name(cleaned)
    for kind, display_name in existing:
        if normalize_name(display_name) == key:
            return _problem(
                "name_taken", qbo_kind=kind.lower(), qbo_name=display_name, odoo_kind=odoo_kind
            )
    return None


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OdooPerson:
    key: Hashable
    name: str
    email: str | None = None
    is_contractor: bool = False


@dataclass(frozen=True, kw_only=True)
class PersonMatch:
    key: Hashable
    status: str  # MATCHED, AMBIGUOUS or UNMATCHED
    qbo: QboPerson | None = None
    candidates: tuple[QboPerson, ...] = ()
    reason_code: str
    reason: str


def _describe_candidates(people):
    return ", ".join(f"'{person.display_name}' ({person.kind.lower()})" for person in people)


def _preferred(person, candidates):
    """Keep the candidates of the kind this person prefers, when there are any.

    Contractors are usually QuickBooks vendors, everyone else an employee.
    """
    kind = VENDOR if person.is_contractor else EMPLOYEE
    preferred = [candidate for candidate in candidates if candidate.kind == kind]
    return preferred or list(candidates)


def _matched(person, qbo, reason_code, **params):
    if not qbo.active:
        # Still matched, so lines already sent keep their history, but QuickBooks
        # refuses new transactions for inactive names (facts 4.4).
        reason_code = "qbo_inactive"
    return PersonMatch(
        key=person.key,
        status=MATCHED,
        qbo=qbo,
        candidates=(qbo,),
        reason_code=reason_code,
        reason=_sentence(
            reason_code,
            name=person.name,
            qbo_kind=qbo.kind.lower(),
            qbo_name=qbo.display_name,
            **params,
        ),
    )


def _propose_person(person, by_name, by_email):
    """Match one Odoo person by name, then by e-mail, without looking at the others."""
    email = _normalize_email(person.email)
    name_key = normalize_name(person.name)
    name_candidates = _preferred(person, by_name.get(name_key, [])) if name_key else []
    if len(name_candidates) > 1 and email:
        # The e-mail may tell same-named people apart; it never overrules the name.
        same_email = [c for c in name_candidates if _normalize_email(c.email) == email]
        if len(same_email) == 1:
            return _matched(person, same_email[0], "matched_by_email", email=person.email)
    if len(name_candidates) == 1:
        return _matched(person, name_candidates[0], "matched_by_name")
    if name_candidates:
        return PersonMatch(
            key=person.key,
            status=AMBIGUOUS,
            candidates=tuple(name_candidates),
            reason_code="ambiguous_name",
            reason=_sentence(
                "ambiguous_name",
                name=person.name,
                candidates=_describe_candidates(name_candidates),
            ),
        )
    email_candidates = _preferred(person, by_email.get(email, [])) if email else []
    if len(email_candidates) == 1:
        return _matched(person, email_candidates[0], "matched_by_email", email=person.email)
    if email_candidates:
        return PersonMatch(
            key=person.key,
            status=AMBIGUOUS,
            candidates=tuple(email_candidates),
            reason_code="ambiguous_email",
            reason=_sentence(
                "ambiguous_email",
                email=person.email,
                candidates=_describe_candidates(email_candidates),
            ),
        )
    return PersonMatch(
        key=person.key,
        status=UNMATCHED,
        reason_code="no_match",
        reason=_sentence("no_match", name=person.name),
    )


def _contested(person, qbo, reason_code, others):
    return PersonMatch(
        key=person.key,
        status=AMBIGUOUS,
        candidates=(qbo,),
        reason_code=reason_code,
        reason=_sentence(
            reason_code,
            name=person.name,
            qbo_kind=qbo.kind.lower(),
            qbo_name=qbo.display_name,
            others=_quoted(other.name for other in others),
        ),
    )


def match_people(odoo_people, qbo_people, already_mapped=None):
    """Match Odoo people with QuickBooks employees and vendors.

    Returns one :class:`PersonMatch` per Odoo person, in the given order.

    - ``already_mapped`` maps an Odoo person's key to the ``(kind, qbo_id)`` it
      is linked to. A link whose QuickBooks person still exists is kept
      (``kept``), even if the names differ now; one that no longer exists is
      reported (``person_missing_in_qbo``) and not replaced by a guess, its
      name matches are given as candidates.
    - The others are matched by normalized display name, then by e-mail
      (without case). Contractors prefer a Vendor and everyone else an
      Employee when both kinds fit. Two candidates left: ambiguous.
    - A QuickBooks person that two Odoo people would get makes both ambiguous;
      one already linked to an Odoo person (``kept``) stays with that person.
    - Inactive QuickBooks people are matched but flagged ``qbo_inactive``.

    ``qbo_people`` should include the inactive ones (query with
    ``Active IN (true, false)``), or old links are reported missing.
    """
    odoo_people = list(odoo_people)
    qbo_people = list(qbo_people)
    already_mapped = already_mapped or {}
    by_ref = {person.ref: person for person in qbo_people}
    by_name = defaultdict(list)
    by_email = defaultdict(list)
    for qbo in qbo_people:
        by_name[normalize_name(qbo.display_name)].append(qbo)
        if qbo.email:
            by_email[_normalize_email(qbo.email)].append(qbo)

    results = {}
    owners = defaultdict(list)  # QuickBooks ref -> Odoo people keeping that link
    proposed = []  # Odoo people matched here, who may still compete for one person
    for person in odoo_people:
        linked_ref = already_mapped.get(person.key)
        if not linked_ref:
            results[person.key] = _propose_person(person, by_name, by_email)
            proposed.append(person)
            continue
        qbo = by_ref.get(tuple(linked_ref))
        if qbo:
            results[person.key] = _matched(person, qbo, "kept")
            owners[qbo.ref].append(person)
        else:
            kind, qbo_id = linked_ref
            results[person.key] = PersonMatch(
                key=person.key,
                status=UNMATCHED,
                candidates=tuple(by_name.get(normalize_name(person.name), [])),
                reason_code="person_missing_in_qbo",
                reason=_sentence(
                    "person_missing_in_qbo", name=person.name, qbo_kind=kind.lower(), qbo_id=qbo_id
                ),
            )

    claimants = defaultdict(list)
    for person in proposed:
        match = results[person.key]
        if match.status == MATCHED:
            claimants[match.qbo.ref].append(person)
    for ref, people in claimants.items():
        qbo = by_ref[ref]
        if owners.get(ref):
            for person in people:
                results[person.key] = _contested(person, qbo, "already_linked", owners[ref])
        elif len(people) > 1:
            for person in people:
                others = [other for other in people if other is not person]
                results[person.key] = _contested(person, qbo, "claimed_twice", others)
    return [results[person.key] for person in odoo_people]


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
    customers = list(customers)
    by_id = {customer.qbo_id: customer for customer in customers}
    chains = {}
    report = []
    skipped = set()
    for customer in customers:
        chain, walk_problem = _ancestry(customer, by_id)
        anomaly = _anomaly(chain, walk_problem)
        if anomaly:
            skipped.add(customer.qbo_id)
            parent = by_id.get(customer.parent_id)
            report.append(
                _problem(
                    anomaly,
                    qbo_id=customer.qbo_id,
                    qbo_name=customer.fully_qualified_name or customer.display_name,
                    parent_id=customer.parent_id,
                    parent_name=parent.display_name if parent else "",
                    max_levels=MAX_CUSTOMER_LEVELS,
                )
            )
        else:
            chains[customer.qbo_id] = chain

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

    planned = []
    for qbo_id, chain in chains.items():
        customer = chain[0]
        client_qbo_id = None
        if PROJECT in roles[qbo_id]:
            # Only an inactive customer can sit under an ancestor that is no client.
            client_qbo_id = next(
                (ancestor.qbo_id for ancestor in chain[1:] if CLIENT in roles[ancestor.qbo_id]),
                None,
            )
        planned.append(
            PlannedCustomer(
                qbo_id=qbo_id,
                display_name=customer.display_name,
                roles=roles[qbo_id],
                client_qbo_id=client_qbo_id,
                parent_id=customer.parent_id,
                fully_qualified_name=":".join(c.display_name for c in reversed(chain)),
                level=len(chain) - 1,
                active=customer.active,
                qbo_is_project=customer.is_project,
            )
        )
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
        reason=_sentence(code, qbo_name=planned.display_name, **params),
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
                _problem(
                    contested_code,
                    odoo_key=record.key,
                    odoo_name=record.name,
                    qbo_names=_quoted(plan.customers[rival].display_name for rival in rivals),
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
                _problem(
                    "customer_missing_in_qbo",
                    qbo_id=record.qbo_id,
                    odoo_key=record.key,
                    odoo_kind=odoo_kind,
                    odoo_name=record.name,
                )
            )
        elif normalize_name(record.name) != normalize_name(planned.display_name):
            report.append(
                _problem(
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
            _problem(
                ambiguity_code,
                qbo_id=planned.qbo_id,
                qbo_name=planned.display_name,
                odoo_names=_quoted(record.name for record in same_name),
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
            for project in projects:
                report.append(
                    _problem(
                        "no_longer_project",
                        qbo_id=planned.qbo_id,
                        odoo_key=project.key,
                        qbo_name=planned.display_name,
                        odoo_name=project.name,
                    )
                )
            continue
        if planned.active and planned.client_qbo_id in unresolved_clients:
            report.append(
                _problem(
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
        if planned.client_qbo_id:
            wanted_clients = client_keys.get(planned.client_qbo_id, set())
        else:
            wanted_clients = {None}
        same_name = [
            project
            for project in unlinked_by_name.get(normalize_name(planned.display_name), [])
            if project.client_key in wanted_clients
        ]
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
