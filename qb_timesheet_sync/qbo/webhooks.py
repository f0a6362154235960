"""Intuit webhooks (plain Python): the signature and the events.

A notification is signed with the app's verifier token: header
``intuit-signature`` = base64 of HMAC-SHA256 of the raw body
(intuit/QuickBooks-V3-Java-SDK ``WebhooksService.verifyPayload``).
Intuit sends CloudEvents, a JSON array of events (``id``, ``type`` such as
``qbo.timeactivity.updated.v1``, ``intuitentityid``, ``intuitaccountid`` =
realm, ``time``); the older format (``eventNotifications``) is accepted too
(IntuitDeveloper/SampleApp-Webhooks-Java-Cloudevents ``README.md``). Events
carry no record data: the changed records are read again.

Each event is read on its own (:func:`read_notification`): one that cannot
be read is skipped with its reason and the others are kept, because a
notification is answered 200 whatever it holds
(docs/ASSUMPTIONS.md#webhook-always-200).
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from .text import _lt

# Entities whose changes Odoo follows; events of other entities are dropped
# (docs/ASSUMPTIONS.md#webhook-unknown-event-types).
ENTITIES = {
    "timeactivity": "TimeActivity",
    "customer": "Customer",
    "employee": "Employee",
    "vendor": "Vendor",
}
LEGACY_OPERATIONS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "merge": "merged",
    "void": "voided",
}
# Why a whole body is ignored.
NOT_JSON = _lt("The notification is not JSON.")
NOT_A_NOTIFICATION = _lt(
    "The notification is neither a list of CloudEvents nor a legacy eventNotifications object."
)
NOT_AN_OBJECT = _lt("The event is not a JSON object.")


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    realm_id: str
    entity: str  # TimeActivity, Customer, Employee, Vendor (others are dropped)
    entity_id: str
    operation: str  # created, updated, deleted, merged, voided...
    occurred_at: str


@dataclass(frozen=True)
class SkippedEvent:
    """An event that could not be read: ``reason`` says why (a sentence)."""

    position: int  # 1-based, in the notification
    event_id: str  # "" when the event has none
    realm_id: str  # "" when the event names no QuickBooks company
    reason: str


@dataclass(frozen=True)
class Notification:
    """What one POST told: the events kept, those skipped, or, when the body
    as a whole cannot be read, ``unreadable`` (the reason)."""

    events: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    unreadable: str | None = None
    ignored: int = 0  # well-formed events of entities Odoo does not follow


class _Skip(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def signature_of(body, verifier_token):
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def valid_signature(body, signature, verifier_token):
    """Constant-time check of ``signature`` (the header) for ``body`` (bytes)."""
    if not signature or not verifier_token:
        # Still compare, so that a missing header costs the same time.
        hmac.compare_digest("x", "y")
        return False
    return hmac.compare_digest(signature_of(body, verifier_token), signature.strip())


def read_notification(body):
    """The :class:`Notification` of a body (bytes), in either format. Never
    raises: what cannot be read is in ``skipped`` or ``unreadable``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Notification(unreadable=NOT_JSON)
    if isinstance(data, list):
        read, id_key, realm_key = _cloud_event, "id", "intuitaccountid"
    elif isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        data = data["eventNotifications"]
        read, id_key, realm_key = _legacy_events, None, "realmId"
    else:
        return Notification(unreadable=NOT_A_NOTIFICATION)
    events, skipped, ignored = [], [], 0
    for position, item in enumerate(data, start=1):
        try:
            found, dropped = read(item)
        except _Skip as skip:
            fields = item if isinstance(item, dict) else {}
            event_id = fields.get(id_key) if id_key else None
            realm_id = fields.get(realm_key)
            skipped.append(
                SkippedEvent(
                    position=position,
                    event_id=str(event_id) if _is_text(event_id) else "",
                    realm_id=str(realm_id) if _is_text(realm_id) else "",
                    reason=skip.reason,
                )
            )
            continue
        events.extend(found)
        ignored += dropped
    return Notification(events=events, skipped=skipped, ignored=ignored)


def _is_text(value):
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != ""


def _text(item, name):
    value = item.get(name)
    if not _is_text(value):
        raise _Skip(_lt("The event has no %(field)s.", field=name))
    return str(value)


def _cloud_event(item):
    """([the event], 0), or ([], 1) for an entity Odoo does not follow."""
    if not isinstance(item, dict):
        raise _Skip(NOT_AN_OBJECT)
    event_id = _text(item, "id")
    event_type = _text(item, "type")
    parts = event_type.split(".")
    if len(parts) < 3 or parts[0] != "qbo" or not parts[1] or not parts[2]:
        raise _Skip(
            _lt(
                "The event type %(type)s is not a QuickBooks Online type "
                "(qbo.<entity>.<operation>.v1).",
                type=event_type,
            )
        )
    realm_id = _text(item, "intuitaccountid")
    entity_id = _text(item, "intuitentityid")
    entity = ENTITIES.get(parts[1].lower())
    if not entity:
        return [], 1
    # Any operation of a followed entity is kept: the record is read again,
    # whatever the event says happened to it.
    event = WebhookEvent(
        event_id=event_id,
        realm_id=realm_id,
        entity=entity,
        entity_id=entity_id,
        operation=parts[2].lower(),
        occurred_at=str(item.get("time") or ""),
    )
    return [event], 0


def _legacy_events(notification):
    """The events of one ``eventNotifications`` item (one company)."""
    if not isinstance(notification, dict):
        raise _Skip(NOT_AN_OBJECT)
    realm_id = _text(notification, "realmId")
    change = notification.get("dataChangeEvent")
    entities = change.get("entities") if isinstance(change, dict) else None
    if not isinstance(entities, list):
        raise _Skip(_lt("The event has no %(field)s.", field="dataChangeEvent.entities"))
    events, ignored = [], 0
    for item in entities:
        if not isinstance(item, dict):
            raise _Skip(NOT_AN_OBJECT)
        name = _text(item, "name")
        entity_id = _text(item, "id")
        operation = _text(item, "operation").lower()
        operation = LEGACY_OPERATIONS.get(operation, operation)
        updated = str(item.get("lastUpdated") or "")
        entity = ENTITIES.get(name.lower())
        if not entity:
            ignored += 1
            continue
        # The old format has no event id: the change itself identifies it.
        event_id = f"legacy:{realm_id}:{entity}:{entity_id}:{operation}:{updated}"
        events.append(WebhookEvent(event_id, realm_id, entity, entity_id, operation, updated))
    return events, ignored
