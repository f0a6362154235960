# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""HTTP client of the QuickBooks Online Accounting API (v3) for one company."""
# Not an Odoo model: read/create/... are QuickBooks operations, nothing to super().
# pylint: disable=method-required-super

import logging
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC

import requests
from urllib3.exceptions import NewConnectionError

from .changes import change_set, changed_since_text
from .errors import (
    QboConnectionError,
    QboError,
    QboServerUnavailable,
    QboThrottled,
    QboTimeout,
    error_from_fault,
    error_from_response,
)
from .ratelimit import limiter_for
from .text import _lt

_logger = logging.getLogger(__name__)

MAX_BATCH_ITEMS = 30
MAX_PAGE_SIZE = 1000
MAX_REQUEST_ID_LENGTH = 50
MAX_BACKOFF_SECONDS = 30.0
RETRY_STATUSES = {500, 502, 503, 504}
BATCH_OPERATIONS = {"create", "update", "delete", "query"}
# Fixed namespace of the request ids derived for batch chunks: changing it
# would stop a chunk re-sent after an upgrade from replaying.
BATCH_REQUEST_ID_NAMESPACE = uuid.UUID("5dfdf1a7-b99b-4191-8ba6-59d63061624f")
_PAGING_CLAUSE = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)


@dataclass
class BatchItem:
    """One operation of :meth:`QboClient.batch`.

    ``operation`` is create, update, delete or query; ``payload`` is the entity
    body (``{"Id", "SyncToken"}`` for a delete, ``"sparse": True`` for a sparse
    update) or the SELECT statement of a query. ``key`` is the caller's own id.
    """

    operation: str
    entity: str
    payload: object
    request_id: str | None
    key: object = None


@dataclass
class BatchResult:
    """What QuickBooks answered for one :class:`BatchItem`: the entity (or the
    ``QueryResponse`` of a query) in ``data``, or a :class:`QboError`."""

    item: BatchItem
    data: dict | None = None
    error: QboError | None = None

    @property
    def ok(self):
        return self.error is None


