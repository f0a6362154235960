# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Ranked suggestions for a name that did not match.

Plain Python on purpose (no ``odoo`` import). The resync matches people and
customers on exact (normalised) names and e-mails only; what is left gets
suggestions here, ranked by a score from 0 to 100, each with the reason it is
suggested. A suggestion is only ever offered: linking needs a click.

Inactive QuickBooks records are suggested too, marked so
(:data:`INACTIVE_NOTE`): a name with initials is often a person made inactive
in QuickBooks, and hiding them leaves the user nothing to link. QuickBooks
refuses new time for an inactive name until it is reactivated
(docs/ASSUMPTIONS.md#inactive-person-reactivated),
so the note says to reactivate it first.

Names are compared once normalised (:func:`name_words`): accents dropped,
case and punctuation ignored, words sorted, so "Émile  Zola" and "zola,
emile" are the same. Initials match the word they begin ("C. Bell" and
"Chris Bell"). The fuzzy score of the rest is rapidfuzz's ``token_sort_ratio``.
"""

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from .text import _lt

SAME_EMAIL = "same_email"
INITIALS = "initials"
SIMILAR_NAME = "similar_name"
SAME_DOMAIN = "same_domain"
# Scores of the reasons that are not fuzzy: an e-mail is a strong sign, a
# name written with initials a good one, a client's e-mail domain a hint.
SCORES = {SAME_EMAIL: 100, INITIALS: 90, SAME_DOMAIN: 75}
# Below this a name is not worth suggesting.
MIN_SCORE = 70
# Free mail providers say nothing about the client behind an address.
PUBLIC_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
     "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de"}
)  # fmt: skip
REASONS = {
    SAME_EMAIL: "same e-mail",
    INITIALS: "same name with initials",
    SIMILAR_NAME: "similar name",
    SAME_DOMAIN: "same e-mail domain",
}
# What a suggestion of an inactive QuickBooks record says after its score.
INACTIVE_NOTE = _lt(
    "inactive in QuickBooks: reactivate it there, then run 'Check for new users and "
    "customers' again"
)


@dataclass(frozen=True)
class Candidate:
    """A QuickBooks record a name may be linked to."""

    key: object  # what the caller links with, for example (kind, qbo_id)
    name: str
    email: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    score: int
    reason: str  # a key of REASONS

    @property
    def reason_text(self):
        return REASONS[self.reason]


def name_words(name):
    """The words of ``name`` without accents, case or punctuation, sorted."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    cleaned = "".join(char if char.isalnum() else " " for char in plain.casefold())
    return sorted(cleaned.split())


def _initials_match(words, other_words):
    """Every word of the shorter name is a word, or the initial of a word, of
    the other, each used once, and at least one initial was needed."""
    short, long = sorted((words, other_words), key=len)
    if not short or len(short) != len(long):
        return False
    remaining = list(long)
    used_initial = False
    for word in sorted(short, key=len, reverse=True):
        if word in remaining:
            remaining.remove(word)
            continue
        if len(word) == 1:
            match = next((other for other in remaining if other.startswith(word)), None)
            if match:
                remaining.remove(match)
                used_initial = True
                continue
        return False
    return used_initial


def _domain(email):
    return (email or "").strip().casefold().rpartition("@")[2]


def score(name, candidate, email=None, client=False):
    """``(score, reason)`` of ``candidate`` for ``name`` (and its ``email``)."""
    if email and candidate.email and email.strip().casefold() == candidate.email.strip().casefold():
        return SCORES[SAME_EMAIL], SAME_EMAIL
    words, other_words = name_words(name), name_words(candidate.name)
    if _initials_match(words, other_words) or _initials_match(other_words, words):
        return SCORES[INITIALS], INITIALS
    best = (round(fuzz.token_sort_ratio(" ".join(words), " ".join(other_words))), SIMILAR_NAME)
    domain = _domain(email)
    if client and domain and domain not in PUBLIC_DOMAINS and domain == _domain(candidate.email):
        best = max(best, (SCORES[SAME_DOMAIN], SAME_DOMAIN))
    return best


def suggest(name, candidates, email=None, client=False, limit=3, min_score=MIN_SCORE):
    """The best ``limit`` :class:`Suggestion` for ``name`` among
    ``candidates``, best first (ties: active records first, then in name
    order). ``client`` also suggests the records of the same e-mail domain."""
    found = []
    for candidate in candidates:
        value, reason = score(name, candidate, email=email, client=client)
        if value >= min_score:
            found.append(Suggestion(candidate, value, reason))
    found.sort(
        key=lambda suggestion: (
            -suggestion.score,
            not suggestion.candidate.active,
            suggestion.candidate.name,
        )
    )
    return found[:limit]


def describe(suggestions):
    """One English phrase listing ``suggestions``, for a report line."""
    return ", ".join(
        f"'{suggestion.candidate.name}' ({suggestion.reason_text}, {suggestion.score}%"
        + ("" if suggestion.candidate.active else f", {INACTIVE_NOTE}")
        + ")"
        for suggestion in suggestions
    )
