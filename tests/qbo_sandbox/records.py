"""What the entity rules share: references between records and field checks."""

from . import faults


def is_deleted(record):
    return record.get("status") == "Deleted"


def check_text(record, field, maximum):
    value = record.get(field)
    if value is None:
        return
    if not isinstance(value, str):
        raise faults.invalid_property(field, field)
    if len(value) > maximum:
        raise faults.invalid_string_length(field, maximum, len(value))


def resolve_ref(realm, entity, ref, element, context):
    """Return the active record ``ref`` points to, or raise 2500 / 610."""
    if not isinstance(ref, dict) or not str(ref.get("value") or "").strip():
        raise faults.invalid_property(element, element)
    value = str(ref["value"]).strip()
    record = realm.records[entity].get(value)
    if record is None or value in context.created_ids:
        raise faults.invalid_reference(entity, value, element)
    if is_deleted(record):
        raise faults.object_not_found("Another user has deleted this transaction.", element)
    if record.get("Active") is False:
        raise faults.inactive_reference(element)
    return record


def reference(record, name_field):
    return {"value": record["Id"], "name": record.get(name_field, "")}
