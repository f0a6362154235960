"""Translatable sentences of the plain-Python package."""

import json
import pickle
import re

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


def loud(template, **params):
    """Like ``shout``, for sentences with any placeholders."""
    parts = re.split(r"(%\(\w+\)s)", template)
    translated = "".join(part if part.startswith("%(") else part.upper() for part in parts)
    return translated % params if params else translated


def test_a_sentence_is_stored_as_json_and_rendered_when_read():
    from qb_timesheet_sync.qbo.text import from_data, to_data

    text = _lt("Refused: %(name)s (%(count)s)", name=_lt("no project"), count=3)
    data = json.loads(json.dumps(to_data(text)))
    assert data == {
        "text": "Refused: %(name)s (%(count)s)",
        "params": {"name": {"text": "no project", "params": {}}, "count": 3},
    }
    assert render(from_data(data), loud) == "REFUSED: NO PROJECT (3)"
    # Words that are no sentence of ours are stored as they were rendered.
    assert to_data("Cool Cars") is None
    assert from_data(None) is None


def test_an_error_is_stored_as_its_message():
    from qb_timesheet_sync.qbo.text import from_data, to_data

    class Refused(Exception):
        def __init__(self, message):
            super().__init__(message)
            self.message = message

    error = Refused(_lt("No project %(name)s", name="Website"))
    assert render(from_data(to_data(error)), loud) == "NO PROJECT Website"


def test_a_count_of_one_reads_in_the_singular():
    from qb_timesheet_sync.qbo.text import counted

    one, many = _lt("%(count)s line sent"), _lt("%(count)s lines sent")
    assert counted(1, one, many) == "1 line sent"
    assert counted(0, one, many) == "0 lines sent"
    assert counted(2, one, many).template == "%(count)s lines sent"


def test_joined_sentences_are_translated_each_on_its_own():
    from qb_timesheet_sync.qbo.text import in_english, joined

    text = joined(_lt("Stopped."), "", _lt("Sent %(name)s.", name="x"))
    assert text == "Stopped. Sent x."
    assert in_english(text) == "Stopped. Sent x."
    assert render(text, loud) == "STOPPED. SENT x."


def test_an_amount_keeps_its_currency_and_is_written_by_the_reader():
    import datetime

    from qb_timesheet_sync.qbo.text import Day, Money, from_data, to_data

    text = _lt(
        "Cost sent: %(cost)s on %(date)s.", cost=Money(1234.5, "EUR"), date=Day("2026-03-02")
    )
    # In English words (stored for searches): the amount with its code.
    assert text == "Cost sent: 1,234.50 EUR on 2026-03-02."
    data = json.loads(json.dumps(to_data(text)))
    assert data["params"] == {
        "cost": {"money": 1234.5, "currency": "EUR"},
        "date": {"date": "2026-03-02"},
    }
    again = from_data(data)
    assert again.params == {"cost": Money(1234.5, "EUR"), "date": Day(datetime.date(2026, 3, 2))}
    # The reader's language writes them (Odoo: format_amount, format_date).
    formats = {
        "money": lambda money: f"{money.amount:.2f} {'€' if money.currency == 'EUR' else '?'}",
        "date": lambda day: day.date.strftime("%d/%m/%Y"),
    }
    assert render(again, loud, formats) == "COST SENT: 1234.50 € ON 02/03/2026."
    # Without them, as in English.
    assert render(again, loud) == "COST SENT: 1,234.50 EUR ON 2026-03-02."
    assert pickle.loads(pickle.dumps(again)).params["cost"] == Money(1234.5, "EUR")
