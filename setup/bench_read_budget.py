# Benchmark of the reconciliation's metered reads per month, before and after
# the bounded deletion sweep. Plain Python (arithmetic on a simulated
# history, no Odoo, no sandbox): an Odoo run of 500,000 sent lines a day for
# a month would take hours, and the reads of the sweep follow from the line
# counts its selection picks, one metered read per 250 ids
# (qbo/updates.py MAX_IDS_PER_QUERY). The selection is the addon's own
# (qbo/budget.py in_sweep_window, rolling_slices; the Odoo domain of
# qbo.read.budget._qbo_sweep_lines says the same, and the Odoo test
# TestReadBudget counts the sandbox's CorePlus calls of a real sweep).
#
#   PYTHONPATH=. python setup/bench_read_budget.py
#
# The shop: BENCH_PEOPLE people (50) entering BENCH_LINES_PER_YEAR lines a
# year (100,000), on 250 working days, sent each Friday; BENCH_BILLABLE of
# them (0.7) billable and billed ten days after the end of their month.
# History: 1, 2, 5 and 10 years. Prints, per history, the metered reads of a
# 30-day month: the hourly watermark queries (24 a day), the daily sweep
# before (every sent line) and after (the window's unbilled lines and a
# rolling share of the older ones), and the share of the 500,000 allowance;
# then the same with nothing billed (the worst case: internal time).
import os
import sys
import types
from datetime import date, datetime, timedelta
from pathlib import Path

if "qb_timesheet_sync" not in sys.modules:
    # The plain-Python package only, not the Odoo addon.
    _addon = types.ModuleType("qb_timesheet_sync")
    _addon.__path__ = [str(Path(__file__).resolve().parents[1] / "qb_timesheet_sync")]
    sys.modules["qb_timesheet_sync"] = _addon

from qb_timesheet_sync.qbo.budget import (
    DEFAULT_ALLOWANCE,
    in_sweep_window,
    next_month_start,
    rolling_slices,
    sweep_reads,
    sweep_window_start,
)
from qb_timesheet_sync.qbo.updates import MAX_IDS_PER_QUERY

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "50"))
LINES_PER_YEAR = int(os.environ.get("BENCH_LINES_PER_YEAR", "100000"))
BILLABLE = float(os.environ.get("BENCH_BILLABLE", "0.7"))
WINDOW_DAYS = int(os.environ.get("BENCH_WINDOW_DAYS", "90"))
HISTORIES = [int(y) for y in os.environ.get("BENCH_YEARS", "1,2,5,10").split(",")]
# The addon's numbers (models/qbo_read_budget.py).
OLD_SWEEP_READS = 10
OLD_SWEEP_MIN_DAYS = 30
HOURLY_QUERIES_PER_DAY = 24
MONTH_DAYS = 30
FIRST_DAY = date(2027, 3, 1)  # the month measured starts here


def count_in_residue(first, count, modulus, residue):
    """How many ids of [first, first + count) are ``residue`` modulo ``modulus``."""

    def below(limit):  # ids < limit with id % modulus == residue
        return 0 if limit <= residue else (limit - residue - 1) // modulus + 1

    return below(first + count) - below(first)


def history(years, billable):
    """Day groups of sent lines: (first id, lines, date, sent at, billable, billed on)."""
    workdays = []
    day = FIRST_DAY - timedelta(days=round(365.25 * years))
    while day < FIRST_DAY + timedelta(days=MONTH_DAYS):
        if day.weekday() < 5:
            workdays.append(day)
        day += timedelta(days=1)
    per_day = LINES_PER_YEAR / 250
    groups, next_id, made = [], 1, 0.0
    for index, day in enumerate(workdays):
        count = round(per_day * (index + 1)) - round(made)
        made += count
        sent_on = day + timedelta(days=(4 - day.weekday()) % 7)  # that Friday
        billed_on = next_month_start(day) + timedelta(days=10)
        groups.append(
            (
                next_id,
                count,
                day,
                datetime.combine(sent_on, datetime.min.time()) + timedelta(hours=17),
                round(count * billable),
                billed_on,
            )
        )
        next_id += count
    return groups


def month_reads(groups):
    """(before, after) sweep reads of the month, and the lines the last day's sweep read."""
    before = after = 0
    for offset in range(MONTH_DAYS):
        today = FIRST_DAY + timedelta(days=offset)
        now = datetime.combine(today, datetime.min.time()) + timedelta(hours=2)
        start = sweep_window_start(now, WINDOW_DAYS)
        sent = [g for g in groups if g[3] <= now]
        before += sweep_reads(sum(g[1] for g in sent), MAX_IDS_PER_QUERY)
        recent, old = 0, []
        for first, count, day, sent_at, billable, billed_on in sent:
            billed = billable if today >= billed_on else 0
            unbilled = count - billed
            if in_sweep_window(day, sent_at, False, start):
                recent += unbilled
            elif unbilled:
                # The billed lines are the group's first ids.
                old.append((first + billed, unbilled))
        slices = rolling_slices(
            sum(n for _f, n in old), OLD_SWEEP_READS * MAX_IDS_PER_QUERY, OLD_SWEEP_MIN_DAYS
        )
        turn = today.toordinal() % slices
        share = sum(count_in_residue(f, n, slices, turn) for f, n in old)
        after += sweep_reads(recent + share, MAX_IDS_PER_QUERY)
    return before, after, recent, share, sum(g[1] for g in sent)


def report(billable):
    hourly = HOURLY_QUERIES_PER_DAY * MONTH_DAYS
    print(
        f"\n{PEOPLE} people, {LINES_PER_YEAR:,} lines a year, {billable:.0%} billable, "
        f"window {WINDOW_DAYS} days; metered reads of a {MONTH_DAYS}-day month "
        f"(hourly queries: {hourly})"
    )
    print(
        f"{'history':>8} {'lines':>9} {'sweep before':>13} {'total before':>13} "
        f"{'% allowance':>11} {'sweep after':>12} {'total after':>12} {'% allowance':>11} "
        f"{'lines/day read (window + old share)':>36}"
    )
    for years in HISTORIES:
        before, after, recent, share, lines = month_reads(history(years, billable))
        total_before, total_after = hourly + before, hourly + after
        print(
            f"{years:>6} y {lines:>9,} {before:>13,} {total_before:>13,} "
            f"{100 * total_before / DEFAULT_ALLOWANCE:>10.2f}% {after:>12,} {total_after:>12,} "
            f"{100 * total_after / DEFAULT_ALLOWANCE:>10.2f}% {recent:>25,} + {share:>7,}"
        )


if __name__ == "__main__":
    report(BILLABLE)
    report(0.0)
