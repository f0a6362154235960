# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Client-side pacing of the requests made to one QuickBooks company (realm).

Intuit's limits (docs/ASSUMPTIONS.md#rate-limits): 500 requests per minute per realm, 10
requests per second (or 10 in flight) per realm and app, and 40 batch requests
per minute per realm and app. A 429 answer asks to wait before retrying.
"""

import threading
import time
from collections import deque
from contextlib import contextmanager

# Stay a little below Intuit's numbers. The windows are sliding ones (no
# minute of Intuit's, however aligned, can hold more than its limit), and
# every Odoo process and server of a company shares them in PostgreSQL, on
# PostgreSQL's clock: the margin covers only the difference between the
# moment a request is counted here and the moment it reaches Intuit (network
# latency and its jitter). It is a margin in time: Intuit's numbers, over a
# window a 50th longer than the minute (61.2 s). Requests that start
# together (ten places in flight taking their turns at once, a run's first
# batch requests) then leave the window together, and still reach Intuit
# more than a minute after those they replace, whatever their jitter up to
# 1.2 s. A margin in counts (say 490 and 39 a minute) would not: the next
# burst may start a minute after the first to the millisecond, and any
# jitter puts the two in one minute of Intuit's.
JITTER_MARGIN = 0.02


class RealmRateLimiter:
    """Sliding-window limits plus a bound on requests in flight, for one realm.

    ``minute_seconds`` sets the length of a "minute" so tests can shrink time;
    ``clock`` and ``sleep`` can be replaced by fakes.
    """

    def __init__(
        self,
        requests_per_minute=500,
        batches_per_minute=40,
        max_in_flight=10,
        minute_seconds=60.0,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        self.requests_per_minute = requests_per_minute
        self.batches_per_minute = batches_per_minute
        # Intuit's wording is "10 requests per second" now and "10 concurrent
        # requests" in 2016: enforce both with the same number.
        self.max_in_flight = max_in_flight
        self.requests_per_second = max_in_flight
        self.minute_seconds = minute_seconds
        # The length of the per-minute windows, the margin included.
        self.window_seconds = minute_seconds * (1 + JITTER_MARGIN)
        self.second_seconds = minute_seconds / 60.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._request_times = deque()
        self._batch_times = deque()
        self._paused_until = 0.0
        self._reservations = BatchReservations(self.window_seconds, clock)

    @contextmanager
    def slot(self, is_batch=False):
        """Block until one more request may go, and hold its place while it runs."""
        with self._in_flight:
            self._wait_for_turn(is_batch)
            yield

    @contextmanager
    def sending_thread(self):
        """While the block runs, this thread sends request after request.
        Nothing to prepare for it here; the limiter shared through PostgreSQL
        keeps a cursor for the thread."""
        yield

    def pause_for(self, seconds):
        """Hold back every request of this realm for ``seconds`` (after a 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def batch_room(self):
        """How many batch requests the minute's window has room for now."""
        with self._lock:
            now = self._clock()
            _forget_before(self._batch_times, now - self.window_seconds)
            return self.batches_per_minute - len(self._batch_times)

    def reserve_batch(self, force=False):
        """Whether one more batch request may be chosen now (see
        :class:`BatchReservations`)."""
        return self._reservations.reserve(self.batch_room, force)

    def _wait_for_turn(self, is_batch):
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now, is_batch)
                if wait <= 0:
                    self._request_times.append(now)
                    if is_batch:
                        self._batch_times.append(now)
                    break
            self._sleep(wait)
        if is_batch:
            # Counted in the window from now on, not as a reservation.
            self._reservations.counted()

    def _wait_needed(self, now, is_batch):
        """Seconds to wait before a request may start at ``now`` (0 when it may)."""
        _forget_before(self._request_times, now - self.window_seconds)
        _forget_before(self._batch_times, now - self.window_seconds)
        return max(
            self._paused_until - now,
            window_wait(self, self._latest, now, is_batch),
        )

    def _latest(self, kind, n):
        times = self._request_times if kind == "requests" else self._batch_times
        return _nth_latest(times, n)


