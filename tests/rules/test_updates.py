# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

import pytest

from qb_timesheet_sync.qbo.time_activity import build_time_activity
from qb_timesheet_sync.qbo.updates import (
    ALREADY_DONE,
    BILLED,
    CONFLICT,
    RETRY,
    duration_change,
    format_clock,
    same_content,
    signed_clock,
    stale_outcome,
    time_activities_by_id_queries,
    update_payload,
)


def payload(minutes=300, rate=120, billable=True, description="Design review"):
    body, _cut = build_time_activity(
        name_of="Employee",
        person_qbo_id="55",
        customer_qbo_id="22",
        txn_date=date(2026, 3, 2),
        minutes=minutes,
        billable=billable,
        hourly_rate=rate if billable else None,
        item_qbo_id="2",
        description=description,
    )
    return body


def as_read(body, sync_token="1", **changes):
    """``body`` as QuickBooks answers it: with its server fields."""
    return {**body, "Id": "7", "SyncToken": sync_token, "domain": "QBO", **changes}


def test_update_is_the_create_body_with_id_and_token():
    body = update_payload(payload(), 7, 3)
    assert body == {**payload(), "Id": "7", "SyncToken": "3"}


def test_same_content_ignores_server_fields_and_sees_every_sent_value():
    assert same_content(as_read(payload()), payload())
    assert same_content(as_read(payload(), BillableStatus="HasBeenBilled"), payload())
    assert not same_content(as_read(payload(minutes=360)), payload())
    assert not same_content(as_read(payload(rate=130)), payload())
    assert not same_content(as_read(payload(billable=False)), payload())
    assert not same_content(as_read(payload(description="Other")), payload())
    assert not same_content(as_read(payload(), ItemRef={"value": "3"}), payload())


def test_stale_update_outcomes():
    sent, wanted = payload(minutes=300), payload(minutes=360)
    # QuickBooks holds what we sent last: only the token is new.
    assert stale_outcome(as_read(sent, "2"), wanted, [sent]) == RETRY
    # An interrupted update of ours already went through.
    assert stale_outcome(as_read(wanted, "2"), wanted, [sent]) == ALREADY_DONE
    # It matches an interrupted attempt of ours, not the last recorded send.
    attempt = payload(minutes=330)
    assert stale_outcome(as_read(attempt, "2"), wanted, [sent, attempt]) == RETRY
    # Someone changed it in QuickBooks.
    assert stale_outcome(as_read(payload(minutes=240), "2"), wanted, [sent]) == CONFLICT
    # Billed in QuickBooks meanwhile (the token moved): never overwritten.
    billed = as_read(sent, "2", BillableStatus="HasBeenBilled")
    assert stale_outcome(billed, wanted, [sent]) == BILLED
    # Nothing known of what we sent: never overwrite.
    assert stale_outcome(as_read(sent, "2"), wanted, [None]) == CONFLICT


def test_durations_as_quickbooks_shows_them():
    assert format_clock(300) == "5:00"
    assert format_clock(45) == "0:45"
    assert duration_change(300, 360) == "5:00 → 6:00"
    assert duration_change(300, 300) == "5:00"


def test_reading_back_time_activities_by_id():
    assert list(time_activities_by_id_queries(["12", "7", "7"])) == [
        "SELECT * FROM TimeActivity WHERE Id IN ('7', '12')"
    ]
    assert len(list(time_activities_by_id_queries(str(n) for n in range(1, 1201)))) == 3
    with pytest.raises(ValueError):
        list(time_activities_by_id_queries(["7' OR '1'='1"]))


def test_signed_clock_says_what_an_update_adds_or_takes():
    assert signed_clock(60) == "+1:00"
    assert signed_clock(-30) == "-0:30"
    assert signed_clock(0) == "0:00"
