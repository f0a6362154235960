# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, timedelta

from qb_timesheet_sync.qbo.overview import (
    WEBHOOK_STALE,
    age,
    cron_late,
    older_than,
    share,
    webhook_missing,
)

NOW = datetime(2026, 6, 10, 12, 0)


def test_never_is_older_than_any_limit():
    assert older_than(None, timedelta(days=100), NOW)
    assert not older_than(NOW - timedelta(hours=1), timedelta(hours=2), NOW)
    assert older_than(NOW - timedelta(hours=3), timedelta(hours=2), NOW)


def test_an_hourly_cron_is_late_after_two_missed_runs_and_the_margin():
    assert not cron_late(NOW - timedelta(hours=2, minutes=59), None, 1, "hours", NOW)
    assert cron_late(NOW - timedelta(hours=3, minutes=1), None, 1, "hours", NOW)
    # Never run: counted from its creation.
    assert not cron_late(None, NOW - timedelta(minutes=5), 1, "days", NOW)
    assert cron_late(None, NOW - timedelta(days=3), 1, "days", NOW)


def test_webhooks_are_missing_only_when_time_was_sent_since():
    old = NOW - WEBHOOK_STALE - timedelta(hours=1)
    assert webhook_missing(old, None, old + timedelta(minutes=5), NOW)
    # Nothing sent since: a quiet company, not a broken webhook.
    assert not webhook_missing(old, None, old - timedelta(minutes=5), NOW)
    assert not webhook_missing(old, None, None, NOW)
    # A recent webhook is never missing.
    recent = NOW - timedelta(hours=2)
    assert not webhook_missing(recent, None, NOW, NOW)
    # None ever received: counted from the connection.
    assert webhook_missing(None, old, NOW, NOW)
    assert not webhook_missing(None, recent, NOW, NOW)


def test_ages_read_in_the_largest_whole_unit():
    assert age(timedelta(days=3, hours=5)) == (3, "days")
    assert age(timedelta(days=1, hours=2)) == (26, "hours")
    assert age(timedelta(hours=5, minutes=50)) == (5, "hours")
    assert age(timedelta(minutes=119)) == (119, "minutes")
    assert age(timedelta(seconds=-5)) == (0, "minutes")


def test_share_of_an_empty_whole_is_zero():
    assert share(80, 100) == 80.0
    assert share(5, 0) == 0.0
