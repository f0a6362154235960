# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Refusals told to someone who is not a QuickBooks manager name whom to ask,
never a form or a setting they cannot open."""

import re

import pytest

from qb_timesheet_sync.qbo.timesheet_rules import MESSAGES, MESSAGES_FOR_OTHERS, message_for_others

# What a line itself tells: the names the Odoo side fills in.
LINE_PARAMS = {"employee": "'Emily Platt'", "project": "'Website'", "date": "2025-01-01"}
MANAGER_ONLY = re.compile(r"employee form|project form|Settings|Check for new users|run '")


@pytest.mark.parametrize("code", sorted(MESSAGES_FOR_OTHERS))
def test_each_sentence_for_others_replaces_a_refusal_and_names_whom_to_ask(code):
    assert code in MESSAGES
    text = message_for_others(code, **LINE_PARAMS)
    assert not MANAGER_ONLY.search(text), text
    assert "QuickBooks manager" in text or "administrator" in text
    # It says the same thing as the manager's sentence, with the same names.
    for name in re.findall(r"%\((\w+)\)s", MESSAGES[code]):
        assert name in LINE_PARAMS
        assert LINE_PARAMS[name] in text


def test_the_sentences_that_send_managers_to_a_form_have_one_for_others():
    for code, sentence in MESSAGES.items():
        if MANAGER_ONLY.search(sentence) and code != "payroll_pending":
            assert code in MESSAGES_FOR_OTHERS, code


def test_a_refusal_anyone_can_fix_keeps_its_own_sentence():
    assert message_for_others("no_duration", duration="00:00") is None
