"""Translatable sentences of the plain-Python package."""

import json
import pickle

from qb_timesheet_sync.qbo.text import Text, _lt, render


def shout(template, **params):
    """A stand-in for Odoo's env._: another 'language'."""
    translated = template.upper().replace("%(NAME)S", "%(name)s")
    return translated % params if params else translated


def test_a_text_reads_as_its_english_sentence():
    text = _lt("The project %(name)s is not linked.", name="Website")
    assert text == "The project Website is not linked."
    assert isinstance(text, str)
    assert text.template == "The project %(name)s is not linked."
    assert json.dumps({"message": text}) == '{"message": "The project Website is not linked."}'


def test_render_translates_the_template_and_its_parameters():
    text = _lt("Refused: %(name)s", name=_lt("no project"))
    assert render(text, shout) == "REFUSED: NO PROJECT"
    # A plain string is shown as it is: data, not a sentence of ours.
    assert render("Cool Cars", shout) == "Cool Cars"


def test_a_sentence_without_parameters_keeps_its_percent_signs():
    assert _lt("100% billable") == "100% billable"
    assert render(_lt("100% billable"), shout) == "100% BILLABLE"


def test_a_text_survives_pickling():
    copy = pickle.loads(pickle.dumps(_lt("Hello %(name)s", name="you")))
    assert isinstance(copy, Text)
    assert (copy, copy.template, copy.params) == ("Hello you", "Hello %(name)s", {"name": "you"})
