# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Matching rules between Odoo and QuickBooks Online people and customers:
what they share (names, sentences, problems). People are matched in
``people.py``, customers in ``customer_tree.py`` (what each is in Odoo) and
``customers.py`` (what to link, create, move or archive).

Plain Python on purpose (no ``odoo`` import, no I/O): the Odoo models turn their
records into small dataclasses, call these functions and act on what they
return. Every decision and every problem carries a stable machine ``code`` and
an English sentence rendered from :data:`MESSAGES`, the one place where the
sentences live.
"""

import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass

from .text import Text, _lt

DISPLAY_NAME_MAX = 500

MESSAGES = {
    # People.
    "matched_by_name": _lt("Matched by name with the QuickBooks %(qbo_kind)s '%(qbo_name)s'."),
    "matched_by_email": (
        _lt("Matched by e-mail (%(email)s) with the QuickBooks %(qbo_kind)s '%(qbo_name)s'.")
    ),
    "kept": _lt("Kept the existing link with the QuickBooks %(qbo_kind)s '%(qbo_name)s'."),
    "qbo_inactive": (
        _lt(
            "'%(name)s' is linked to the QuickBooks %(qbo_kind)s '%(qbo_name)s', which is "
            "inactive: QuickBooks refuses new time for it until it is made active again in "
            "QuickBooks."
        )
    ),
    "ambiguous_name": (
        _lt(
            "Several QuickBooks people are named '%(name)s' (%(candidates)s): choose the right "
            "one in the employee form."
        )
    ),
    "ambiguous_email": (
        _lt(
            "Several QuickBooks people have the e-mail %(email)s (%(candidates)s): choose the "
            "right one in the employee form."
        )
    ),
    "claimed_twice": (
        _lt(
            "The QuickBooks %(qbo_kind)s '%(qbo_name)s' matches '%(name)s' and also %(others)s: "
            "choose the right link in the employee forms."
        )
    ),
    "already_linked": (
        _lt(
            "The QuickBooks %(qbo_kind)s '%(qbo_name)s' matches '%(name)s' but is already linked "
            "to %(others)s: choose the right link in the employee forms."
        )
    ),
    "no_match": (
        _lt(
            "No QuickBooks employee or vendor is named '%(name)s' or has the same e-mail: create "
            "it in QuickBooks or link it by hand in the employee form."
        )
    ),
    "person_missing_in_qbo": (
        _lt(
            "'%(name)s' is linked to a QuickBooks %(qbo_kind)s (id %(qbo_id)s) that QuickBooks "
            "no longer returns: link it again in the employee form."
        )
    ),
    # Customer tree anomalies.
    "missing_parent": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' refers to a parent customer (id "
            "%(parent_id)s) that QuickBooks did not return: it was left out of this resync."
        )
    ),
    "cycle": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is its own ancestor (its chain of parent "
            "customers loops): it was left out of this resync; fix its parent in QuickBooks."
        )
    ),
    "too_deep": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is nested deeper than %(max_levels)s levels: "
            "it was left out of this resync; move it higher in QuickBooks."
        )
    ),
    "broken_ancestor": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' was left out of this resync because its "
            "parent customer '%(parent_name)s' was left out."
        )
    ),
    # Customer resync actions.
    "link_client_by_name": (
        _lt(
            "The Odoo client '%(odoo_name)s' has the same name as the QuickBooks customer "
            "'%(qbo_name)s' and is linked to it."
        )
    ),
    "create_client": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' has sub-customers and no Odoo client matches "
            "it: a client is created."
        )
    ),
    "link_project_by_name": (
        _lt(
            "The Odoo project '%(odoo_name)s' has the same name and client as the QuickBooks "
            "customer '%(qbo_name)s' and is linked to it."
        )
    ),
    "link_own_project": (
        _lt(
            "The Odoo project '%(odoo_name)s' is named like its client and like the QuickBooks "
            "customer '%(qbo_name)s', which has no sub-customer of that name: it is linked to "
            "the customer itself."
        )
    ),
    "create_project": (
        _lt("No Odoo project matches the QuickBooks customer '%(qbo_name)s': a project is created.")
    ),
    "reparent_project": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is a sub-customer of '%(client_name)s': the "
            "Odoo project '%(odoo_name)s' gets that client."
        )
    ),
    "unparent_project": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is a top-level customer: the Odoo project "
            "'%(odoo_name)s' no longer has a client."
        )
    ),
    "own_client_project": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is a top-level customer linked to an Odoo "
            "client: the Odoo project '%(odoo_name)s' gets that client."
        )
    ),
    "archive_project": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' is inactive: the Odoo project '%(odoo_name)s' "
            "is archived."
        )
    ),
    # Customer resync report.
    "renamed": (
        _lt(
            "The Odoo %(odoo_kind)s '%(odoo_name)s' is linked to the QuickBooks customer "
            "'%(qbo_name)s': the link follows the QuickBooks id; rename one of them if the names "
            "should agree."
        )
    ),
    "ambiguous_client_name": (
        _lt(
            "Several Odoo clients are named '%(qbo_name)s' (%(odoo_names)s): link the right one "
            "to the QuickBooks customer by hand."
        )
    ),
    "ambiguous_project_name": (
        _lt(
            "Several Odoo projects of the same client are named '%(qbo_name)s' (%(odoo_names)s): "
            "link the right one to the QuickBooks customer by hand."
        )
    ),
    "contested_client": (
        _lt(
            "The Odoo client '%(odoo_name)s' matches several QuickBooks customers "
            "(%(qbo_names)s): link it by hand."
        )
    ),
    "contested_project": (
        _lt(
            "The Odoo project '%(odoo_name)s' matches several QuickBooks customers "
            "(%(qbo_names)s): link it by hand."
        )
    ),
    "client_unresolved": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' was left as it is because its client "
            "'%(client_name)s' could not be matched; it follows once that client is linked."
        )
    ),
    "no_longer_project": (
        _lt(
            "The QuickBooks customer '%(qbo_name)s' now has sub-customers, so it is an Odoo "
            "client; the Odoo project '%(odoo_name)s' keeps its link to it."
        )
    ),
    "customer_missing_in_qbo": (
        _lt(
            "The Odoo %(odoo_kind)s '%(odoo_name)s' is linked to a QuickBooks customer (id "
            "%(qbo_id)s) that QuickBooks no longer returns: link it again by hand."
        )
    ),
    # Names sent from Odoo to QuickBooks.
    "empty_name": (
        _lt("The Odoo %(odoo_kind)s has no name QuickBooks can use: give it a name before sending.")
    ),
    "name_taken": (
        _lt(
            "A QuickBooks %(qbo_kind)s is already named '%(qbo_name)s': rename the Odoo "
            "%(odoo_kind)s or the %(qbo_kind)s before sending."
        )
    ),
}


def sentence(code, **params):
    return Text(MESSAGES[code], **params)


def quote_names(names):
    return ", ".join(f"'{name}'" for name in names)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Something a resync could not decide, or a name QuickBooks would refuse."""

    code: str
    message: str
    qbo_id: str | None = None
    odoo_key: Hashable | None = None


def make_problem(code, *, qbo_id=None, odoo_key=None, **params):
    return Problem(
        code=code,
        message=sentence(code, qbo_id=qbo_id, **params),
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


def normalize_email(email):
    return (email or "").strip().casefold()


def clean_display_name(name):
    """Return ``name`` as QuickBooks accepts it in a DisplayName.

    QuickBooks refuses a colon, tab or newline in names
    (docs/ASSUMPTIONS.md#name-characters); the colon
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
    (error 6240). Whether QuickBooks ignores case there is unknown
    (docs/ASSUMPTIONS.md#display-name-unique);
    we compare without case so the refusal comes from us, before sending.
    ``odoo_kind`` names the Odoo record in the sentence ("project", "client",
    "employee").
    """
    cleaned = clean_display_name(name)
    if not cleaned:
        return make_problem("empty_name", odoo_kind=odoo_kind)
    key = normalize_name(cleaned)
    for kind, display_name in existing:
        if normalize_name(display_name) == key:
            return make_problem(
                "name_taken", qbo_kind=kind.lower(), qbo_name=display_name, odoo_kind=odoo_kind
            )
    return None
