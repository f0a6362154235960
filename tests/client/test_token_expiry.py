"""Reading the refresh token's expiries from a token answer, and when the
hard expiry is worth a warning (plain Python, no server)."""

from datetime import UTC, datetime, timedelta

import pytest

from qb_timesheet_sync.qbo.oauth import (
    EXPIRY_WARNING_DAYS,
    HARD_EXPIRY_FIELD,
    _token_set,
    expiry_warning_due,
)


def utc_now():
    return datetime.now(UTC).replace(tzinfo=None)


def answer(**fields):
    return {"access_token": "a" * 30, "refresh_token": "r" * 30, "expires_in": 3600, **fields}


def test_hard_expiry_is_read_in_seconds_from_now():
    tokens = _token_set(
        answer(x_refresh_token_expires_in=8726400, **{HARD_EXPIRY_FIELD: 30 * 86400}), "tid"
    )
    assert abs(tokens.refresh_hard_expires_at - (utc_now() + timedelta(days=30))) < timedelta(
        minutes=1
    )
    # The connection dies at the earlier of the two expiries.
    assert tokens.refresh_expires_at == tokens.refresh_hard_expires_at


def test_missing_hard_expiry_is_unknown():
    tokens = _token_set(answer(x_refresh_token_expires_in=8726400), None)
    assert tokens.refresh_hard_expires_at is None
    assert abs(tokens.refresh_expires_at - (utc_now() + timedelta(seconds=8726400))) < timedelta(
        minutes=1
    )


@pytest.mark.parametrize("value", [None, "", "soon", -5, True, [1]])
def test_unreadable_hard_expiry_is_unknown(value):
    tokens = _token_set(answer(**{HARD_EXPIRY_FIELD: value}), None)
    assert tokens.refresh_hard_expires_at is None
    assert tokens.refresh_expires_at is None


def test_hard_expiry_as_a_string_of_digits_is_read():
    tokens = _token_set(answer(**{HARD_EXPIRY_FIELD: "86400"}), None)
    assert abs(tokens.refresh_hard_expires_at - (utc_now() + timedelta(days=1))) < timedelta(
        minutes=1
    )


def test_thresholds_are_sixty_thirty_and_seven_days():
    assert EXPIRY_WARNING_DAYS == (60, 30, 7)


@pytest.mark.parametrize(
    ("days_left", "warned", "due"),
    [
        (None, 0, None),  # unknown: never warned
        (400, 0, None),
        (61, 0, None),
        (60, 0, 60),
        (45, 0, 60),
        (45, 60, None),  # once per threshold
        (30, 60, 30),
        (29, 30, None),
        (8, 30, None),
        (7, 30, 7),
        (3, 7, None),
        (0, 30, 7),
        (-2, 7, None),
        # The server was off for weeks: only the tightest threshold reached.
        (5, 0, 7),
        (20, 0, 30),
    ],
)
def test_warning_due(days_left, warned, due):
    assert expiry_warning_due(days_left, warned) == due


def test_each_threshold_is_sent_once_over_a_countdown():
    warned, sent = 0, []
    for days_left in range(90, -3, -1):
        due = expiry_warning_due(days_left, warned)
        if due:
            sent.append((days_left, due))
            warned = due
    assert sent == [(60, 60), (30, 30), (7, 7)]
