# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks batch requests (up to 30 operations in one request,
docs/ASSUMPTIONS.md#batch-size):
the items, their results, and how :class:`~.client.QboClient` sends them,
replays them after a crash and sends again the items throttled one by one."""
# Not an Odoo model: nothing to super().
# pylint: disable=unknown-option-value,method-required-super

import uuid
from dataclasses import dataclass

from .answers import decode_answer, entity_from
from .errors import QboError, QboThrottled, QboTimeout, error_from_fault
from .text import _lt

MAX_BATCH_ITEMS = 30
BATCH_OPERATIONS = {"create", "update", "delete", "query"}
# Fixed namespace of the request ids derived for batch chunks: changing it
# would stop a chunk re-sent after an upgrade from replaying.
BATCH_REQUEST_ID_NAMESPACE = uuid.UUID("5dfdf1a7-b99b-4191-8ba6-59d63061624f")


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


class BatchRequests:
    """The batch requests of :class:`~.client.QboClient` (a part of it: it
    uses the client's ``_exchange``, ``max_retries`` and ``rate_limiter``)."""

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
        answer = decode_answer(response)
        answers = {entry.get("bId"): entry for entry in answer.get("BatchItemResponse", [])}
        return answers, response.headers.get("intuit_tid")


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
    return BatchResult(item, data=entity_from(answer, item.entity))
