# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The monthly read budget of an Intuit app: arithmetic only.

Intuit meters the CorePlus calls (data out: queries, reads, CompanyInfo,
Preferences, reports) of each developer app per calendar month; on the free
Builder tier, past 500,000 they are refused until the next month and
QuickBooks shows the app *Offline* to its customers
(https://blogs.intuit.com/2026/01/08/understanding-builder-tier-api-limits/,
docs/ASSUMPTIONS.md#metering). Writes (Core calls) are not counted.
"""

import calendar
from datetime import date, datetime, timedelta

DEFAULT_ALLOWANCE = 500_000
# Share of the allowance (percent) at which QuickBooks managers are warned;
# at the last one the optional reads stop until the next month.
WARNING_THRESHOLDS = (80, 95)
STOP_THRESHOLD = WARNING_THRESHOLDS[-1]
# The rate a forecast extrapolates: the calls of the last days.
RECENT_DAYS = 7


def month_start(day):
    """The first day of ``day``'s calendar month (a date)."""
    return date(day.year, day.month, 1)


def next_month_start(day):
    first = month_start(day)
    return first + timedelta(days=calendar.monthrange(first.year, first.month)[1])


def forecast(month_count, daily_counts, now):
    """Calls expected by the end of ``now``'s month (UTC): the month's count
    so far plus, for the time left, the rate of the last :data:`RECENT_DAYS`
    days. ``daily_counts``: {date: calls} of the recent days (today's count
    so far included); ``now``: a naive UTC datetime. A month whose first
    days are not over extrapolates only the days it has."""
    today = now.date()
    first = month_start(today)
    recent_start = max(today - timedelta(days=RECENT_DAYS - 1), first)
    recent = sum(count for day, count in daily_counts.items() if recent_start <= day <= today)
    elapsed = (now - datetime.combine(recent_start, datetime.min.time())).total_seconds()
    left = (datetime.combine(next_month_start(today), datetime.min.time()) - now).total_seconds()
    if elapsed <= 0:
        return month_count
    return month_count + round(recent * left / elapsed)


def threshold_reached(count, allowance):
    """The highest warning threshold (percent) ``count`` calls reach of
    ``allowance``, or 0."""
    if allowance <= 0:
        return 0
    reached = [limit for limit in WARNING_THRESHOLDS if count * 100 >= allowance * limit]
    return reached[-1] if reached else 0


def sweep_reads(lines, ids_per_query):
    """Metered reads of an ``Id IN`` sweep of ``lines`` time activities."""
    return -(-lines // ids_per_query)


def sweep_window_start(now, days):
    """The start of the deletion sweep's look-back window of ``days`` days."""
    return now - timedelta(days=max(days, 0))


def rolling_slices(old_lines, lines_per_day, min_days):
    """In how many daily turns the sweep reads ``old_lines`` older lines
    again: at least ``min_days``, more when a turn would exceed
    ``lines_per_day`` lines."""
    return max(min_days, -(-old_lines // max(lines_per_day, 1)), 1)


def in_sweep_window(line_date, sent_at, billed, window_start):
    """Whether the daily sweep reads a sent line again in full: not billed
    (QuickBooks locks billed time), dated or last sent within the window
    that starts at ``window_start`` (a naive UTC datetime). The Odoo domain
    of ``qbo.read.budget._qbo_sweep_lines`` says the same."""
    if billed:
        return False
    return line_date >= window_start.date() or (sent_at is not None and sent_at >= window_start)
