"""Webhooks: QuickBooks tells an app what changed in its connected companies.

A subscription, per app (OAuth client id), has an endpoint URL, a verifier
token, the entities it follows and a payload format. Every create, update and
delete of a followed entity (API, batch, admin actions, billing) becomes an
event; a background thread sends the events of each app, batched, signed and
retried as Intuit does (Intuit's webhooks pages; IntuitDeveloper/
SampleApp-Webhooks-Java-Cloudevents):

- events are aggregated and sent periodically; Intuit's sandbox fires "near
  real time", production aggregates 1, 3 or 5 minutes: ``webhook_batch_seconds``;
- only companies connected to the app through OAuth get events;
- the body is a JSON array of CloudEvents (``Content-Type:
  application/cloudevents+json``) or the legacy ``eventNotifications``
  (``application/json``); one company per notification, as Intuit's
  best-practices page says, unless ``webhook_mix_realms`` lets CloudEvents
  batches hold all the app's companies (the format allows it);
- header ``intuit-signature`` = base64(HMAC-SHA256(raw body, verifier token));
- the endpoint must answer 2xx within 3 seconds; otherwise (a 400 included:
  Intuit marks it ``MultiPartFailed``) the same batch is retried after 10 s,
  20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h, then every 6 h, and later events
  of that batch's channel wait until it is acknowledged.

Destinations must be loopback addresses: the sandbox never calls out.
"""

import base64
import collections
import dataclasses
import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

_logger = logging.getLogger(__name__)

FORMATS = ("cloudevents", "legacy")
# Entities of the sandbox that Intuit's webhooks support.
SUPPORTED_ENTITIES = (
    "Customer",
    "Employee",
    "Vendor",
    "Item",
    "Class",
    "Department",
    "TimeActivity",
)
DEFAULT_ENTITIES = ("TimeActivity", "Customer", "Employee", "Vendor")
RETRY_SECONDS = (10, 20, 30, 300, 1200, 7200, 14400, 21600)
ACK_TIMEOUT_SECONDS = 3
LEGACY_OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete"}
# SampleApp-Webhooks-Java-Cloudevents AGENT_PROMPT_V3.2_CLOUDEVENTS_MIGRATION.md,
# Task 4: "CloudEvents payloads may arrive with Content-Type:
# application/cloudevents+json"; the legacy format is plain JSON.
CONTENT_TYPES = {"cloudevents": "application/cloudevents+json", "legacy": "application/json"}
# Intuit: "up to 100 events" per notification (SampleApp-Webhooks-Java-Cloudevents
# webinar-qa/2025-02-05-webhooks-webinar.md).
MAX_EVENTS_PER_NOTIFICATION = 100
POLL_SECONDS = 0.05
RECENT_DELIVERIES = 50