class QboClient:
    """Talks to one QuickBooks company (realm) with one access token.

    ``refresh_callback()`` must return a fresh access token; the caller
    refreshes and stores the rotated refresh token itself. It is called at most
    once per request, after a 401. Writes take a ``request_id`` (Intuit's
    ``requestid``) that every retry of the same write reuses.

    Retries (at most ``max_retries``, with exponential backoff): 429, 500, 502,
    503, 504 and network failures; for writes, only the network failures that
    happened before the request was sent. A write that was sent but got no
    answer raises :class:`QboTimeout`; it is only retried when
    ``retry_unknown_writes`` is set and the write has a request id (relying on
    Intuit's replay of a repeated requestid, which community reports say is
    not always reliable).
    """

    def __init__(
        self,
        environment,
        realm_id,
        access_token,
        *,
        refresh_callback=None,
        minor_version=75,
        timeout=(5, 60),
        rate_limiter=None,
        max_retries=5,
        backoff_base=0.5,
        sleep=time.sleep,
        session=None,
        retry_unknown_writes=False,
    ):
        self.environment = environment
        self.realm_id = str(realm_id)
        self.minor_version = minor_version
        self.timeout = timeout
        self.rate_limiter = rate_limiter or limiter_for(self.realm_id)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.retry_unknown_writes = retry_unknown_writes
        self._access_token = access_token
        self._refresh_callback = refresh_callback
        # Threads sharing this client (qbo.delivery) refresh the token once.
        self._refresh_lock = threading.Lock()
        # Calls QuickBooks answered, as Intuit meters them: "CorePlus" (data
        # out: reads, queries, CompanyInfo, Preferences) and "Core" (writes).
        self.metered_calls = Counter()
        self._metered_lock = threading.Lock()
        self._sleep = sleep
        self._session = session or requests.Session()
        self._company_url = f"{environment.api_base_url}/v3/company/{self.realm_id}/"

    def __repr__(self):
        return f"QboClient(environment={self.environment.name!r}, realm_id={self.realm_id!r})"

    # ------------------------------------------------------------------
    # Reads
    # ------------------------------------------------------------------
    def company_info(self):
        return self._request("GET", f"companyinfo/{self.realm_id}")["CompanyInfo"]

    def preferences(self):
        return self._request("GET", "preferences")["Preferences"]

    def read(self, entity, qbo_id):
        answer = self._request("GET", f"{entity.lower()}/{qbo_id}")
        return _entity_from(answer, entity)

    def query(self, statement, page_size=MAX_PAGE_SIZE):
        """Every row of ``statement`` (a SELECT without STARTPOSITION or
        MAXRESULTS), fetched page by page."""
        if _PAGING_CLAUSE.search(statement):
            raise ValueError("query() adds STARTPOSITION and MAXRESULTS itself.")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
        rows = []
        start = 1
        while True:
            page = self._query_response(f"{statement} STARTPOSITION {start} MAXRESULTS {page_size}")
            page_rows = next((value for value in page.values() if isinstance(value, list)), [])
            rows.extend(page_rows)
            if len(page_rows) < page_size:
                return rows
            start += page_size

    def count(self, entity, where=None):
        statement = f"SELECT COUNT(*) FROM {entity}"
        if where:
            statement += f" WHERE {where}"
        return int(self._query_response(statement).get("totalCount", 0))

    def time_activities_changed_since(self, moment):
        """Time activities created or changed at or after ``moment`` (naive
        datetimes are UTC). CDC does not cover TimeActivity, hence a query."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        since = moment.isoformat(timespec="seconds")
        return self.query(
            f"SELECT * FROM TimeActivity WHERE MetaData.LastUpdatedTime >= '{since}' "
            "ORDERBY MetaData.LastUpdatedTime"
        )

    def time_activities_by_ids(self, activity_ids):
        """{Id: time activity} of those of ``activity_ids`` QuickBooks still
        has: one query per 1,000 ids (``Id IN``, the page size), and no page
        more, since such a query cannot return more rows than ids. Deleted
        transactions are never returned by a query (facts 4.3, 5), so an id
        left out was deleted. Queries select ``*``: QuickBooks has no
        projections (facts 5). They are POSTed, so no URL length limit."""
        ids = sorted({str(activity_id) for activity_id in activity_ids}, key=lambda x: (len(x), x))
        if not all(activity_id.isdigit() for activity_id in ids):
            raise ValueError(f"QuickBooks ids are numbers: {ids!r}")
        found = {}
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ", ".join(f"'{each}'" for each in ids[start : start + MAX_PAGE_SIZE])
            page = self._query_response(
                f"SELECT * FROM TimeActivity WHERE Id IN ({chunk}) "
                f"STARTPOSITION 1 MAXRESULTS {MAX_PAGE_SIZE}"
            )
            for record in page.get("TimeActivity", []):
                if record.get("status") != "Deleted":
                    found[str(record["Id"])] = record
        return found

    def cdc(self, entities, changed_since):
        """What changed in ``entities`` at or after ``changed_since`` (change
        data capture, one metered call): a :class:`.changes.ChangeSet`, its
        ``capped`` set when QuickBooks' 1,000-object cap may have cut it."""
        params = {"entities": ",".join(entities), "changedSince": changed_since_text(changed_since)}
        return change_set(self._request("GET", "cdc", params=params), entities)

    # ------------------------------------------------------------------
    # Writes
    # ------------------------------------------------------------------
    def create(self, entity, payload, request_id):
        answer = self._request(
            "POST", entity.lower(), json_body=payload, request_id=request_id, is_write=True
        )
        return _entity_from(answer, entity)

    def update(self, entity, payload, request_id, sparse=False):
        """Full update (writable fields left out are cleared), or sparse update."""
        body = dict(payload, sparse=True) if sparse else payload
        answer = self._request(
            "POST", entity.lower(), json_body=body, request_id=request_id, is_write=True
        )
        return _entity_from(answer, entity)

    def delete(self, entity, qbo_id, sync_token, request_id):
        answer = self._request(
            "POST",
            entity.lower(),
            params={"operation": "delete"},
            json_body={"Id": str(qbo_id), "SyncToken": str(sync_token)},
            request_id=request_id,
            is_write=True,
        )
        return _entity_from(answer, entity)

    def batch(self, items):
        """Send ``items`` (:class:`BatchItem`) in batch requests of up to 30.

        Returns one :class:`BatchResult` per item, in the order of ``items``;
        an item QuickBooks refused carries the matching :class:`QboError`.
        Each request's requestid is derived from its items' request ids, so
        sending the same items again (after a crash) replays instead of
        duplicating. When a whole request fails, the error is raised; its
        ``completed_results`` holds the results of the requests already done.
        """
        for item in items:
            if item.operation not in BATCH_OPERATIONS:
                raise ValueError(f"Unknown batch operation: {item.operation!r}")
        results = {}
        for start in range(0, len(items), MAX_BATCH_ITEMS):
            chunk = list(range(start, min(start + MAX_BATCH_ITEMS, len(items))))
            try:
                self._run_batch_chunk(items, chunk, results)
            except QboError as error:
                error.completed_results = [results[index] for index in sorted(results)]
                raise
        return [results[index] for index in range(len(items))]

    def _run_batch_chunk(self, items, chunk, results):
        """Send one chunk; items throttled one by one (fault 3001) are sent
        again, on their own, after a pause (at most ``max_retries`` times)."""
        pending = chunk
        for round_number in range(self.max_retries + 1):
            pending_items = [items[index] for index in pending]
            answers, intuit_tid = self._post_batch(pending_items, round_number)
            throttled = []
            for position, index in enumerate(pending):
                result = _batch_result(items[index], answers.get(str(position)), intuit_tid)
                if isinstance(result.error, QboThrottled) and round_number < self.max_retries:
                    throttled.append(index)
                else:
                    results[index] = result
            if not throttled:
                return
            # Intuit asks to wait a minute once throttled; the limiter's minute
            # is 60 s in production and shorter in tests.
            self.rate_limiter.pause_for(self.rate_limiter.minute_seconds)
            pending = throttled

    def _post_batch(self, batch_items, round_number):
        """One batch request; returns ({bId: item answer}, intuit_tid)."""
        entries = [_batch_entry(str(position), item) for position, item in enumerate(batch_items)]
        response = self._exchange(
            "POST",
            "batch",
            json_body={"BatchItemRequest": entries},
            request_id=_batch_request_id(batch_items, round_number),
            is_batch=True,
            is_write=any(item.operation != "query" for item in batch_items),
        )
        answer = _decode(response)
        answers = {entry.get("bId"): entry for entry in answer.get("BatchItemResponse", [])}
        return answers, response.headers.get("intuit_tid")

    # ------------------------------------------------------------------
    # HTTP
    # ------------------------------------------------------------------
    def graphql(self, query, variables=None):
        """The decoded answer of one GraphQL request (Intuit's GraphQL API,
        ``environment.graphql_url``): ``{"data": ..., "errors": [...]}``; the
        caller reads ``errors`` (see qbo/payroll.py). Same token, refresh,
        retries, rate limiter and metering as the Accounting API's reads."""
        if not self.environment.graphql_url:
            raise ValueError("This QuickBooks environment has no GraphQL API.")
        body = {"query": query, "variables": variables or {}}
        return self._request("POST", self.environment.graphql_url, json_body=body)

    def _query_response(self, statement):
        return self._request("POST", "query", text_body=statement).get("QueryResponse", {})

    def _request(self, method, path, **kwargs):
        """Decoded JSON answer of one API request (see :meth:`_exchange`)."""
        return _decode(self._exchange(method, path, **kwargs))

    def _exchange(
        self,
        method,
        path,
        *,
        params=None,
        json_body=None,
        text_body=None,
        request_id=None,
        is_batch=False,
        is_write=False,
    ):
        """Send one API request, retrying as the class documents; returns the
        successful response or raises the matching :class:`QboError`."""
        if request_id and len(request_id) > MAX_REQUEST_ID_LENGTH:
            raise ValueError("A QuickBooks requestid has at most 50 characters.")
        # An absolute URL (the GraphQL API) takes no Accounting API parameters.
        query = {} if _is_absolute(path) else {"minorversion": self.minor_version}
        query.update(params or {})
        if request_id:
            query["requestid"] = request_id
        refreshed = False
        attempt = 0
        while True:
            token = self._access_token
            try:
                response = self._send(method, path, query, json_body, text_body, is_batch)
            except requests.RequestException as exc:
                error, may_retry = self._network_failure(exc, is_write, request_id)
                _logger.debug(
                    "QBO %s %s -> %s (requestid=%s)", method, path, type(exc).__name__, request_id
                )
                if not may_retry or attempt >= self.max_retries:
                    raise error from exc
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            status = response.status_code
            self._count_metered(method, path, json_body, status)
            _logger.debug(
                "QBO %s %s -> %s (intuit_tid=%s, requestid=%s)",
                method,
                path,
                status,
                response.headers.get("intuit_tid"),
                request_id,
            )
            if status == 401 and self._refresh_callback and not refreshed:
                refreshed = True
                self._refresh_after_401(token)
                continue
            throttled = _is_throttled(response)
            if (throttled or status in RETRY_STATUSES) and attempt < self.max_retries:
                self._wait_before_retry(response, attempt, throttled)
                attempt += 1
                continue
            if status >= 400:
                raise error_from_response(status, response.content, response.headers)
            return response

    def _count_metered(self, method, path, json_body, status):
        """Count one answered call the way Intuit meters it (throttled and
        unauthenticated calls are refused before any work: not counted).
        A batch request is one call, CorePlus when any item is a query
        (GUESS: Intuit does not say how a mixed batch is metered)."""
        if status in (401, 429):
            return
        if method == "GET" or path == "query" or _is_absolute(path):
            # The GraphQL calls of this client only read (qbo/payroll.py).
            kind = "CorePlus"
        elif path == "batch":
            items = (json_body or {}).get("BatchItemRequest", [])
            kind = "CorePlus" if any("Query" in item for item in items) else "Core"
        else:
            kind = "Core"
        with self._metered_lock:
            self.metered_calls[kind] += 1

    def _refresh_after_401(self, rejected_token):
        """A new access token, unless another thread got one meanwhile."""
        with self._refresh_lock:
            if self._access_token == rejected_token:
                self._access_token = self._refresh_callback()

    def _send(self, method, path, query, json_body, text_body, is_batch):
        headers = {"Authorization": f"Bearer {self._access_token}", "Accept": "application/json"}
        data = None
        if text_body is not None:
            headers["Content-Type"] = "application/text"
            data = text_body.encode("utf-8")
        with self.rate_limiter.slot(is_batch):
            return self._session.request(
                method,
                path if _is_absolute(path) else self._company_url + path,
                params=query,
                json=json_body,
                data=data,
                headers=headers,
                timeout=self.timeout,
            )

    def _network_failure(self, exc, is_write, request_id):
        """(error to raise, whether the request may be sent again) for a
        network failure."""
        detail = type(exc).__name__
        if _never_sent(exc):
            return QboConnectionError(detail=detail), True
        if is_write:
            # Sent without an answer: QuickBooks may or may not have saved it.
            return QboTimeout(detail=detail), bool(self.retry_unknown_writes and request_id)
        if isinstance(exc, requests.Timeout):
            message = "QuickBooks did not answer in time; try again in a few minutes."
            return QboConnectionError(message, detail=detail), True
        return QboConnectionError(detail=detail), True

    def _wait_before_retry(self, response, attempt, throttled):
        if not throttled:
            self._sleep(self._backoff(attempt))
            return
        # Intuit documents no Retry-After header and says to wait 60 seconds
        # after a 429: honour the header when present, else wait the limiter's
        # minute (60 s in production, shorter in tests). The pause holds back
        # every request to this company, not only this one.
        retry_after = _seconds(response.headers.get("Retry-After"))
        self.rate_limiter.pause_for(
            retry_after if retry_after is not None else self.rate_limiter.minute_seconds
        )

    def _backoff(self, attempt):
        return min(self.backoff_base * 2**attempt, MAX_BACKOFF_SECONDS)


