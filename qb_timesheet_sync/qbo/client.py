# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""HTTP client of the QuickBooks Online Accounting API (v3) for one company."""
# Not an Odoo model: read/create/... are QuickBooks operations, nothing to super().
# pylint: disable=unknown-option-value,method-required-super

import logging
import re
import threading
import time
from collections import Counter
from datetime import UTC
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from .answers import decode_answer, entity_from
from .batch import BatchRequests
from .changes import change_set, changed_since_text
from .errors import (
    QboConnectionError,
    QboServerUnavailable,
    QboThrottled,
    QboTimeout,
    QboValidationError,
    error_from_response,
)
from .ratelimit import limiter_for
from .updates import MIN_IDS_PER_QUERY, id_chunks, in_query

_logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
MAX_REQUEST_ID_LENGTH = 50
MAX_BACKOFF_SECONDS = 30.0
RETRY_STATUSES = {500, 502, 503, 504}
# Query faults after which an ``Id IN`` query is tried again in halves: the
# query cannot be parsed or processed (4000-4002), result set too big (10100).
_QUERY_SIZE_CODES = {"4000", "4001", "4002", "10100"}
_PAGING_CLAUSE = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)


class EnvironmentOnceSession(requests.Session):
    """A :class:`requests.Session` that reads the environment's proxies and CA
    bundle (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``...) once per
    host, not before each request: requests reads every environment variable
    for each one, a good part of the time a send spends on a request."""

    def __init__(self):
        super().__init__()
        self._environment_settings = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        settings = self._environment_settings.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment_settings[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


class QboClient(BatchRequests):
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

    ``meter(kind)``, when given, is called after each call Intuit meters
    (``"CorePlus"`` or ``"Core"``), from the thread that made it.
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
        meter=None,
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
        # ``meter(kind)`` is told of each metered call too (the app's monthly
        # read budget, kept by the caller); it must not raise.
        self._meter = meter
        self._sleep = sleep
        self._session = session or EnvironmentOnceSession()
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
        return entity_from(answer, entity)

    def query(self, statement, page_size=MAX_PAGE_SIZE, max_rows=None):
        """Every row of ``statement`` (a SELECT without STARTPOSITION or
        MAXRESULTS), fetched page by page; ``max_rows``: the statement cannot
        return more, so a full page that reaches it is the last one (no
        metered read of an empty page)."""
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
            if len(page_rows) < page_size or (max_rows and len(rows) >= max_rows):
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
        has: one query per chunk of ids (``Id IN``, ``.updates.id_chunks``), and no page
        more, since such a query cannot return more rows than ids. Deleted
        transactions are never returned by a query
        (docs/ASSUMPTIONS.md#deleted-time-activity-gone), so an id left out was
        deleted. Queries select ``*``: QuickBooks has no projections
        (docs/ASSUMPTIONS.md#no-query-projections). They are POSTed, so no URL length limit."""
        found = {}
        # A chunk QuickBooks cannot answer (a server error, a timeout, a query
        # fault) is asked again in halves, down to MIN_IDS_PER_QUERY ids
        # (docs/ASSUMPTIONS.md#id-in-query-size).
        chunks = list(id_chunks(activity_ids))
        while chunks:
            chunk = chunks.pop()
            try:
                rows = self.query(in_query(chunk), max_rows=len(chunk))
            except (QboServerUnavailable, QboConnectionError, QboValidationError) as error:
                too_big = not isinstance(error, QboValidationError) or (
                    error.code in _QUERY_SIZE_CODES
                )
                if not too_big or len(chunk) <= MIN_IDS_PER_QUERY:
                    raise
                half = len(chunk) // 2
                chunks += [chunk[half:], chunk[:half]]
                continue
            for record in rows:
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
        return entity_from(answer, entity)

    def update(self, entity, payload, request_id, sparse=False):
        """Full update (writable fields left out are cleared), or sparse update."""
        body = dict(payload, sparse=True) if sparse else payload
        answer = self._request(
            "POST", entity.lower(), json_body=body, request_id=request_id, is_write=True
        )
        return entity_from(answer, entity)

    def delete(self, entity, qbo_id, sync_token, request_id):
        answer = self._request(
            "POST",
            entity.lower(),
            params={"operation": "delete"},
            json_body={"Id": str(qbo_id), "SyncToken": str(sync_token)},
            request_id=request_id,
            is_write=True,
        )
        return entity_from(answer, entity)

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
        return decode_answer(self._exchange(method, path, **kwargs))

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
        (guess: Intuit does not say how a mixed batch is metered,
        docs/ASSUMPTIONS.md#batch-metering)."""
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
        if self._meter is not None:
            self._meter(kind)

    def _refresh_after_401(self, rejected_token):
        """A new access token, unless another thread got one meanwhile."""
        with self._refresh_lock:
            if self._access_token == rejected_token:
                self._access_token = self._refresh_callback()

    def _send(self, method, path, query, json_body, text_body, is_batch):
        headers = {"Accept": "application/json"}
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
                auth=_BearerToken(self._access_token),
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


class _BearerToken(requests.auth.AuthBase):
    """The access token, as the request's auth: requests then neither looks
    in ~/.netrc for each request nor lets a login found there for the host
    replace the token."""

    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _is_absolute(path):
    return path.startswith(("https://", "http://"))


def _is_throttled(response):
    """Whether QuickBooks throttled this request: a 429, whatever its body
    (JSON or XML fault), or a 403 whose fault is code 3001 ThrottleExceeded
    (how throttling was answered in 2016): docs/ASSUMPTIONS.md#throttle-answer."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    error = error_from_response(response.status_code, response.content, response.headers)
    return isinstance(error, QboThrottled)


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