# Never through a proxy (http_proxy and the like): straight to this machine.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign(body, verifier_token):
    digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def loopback_host(host):
    """True when ``host`` names this machine only (an IP literal or localhost)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolves_to_loopback(host):
    """Checked again before each delivery: every address of ``host`` is loopback."""
    if not loopback_host(host):
        return False
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def check_subscriptions(webhooks, clients):
    """The normalised ``webhooks`` config (client id -> subscription); raises ValueError."""
    if not isinstance(webhooks, dict):
        raise ValueError("webhooks must map a client id to a subscription")
    normalised = {}
    for client_id, subscription in webhooks.items():
        if client_id not in clients:
            raise ValueError(f"webhooks: unknown client id {client_id!r}")
        if not isinstance(subscription, dict):
            raise ValueError("a webhook subscription is an object")
        unknown = sorted(set(subscription) - {"url", "verifier_token", "entities", "format"})
        if unknown:
            raise ValueError(f"unknown webhook subscription keys: {', '.join(unknown)}")
        url = subscription.get("url")
        parts = urllib.parse.urlsplit(url if isinstance(url, str) else "")
        if parts.scheme not in ("http", "https") or not loopback_host(parts.hostname):
            raise ValueError(f"webhook url must be http(s) on a loopback address, not {url!r}")
        token = subscription.get("verifier_token")
        if not isinstance(token, str) or not token:
            raise ValueError("a webhook subscription needs a verifier_token")
        followed = subscription.get("entities") or list(DEFAULT_ENTITIES)
        if isinstance(followed, str):
            followed = [name.strip() for name in followed.split(",") if name.strip()]
        wrong = sorted(set(followed) - set(SUPPORTED_ENTITIES))
        if wrong:
            raise ValueError(f"webhooks cannot follow {', '.join(wrong)}")
        payload_format = subscription.get("format") or "cloudevents"
        if payload_format not in FORMATS:
            raise ValueError(f"webhook format must be one of {FORMATS}")
        normalised[client_id] = {
            "url": url,
            "verifier_token": token,
            "entities": sorted(set(followed)),
            "format": payload_format,
        }
    return normalised


def _utc_text(moment, digits=3):
    text = moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{text[: 20 + digits] if digits else text[:19]}Z"


def cloud_events_body(events):
    return [
        {
            "specversion": "1.0",
            "id": event["id"],
            # guess: Intuit's source is opaque ("intuit.<...>").
            "source": "intuit.qbo-sandbox",
            "type": f"qbo.{event['entity'].lower()}.{event['operation']}.v1",
            "datacontenttype": "application/json",
            "time": _utc_text(event["occurred"], 6),
            "intuitentityid": event["entity_id"],
            "intuitaccountid": event["realm_id"],
            "data": {},
        }
        for event in events
    ]


def legacy_body(events):
    """One ``eventNotifications`` item per company: Intuit's page says the
    format "is designed to accommodate multiple RealmIDs" but uses one
    (developer.intuit.com .../webhooks/managing-webhooks-notifications); the
    sandbox's legacy channels hold one company, so one item."""
    by_realm = {}
    for event in events:
        by_realm.setdefault(event["realm_id"], []).append(event)
    return {
        "eventNotifications": [
            {
                "realmId": realm_id,
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": event["entity"],
                            "id": event["entity_id"],
                            "operation": LEGACY_OPERATIONS[event["operation"]],
                            "lastUpdated": _utc_text(event["occurred"]),
                        }
                        for event in realm_events
                    ]
                },
            }
            for realm_id, realm_events in by_realm.items()
        ]
    }


@dataclasses.dataclass
class _Channel:
    """The events of one app, sent in order: of all its companies
    (``realm_id`` None, CloudEvents with ``webhook_mix_realms``) or of one."""

    client_id: str
    realm_id: str | None
    pending: list = dataclasses.field(default_factory=list)
    batch: list | None = None  # sent and not acknowledged yet
    attempts: int = 0
    next_try: float = 0.0


