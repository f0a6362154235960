"""Rules for updating a TimeActivity already in QuickBooks (plain Python).

A sent line that was edited in Odoo becomes a *full update* of the same
TimeActivity: the body a create would send, plus its ``Id`` and the
``SyncToken`` of QuickBooks' last answer (docs/ASSUMPTIONS.md#full-update).
A stale token (fault 5010, docs/ASSUMPTIONS.md#stale-synctoken) means
QuickBooks' copy changed since: :func:`stale_outcome`
says whether the change is ours (retry, or nothing left to do) or someone
else's (a conflict the manager settles).
"""

from .time_activity import echoed_fields, payload_fingerprint, same_customer
from .timesheet_rules import format_duration

# What a stale update turns into (see :func:`stale_outcome`).
ALREADY_DONE = "done"  # QuickBooks already holds what Odoo would send
RETRY = "retry"  # QuickBooks holds what Odoo sent last: send again with its token
CONFLICT = "conflict"  # changed in QuickBooks by someone else: do not overwrite
BILLED = "billed"  # QuickBooks put it on an invoice: never overwritten, the line is locked
# The size of a ``SELECT ... WHERE Id IN (...)``: Intuit documents no limit on
# the ids nor on the text of a query; 1,000-row TimeActivity pages are
# reported to time out. 250 ids make at most 250 rows and about 3,600
# characters, one metered read each (docs/ASSUMPTIONS.md#id-in-query-size).
MAX_IDS_PER_QUERY = 250
# The statement; query() adds " STARTPOSITION 1 MAXRESULTS 1000" (35 more).
MAX_QUERY_CHARS = 3900
# A chunk QuickBooks could not answer is split down to this many ids.
MIN_IDS_PER_QUERY = 10
_IN_QUERY = "SELECT * FROM TimeActivity WHERE Id IN ({ids})"


def update_payload(payload, activity_id, sync_token):
    """The body of a full update of TimeActivity ``activity_id``."""
    return {**payload, "Id": str(activity_id), "SyncToken": str(sync_token)}


def _rate(record):
    rate = record.get("HourlyRate")
    return round(float(rate), 4) if rate else 0.0


def _billable(record):
    # HasBeenBilled is billable time QuickBooks has put on an invoice.
    return record.get("BillableStatus") in ("Billable", "HasBeenBilled")


def content(record):
    """What a TimeActivity says besides its customer: the echoed fields,
    billable or not, rate and item. The rate of time that is not billable is
    not compared: QuickBooks answers ``"HourlyRate": 0`` on it (Intuit's
    TimeActivity reference samples) where Odoo sends none."""
    return (
        echoed_fields(record),
        _billable(record),
        _rate(record) if _billable(record) else 0.0,
        str((record.get("ItemRef") or {}).get("value") or ""),
    )


def same_content(qbo_record, payload):
    """Tell whether QuickBooks' copy ``qbo_record`` says what our ``payload``
    says: only what QuickBooks is known to echo back is compared, and the
    customer in any form QuickBooks may store it
    (:func:`~.time_activity.same_customer`)."""
    return content(qbo_record) == content(payload) and same_customer(qbo_record, payload)


def same_payload(first, second):
    """Tell whether two payloads of ours say the same (customer and project
    as sent: a change of either is an edit)."""
    return content(first) == content(second) and payload_fingerprint(first) == payload_fingerprint(
        second
    )


def stale_outcome(qbo_record, to_send, ours):
    """What to do after a 5010 on an update: ``qbo_record`` is QuickBooks'
    copy read again, ``to_send`` the payload Odoo wants, ``ours`` the payloads
    Odoo sent before (the last one recorded, and an interrupted attempt's)."""
    if qbo_record.get("BillableStatus") == "HasBeenBilled":
        return BILLED
    if same_content(qbo_record, to_send):
        return ALREADY_DONE
    if any(payload and same_content(qbo_record, payload) for payload in ours):
        return RETRY
    return CONFLICT


def minutes_of(record):
    return int(record.get("Hours") or 0) * 60 + int(record.get("Minutes") or 0)


def format_clock(total_minutes):
    """A duration as Odoo shows one everywhere (float_time): 05:00, 00:45."""
    return format_duration(total_minutes)


def signed_clock(total_minutes):
    """A change of duration: +01:00, -00:30, 00:00."""
    sign = "-" if total_minutes < 0 else "+" if total_minutes > 0 else ""
    return sign + format_clock(abs(total_minutes))


def duration_change(before_minutes, after_minutes):
    """'05:00 -> 06:00', or the duration alone when it did not change."""
    before, after = format_clock(before_minutes), format_clock(after_minutes)
    return after if before == after else f"{before} → {after}"


def in_query(ids):
    """The ``SELECT`` of the TimeActivities ``ids``."""
    return _IN_QUERY.format(ids=", ".join(f"'{activity_id}'" for activity_id in ids))


def id_chunks(activity_ids, per_query=MAX_IDS_PER_QUERY, max_chars=MAX_QUERY_CHARS):
    """``activity_ids`` (distinct, in order) cut into lists of at most
    ``per_query`` ids whose ``Id IN`` query is at most ``max_chars`` long."""
    ids = sorted({str(activity_id) for activity_id in activity_ids}, key=lambda x: (len(x), x))
    if not all(activity_id.isdigit() for activity_id in ids):
        raise ValueError(f"QuickBooks ids are numbers: {ids!r}")
    empty = len(in_query([]))
    chunk, length = [], empty
    for activity_id in ids:
        # Each id adds its quotes, and a ", " after the first.
        grown = length + len(activity_id) + 2 + (2 if chunk else 0)
        if chunk and (len(chunk) >= per_query or grown > max_chars):
            yield chunk
            chunk, grown = [], empty + len(activity_id) + 2
        chunk.append(activity_id)
        length = grown
    if chunk:
        yield chunk


def time_activities_by_id_queries(activity_ids, per_query=MAX_IDS_PER_QUERY):
    """SELECT statements reading the TimeActivities ``activity_ids``, at most
    ``per_query`` ids and :data:`MAX_QUERY_CHARS` characters each."""
    for chunk in id_chunks(activity_ids, per_query):
        yield in_query(chunk)
