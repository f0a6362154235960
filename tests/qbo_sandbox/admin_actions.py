"""What a QuickBooks user does to a time activity in QuickBooks itself.

The admin API (``/_sandbox/realms/{realm}/time-activities/{Id}/{action}``) and
the sandbox page call these, so tests and the demo can show changes made on
QuickBooks' side after the addon sent a line: the time put on an invoice
(``bill``), edited (``edit``) or deleted (``delete``). Each goes through the
same rules as an API write, bumps ``SyncToken`` and ``MetaData.LastUpdatedTime``
and feeds the webhooks. Callers hold ``state.lock``.
"""

from . import entities, faults

ACTIONS = ("bill", "edit", "delete")
# What a QuickBooks user can change on a time activity's screen.
EDITABLE_FIELDS = (
    "TxnDate",
    "Hours",
    "Minutes",
    "StartTime",
    "EndTime",
    "Description",
    "BillableStatus",
    "HourlyRate",
    "CostRate",
    "CustomerRef",
    "ProjectRef",
    "ItemRef",
    "ClassRef",
    "DepartmentRef",
    "EmployeeRef",
    "VendorRef",
    "NameOf",
)
# Numbers a form sends as text.
NUMBER_FIELDS = {"Hours": int, "Minutes": int, "HourlyRate": float, "CostRate": float}


def run(state, realm, record_id, action, changes=None):
    """Apply ``action`` to the time activity ``record_id``; return the record
    (or the delete answer). Raises ``ValueError`` or ``QboFault``."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action}")
    if action == "bill":
        # A QuickBooks user puts the time on an invoice.
        result = entities.bill_time_activity(realm, record_id)
    elif action == "edit":
        result = edit_time_activity(realm, record_id, changes or {})
    else:
        result = delete_time_activity(realm, record_id)
    state.count("admin_actions", action)
    state.changed()
    return result


def _current(realm, record_id):
    existing = realm.records["TimeActivity"].get(str(record_id))
    if existing is None or entities.is_deleted(existing):
        raise faults.object_not_found(f"TimeActivity with Id {record_id} was not found.", "Id")
    return existing


def edit_time_activity(realm, record_id, changes):
    """A QuickBooks user edits the time activity: a sparse update with the
    current SyncToken (the user always edits the latest copy)."""
    if not isinstance(changes, dict) or not changes:
        raise ValueError('give the fields to change, e.g. {"Hours": 6}')
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"fields a QuickBooks user cannot edit here: {', '.join(unknown)}")
    existing = _current(realm, record_id)
    if existing.get("BillableStatus") == "HasBeenBilled":
        # guess: QuickBooks asks to edit billed time from its invoice; the
        # sandbox does not emulate invoices, so it refuses (docs/ASSUMPTIONS.md#billed-time).
        raise ValueError(f"TimeActivity {record_id} is billed: it is edited from its invoice")
    payload = {key: _number(key, value) for key, value in changes.items()}
    if "Hours" in payload or "Minutes" in payload:
        # A duration replaces start and end times (and the other way round).
        payload.setdefault("Hours", existing.get("Hours", 0))
        payload.setdefault("Minutes", existing.get("Minutes", 0))
        payload.update(StartTime=None, EndTime=None)
    elif "StartTime" in payload or "EndTime" in payload:
        payload.update(Hours=None, Minutes=None)
    if payload.get("BillableStatus") == "NotBillable":
        payload.setdefault("HourlyRate", None)
    payload.update(Id=existing["Id"], SyncToken=existing["SyncToken"], sparse=True)
    return entities.update(realm, "TimeActivity", payload)


def delete_time_activity(realm, record_id):
    """A QuickBooks user deletes the time activity; reads then answer 610
    Object Not Found, as in QuickBooks."""
    # guess: billed time is deleted too (QuickBooks warns that it is on an
    # invoice, whose line stays); the sandbox does not emulate invoices
    # (docs/ASSUMPTIONS.md#billed-time).
    existing = _current(realm, record_id)
    payload = {"Id": existing["Id"], "SyncToken": existing["SyncToken"]}
    return entities.delete(realm, "TimeActivity", payload)


def form_changes(form):
    """The changes an edit form of the sandbox page sends (empty fields left out)."""
    return {
        key: value
        for key, value in form.items()
        if key in EDITABLE_FIELDS and str(value).strip() != ""
    }


def _number(key, value):
    kind = NUMBER_FIELDS.get(key)
    if kind is None or value is None or isinstance(value, (int, float)):
        return value
    try:
        return kind(str(value).strip())
    except ValueError as error:
        raise ValueError(f"{key} must be a number") from error