class WebhookDispatcher:
    """Turns the realms' change lists into signed notifications (one thread)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.channels = {}
        self.recent = collections.deque(maxlen=RECENT_DELIVERIES)
        self._lock = threading.RLock()
        self._stopped = threading.Event()
        self._thread = None

    def start(self):
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="qbo-sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self):
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def clear(self):
        with self._lock:
            self.channels.clear()
            self.recent.clear()

    def status(self):
        with self._lock:
            queued = sum(
                len(channel.pending) + len(channel.batch or ())
                for channel in self.channels.values()
            )
            return {"queued": queued, "deliveries": list(self.recent)}

    def _run(self):
        while not self._stopped.wait(POLL_SECONDS):
            try:
                self.collect()
                self.deliver_due()
            except Exception:
                _logger.exception("qbo sandbox webhooks failed")

    def collect(self):
        """Move the realms' changes into the channels of the apps that follow them."""
        config = self.sandbox.config
        state = self.sandbox.state
        with state.lock:
            changes = []
            for realm in state.realms.values():
                while realm.changes:
                    changes.append((realm.realm_id, *realm.changes.popleft()))
            if not changes or not config.webhooks:
                return
            connected = {
                (grant["client_id"], grant["realm_id"])
                for grant in state.grants.values()
                if not grant["revoked"]
            }
        now = time.monotonic()
        with self._lock:
            for realm_id, entity, entity_id, operation, _updated, occurred in changes:
                for client_id, subscription in config.webhooks.items():
                    if entity not in subscription["entities"]:
                        continue
                    if (client_id, realm_id) not in connected:
                        continue
                    mixed = subscription["format"] == "cloudevents" and config.webhook_mix_realms
                    key = (client_id, None if mixed else realm_id)
                    channel = self.channels.setdefault(key, _Channel(*key))
                    if not channel.pending and channel.batch is None:
                        channel.next_try = now + config.webhook_batch_seconds
                    channel.pending.append(
                        {
                            "id": str(uuid.uuid4()),
                            "realm_id": realm_id,
                            "entity": entity,
                            "entity_id": entity_id,
                            "operation": operation,
                            "occurred": occurred,
                        }
                    )

    def deliver_due(self):
        now = time.monotonic()
        with self._lock:
            due = [
                channel
                for channel in self.channels.values()
                if (channel.batch or channel.pending) and channel.next_try <= now
            ]
        for channel in due:
            self._deliver(channel)

    def _deliver(self, channel):
        config = self.sandbox.config
        subscription = config.webhooks.get(channel.client_id)
        with self._lock:
            if subscription is None:
                # Unsubscribed meanwhile: nothing is sent.
                self.channels.pop((channel.client_id, channel.realm_id), None)
                return
            if channel.batch is None:
                channel.batch = channel.pending[:MAX_EVENTS_PER_NOTIFICATION]
                channel.pending = channel.pending[MAX_EVENTS_PER_NOTIFICATION:]
                channel.attempts = 0
            batch = list(channel.batch)
        if subscription["format"] == "legacy":
            payload = legacy_body(batch)
        else:
            payload = cloud_events_body(batch)
        body = json.dumps(payload).encode("utf-8")
        status = self._post(subscription, body)
        realms = ", ".join(dict.fromkeys(event["realm_id"] for event in batch))
        self._record(channel, subscription, status, len(batch), realms)

    def _post(self, subscription, body):
        """The HTTP status, or None when the endpoint could not be reached."""
        host = urllib.parse.urlsplit(subscription["url"]).hostname
        if not resolves_to_loopback(host):
            return "refused"
        request = urllib.request.Request(
            subscription["url"],
            data=body,
            method="POST",
            headers={
                "Content-Type": CONTENT_TYPES[subscription["format"]],
                "intuit-signature": sign(body, subscription["verifier_token"]),
                "User-Agent": "qbo-sandbox-webhooks",
            },
        )
        try:
            with _OPENER.open(
                request, timeout=self.sandbox.config.webhook_timeout_seconds
            ) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except (OSError, ValueError) as error:
            _logger.info("qbo sandbox webhook to %s failed: %s", subscription["url"], error)
            return None

    def _record(self, channel, subscription, status, count, realms):
        config = self.sandbox.config
        state = self.sandbox.state
        now = time.monotonic()
        with self._lock:
            channel.attempts += 1
            self.recent.append(
                {
                    "client_id": channel.client_id,
                    "realm_id": realms,
                    "url": subscription["url"],
                    "format": subscription["format"],
                    "events": count,
                    "attempt": channel.attempts,
                    "status": status,
                }
            )
            if status == "refused":
                state.count("webhooks", "refused")
                state.count("webhooks", "dropped", count)
                channel.batch = None
            elif isinstance(status, int) and 200 <= status < 300:
                state.count("webhooks", "delivered")
                state.count("webhooks", "events", count)
                channel.batch = None
                # Events held back behind this batch go now.
                channel.next_try = now
            else:
                state.count("webhooks", "failed")
                limit = config.webhook_max_attempts
                if limit and channel.attempts >= limit:
                    # The sandbox may give up (Intuit keeps trying every 6 hours).
                    state.count("webhooks", "dropped", count)
                    channel.batch = None
                    channel.next_try = now
                    return
                delays = config.webhook_retry_seconds or RETRY_SECONDS
                channel.next_try = now + delays[min(channel.attempts, len(delays)) - 1]
