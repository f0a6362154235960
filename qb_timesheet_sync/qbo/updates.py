"""Rules for updating a TimeActivity already in QuickBooks (plain Python).

A sent line that was edited in Odoo becomes a *full update* of the same
TimeActivity: the body a create would send, plus its ``Id`` and the
``SyncToken`` of QuickBooks' last answer (docs/ASSUMPTIONS.md#full-update).
A stale token (fault 5010, docs/ASSUMPTIONS.md#stale-synctoken) means
QuickBooks' copy changed since: :func:`stale_outcome`
says whether the change is ours (retry, or nothing left to do) or someone
else's (a conflict the manager settles).
"""

from .time_activity import payload_fingerprint

# What a stale update turns into (see :func:`stale_outcome`).
ALREADY_DONE = "done"  # QuickBooks already holds what Odoo would send
RETRY = "retry"  # QuickBooks holds what Odoo sent last: send again with its token
CONFLICT = "conflict"  # changed in QuickBooks by someone else: do not overwrite
BILLED = "billed"  # QuickBooks put it on an invoice: never overwritten, the line is locked
MAX_IDS_PER_QUERY = 500  # well under QuickBooks' 4,000-character query limit (guess)


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
    """What a TimeActivity says, comparable between our payload and a record
    read from QuickBooks: the echoed fields, billable or not, rate and item."""
    return (
        payload_fingerprint(record),
        _billable(record),
        _rate(record) if _billable(record) else 0.0,
        str((record.get("ItemRef") or {}).get("value") or ""),
    )


def same_content(first, second):
    return content(first) == content(second)


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
    """A duration as QuickBooks shows it: 5:00, 0:45."""
    hours, minutes = divmod(int(total_minutes), 60)
    return f"{hours}:{minutes:02d}"


def signed_clock(total_minutes):
    """A change of duration: +1:00, -0:30, 0:00."""
    sign = "-" if total_minutes < 0 else "+" if total_minutes > 0 else ""
    return sign + format_clock(abs(total_minutes))


def duration_change(before_minutes, after_minutes):
    """'5:00 -> 6:00', or the duration alone when it did not change."""
    before, after = format_clock(before_minutes), format_clock(after_minutes)
    return after if before == after else f"{before} → {after}"


def time_activities_by_id_queries(activity_ids, per_query=MAX_IDS_PER_QUERY):
    """SELECT statements reading the TimeActivities ``activity_ids``,
    ``per_query`` ids each."""
    ids = sorted({str(activity_id) for activity_id in activity_ids}, key=lambda x: (len(x), x))
    if not all(activity_id.isdigit() for activity_id in ids):
        raise ValueError(f"QuickBooks ids are numbers: {ids!r}")
    for start in range(0, len(ids), per_query):
        chunk = ", ".join(f"'{activity_id}'" for activity_id in ids[start : start + per_query])
        yield f"SELECT * FROM TimeActivity WHERE Id IN ({chunk})"