def _is_absolute(path):
    return path.startswith(("https://", "http://"))


def _is_throttled(response):
    """Whether QuickBooks throttled this request: a 429, whatever its body
    (JSON or XML fault, facts section 7), or a 403 whose fault is code 3001
    ThrottleExceeded (how throttling was answered in 2016, facts section 7)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    error = error_from_response(response.status_code, response.content, response.headers)
    return isinstance(error, QboThrottled)


def _decode(response):
    try:
        answer = response.json()
    except ValueError:
        raise QboServerUnavailable(
            _lt("QuickBooks sent an answer that could not be read; try again in a few minutes."),
            detail=response.text[:500],
            intuit_tid=response.headers.get("intuit_tid"),
            http_status=response.status_code,
        ) from None
    # An OK status may still carry a fault (Intuit's error-code page).
    if isinstance(answer, dict) and "Fault" in answer:
        raise error_from_response(response.status_code, answer, response.headers)
    return answer


def _never_sent(exc):
    """True when the request cannot have reached QuickBooks: connection refused,
    name resolution failure or connect timeout."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    # requests wraps urllib3's MaxRetryError, whose ``reason`` is the cause.
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError)


def _seconds(header_value):
    try:
        return max(0.0, float(header_value))
    except (TypeError, ValueError):
        return None


