# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What changed in the QuickBooks lists since the last resync: change data
capture (CDC, docs/ASSUMPTIONS.md#cdc-window), and the incremental resync
built on it.

Plain Python (no ``odoo`` import). A full resync reads every list
(:data:`.lists.RESYNC_QUERIES`, paged: one metered call per 1,000 records and
list); the lists it read are kept. The next resync asks QuickBooks, in one
CDC call, for the records changed since then and applies them by id to the
kept lists (:func:`merge`), so the matching rules see the same lists a full
read would give, for one metered call instead of one per page and list.

CDC's limits decide when a full read is needed instead (:func:`cdc_usable`,
:attr:`ChangeSet.capped`): it looks back 30 days at most, and one answer holds
at most 1,000 objects, with no sign that more changed.
"""

import copy
import datetime
from dataclasses import dataclass, field

from .lists import CUSTOMER, EMPLOYEE, ITEM, VENDOR

CLASS = "Class"
DEPARTMENT = "Department"
# The lists a resync keeps, all in one CDC call (Intuit: CDC covers every entity
# but JournalCode, TimeActivity, TaxAgency, TaxCode and TaxRate).
CDC_ENTITIES = (EMPLOYEE, VENDOR, CUSTOMER, ITEM, CLASS, DEPARTMENT)
# Intuit: "Server responses can handle a maximum of 1,000 objects."
CDC_MAX_OBJECTS = 1000
# Intuit: CDC looks back 30 days at most. A little margin for the clocks.
CDC_LOOK_BACK = datetime.timedelta(days=30)
CLOCK_MARGIN = datetime.timedelta(minutes=10)
# The lists a full resync reads with inactive records (``Active IN (true,
# false)``); the others (service items) hold active records only.
KEEPS_INACTIVE = (EMPLOYEE, VENDOR, CUSTOMER, CLASS, DEPARTMENT)


@dataclass
class ChangeSet:
    """One CDC answer: per entity, the changed records and the deleted ids."""

    rows: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)
    capped: bool = False
    time: str | None = None

    @property
    def count(self):
        return sum(map(len, self.rows.values())) + sum(map(len, self.deleted.values()))


def changed_since_text(moment):
    """``changedSince`` of a CDC call: ISO date-time with its offset (naive is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.isoformat(timespec="seconds")


def change_set(answer, entities):
    """The :class:`ChangeSet` of a CDC ``answer`` for ``entities``.

    ``{"CDCResponse": [{"QueryResponse": [{"Customer": [...], ...}, ...]}]}``;
    deleted records are ``{"status": "Deleted", "Id": ...}`` tombstones. An
    answer of 1,000 objects or more is ``capped``: QuickBooks may have left
    changes out, and says nothing else about it (guess: Intuit documents
    the cap, not how a larger answer is cut; docs/ASSUMPTIONS.md#cdc-window).
    """
    result = ChangeSet(
        rows={entity: [] for entity in entities},
        deleted={entity: [] for entity in entities},
        time=answer.get("time"),
    )
    for block in answer.get("CDCResponse") or []:
        for group in block.get("QueryResponse") or []:
            for entity in entities:
                for record in group.get(entity) or []:
                    if record.get("status") == "Deleted":
                        result.deleted[entity].append(str(record["Id"]))
                    else:
                        result.rows[entity].append(record)
    result.capped = result.count >= CDC_MAX_OBJECTS
    return result


def cdc_usable(last_read_at, now):
    """Whether the changes since ``last_read_at`` can be read with CDC:
    there was a read, and it is within CDC's 30 days (with a margin)."""
    if not last_read_at:
        return False
    return now - last_read_at < CDC_LOOK_BACK - CLOCK_MARGIN


def read_since(moment):
    """The ``changedSince`` to ask for after a read that started at ``moment``:
    a little earlier, so a change made while it ran, or a clock a little off,
    is never missed (reading a change twice does no harm: it is applied by id)."""
    return moment - CLOCK_MARGIN


def merge(kept, changes):
    """The lists ``kept`` ({entity: rows}, as a full resync read them) with
    ``changes`` (a :class:`ChangeSet`) applied by id. Returns new lists.

    - a changed record replaces the kept one of the same id, or is added;
    - a record made inactive stays in the lists that keep inactive records
      (the resync reports a link to one) and leaves the others (service items);
    - a deleted record counts as inactive: name lists are never deleted in
      QuickBooks, only made inactive (docs/ASSUMPTIONS.md#names-made-inactive);
      a tombstone (merged record)
      is treated the same way;
    - an item that is no longer a service leaves the list (resyncs read service
      items only);
    - lists that were not kept (categories QuickBooks did not track then) stay
      out: a full resync reads them.
    Customers' full names are then rebuilt, since renaming a parent renames
    its sub-customers without changing them (:func:`refresh_full_names`).
    """
    merged = {}
    for entity, rows in kept.items():
        by_id = {str(row["Id"]): row for row in rows}
        for row in changes.rows.get(entity, []):
            row_id = str(row["Id"])
            if _kept(entity, row):
                by_id[row_id] = row
            else:
                by_id.pop(row_id, None)
        for row_id in changes.deleted.get(entity, []):
            if entity in KEEPS_INACTIVE and row_id in by_id:
                by_id[row_id] = {**by_id[row_id], "Active": False}
            elif entity not in KEEPS_INACTIVE:
                by_id.pop(row_id, None)
        merged[entity] = sorted(by_id.values(), key=_id_order)
    if CUSTOMER in merged:
        merged[CUSTOMER] = refresh_full_names(merged[CUSTOMER])
    return merged


def _kept(entity, row):
    if entity == ITEM:
        return row.get("Type") == "Service" and row.get("Active", True)
    return entity in KEEPS_INACTIVE or row.get("Active", True)


def _id_order(row):
    row_id = str(row["Id"])
    return (len(row_id), row_id)


def refresh_full_names(customers):
    """Copies of ``customers`` with ``FullyQualifiedName`` rebuilt from the
    parents' names (``Parent:Child``, as QuickBooks builds it,
    docs/ASSUMPTIONS.md#customer-levels)."""
    by_id = {str(row["Id"]): copy.copy(row) for row in customers}
    done = {}

    def full_name(row_id, seen=()):
        if row_id in done:
            return done[row_id]
        row = by_id[row_id]
        parent_id = str((row.get("ParentRef") or {}).get("value") or "")
        name = row.get("DisplayName") or ""
        if parent_id in by_id and parent_id not in seen:
            name = f"{full_name(parent_id, (*seen, row_id))}:{name}"
        elif parent_id:
            name = row.get("FullyQualifiedName") or name  # parent unknown: keep QuickBooks'
        done[row_id] = name
        return name

    for row_id, row in by_id.items():
        row["FullyQualifiedName"] = full_name(row_id)
    return list(by_id.values())