class BatchReservations:
    """The batch requests chosen to be sent (``qbo/delivery.py`` chooses
    between a batch request and a single one) that have not yet taken their
    turn in the rate window, so the window does not count them yet.

    A batch request is chosen only when the window has room for it beside
    the ones reserved before it: a batch request chosen without room would
    hold a place in flight and 30 lines while it waits for the window, when
    single requests could go. Once a batch request has its turn, the window
    counts it and its reservation ends (whichever reserved batch request
    takes the turn: only their number matters), so a batch request in flight
    is never counted twice. A reservation whose request never took its turn
    (it failed before) runs out after ``max_age`` seconds, the length of
    the per-minute window, so the room it held comes back.
    """

    def __init__(self, max_age, clock=time.monotonic):
        self._lock = threading.Lock()
        self._max_age = max_age
        self._clock = clock
        self._made = deque()  # when each reservation still open was made

    def reserve(self, batch_room, force=False):
        """Reserve a batch request if ``batch_room()`` (the window's room)
        leaves room beside the reservations, or anyway with ``force`` (a
        request that can only go as a batch); returns whether reserved."""
        with self._lock:
            now = self._clock()
            _forget_before(self._made, now - self._max_age)
            if not force and batch_room() - len(self._made) <= 0:
                return False
            self._made.append(now)
            return True

    def counted(self):
        """A batch request took its turn: the window counts it now. Called
        after the window recorded it, so that for a moment it is counted
        twice rather than not at all."""
        with self._lock:
            if self._made:
                self._made.popleft()


def window_wait(limits, latest, now, is_batch):
    """Seconds until a request may start at ``now`` under the sliding windows
    of ``limits`` (a :class:`RealmRateLimiter`, for its numbers), given
    ``latest(kind, n)``: the start of the n-th latest request already made
    (``kind`` "requests", batch requests included) or batch request
    ("batches"), None when fewer were made.

    The one rule of the windows: the process-local limiter and the one shared
    by every Odoo process through PostgreSQL (``qbo.rate.window``) both use
    it. A window that allows ``limit`` requests is full while the limit-th
    latest start is in it, and lets the next request go when it leaves.
    """
    return max(
        _window_wait(latest(kind, limit), window, now)
        for kind, limit, window in window_checks(limits, is_batch)
    )


def window_checks(limits, is_batch):
    """The windows :func:`window_wait` looks at for a request (a batch
    request with ``is_batch``): (kind of the requests counted, how many the
    window allows, its length in seconds) each."""
    checks = [
        ("requests", limits.requests_per_minute, limits.window_seconds),
        ("requests", limits.requests_per_second, limits.second_seconds),
    ]
    if is_batch:
        checks.append(("batches", limits.batches_per_minute, limits.window_seconds))
    return checks


def _nth_latest(times, n):
    """The n-th latest of the sorted ``times`` (None when there are fewer)."""
    return times[-n] if 0 < n <= len(times) else None


def _forget_before(times, threshold):
    while times and times[0] <= threshold:
        times.popleft()


def _window_wait(start, window, now):
    """Seconds until ``start`` (None: none) has left the ``window`` ending at ``now``."""
    if start is None:
        return 0.0
    return max(0.0, start + window - now)


_registry = {}
_registry_lock = threading.Lock()


def limiter_for(realm_id, **kwargs):
    """The process-wide limiter of ``realm_id``, created on first use.

    Every client of the same QuickBooks company in this process shares it, so
    parallel jobs stay under the company's limits together. ``kwargs`` (see
    :class:`RealmRateLimiter`) are only used when the limiter is created.
    """
    with _registry_lock:
        limiter = _registry.get(realm_id)
        if limiter is None:
            limiter = _registry[realm_id] = RealmRateLimiter(**kwargs)
        return limiter


def forget_limiters():
    """Drop every limiter. For tests, which reset the QuickBooks side between
    tests and need this side to start afresh too."""
    with _registry_lock:
        _registry.clear()
