# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime, timedelta

import pytest

from qb_timesheet_sync.qbo.budget import (
    DEFAULT_ALLOWANCE,
    RECENT_DAYS,
    forecast,
    in_sweep_window,
    month_start,
    next_month_start,
    rolling_slices,
    sweep_reads,
    sweep_window_start,
    threshold_reached,
)


def test_a_steady_rate_is_extrapolated_to_the_end_of_the_month():
    # 1,000 reads a day for the first 10 days of a 30-day month.
    now = datetime(2026, 6, 11, 0, 0)
    daily = {date(2026, 6, day): 1000 for day in range(1, 11)}
    assert forecast(10_000, daily, now) == 30_000


def test_the_forecast_follows_the_recent_days_not_the_whole_month():
    # A quiet start, then 5,000 reads a day for the last week.
    now = datetime(2026, 6, 21, 0, 0)
    daily = {date(2026, 6, day): 100 for day in range(1, 14)}
    daily.update({date(2026, 6, day): 5000 for day in range(14, 21)})
    count = sum(daily.values())
    assert RECENT_DAYS == 7
    # 10 days left at 5,000 a day.
    assert forecast(count, daily, now) == count + 50_000


def test_a_forecast_counts_the_partial_day_so_far():
    now = datetime(2026, 2, 1, 12, 0)  # half a day into a 28-day month
    assert forecast(500, {date(2026, 2, 1): 500}, now) == 500 + 500 * 55
    assert forecast(0, {}, datetime(2026, 2, 1)) == 0
    # Last month's days are no part of this month's rate.
    assert forecast(0, {date(2026, 1, 31): 9999}, datetime(2026, 2, 1, 6)) == 0


def test_months_and_thresholds():
    assert month_start(date(2026, 12, 31)) == date(2026, 12, 1)
    assert next_month_start(date(2026, 12, 31)) == date(2027, 1, 1)
    assert next_month_start(date(2028, 2, 10)) == date(2028, 3, 1)
    assert threshold_reached(399_999, DEFAULT_ALLOWANCE) == 0
    assert threshold_reached(400_000, DEFAULT_ALLOWANCE) == 80
    assert threshold_reached(475_000, DEFAULT_ALLOWANCE) == 95
    assert threshold_reached(600_000, DEFAULT_ALLOWANCE) == 95
    assert threshold_reached(10, 0) == 0


@pytest.mark.parametrize(
    ("line_date", "sent_days_ago", "billed", "swept"),
    [
        (date(2026, 6, 1), 20, False, True),  # in the window
        (date(2026, 6, 1), 20, True, False),  # billed: QuickBooks locks it
        (date(2025, 1, 1), 500, False, False),  # old, sent long ago
        (date(2025, 1, 1), 3, False, True),  # old, but sent again lately
        (date(2025, 1, 1), None, False, False),
    ],
)
def test_the_sweep_window(line_date, sent_days_ago, billed, swept):
    now = datetime(2026, 6, 30, 12)
    start = sweep_window_start(now, 90)
    sent_at = None if sent_days_ago is None else now - timedelta(days=sent_days_ago)
    assert in_sweep_window(line_date, sent_at, billed, start) is swept


def test_old_lines_are_read_in_turns_of_bounded_size():
    assert rolling_slices(100, 2500, 30) == 30
    assert rolling_slices(475_000, 2500, 30) == 190
    assert rolling_slices(0, 2500, 30) == 30
    assert sweep_reads(251, 250) == 2
    assert sweep_reads(0, 250) == 0
