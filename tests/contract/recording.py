"""What the QuickBooks client sent and what came back, request by request,
with nothing secret kept: the request's label (method, path below the company
with ids replaced, parameters and query statement with their values
replaced), the HTTP status, the answer's shape and its fault facts."""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from .shapes import shape_of

# Parameters every request carries (or that hold our own ids): left out of labels.
_UNLABELLED_PARAMS = {"minorversion", "requestid"}
# Parameters whose value says what is asked (kept); others are replaced by "…".
_KEPT_PARAM_VALUES = {"operation", "entities"}
_QUOTED = re.compile(r"'(?:\\'|[^'])*'")
_IN_LIST = re.compile(r"\bIN\s*\((?:\s*'…'\s*,?)+\)", re.IGNORECASE)
_PAGE = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\s+\d+", re.IGNORECASE)


@dataclass
class Exchange:
    """One HTTP request of the client and its answer."""

    probe: str
    label: str
    status: int | None
    media_type: str = ""
    shape: dict = field(default_factory=dict)
    # Fault facts: fault type, error codes and elements (empty when none).
    fault: dict = field(default_factory=dict)
    has_intuit_tid: bool = False
    error: str = ""  # a network failure, when no answer came

    def to_json(self):
        return {
            "probe": self.probe,
            "label": self.label,
            "status": self.status,
            "media_type": self.media_type,
            "shape": self.shape,
            "fault": self.fault,
            "has_intuit_tid": self.has_intuit_tid,
            "error": self.error,
        }


def request_label(method, url, params=None, json_body=None, data=None):
    """``POST query SELECT * FROM TimeActivity WHERE Id IN (…)``: what was asked,
    the same for the same request to two companies."""
    path = urlsplit(url).path
    if "/v3/company/" in path:
        path = path.split("/v3/company/", 1)[1].split("/", 1)[-1]
    elif path.endswith("/graphql"):
        path = "graphql"
    path = "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
    label = f"{method} {path}"
    kept = []
    for key, value in sorted((params or {}).items()):
        if key in _UNLABELLED_PARAMS:
            continue
        kept.append(f"{key}={value if key in _KEPT_PARAM_VALUES else '…'}")
    if kept:
        label += "?" + "&".join(kept)
    if data:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        label += " " + statement_label(text)
    elif isinstance(json_body, dict) and "BatchItemRequest" in json_body:
        parts = []
        for item in json_body["BatchItemRequest"]:
            if "Query" in item:
                parts.append("query " + statement_label(item["Query"]))
            else:
                entity = next((key for key in item if key not in ("bId", "operation")), "?")
                parts.append(f"{item.get('operation')} {entity}")
        label += " [" + "; ".join(parts) + "]"
    return label


def statement_label(statement):
    text = _QUOTED.sub("'…'", " ".join(statement.split()))
    text = _IN_LIST.sub("IN (…)", text)
    return _PAGE.sub(lambda match: f"{match.group(1).upper()} n", text)


def fault_facts(document):
    """{"type", "codes", "elements"} of a QuickBooks fault (``Fault`` or the
    lower-case ``fault`` of a 401), or of an OAuth ``error``; {} otherwise."""
    if not isinstance(document, dict):
        return {}
    fault = document.get("Fault") or document.get("fault")
    if isinstance(fault, dict):
        errors = fault.get("Error") or fault.get("error") or []
        errors = errors if isinstance(errors, list) else [errors]
        return {
            "type": str(fault.get("type") or ""),
            "codes": [str(error.get("code") or "") for error in errors if isinstance(error, dict)],
            "elements": [
                str(error.get("element") or "") for error in errors if isinstance(error, dict)
            ],
        }
    if isinstance(document.get("error"), str):
        return {"type": "oauth", "codes": [document["error"]], "elements": []}
    return {}


def batch_fault_facts(document):
    """Fault facts of each batch item that failed, by its position."""
    facts = {}
    if isinstance(document, dict):
        for entry in document.get("BatchItemResponse") or []:
            if isinstance(entry, dict) and "Fault" in entry:
                facts[str(entry.get("bId"))] = fault_facts(entry)
    return facts


class Recorder:
    """Collects the :class:`Exchange` of every request sent through its
    :meth:`session`, under the name of the probe running at the time."""

    def __init__(self):
        self.exchanges = []
        self._probe = "-"
        self._lock = threading.Lock()

    @contextmanager
    def probe(self, name):
        previous, self._probe = self._probe, name
        try:
            yield
        finally:
            self._probe = previous

    def for_probe(self, name):
        return [exchange for exchange in self.exchanges if exchange.probe == name]

    def session(self):
        return _RecordingSession(self)

    def record(self, method, url, kwargs, response=None, error=None):
        label = request_label(
            method, url, kwargs.get("params"), kwargs.get("json"), kwargs.get("data")
        )
        exchange = Exchange(probe=self._probe, label=label, status=None)
        if error is not None:
            exchange.error = type(error).__name__
        else:
            exchange.status = response.status_code
            exchange.media_type = (response.headers.get("Content-Type") or "").split(";")[0]
            exchange.has_intuit_tid = bool(response.headers.get("intuit_tid"))
            try:
                document = response.json()
            except ValueError:
                document = None
            if document is not None:
                exchange.shape = shape_of(document)
                exchange.fault = fault_facts(document)
                items = batch_fault_facts(document)
                if items:
                    exchange.fault = {**exchange.fault, "batch_items": items}
        with self._lock:
            self.exchanges.append(exchange)


class _RecordingSession(requests.Session):
    def __init__(self, recorder):
        super().__init__()
        self._recorder = recorder

    def request(self, method, url, **kwargs):
        try:
            response = super().request(method, url, **kwargs)
        except requests.RequestException as exc:
            self._recorder.record(method, url, kwargs, error=exc)
            raise
        self._recorder.record(method, url, kwargs, response=response)
        return response
