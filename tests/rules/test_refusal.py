# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

import pytest

from qb_timesheet_sync.qbo.timesheet_rules import (
    MESSAGES,
    REASONS,
    LineFacts,
    before_cutoff,
    refusal,
)
from tests.rules.line_facts import SENDABLE, line_facts

facts = line_facts


def test_a_complete_line_may_be_sent():
    assert refusal(SENDABLE) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"qbo_state": "error"},  # a failed line may be sent again
        {"qbo_state": "queued"},  # the background sender evaluates queued lines
        {"qbo_state": "refused"},  # a refused line is judged again
        {"billable": False, "send_non_billable": True, "hourly_rate": None},
        {"approval_required": False, "approved": False},
        {"book_close_date": None},
        {"time_tracking_enabled": None},  # unknown: QuickBooks decides
        {"employee_realm": None, "project_realm": None},  # links older than the realm check
        {"unit_amount_hours": 23 + 55 / 60},
        {"unit_amount_hours": 24.5, "minutes": 1435},  # the rounded minutes decide
        {"date": date(2026, 7, 1), "book_close_date": date(2026, 6, 30)},
        # Edits of a sent line update its time activity, in the foreground or queued.
        {"qbo_state": "edited", "time_activity_id": "7"},
        {"qbo_state": "queued", "time_activity_id": "7"},
    ],
)
def test_sendable_variants(changes):
    assert refusal(facts(**changes)) is None


CASES = {
    "not_connected": {"connected": False},
    "no_time_tracking": {"time_tracking_enabled": False},
    "already_sent": {"qbo_state": "sent"},
    "billed": {"qbo_state": "edited", "time_activity_id": "7", "billed": True},
    "edited_after_sending": {"qbo_state": "edited"},
    "conflict": {"qbo_state": "conflict", "time_activity_id": "7"},
    "changed_in_quickbooks": {"qbo_state": "changed", "time_activity_id": "7"},
    "deleted_in_quickbooks": {"qbo_state": "deleted", "time_activity_id": "7"},
    "no_project": {"has_project": False, "project_qbo_id": None},
    "no_employee": {"has_employee": False, "employee_qbo_id": None},
    "employee_not_mapped": {"employee_qbo_id": None},
    "employee_inactive": {"employee_qbo_inactive": True},
    "project_not_mapped": {"project_qbo_id": ""},
    "project_internal": {"project_qbo_id": None, "project_internal": True},
    "employee_other_company": {"employee_realm": "1111"},
    "project_other_company": {"project_realm": "1111"},
    "not_approved": {"approved": False},
    "not_billable": {"billable": False},
    "no_duration": {"unit_amount_hours": 0},
    "too_long": {"unit_amount_hours": 23.99},
    "books_closed": {"date": date(2026, 6, 30)},
    "no_rate": {"hourly_rate": None},
    "class_required": {"class_required": True},
    "payroll_pending": {"payroll_pending": "Regular pay"},
    "before_cutoff": {"date": date(2026, 6, 29), "send_from_date": date(2026, 6, 30)},
    "not_to_send": {"not_to_send": True},
}
MESSAGE_PARAMS = {
    "employee": "'Jane Doe'",
    "project": "'Website'",
    "date": "2026-06-30",
    "close_date": "2026-06-30",
    "pay_type": "Regular pay",
}
DURATIONS = {"no_duration": "00:00", "too_long": "23:59"}  # 23.99 h is 23:59 once rounded


@pytest.mark.parametrize(("code", "changes"), CASES.items(), ids=list(CASES))
def test_each_refusal(code, changes):
    result = refusal(facts(**changes))
    assert result.code == code
    params = dict(MESSAGE_PARAMS, duration=DURATIONS.get(code))
    assert result.message == MESSAGES[code] % params


def test_every_code_is_tested():
    assert set(CASES) == set(MESSAGES)


def test_every_code_has_a_short_reason():
    assert set(REASONS) == set(MESSAGES)


def test_an_internal_project_is_not_told_to_run_the_resync():
    message = refusal(facts(project_qbo_id=None, project_internal=True)).message
    assert "Check for new users and customers" not in message
    assert "project form" in message


def test_a_matched_internal_project_is_sent():
    # Linked by hand to a QuickBooks customer: the link decides.
    assert refusal(facts(project_internal=True)) is None


