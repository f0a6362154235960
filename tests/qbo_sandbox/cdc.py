"""Change data capture: ``GET /v3/company/{realm}/cdc?entities=A,B&changedSince=<dateTime>``
(Intuit's ChangeDataCapture reference, docs/ASSUMPTIONS.md#cdc-window). No HTTP in here;
callers hold ``state.lock``.

What QuickBooks does, and the sandbox with it:

- every record of the named entities changed at or after ``changedSince``, full
  payloads, one group per entity named (in any case), in the order asked, oldest
  change first; records deleted in the window come after the others of their
  entity as tombstones ``{"status": "Deleted", "domain": "QBO", "Id", "MetaData"}``;
  an entity with no change, or one the sandbox holds none of (Invoice, Account:
  ``entities.ABSENT_ENTITIES``), has an empty group ``{}``. This is the shape of an
  answer captured from QuickBooks, ruckus/quickbooks-ruby
  ``spec/fixtures/change_data_capture_response.xml``: eleven ``QueryResponse``
  groups, six of them empty, a deleted invoice after a live one
  (docs/ASSUMPTIONS.md#cdc-one-group-per-entity). Inactive name-list records are
  ordinary changed records with ``Active: false``;
- a look-back of at most 30 days;
- at most 1,000 objects in one response;
- not for JournalCode, TimeActivity, TaxAgency, TaxCode, TaxRate.
"""

import copy
import datetime

from . import entities, faults

MAX_LOOK_BACK = datetime.timedelta(days=30)
MAX_OBJECTS = 1000
# Entities Intuit leaves out of CDC (docs/ASSUMPTIONS.md#cdc-excludes-timeactivity). Of the
# sandbox's entities,
# only TimeActivity.
UNSUPPORTED = ("JournalCode", "TimeActivity", "TaxAgency", "TaxCode", "TaxRate")


def run(realm, params):
    """The answer of one CDC request: ``{"CDCResponse": [...], "time": ...}``."""
    names = _entities(params.get("entities"))
    since = _changed_since(realm, params.get("changedSince"))
    groups = []
    room = MAX_OBJECTS
    for entity in names:
        changed = _changed(realm, entity, since)
        # Guess (docs/ASSUMPTIONS.md#cdc-window): Intuit says a response holds at most
        # 1,000 objects and advises a
        # shorter look-back, without saying which objects a larger answer keeps
        # or how it tells. The sandbox keeps the first 1,000 in the documented
        # order and says nothing else (no fault, no flag): a client knows it was
        # cut off when it gets 1,000 objects.
        kept = changed[:room]
        room -= len(kept)
        group = {}
        if kept:
            # totalCount: on most non-empty groups of the captured answer (one
            # lacks it; the addon never reads it).
            group = {entity: kept, "startPosition": 1, "maxResults": len(kept)}
            group["totalCount"] = len(changed)
        groups.append(group)
    return {"CDCResponse": [{"QueryResponse": groups}], "time": realm.envelope_time()}


def _entities(text):
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if not names:
        raise faults.required_param("entities")
    # Any case: Intuit's CDC blog sends entities=customer,invoice
    # (blogs.intuit.com, 2023-08-24).
    known = {
        name.lower(): name for name in (*entities.ENTITIES, *entities.ABSENT_ENTITIES, *UNSUPPORTED)
    }
    result = []
    for name in names:
        entity = known.get(name.lower())
        if entity in UNSUPPORTED:
            # Guess: Intuit documents that CDC leaves these entities out, not the
            # answer to asking for one; the generic "Unsupported Operation" fault
            # (docs/ASSUMPTIONS.md#cdc-excludes-timeactivity).
            raise faults.unsupported_operation(
                f"Operation cdc is not supported for entity {entity or name}."
            )
        if entity is None:
            # Guess: an unknown entity name gets the same fault
            # (docs/ASSUMPTIONS.md#cdc-changed-since).
            raise faults.unsupported_operation(f"Operation cdc for entity {name} is not supported.")
        if entity not in result:
            result.append(entity)
    return result


def _changed_since(realm, text):
    if not text:
        raise faults.required_param("changedSince")
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        # Guess: the fault of a date QuickBooks cannot parse
        # (docs/ASSUMPTIONS.md#cdc-changed-since).
        raise faults.invalid_property("changedSince", "changedSince") from error
    if moment.tzinfo is None:
        # python-quickbooks sends "%Y-%m-%dT%H:%M:%S" (helpers.py); a date alone is
        # documented too. Guess: read in the company's offset, as queries do
        # (docs/ASSUMPTIONS.md#cdc-changed-since).
        moment = moment.replace(tzinfo=realm.tz)
    if moment < realm.now() - MAX_LOOK_BACK:
        # The Detail is the one seen live (Wish-Org/QuickBooksSharp#19).
        # Guess: its code and type, those of "Unsupported Operation"
        # (docs/ASSUMPTIONS.md#cdc-window).
        raise faults.unsupported_operation(
            f"Operation cdc with changedSince date {text} which is older than fixed days "
            "is not supported."
        )
    return moment


def _changed(realm, entity, since):
    """The records of ``entity`` changed at or after ``since`` (guess: the
    bound is inclusive, docs/ASSUMPTIONS.md#cdc-changed-since): live ones, then
    tombstones, each oldest first."""
    live, deleted = [], []
    for record in realm.records.get(entity, {}).values():
        moment = datetime.datetime.fromisoformat(record["MetaData"]["LastUpdatedTime"])
        if moment < since:
            continue
        if entities.is_deleted(record):
            deleted.append((moment, _tombstone(record)))
        else:
            live.append((moment, copy.deepcopy(record)))
    return [record for _moment, record in sorted(live, key=_order) + sorted(deleted, key=_order)]


def _order(pair):
    moment, record = pair
    return (moment, int(record["Id"]) if record["Id"].isdigit() else 0)


def _tombstone(record):
    return {
        "status": "Deleted",
        "domain": "QBO",
        "Id": record["Id"],
        "MetaData": {"LastUpdatedTime": record["MetaData"]["LastUpdatedTime"]},
    }
