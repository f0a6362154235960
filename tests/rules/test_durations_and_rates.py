# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qb_timesheet_sync.qbo.timesheet_rules import (
    MAX_MINUTES,
    hours_to_minutes,
    resolve_hourly_rate,
    round_minutes,
    split_hours_minutes,
)


@pytest.mark.parametrize(
    ("minutes", "step", "method", "expected"),
    [
        # No step: nearest whole minute, half up.
        (59.5, None, "up", 60),
        (59.49, None, "up", 59),
        (59.5, 0, "down", 60),
        (0.4, None, "nearest", 0),
        (65.2, 1, "up", 66),
        (65.2, 1, "nearest", 65),
        (65.2, 1, "down", 65),
        # 6 minutes (tenths of an hour).
        (7, 6, "up", 12),
        (7, 6, "nearest", 6),
        (9, 6, "nearest", 12),
        (7, 6, "down", 6),
        (6, 6, "up", 6),
        (0.5, 6, "up", 6),
        (0.5, 6, "nearest", 0),
        # 15 minutes.
        (16, 15, "up", 30),
        (22.5, 15, "nearest", 30),
        (22.4, 15, "nearest", 15),
        (29, 15, "down", 15),
        (45, 15, "up", 45),
        # 30 minutes.
        (31, 30, "up", 60),
        (44.9, 30, "nearest", 30),
        (45, 30, "nearest", 60),
        (59, 30, "down", 30),
    ],
)
def test_rounding_table(minutes, step, method, expected):
    assert round_minutes(minutes, step, method) == expected


def test_default_method_is_up():
    assert round_minutes(61, 15) == 75


def test_one_point_one_hours_is_66_minutes():
    assert hours_to_minutes(1.1) == 66
    assert round_minutes(hours_to_minutes(1.1), 6, "up") == 66
    assert round_minutes(hours_to_minutes(1.1), None) == 66


def test_float_noise_does_not_move_a_whole_step():
    # What plain floats give: a hair above 18 and a hair below 492.
    assert 0.1 * 3 * 60 > 18
    assert 8.2 * 60 < 492
    assert round_minutes(0.1 * 3 * 60, 6, "up") == 18
    assert round_minutes(8.2 * 60, 1, "down") == 492
    assert round_minutes(hours_to_minutes(0.1 * 3), 6, "up") == 18


def test_fifty_nine_and_a_half_minutes_is_one_hour():
    minutes = round_minutes(hours_to_minutes(59.5 / 60))
    assert minutes == 60
    assert split_hours_minutes(minutes) == (1, 0)


def test_boundary_of_23h55():
    assert MAX_MINUTES == 1435
    assert split_hours_minutes(MAX_MINUTES) == (23, 55)
    assert round_minutes(hours_to_minutes(23 + 55 / 60)) == 1435
    # Rounding can push a line over the limit: 23h55 up to 6 minutes is 24h00.
    assert round_minutes(1435, 6, "up") == 1440
    assert round_minutes(1435, 15, "down") == 1425


def test_hours_to_minutes_is_exact():
    assert hours_to_minutes(Decimal("0.25")) == 15
    assert hours_to_minutes(7.5) == 450
    assert isinstance(hours_to_minutes(1.1), Decimal)


@pytest.mark.parametrize(
    ("total", "split"), [(0, (0, 0)), (59, (0, 59)), (60, (1, 0)), (90, (1, 30))]
)
def test_split_hours_minutes(total, split):
    assert split_hours_minutes(total) == split


def test_bad_rounding_arguments():
    with pytest.raises(ValueError):
        round_minutes(10, 6, "sideways")
    with pytest.raises(ValueError):
        round_minutes(10, None, "sideways")
    with pytest.raises(ValueError):
        round_minutes(10, -6)
    with pytest.raises(ValueError):
        split_hours_minutes(-1)


@settings(max_examples=300, database=None)
@given(
    st.decimals(min_value=0, max_value=2000, places=3),
    st.sampled_from([1, 6, 15, 30]),
)
def test_rounding_properties(minutes, step):
    up = round_minutes(minutes, step, "up")
    down = round_minutes(minutes, step, "down")
    nearest = round_minutes(minutes, step, "nearest")
    for result in (up, down, nearest):
        assert result % step == 0
    assert down <= minutes <= up
    assert up - down in (0, step)
    assert abs(nearest - minutes) <= Decimal(step) / 2


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ((150, 120, 100, 80), (150, "project_employee")),
        ((None, 120, 100, 80), (120, "project")),
        ((0, 0, 100, 80), (100, "employee")),
        ((None, None, None, 80), (80, "company")),
        ((-5, None, 0.0, 80), (80, "company")),
        ((None, Decimal("99.50"), None, None), (Decimal("99.50"), "project")),
        ((None, None, None, None), (None, None)),
        ((0, 0, 0, 0), (None, None)),
    ],
)
def test_rate_precedence(rates, expected):
    assert resolve_hourly_rate(*rates) == expected


def test_rate_keywords():
    assert resolve_hourly_rate(employee_rate=90, company_rate=50) == (90, "employee")
