# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Ranked suggestions for names the resync could not match: the
ranking is the plain-Python :mod:`..qbo.suggestions`; this model only says
them in the user's language. A suggestion is never applied: the resync
report lists them, and the link wizard (``qbo.map.wizard``) ranks them first,
to be linked in one click. An inactive QuickBooks record is suggested
with the note that it must be reactivated first."""

from odoo import api, models

from ..qbo.suggestions import (
    INACTIVE_NOTE,
    INITIALS,
    SAME_DOMAIN,
    SAME_EMAIL,
    SIMILAR_NAME,
    suggest,
)
from ..qbo.text import _lt, joined, render

# Why a QuickBooks record is suggested, as its suggestion says.
REASON_LABELS = {
    SAME_EMAIL: _lt("same e-mail"),
    INITIALS: _lt("same name with initials"),
    SIMILAR_NAME: _lt("similar name"),
    SAME_DOMAIN: _lt("same e-mail domain"),
}


class QboSuggestion(models.AbstractModel):
    _name = "qbo.suggestion"
    _description = "QuickBooks link suggestions"

    @api.model
    def _qbo_reason_label(self, reason):
        return render(REASON_LABELS[reason], self.env._)

    @api.model
    def _qbo_suggest(self, name, candidates, email=None, client=False):
        """The ranked :class:`~..qbo.suggestions.Suggestion` of ``name``."""
        return suggest(name, candidates, email=email, client=client)

    @api.model
    def _qbo_listed(self, values):
        """ "'Chris Bell' (same e-mail, 100%), ..." of suggestions given as
        :meth:`_qbo_report_values`, or '' when none, in the user's language."""
        return render(self._qbo_list_text(values), self.env._) if values else ""

    @api.model
    def _qbo_list_text(self, values):
        """The sentence of :meth:`_qbo_listed`, to be translated when read."""
        return joined(*(self._qbo_phrase(value) for value in values), separator=", ")

    @api.model
    def _qbo_phrase(self, value):
        """ "'Chris Bell' (same e-mail, 100%)" of one suggestion, said inactive
        when its QuickBooks record is."""
        reason = REASON_LABELS[value["reason"]]
        if not value.get("active", True):
            return _lt(
                "'%(name)s' (%(reason)s, %(score)s%%, %(inactive)s)",
                name=value["name"],
                reason=reason,
                score=value["score"],
                inactive=INACTIVE_NOTE,
            )
        return _lt(
            "'%(name)s' (%(reason)s, %(score)s%%)",
            name=value["name"],
            reason=reason,
            score=value["score"],
        )

    @api.model
    def _qbo_inactive_note(self):
        """What a suggestion of an inactive QuickBooks record says."""
        return render(INACTIVE_NOTE, self.env._)

    @api.model
    def _qbo_sentence(self, values):
        """'Closest in QuickBooks: ...' for a sync log line (a sentence
        translated when read), or '' when none."""
        if not values:
            return ""
        return _lt(
            "Closest in QuickBooks: %(suggestions)s; link it in one click from the "
            "'Choose in QuickBooks' button of its form.",
            suggestions=self._qbo_list_text(values),
        )

    @api.model
    def _qbo_report_values(self, suggestions):
        """The suggestions as plain values, for a resync report to show."""
        return [
            {
                "key": suggestion.candidate.key,
                "name": suggestion.candidate.name,
                "score": suggestion.score,
                "reason": suggestion.reason,
                "active": suggestion.candidate.active,
            }
            for suggestion in suggestions
        ]
