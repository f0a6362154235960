"""Per-realm throttling: requests and batches per "minute", and requests in flight.

Intuit's limits (docs/ASSUMPTIONS.md#rate-limits): 500 requests per minute per realm,
40 batch requests per minute, and
"10 requests per second" (current page) versus "10 concurrent" (2016 blog). The sandbox
enforces 10 in flight plus the per-minute counts. A batch counts once in each of the
two per-minute windows (unknown whether QBO counts a batch as one request or as N:
docs/ASSUMPTIONS.md#batch-metering).
"""

import collections
import threading
import time


class RealmLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._generation = 0
        self.reset()

    def reset(self):
        """Start afresh. Requests still running from before no longer count (see release)."""
        with self._lock:
            self._generation += 1
            self._requests = collections.defaultdict(collections.deque)
            self._batches = collections.defaultdict(collections.deque)
            self._in_flight = collections.Counter()
            self.max_in_flight_seen = 0
            # Per realm: seconds of requests in flight added up (10 requests
            # running for 1 s make 10), and when the count last changed.
            self._busy = collections.Counter()
            self._busy_since = {}

    def acquire(self, realm_id, is_batch, config):
        """Admit one request; return None when it must be throttled (answer 429).

        Otherwise return a ticket to hand to ``release()`` once the request is answered.
        """
        now = time.monotonic()
        with self._lock:
            requests = self._prune(self._requests[realm_id], now, config.minute_seconds)
            batches = self._prune(self._batches[realm_id], now, config.minute_seconds)
            if config.enforce_limits and (
                self._in_flight[realm_id] >= config.max_concurrent
                or len(requests) >= config.requests_per_minute
                or (is_batch and len(batches) >= config.batches_per_minute)
            ):
                return None
            requests.append(now)
            if is_batch:
                batches.append(now)
            self._add_busy(realm_id, now)
            self._in_flight[realm_id] += 1
            self.max_in_flight_seen = max(self.max_in_flight_seen, self._in_flight[realm_id])
            return self._generation

    def release(self, realm_id, ticket):
        with self._lock:
            # A request admitted before the last reset was already forgotten by it.
            if ticket == self._generation:
                self._add_busy(realm_id, time.monotonic())
                self._in_flight[realm_id] -= 1

    def busy_seconds(self):
        """{realm: seconds of requests in flight so far}: divided by the
        elapsed time and the limit on requests in flight, how much of the
        realm's room for requests in flight was used."""
        now = time.monotonic()
        with self._lock:
            for realm_id in list(self._busy_since):
                self._add_busy(realm_id, now)
            return dict(self._busy)

    def _add_busy(self, realm_id, now):
        since = self._busy_since.get(realm_id, now)
        self._busy[realm_id] += self._in_flight[realm_id] * (now - since)
        self._busy_since[realm_id] = now

    @staticmethod
    def _prune(window, now, minute_seconds):
        while window and window[0] <= now - minute_seconds:
            window.popleft()
        return window
