# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import itertools
from datetime import date

import pytest

from qb_timesheet_sync.qbo.time_activity import build_time_activity
from qb_timesheet_sync.qbo.updates import (
    ALREADY_DONE,
    BILLED,
    CONFLICT,
    MAX_IDS_PER_QUERY,
    MAX_QUERY_CHARS,
    RETRY,
    duration_change,
    format_clock,
    id_chunks,
    in_query,
    same_content,
    same_payload,
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
    assert format_clock(300) == "05:00"
    assert format_clock(45) == "00:45"
    assert duration_change(300, 360) == "05:00 → 06:00"
    assert duration_change(300, 300) == "05:00"


def test_reading_back_time_activities_by_id():
    assert list(time_activities_by_id_queries(["12", "7", "7"])) == [
        "SELECT * FROM TimeActivity WHERE Id IN ('7', '12')"
    ]
    # 1,200 ids: five queries of at most MAX_IDS_PER_QUERY (250).
    queries = list(time_activities_by_id_queries(str(n) for n in range(1, 1201)))
    assert len(queries) == 5
    assert sorted(int(n.strip("' ")) for q in queries for n in q[41:-1].split(",")) == list(
        range(1, 1201)
    )
    with pytest.raises(ValueError):
        list(time_activities_by_id_queries(["7' OR '1'='1"]))


@pytest.mark.parametrize("digits", [1, 5, 9, 12, 20])
def test_chunks_never_exceed_the_id_and_text_bounds(digits):
    """docs/ASSUMPTIONS.md#id-in-query-size: ids of any length, never more than
    MAX_IDS_PER_QUERY in one IN list nor more than MAX_QUERY_CHARS of text, and
    as few queries as the bounds allow."""
    ids = [str(10 ** (digits - 1) + n) for n in range(3000)]
    chunks = list(id_chunks(ids))
    assert sorted(i for chunk in chunks for i in chunk) == sorted(ids)
    for chunk in chunks:
        assert len(chunk) <= MAX_IDS_PER_QUERY
        assert len(in_query(chunk)) <= MAX_QUERY_CHARS
    # Full chunks: adding the next id would have crossed a bound.
    for chunk, following in itertools.pairwise(chunks):
        bigger = [*chunk, following[0]]
        assert len(bigger) > MAX_IDS_PER_QUERY or len(in_query(bigger)) > MAX_QUERY_CHARS


def test_the_reading_cost_of_a_daily_sweep_stays_small():
    """The arithmetic of docs/ASSUMPTIONS.md#id-in-query-size: a company with
    20,000 sent lines swept daily costs 80 metered reads a day, 2,400 in 30
    days, under 0.5 % of the Builder tier's 500,000 a month."""
    reads_per_day = len(list(id_chunks(str(400000000 + n) for n in range(20000))))
    assert reads_per_day == 80
    assert reads_per_day * 30 / 500_000 < 0.005


def test_stale_outcome_sees_a_project_customer_stored_in_either_form():
    """docs/ASSUMPTIONS.md#project-customer-ref: an update of time sent for a
    project sub-customer is not a conflict because QuickBooks holds it for the
    project's customer, linked to the project."""
    sent = payload()
    held = as_read(sent, "2", CustomerRef={"value": "7"}, ProjectRef={"value": "22"})
    assert same_content(held, sent)
    assert stale_outcome(held, payload(minutes=360), [sent]) == RETRY
    assert stale_outcome(held, sent, [sent]) == ALREADY_DONE
    assert not same_payload(sent, {**sent, "ProjectRef": {"value": "9"}})


def test_non_billable_time_echoed_with_a_zero_rate_is_unchanged():
    """Intuit's reference samples answer "HourlyRate": 0 on NotBillable time."""
    sent = payload(billable=False)
    assert "HourlyRate" not in sent
    held = as_read(sent, HourlyRate=0, Taxable=False)
    assert same_content(held, sent)
    assert stale_outcome(held, sent, [sent]) == ALREADY_DONE


def test_signed_clock_says_what_an_update_adds_or_takes():
    assert signed_clock(60) == "+01:00"
    assert signed_clock(-30) == "-00:30"
    assert signed_clock(0) == "00:00"
