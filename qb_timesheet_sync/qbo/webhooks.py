"""Intuit webhooks (plain Python): the signature and the events.

A notification is signed with the app's verifier token: header
``intuit-signature`` = base64 of HMAC-SHA256 of the raw body (Intuit's
webhooks page, https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks).
Intuit now sends CloudEvents, a JSON array of events (``id``, ``type`` such
as ``qbo.timeactivity.updated.v1``, ``intuitentityid``, ``intuitaccountid``
= realm, ``time``); the older format (``eventNotifications``) is accepted
too. Events carry no record data: the changed records are read again.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

# Entities whose changes Odoo follows.
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
MAX_EVENTS = 1000  # per notification (guess: Intuit batches far fewer)


class MalformedNotification(ValueError):
    """The body is not a notification Odoo understands."""


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    realm_id: str
    entity: str  # TimeActivity, Customer, Employee, Vendor (others are dropped)
    entity_id: str
    operation: str  # created, updated, deleted, merged, voided...
    occurred_at: str


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


def parse_events(body):
    """The :class:`WebhookEvent` of a notification body (bytes), in either
    format; events of other entities are left out. Raises
    :class:`MalformedNotification`."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedNotification("The body is not JSON.") from error
    if isinstance(data, list):
        events = [_cloud_event(item) for item in data[: MAX_EVENTS + 1]]
    elif isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        events = _legacy_events(data["eventNotifications"])
    else:
        raise MalformedNotification("Neither CloudEvents nor eventNotifications.")
    if len(events) > MAX_EVENTS:
        raise MalformedNotification("Too many events in one notification.")
    return [event for event in events if event is not None]


def _text(value, name):
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise MalformedNotification(f"The event has no valid {name}.")
    return str(value)


def _cloud_event(item):
    if not isinstance(item, dict):
        raise MalformedNotification("An event is not an object.")
    event_type = _text(item.get("type"), "type")
    parts = event_type.split(".")
    if len(parts) < 3 or parts[0] != "qbo":
        raise MalformedNotification(f"Unknown event type {event_type!r}.")
    entity = ENTITIES.get(parts[1].lower())
    event = WebhookEvent(
        event_id=_text(item.get("id"), "id"),
        realm_id=_text(item.get("intuitaccountid"), "intuitaccountid"),
        entity=entity or parts[1],
        entity_id=_text(item.get("intuitentityid"), "intuitentityid"),
        operation=parts[2].lower(),
        occurred_at=str(item.get("time") or ""),
    )
    return event if entity else None


def _legacy_events(notifications):
    events = []
    for notification in notifications:
        if not isinstance(notification, dict):
            raise MalformedNotification("A notification is not an object.")
        realm_id = _text(notification.get("realmId"), "realmId")
        change = notification.get("dataChangeEvent") or {}
        entities = change.get("entities") if isinstance(change, dict) else None
        if not isinstance(entities, list):
            raise MalformedNotification("A notification has no entities.")
        for item in entities:
            if not isinstance(item, dict):
                raise MalformedNotification("An entity is not an object.")
            name = _text(item.get("name"), "name")
            entity_id = _text(item.get("id"), "id")
            operation = _text(item.get("operation"), "operation").lower()
            operation = LEGACY_OPERATIONS.get(operation, operation)
            updated = str(item.get("lastUpdated") or "")
            entity = ENTITIES.get(name.lower())
            if not entity:
                continue
            # The old format has no event id: the change itself identifies it.
            event_id = f"legacy:{realm_id}:{entity}:{entity_id}:{operation}:{updated}"
            events.append(WebhookEvent(event_id, realm_id, entity, entity_id, operation, updated))
    return events
