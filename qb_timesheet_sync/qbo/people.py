# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Matching Odoo employees with QuickBooks employees and vendors.

Plain Python on purpose (no ``odoo`` import, no I/O), as ``mapping.py``:
people are referred to by ``(kind, qbo_id)``, QuickBooks ids being unique per
entity only.
"""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from .lists import EMPLOYEE, VENDOR, QboPerson
from .mapping import normalize_email, normalize_name, quote_names, sentence

# Statuses of a person's match (PersonMatch.status).
MATCHED = "matched"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"


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
        # refuses new transactions for inactive names
        # (docs/ASSUMPTIONS.md#object-not-found).
        reason_code = "qbo_inactive"
    return _person_match(
        person,
        MATCHED,
        reason_code,
        (qbo,),
        qbo=qbo,
        qbo_kind=qbo.kind.lower(),
        qbo_name=qbo.display_name,
        **params,
    )


def _person_match(person, status, reason_code, found, qbo=None, **params):
    """The :class:`PersonMatch` of ``person`` (``found``: its candidates), its
    reason said with ``params``."""
    return PersonMatch(
        key=person.key,
        status=status,
        qbo=qbo,
        candidates=tuple(found),
        reason_code=reason_code,
        reason=sentence(reason_code, name=person.name, **params),
    )


def _ambiguous(person, candidates, reason_code, **params):
    return _person_match(
        person,
        AMBIGUOUS,
        reason_code,
        candidates,
        candidates=_describe_candidates(candidates),
        **params,
    )


def _propose_person(person, by_name, by_email):
    """Match one Odoo person by name, then by e-mail, without looking at the others."""
    email = normalize_email(person.email)
    name_key = normalize_name(person.name)
    name_candidates = _preferred(person, by_name.get(name_key, [])) if name_key else []
    if len(name_candidates) > 1 and email:
        # The e-mail may tell same-named people apart; it never overrules the name.
        same_email = [c for c in name_candidates if normalize_email(c.email) == email]
        if len(same_email) == 1:
            return _matched(person, same_email[0], "matched_by_email", email=person.email)
    if len(name_candidates) == 1:
        return _matched(person, name_candidates[0], "matched_by_name")
    if name_candidates:
        return _ambiguous(person, name_candidates, "ambiguous_name")
    email_candidates = _preferred(person, by_email.get(email, [])) if email else []
    if len(email_candidates) == 1:
        return _matched(person, email_candidates[0], "matched_by_email", email=person.email)
    if email_candidates:
        return _ambiguous(person, email_candidates, "ambiguous_email", email=person.email)
    return _person_match(person, UNMATCHED, "no_match", ())


def _contested(person, qbo, reason_code, others):
    return _person_match(
        person,
        AMBIGUOUS,
        reason_code,
        (qbo,),
        qbo_kind=qbo.kind.lower(),
        qbo_name=qbo.display_name,
        others=quote_names(other.name for other in others),
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
            by_email[normalize_email(qbo.email)].append(qbo)

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
            results[person.key] = _missing(person, linked_ref, by_name)
    _settle_contests(results, proposed, owners, by_ref)
    return [results[person.key] for person in odoo_people]


def _missing(person, linked_ref, by_name):
    """The match of a person linked to a QuickBooks person that is gone."""
    kind, qbo_id = linked_ref
    candidates = by_name.get(normalize_name(person.name), [])
    return _person_match(
        person, UNMATCHED, "person_missing_in_qbo", candidates, qbo_kind=kind.lower(), qbo_id=qbo_id
    )


def _settle_contests(results, proposed, owners, by_ref):
    """A QuickBooks person already linked (``owners``) or matched for two of
    the ``proposed`` people makes their matches ambiguous, in ``results``."""
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
