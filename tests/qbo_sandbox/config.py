"""Runtime configuration of the QuickBooks Online sandbox."""

import dataclasses

from . import webhooks as webhook_rules

REQUESTID_MODES = ("replay", "ignore", "fault")
RATE_FIELDS = ("fail_rate", "drop_rate", "slow_rate")
# How a throttled request is answered: QuickBooks' JSON fault, or the XML one
# public reports show even for requests that asked for JSON
# (docs/ASSUMPTIONS.md#throttle-answer).
THROTTLE_FORMATS = ("json", "xml")
# What QuickBooks stores for time sent for a project sub-customer (IsProject)
# without ProjectRef: the refs as sent, or CustomerRef = the project's customer
# and ProjectRef = the project. Intuit does not say
# (docs/ASSUMPTIONS.md#project-customer-ref).
PROJECT_CUSTOMER_REF_MODES = ("as_sent", "rewrite_to_parent")
# ClassRef on time when the company assigns classes per line only
# (ClassTrackingPerTxnLine without ClassTrackingPerTxn): Intuit's reference says
# ClassRef needs ClassTrackingPerTxn, hence "refuse" by default
# (docs/ASSUMPTIONS.md#classref-per-line).
CLASS_REF_PER_LINE_MODES = ("refuse", "accept")
# The listening address is fixed once the server runs.
STARTUP_ONLY_FIELDS = ("host", "port")


def default_clients():
    return {"sandbox-client-id": "sandbox-client-secret"}


@dataclasses.dataclass(frozen=True)
class SandboxConfig:
    """Everything that can be tuned, at start-up or later with ``configure()``.

    Durations are in seconds unless the name says ``_ms``. ``minute_seconds`` is the
    length of the "minute" used by the per-minute rate limits, so tests can shrink it.
    """

    host: str = "127.0.0.1"
    port: int = 0
    clients: dict = dataclasses.field(default_factory=default_clients)
    auto_approve: bool = False
    access_token_ttl: float = 3600
    refresh_token_ttl: float = 8726400
    refresh_grace_seconds: float = 86400
    # Hard cap of a grant's refresh tokens, from the consent (five years at
    # Intuit); set before a connection, it applies to the grants made after.
    refresh_hard_lifetime: float = 5 * 365 * 86400
    minute_seconds: float = 60.0
    requests_per_minute: int = 500
    batches_per_minute: int = 40
    max_concurrent: int = 10
    enforce_limits: bool = True
    throttle_format: str = "json"
    latency_ms: int = 0
    # On top of latency_ms for a batch request.
    batch_latency_ms: int = 0
    # A uniform random extra in [0, latency_jitter_ms] on every request.
    latency_jitter_ms: int = 0
    requestid_mode: str = "replay"
    fail_rate: float = 0.0
    drop_rate: float = 0.0
    slow_after_commit_ms: int = 0
    slow_rate: float = 0.0
    random_seed: int | None = None
    seed: dict | None = None
    state_file: str | None = None
    # Webhook subscriptions per app: {client_id: {"url", "verifier_token",
    # "entities" (default TimeActivity, Customer, Employee, Vendor),
    # "format" ("cloudevents" or "legacy")}}; loopback URLs only (webhooks.py).
    webhooks: dict = dataclasses.field(default_factory=dict)
    # guess: Intuit's sandbox fires "near real time"; production aggregates
    # 1, 3 or 5 minutes (the app chooses).
    webhook_batch_seconds: float = 1.0
    webhook_timeout_seconds: float = webhook_rules.ACK_TIMEOUT_SECONDS
    # Waits before each retry; the last one repeats (Intuit: 6 h forever).
    webhook_retry_seconds: tuple = webhook_rules.RETRY_SECONDS
    webhook_max_attempts: int = 0  # 0: never give up, as Intuit
    # CloudEvents: True puts the events of all the companies connected to an
    # app in the same POSTs (each event names its company, intuitaccountid).
    # Intuit's best-practices page says "Event notifications are sent one realm
    # ID at a time" (the default); the format allows more.
    webhook_mix_realms: bool = False

    # What a TimeActivity carries where Intuit is silent (see the modes above).
    project_customer_ref: str = "as_sent"
    class_ref_per_line_only: str = "refuse"
    # Query size limits Intuit does not document (0: none): more ids in one
    # IN list, or a longer query text, is refused (query_size.py).
    max_query_in_ids: int = 0
    max_query_chars: int = 0
    # Injected refusals of a TimeActivity carrying a field: {field: fault code},
    # code one of REFUSAL_CODES (time_activity_rules.py); the other fields of the
    # body, and the other items of a batch, are handled as usual.
    refuse_time_activity_fields: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.requestid_mode not in REQUESTID_MODES:
            raise ValueError(
                f"requestid_mode must be one of {REQUESTID_MODES}, not {self.requestid_mode!r}"
            )
        if self.throttle_format not in THROTTLE_FORMATS:
            raise ValueError(
                f"throttle_format must be one of {THROTTLE_FORMATS}, not {self.throttle_format!r}"
            )
        if self.project_customer_ref not in PROJECT_CUSTOMER_REF_MODES:
            raise ValueError(
                f"project_customer_ref must be one of {PROJECT_CUSTOMER_REF_MODES}, "
                f"not {self.project_customer_ref!r}"
            )
        if self.class_ref_per_line_only not in CLASS_REF_PER_LINE_MODES:
            raise ValueError(
                f"class_ref_per_line_only must be one of {CLASS_REF_PER_LINE_MODES}, "
                f"not {self.class_ref_per_line_only!r}"
            )
        for field, code in self.refuse_time_activity_fields.items():
            if str(code) not in ("2010", "2500", "6000") or not isinstance(field, str):
                raise ValueError(
                    "refuse_time_activity_fields maps a field to 2010, 2500 or 6000, "
                    f"not {field!r}: {code!r}"
                )
        if min(self.latency_ms, self.batch_latency_ms, self.latency_jitter_ms) < 0:
            raise ValueError(
                "latency_ms, batch_latency_ms and latency_jitter_ms must not be negative"
            )
        if self.max_query_in_ids < 0 or self.max_query_chars < 0:
            raise ValueError("max_query_in_ids and max_query_chars must be 0 (no limit) or more")
        for name in RATE_FIELDS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.minute_seconds <= 0:
            raise ValueError("minute_seconds must be positive")
        if self.refresh_hard_lifetime <= 0:
            raise ValueError("refresh_hard_lifetime must be positive")
        object.__setattr__(
            self, "webhooks", webhook_rules.check_subscriptions(self.webhooks, self.clients)
        )
        retries = tuple(self.webhook_retry_seconds or ())
        if not retries or any(
            isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            for value in retries
        ):
            raise ValueError("webhook_retry_seconds must be a list of seconds")
        object.__setattr__(self, "webhook_retry_seconds", retries)
        if self.webhook_batch_seconds < 0 or self.webhook_timeout_seconds <= 0:
            raise ValueError("webhook_batch_seconds and webhook_timeout_seconds must be positive")

    @classmethod
    def field_names(cls):
        return [field.name for field in dataclasses.fields(cls)]

    def replace(self, **changes):
        """Return a copy with ``changes`` applied; unknown keys raise ``ValueError``."""
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ValueError(f"unknown sandbox config keys: {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)
