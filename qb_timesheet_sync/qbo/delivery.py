# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Many writes to one QuickBooks company, using both of its allowances.

QuickBooks allows a realm 40 batch requests a minute (of 30 operations each)
and 500 requests a minute in all, batch requests included
(docs/ASSUMPTIONS.md#rate-limits).
Batches alone give 40 x 30 = 1,200 lines a minute; the other 460 requests,
sent as single creates or updates, add 460:

    ceiling = 40 x 30 + (500 - 40) = 1,660 lines a minute.

:func:`deliver` sends batch requests while the realm's batch window has
room, and single requests while it is full, up to 10 in flight; the client's
rate limiter (shared by every Odoo process) paces them all. Every single
request carries the item's own request id, and a batch request an id derived
from its items' ids, so a send interrupted half-way replays instead of
duplicating.
"""

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from .batch import MAX_BATCH_ITEMS, BatchResult
from .errors import QboError

# Intuit: 10 requests in flight (and a second) per realm and app.
MAX_IN_FLIGHT = 10
SINGLE_OPERATIONS = {"create", "update"}


def ceiling_formula(requests_per_minute=500, batches_per_minute=40, batch_size=MAX_BATCH_ITEMS):
    """(lines a minute, the formula in words) of QuickBooks' ceiling for writes."""
    singles = requests_per_minute - batches_per_minute
    lines = batches_per_minute * batch_size + singles
    text = (
        f"{batches_per_minute} x {batch_size} + ({requests_per_minute} - {batches_per_minute})"
        f" = {lines:,} lines/minute"
    )
    return lines, text


def deliver(client, items, max_in_flight=MAX_IN_FLIGHT):
    """One :class:`BatchResult` per item of ``items`` (:class:`BatchItem`), in
    their order (see :func:`deliver_as_completed`)."""
    results = {
        id(result.item): result for result in deliver_as_completed(client, items, max_in_flight)
    }
    return [results[id(item)] for item in items]


def deliver_as_completed(client, items, max_in_flight=MAX_IN_FLIGHT):
    """The :class:`BatchResult` of each item of ``items``, yielded as soon as
    its request has answered, so the caller records the answers while the
    next requests are in flight. With ``max_in_flight`` 1, everything happens
    in the calling thread; otherwise in up to ``max_in_flight`` threads that
    only talk HTTP, and the caller's thread only takes the results.

    If the caller stops early (an exception while recording), no further
    request leaves; those in flight end first.
    """
    if not items:
        return
    workers = min(max_in_flight, len(items))
    answers = queue.SimpleQueue()
    dispatcher = _Dispatcher(client, items, answers.put)
    if workers <= 1:
        dispatcher.work()
        while not answers.empty():
            yield from answers.get()
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qbo-send")
    futures = [pool.submit(dispatcher.work) for _worker in range(workers)]
    try:
        received = 0
        while received < len(items):
            results = answers.get()
            if isinstance(results, BaseException):
                raise results
            received += len(results)
            yield from results
    finally:
        dispatcher.stopped = True
        pool.shutdown(wait=True)
        for future in futures:
            future.result()


class _Dispatcher:
    """Hands out the next request to the worker threads: a batch request of
    up to 30 items while the batch window has room, else one item alone."""

    def __init__(self, client, items, answer):
        self.client = client
        self.items = items
        self.answer = answer  # called with the results of each request
        self.next_index = 0
        self.batches_running = 0
        self.stopped = False
        self._lock = threading.Lock()

    def work(self):
        try:
            while True:
                indices, is_batch = self._take()
                if not indices:
                    return
                try:
                    results = self._send([self.items[index] for index in indices], is_batch)
                finally:
                    if is_batch:
                        with self._lock:
                            self.batches_running -= 1
                self.answer(results)
        except BaseException as error:
            # Raised again in the caller's thread, which waits for answers.
            self.stopped = True
            self.answer(error)
            raise

    def _take(self):
        with self._lock:
            start = self.next_index
            if self.stopped or start >= len(self.items):
                return [], False
            alone = self.items[start].operation in SINGLE_OPERATIONS and not self._batch_has_room()
            end = start + 1 if alone else min(start + MAX_BATCH_ITEMS, len(self.items))
            self.next_index = end
            if not alone:
                self.batches_running += 1
            return list(range(start, end)), not alone

    def _batch_has_room(self):
        # The batches of this delivery still running may already be in the
        # window: counting them again errs towards single requests.
        room = getattr(self.client.rate_limiter, "batch_room", None)
        return room is None or room() > self.batches_running

    def _send(self, items, is_batch):
        if is_batch:
            return _batch(self.client, items)
        item = items[0]
        try:
            if item.operation == "create":
                data = self.client.create(item.entity, item.payload, item.request_id)
            else:
                data = self.client.update(
                    item.entity,
                    item.payload,
                    item.request_id,
                    sparse=bool(item.payload.get("sparse")),
                )
        except QboError as error:
            return [BatchResult(item, error=error)]
        return [BatchResult(item, data=data)]


def _batch(client, items):
    """Results of one batch request, even when the whole request fails: the
    items without an answer then carry its error."""
    try:
        return client.batch(items)
    except QboError as error:
        done = {id(result.item): result for result in error.completed_results}
        return [done.get(id(item)) or BatchResult(item, error=error) for item in items]