def _entity_from(answer, entity):
    """The entity of a single-entity answer ``{"Customer": {...}, "time": ...}``."""
    if entity in answer:
        return answer[entity]
    return next((value for value in answer.values() if isinstance(value, dict)), None)


def _batch_entry(bid, item):
    if item.operation == "query":
        return {"bId": bid, "Query": item.payload}
    return {"bId": bid, "operation": item.operation, item.entity: item.payload}


def _batch_request_id(batch_items, round_number):
    """32 hex characters derived from the items' request ids (None when an item
    has none: a query-only request must not replay an old answer).

    A retry round after item-level throttling gets its own id: re-using the
    first one would replay the throttled answers.
    """
    if any(not item.request_id for item in batch_items):
        return None
    seed = "\n".join(item.request_id for item in batch_items)
    if round_number:
        seed += f"\nretry {round_number}"
    return uuid.uuid5(BATCH_REQUEST_ID_NAMESPACE, seed).hex


def _batch_result(item, answer, intuit_tid):
    if answer is None:
        return BatchResult(
            item,
            error=QboTimeout(
                _lt(
                    "QuickBooks returned no result for this entry, so it is not known whether it "
                    "was saved there: check QuickBooks before sending it again."
                ),
                intuit_tid=intuit_tid,
            ),
        )
    if "Fault" in answer:
        return BatchResult(item, error=error_from_fault(answer["Fault"], intuit_tid=intuit_tid))
    if item.operation == "query":
        return BatchResult(item, data=answer.get("QueryResponse", {}))
    return BatchResult(item, data=_entity_from(answer, item.entity))