def test_messages_name_the_fix():
    assert refusal(facts(employee_qbo_id=None)).message == (
        "The employee 'Jane Doe' is not linked to a QuickBooks employee or vendor: link "
        "them in the employee form or run 'Check for new users and customers'."
    )
    assert refusal(facts(project_qbo_id=None)).message == (
        "The project 'Website' is not linked to a QuickBooks customer: link it in the "
        "project form or run 'Check for new users and customers'."
    )
    assert refusal(facts(date=date(2026, 5, 2))).message == (
        "The line is dated 2026-05-02, on or before the QuickBooks closing date 2026-06-30: "
        "move it to a later date or ask your accountant to reopen the period in QuickBooks."
    )
    assert refusal(facts(hourly_rate=0)).message == (
        "The line is billable but no hourly rate was found for 'Jane Doe' on 'Website': set "
        "a rate on the project, the employee or in the QuickBooks settings."
    )


@pytest.mark.parametrize(
    ("changes", "duration"),
    [
        ({"unit_amount_hours": 0}, "00:00"),
        ({"unit_amount_hours": -1.5}, "-01:30"),
        # 20 seconds round to no minute at all.
        ({"unit_amount_hours": 20 / 3600}, "00:00"),
        ({"unit_amount_hours": 0.5, "minutes": 0}, "00:00"),
    ],
)
def test_no_duration(changes, duration):
    result = refusal(facts(**changes))
    assert result.code == "no_duration"
    assert f"({duration} once rounded)" in result.message


def test_too_long_is_judged_after_rounding():
    # 23h55 exactly is accepted; 23h55 rounded up to 6 minutes is 24h00.
    assert refusal(facts(unit_amount_hours=23 + 55 / 60, minutes=1435)) is None
    result = refusal(facts(unit_amount_hours=23 + 55 / 60, minutes=1440))
    assert result.code == "too_long"
    assert "lasts 24:00 once rounded" in result.message
    assert refusal(facts(unit_amount_hours=23 + 55.5 / 60)).code == "too_long"


def test_closing_date_is_inclusive():
    assert refusal(facts(date=date(2026, 6, 30))).code == "books_closed"
    assert refusal(facts(date=date(2026, 7, 1))) is None


def test_non_billable_line_needs_no_rate():
    assert refusal(facts(billable=False, send_non_billable=True, hourly_rate=None)) is None


def test_missing_names_do_not_break_messages():
    result = refusal(facts(employee_qbo_id=None, employee_name=""))
    assert result.message.startswith("The employee '?' is not linked")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"connected": False, "has_project": False, "hourly_rate": None}, "not_connected"),
        ({"time_tracking_enabled": False, "qbo_state": "sent"}, "no_time_tracking"),
        ({"qbo_state": "sent", "has_project": False}, "already_sent"),
        ({"has_project": False, "has_employee": False}, "no_project"),
        ({"has_employee": False, "employee_qbo_id": None, "project_qbo_id": None}, "no_employee"),
        ({"employee_qbo_id": None, "project_qbo_id": None}, "employee_not_mapped"),
        ({"project_qbo_id": None, "employee_realm": "1"}, "project_not_mapped"),
        ({"employee_realm": "1", "project_realm": "1"}, "employee_other_company"),
        ({"project_realm": "1", "approved": False}, "project_other_company"),
        ({"approved": False, "billable": False}, "not_approved"),
        ({"billable": False, "unit_amount_hours": 0}, "not_billable"),
        ({"unit_amount_hours": 0, "date": date(2026, 1, 1)}, "no_duration"),
        ({"unit_amount_hours": 30, "date": date(2026, 1, 1)}, "too_long"),
        ({"date": date(2026, 1, 1), "hourly_rate": None}, "books_closed"),
    ],
)
def test_first_reason_wins(changes, code):
    assert refusal(facts(**changes)).code == code


def test_facts_have_no_permissive_defaults():
    with pytest.raises(TypeError):
        LineFacts(qbo_state="not_sent", unit_amount_hours=1.0, date=date(2026, 7, 1))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"qbo_state": "sent", "time_activity_id": "7"}, "already_sent"),
        ({"qbo_state": "error", "time_activity_id": "7"}, "already_sent"),
        # An edit is judged as a first send: a project no longer mapped, too long...
        (
            {"qbo_state": "edited", "time_activity_id": "7", "project_qbo_id": None},
            "project_not_mapped",
        ),
        ({"qbo_state": "edited", "time_activity_id": "7", "unit_amount_hours": 24.5}, "too_long"),
        (
            {"qbo_state": "edited", "time_activity_id": "7", "date": date(2026, 6, 1)},
            "books_closed",
        ),
    ],
)
def test_edits_are_refused_for_the_reasons_of_a_first_send(changes, code):
    assert refusal(facts(**changes)).code == code


def test_an_inactive_employee_is_told_to_reactivate_it_in_quickbooks():
    # Not "link them in the employee form": the link is right, QuickBooks refuses it.
    message = refusal(facts(employee_qbo_inactive=True)).message
    assert message == (
        "The employee 'Jane Doe' is linked to a QuickBooks employee or vendor that is inactive "
        "in QuickBooks: reactivate it there, then run 'Check for new users and customers' again."
    )
    assert "employee form" not in message


