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

import collections
import contextlib
import queue
import threading

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


def in_flight_ceiling(
    single_seconds,
    batch_seconds,
    requests_per_minute=500,
    batches_per_minute=40,
    batch_size=MAX_BATCH_ITEMS,
    max_in_flight=MAX_IN_FLIGHT,
):
    """Lines a minute at most when QuickBooks answers a single request in
    ``single_seconds`` and a batch request in ``batch_seconds``: ``max_in_flight``
    requests at a time give ``max_in_flight`` x 60 seconds of requests a
    minute, which the minute's batch requests and single requests share
    (a batch carries ``batch_size`` lines for ``batch_seconds``, a single
    request one line for ``single_seconds``). Below :func:`ceiling_formula`'s
    figure when the answers are slow enough."""
    room = max_in_flight * 60.0
    best = 0
    for batches in range(batches_per_minute + 1):
        left = room - batches * batch_seconds
        if left < 0:
            break
        singles = min(requests_per_minute - batches, int(left // single_seconds))
        best = max(best, batches * batch_size + singles)
    return best


def deliver(client, items, max_in_flight=MAX_IN_FLIGHT):
    """One :class:`BatchResult` per item of ``items`` (:class:`BatchItem`), in
    their order (see :func:`deliver_as_completed`)."""
    results = {
        id(result.item): result for result in deliver_as_completed(client, items, max_in_flight)
    }
    return [results[id(item)] for item in items]


def deliver_as_completed(client, items, max_in_flight=MAX_IN_FLIGHT):
    """The :class:`BatchResult` of each item of ``items``, yielded as soon as
    its request has answered (see :func:`deliver_requests_as_completed`)."""
    for results in deliver_requests_as_completed(client, items, max_in_flight):
        yield from results


def deliver_requests_as_completed(client, items, max_in_flight=MAX_IN_FLIGHT):
    """The results of each request carrying ``items`` (a list of
    :class:`BatchResult`, one per item it carried), yielded as soon as it
    has answered, with those of the requests that answered meanwhile
    (:meth:`Delivery.answered`), so the caller records the answers of whole
    requests at once while the next requests are in flight (one
    :class:`Delivery` for ``items``).

    If the caller stops early (an exception while recording), no further
    request leaves; those in flight end first.
    """
    if not items:
        return
    with Delivery(client, max_in_flight) as delivery:
        delivery.submit(items)
        while delivery.outstanding():
            results = delivery.answered()
            if results:
                yield results


class Delivery:
    """Requests to one QuickBooks company that go on while the caller adds
    items: the worker threads never wait for the caller between two sets of
    items, as long as it submits the next ones before those submitted have
    all left (:meth:`waiting`). Each request is a batch request of up to 30
    items while the batch window has room, else one item alone.

    With ``max_in_flight`` 1 everything happens in the calling thread, in
    :meth:`next_results`; otherwise up to ``max_in_flight`` threads only talk
    HTTP, and the caller's thread only submits items and takes the results.
    """

    def __init__(self, client, max_in_flight=MAX_IN_FLIGHT):
        self.client = client
        self.max_in_flight = max(1, max_in_flight)
        self._items = collections.deque()  # submitted, not yet sent
        self._answers = queue.SimpleQueue()  # the results of each request
        self._outstanding = 0  # submitted, result not yet taken
        self._closed = False
        self._condition = threading.Condition()
        self._threads = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def submit(self, items):
        """Add ``items`` (:class:`BatchItem`) to send, after those submitted."""
        with self._condition:
            if self._closed:
                raise RuntimeError("this delivery is closed")
            self._items.extend(items)
            self._outstanding += len(items)
            self._condition.notify_all()
        if self.max_in_flight > 1:
            self._start_workers()

    def waiting(self):
        """Items submitted that no request carries yet."""
        with self._condition:
            return len(self._items)

    def outstanding(self):
        """Items submitted whose result the caller has not taken yet."""
        with self._condition:
            return self._outstanding

    def next_results(self, timeout=None):
        """The results of the next request to answer (a list, one per item it
        carried), waiting at most ``timeout`` seconds (``None``: as long as
        it takes); an empty list when none answered by then or nothing is
        outstanding."""
        if not self.outstanding():
            return []
        if self.max_in_flight == 1:
            results = self._send_next()
        else:
            try:
                results = self._answers.get(timeout=timeout)
            except queue.Empty:
                return []
        if isinstance(results, BaseException):
            raise results
        with self._condition:
            self._outstanding -= len(results)
        return results

    def answered(self, timeout=None):
        """The results of :meth:`next_results`, and those of every other
        request that has answered meanwhile (in the order they answered), so
        that the caller records them together."""
        results = self.next_results(timeout)
        while results and self.max_in_flight > 1:
            try:
                more = self._answers.get_nowait()
            except queue.Empty:
                break
            if isinstance(more, BaseException):
                # Raised at the next call, once these results are recorded.
                self._answers.put(more)
                break
            with self._condition:
                self._outstanding -= len(more)
            results = results + more
        return results

    def close(self):
        """Send nothing more; wait for the requests in flight to end."""
        with self._condition:
            self._closed = True
            self._outstanding -= len(self._items)
            self._items.clear()
            self._condition.notify_all()
        for thread in self._threads:
            thread.join()

    def _start_workers(self):
        with self._condition:
            wanted = min(self.max_in_flight, len(self._threads) + len(self._items))
            while len(self._threads) < wanted:
                thread = threading.Thread(
                    target=self._work, name=f"qbo-send-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _work(self):
        try:
            while True:
                with self._condition:
                    while not self._items and not self._closed:
                        self._condition.wait()
                    if self._closed:
                        return
                # Request after request while items wait, as one session of
                # the rate limiter's (a cursor kept for its window).
                with self._sending_thread():
                    while results := self._send_next():
                        self._answers.put(results)
        except BaseException as error:
            # Raised again in the caller's thread, which waits for answers.
            with self._condition:
                self._closed = True
                self._items.clear()
                self._condition.notify_all()
            self._answers.put(error)

    def _send_next(self):
        """Send the next request; its results ([] when nothing was left)."""
        items, is_batch = self._take()
        if not items:
            return []
        return self._send(items, is_batch)

    def _take(self):
        with self._condition:
            if not self._items:
                return [], False
            first = self._items[0]
            if first.operation in SINGLE_OPERATIONS:
                alone = not self._reserve_batch()
            else:  # only a batch request carries it
                alone = False
                self._reserve_batch(force=True)
            count = 1 if alone else min(MAX_BATCH_ITEMS, len(self._items))
            items = [self._items.popleft() for _index in range(count)]
            return items, not alone

    def _sending_thread(self):
        session = getattr(self.client.rate_limiter, "sending_thread", None)
        return session() if session else contextlib.nullcontext()

    def _reserve_batch(self, force=False):
        """Whether the next request may be a batch request: the rate
        window has room for it beside the batch requests chosen and not yet
        counted (``RealmRateLimiter.reserve_batch``)."""
        reserve = getattr(self.client.rate_limiter, "reserve_batch", None)
        return reserve is None or reserve(force)

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
