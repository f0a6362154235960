# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""When an item of the QuickBooks overview is stale: arithmetic only.

The overview (``models/qbo_connection_overview.py``) shows, per connected
company, when QuickBooks was last reached, when the last webhook came, how
old the reconciliation's watermark is and when the addon's scheduled actions
last ran; each item turns red past the limits below.
"""

from datetime import timedelta

# The tokens are renewed by any call after their hour is over: the hourly
# reconciliation renews them several times a day.
TOKEN_STALE = timedelta(days=2)
# The hourly reconciliation reaches QuickBooks every hour.
LAST_CALL_STALE = timedelta(days=1)
# The reconciliation's watermark moves every hour; three missed runs are not chance.
WATERMARK_STALE = timedelta(hours=3)
# Intuit notifies the time activities the app creates (docs/ASSUMPTIONS.md#webhook-own-changes):
# days without any webhook while time was sent mean the webhooks do not arrive.
WEBHOOK_STALE = timedelta(days=3)
# A scheduled action that missed two runs (plus this margin) is not running.
CRON_MARGIN = timedelta(hours=1)
CRON_INTERVAL_SECONDS = {
    "minutes": 60,
    "hours": 3600,
    "days": 86400,
    "weeks": 7 * 86400,
    "months": 31 * 86400,
}


def older_than(moment, limit, now):
    """Whether ``moment`` (a naive UTC datetime, None: never) is more than
    ``limit`` before ``now``."""
    return moment is None or now - moment > limit


def cron_late(last_run, created, interval_number, interval_type, now):
    """Whether a scheduled action missed its runs: its last run (or, never
    run, its creation) is more than two intervals and a margin ago."""
    interval = timedelta(seconds=CRON_INTERVAL_SECONDS[interval_type] * max(interval_number, 1))
    return older_than(last_run or created, 2 * interval + CRON_MARGIN, now)


def webhook_missing(last_webhook, since, last_sent, now):
    """Whether the webhooks seem not to arrive: none for :data:`WEBHOOK_STALE`
    (counted from ``last_webhook``, or ``since`` the connection when none
    ever came), although time was sent to QuickBooks after that."""
    reference = last_webhook or since
    if reference is None or not older_than(reference, WEBHOOK_STALE, now):
        return False
    return last_sent is not None and last_sent > reference


def age(delta):
    """(count, unit) of a duration as people say it: whole days from two
    days on, whole hours from two hours on, else whole minutes."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds >= 2 * 86400:
        return seconds // 86400, "days"
    if seconds >= 2 * 3600:
        return seconds // 3600, "hours"
    return seconds // 60, "minutes"


def share(part, whole):
    """``part`` of ``whole`` in percent (0 when ``whole`` is not positive)."""
    return 100.0 * part / whole if whole > 0 else 0.0