def test_only_an_unchanged_sent_line_is_skipped_rather_than_refused():
    skipped = {code for code, changes in CASES.items() if refusal(facts(**changes)).skipped}
    assert skipped == {"already_sent"}


@pytest.mark.parametrize(
    "state", ["sent", "edited", "queued", "conflict", "changed", "not_sent", "error"]
)
def test_billed_time_is_never_sent_again_whatever_its_state(state):
    """An edit made before QuickBooks billed the time stays in Odoo: an update
    would overwrite the invoiced time activity (docs/ASSUMPTIONS.md#billed-time)."""
    result = refusal(facts(qbo_state=state, time_activity_id="7", billed=True))
    assert result.code == "billed"
    assert result.message.startswith("Billed in QuickBooks: ")
    assert "locked" in result.message


def test_billed_comes_before_every_reason_of_the_line():
    changes = {"qbo_state": "edited", "time_activity_id": "7", "billed": True}
    assert refusal(facts(**changes, unit_amount_hours=24.5, approved=False)).code == "billed"
    assert refusal(facts(**changes, connected=False)).code == "not_connected"


# ---------------------------------------------------------------------------
# The company's "Don't send time before" date
# ---------------------------------------------------------------------------
CUTOFF = date(2025, 1, 1)


def test_the_cutoff_names_the_date_and_the_setting():
    result = refusal(facts(date=date(2024, 12, 31), send_from_date=CUTOFF, book_close_date=None))
    assert result.code == "before_cutoff"
    assert result.message == (
        "Dated before 2025-01-01, the company's 'Don't send time before' date: change it in "
        "Settings to send this line."
    )


@pytest.mark.parametrize(
    ("line_date", "refused"),
    [(date(2024, 12, 31), True), (date(2025, 1, 1), False), (date(2025, 1, 2), False)],
)
def test_the_cutoff_day_itself_is_sent(line_date, refused):
    result = refusal(facts(date=line_date, send_from_date=CUTOFF, book_close_date=None))
    assert (result is not None and result.code == "before_cutoff") == refused


def test_no_cutoff_sends_every_date():
    assert refusal(facts(date=date(2001, 1, 1), send_from_date=None, book_close_date=None)) is None


@pytest.mark.parametrize(
    "changes",
    [
        # The edit of a line QuickBooks already has keeps its time activity in step.
        {"qbo_state": "edited", "time_activity_id": "7"},
        {"qbo_state": "queued", "time_activity_id": "7"},
    ],
)
def test_the_cutoff_never_holds_back_an_update(changes):
    old = facts(date=date(2020, 3, 1), send_from_date=CUTOFF, book_close_date=None, **changes)
    assert refusal(old) is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        # The state of a sent line says more than its date.
        ({"qbo_state": "sent", "time_activity_id": "7"}, "already_sent"),
        ({"qbo_state": "deleted", "time_activity_id": "7"}, "deleted_in_quickbooks"),
        ({"connected": False}, "not_connected"),
        # History is never offered, whatever else it lacks.
        ({"has_project": False, "employee_qbo_id": None}, "before_cutoff"),
        ({"approved": False, "hourly_rate": None}, "before_cutoff"),
        ({"qbo_state": "error"}, "before_cutoff"),
        ({"qbo_state": "queued"}, "before_cutoff"),
        ({"qbo_state": "refused"}, "before_cutoff"),
    ],
)
def test_the_cutoff_comes_after_the_state_and_before_the_rest(changes, code):
    old = facts(date=date(2024, 6, 1), send_from_date=CUTOFF, book_close_date=None, **changes)
    assert refusal(old).code == code


def test_before_cutoff():
    assert before_cutoff(date(2024, 12, 31), CUTOFF)
    assert not before_cutoff(date(2025, 1, 1), CUTOFF)
    assert not before_cutoff(date(2024, 12, 31), None)
    assert not before_cutoff(date(2024, 12, 31), CUTOFF, time_activity_id="7")


def test_a_line_marked_not_to_send_is_refused_before_what_it_lacks():
    # Nothing else to fix on it: the mark names the reason, not the missing link.
    assert refusal(facts(not_to_send=True, employee_qbo_id=None)).code == "not_to_send"


def test_a_sent_line_marked_not_to_send_keeps_its_state_reason():
    # The mark keeps new time out; a line QuickBooks has is judged by its state.
    assert refusal(facts(not_to_send=True, qbo_state="sent", time_activity_id="7")).code == (
        "already_sent"
    )
