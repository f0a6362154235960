"""Delivery with both allowances against the sandbox: batch requests while
the batch window has room, single requests for the rest, 10 in flight, each
item created once and none throttled."""

import contextlib
import threading
import time
import uuid
from collections import Counter

from qb_timesheet_sync.qbo import BatchItem, QboClient, RealmRateLimiter
from qb_timesheet_sync.qbo.delivery import (
    Delivery,
    ceiling_formula,
    deliver,
    deliver_as_completed,
    deliver_requests_as_completed,
    in_flight_ceiling,
)
from tests.client.helpers import sandbox_stats, stored_records, time_activity
from tests.conftest import DEMO_REALM_ID


def items_for(people, count, prefix="D"):
    employee, customer = people["David Okafor"], people["Support Retainer"]
    return [
        BatchItem(
            "create",
            "TimeActivity",
            time_activity(employee, customer, f"{prefix}{number}"),
            uuid.uuid4().hex,
            key=number,
        )
        for number in range(count)
    ]


def client_for(environment, tokens, limiter):
    return QboClient(environment, DEMO_REALM_ID, tokens[0], rate_limiter=limiter, backoff_base=0.01)


def test_the_ceiling_formula():
    assert ceiling_formula() == (1660, "40 x 30 + (500 - 40) = 1,660 lines/minute")


def test_the_ceiling_of_requests_in_flight():
    # Fast answers: 40 batches (40 s of 600) and 460 singles (92 s) fit.
    assert in_flight_ceiling(0.2, 1.0) == 1660
    # 1 s and 5 s: 40 batches take 200 of the 600 seconds, 400 singles the rest.
    assert in_flight_ceiling(1.0, 5.0) == 40 * 30 + 400
    # Batches carry more lines per second in flight: all of them come first.
    assert in_flight_ceiling(2.0, 6.0) == 40 * 30 + 180
    # So slow that not even the batches fit: 600 / 20 = 30 of them.
    assert in_flight_ceiling(20.0, 20.0) == 30 * 30


def test_singles_take_over_while_the_batch_window_is_full(sandbox, environment, tokens, people):
    # QuickBooks' numbers on a "minute" of 2 s, 2 batch requests a minute:
    # 60 lines fit in batches, the other 40 go one by one.
    sandbox.configure(
        minute_seconds=2.0, requests_per_minute=500, batches_per_minute=2, max_concurrent=10
    )
    limiter = RealmRateLimiter(batches_per_minute=2, minute_seconds=2.0)
    items = items_for(people, 100)
    results = deliver(client_for(environment, tokens, limiter), items)

    assert [result.item.key for result in results] == list(range(100)), "in the items' order"
    assert all(result.ok for result in results)
    stats = sandbox_stats(sandbox)
    assert stats["requests"]["batch"] >= 2
    assert stats["requests"].get("entity_write", 0) + 30 * stats["requests"]["batch"] >= 100
    assert stats["requests"].get("entity_write", 0) > 0, "single creates used the other allowance"
    assert stats.get("throttled", 0) == 0
    assert stats["max_concurrent_seen"] <= 10
    descriptions = Counter(row["Description"] for row in stored_records(sandbox, "TimeActivity"))
    assert descriptions == Counter(f"D{number}" for number in range(100)), "each once"


def test_a_small_delivery_is_one_batch_request(sandbox, environment, tokens, people):
    results = deliver(client_for(environment, tokens, RealmRateLimiter()), items_for(people, 12))
    assert all(result.ok for result in results)
    stats = sandbox_stats(sandbox)
    assert stats["requests"]["batch"] == 1
    assert stats["requests"].get("entity_write", 0) == 0


def test_single_requests_keep_their_request_ids(sandbox, environment, tokens, people):
    """A delivery sent again after a crash replays, singles included."""
    sandbox.configure(requestid_mode="replay")
    limiter = RealmRateLimiter(batches_per_minute=1, minute_seconds=600)
    limiter.batch_room = lambda: 0  # the batch window is full: singles only
    items = items_for(people, 5, prefix="R")
    first = deliver(client_for(environment, tokens, limiter), items)
    again = deliver(client_for(environment, tokens, limiter), items)
    assert [result.data["Id"] for result in first] == [result.data["Id"] for result in again]
    assert len(stored_records(sandbox, "TimeActivity")) == 5


def test_an_item_refused_alone_carries_its_error(sandbox, environment, tokens, people):
    limiter = RealmRateLimiter()
    limiter.batch_room = lambda: 0
    items = items_for(people, 3)
    items[1].payload["EmployeeRef"] = {"value": "999999"}
    results = deliver(client_for(environment, tokens, limiter), items)
    assert [result.ok for result in results] == [True, False, True]
    assert results[1].error is not None


def test_answers_come_as_they_arrive_and_stopping_sends_no_more(
    sandbox, environment, tokens, people
):
    """The caller records each answer while the next requests are in flight;
    if it stops (an error while recording), no further request leaves."""
    # 40 singles, 10 in flight, 300 ms each: at least 1.2 s in all.
    sandbox.configure(latency_ms=300)
    limiter = RealmRateLimiter()
    limiter.batch_room = lambda: 0  # singles only: one answer per request
    items = items_for(people, 40, prefix="S")
    answers = deliver_as_completed(client_for(environment, tokens, limiter), items)
    first = next(answers)
    assert first.ok and first.item in items
    answers.close()
    made = len(stored_records(sandbox, "TimeActivity"))
    assert 1 <= made < 40, "the requests in flight ended, no other left"
    assert sandbox_stats(sandbox)["requests"].get("entity_write", 0) == made


def test_the_answers_of_each_request_come_together(sandbox, environment, tokens, people):
    """A batch request's answers come as one list (the caller records them at
    once), a single request's as a list of one, every item once."""
    limiter = RealmRateLimiter()
    rooms = iter([1, 0, 0])
    limiter.batch_room = lambda: next(rooms, 0)
    items = items_for(people, 33, prefix="R")
    items[2].payload["EmployeeRef"] = {"value": "999999"}
    answers = list(
        deliver_requests_as_completed(client_for(environment, tokens, limiter), items, 1)
    )
    assert [len(results) for results in answers] == [30, 1, 1, 1]
    assert [result.item for results in answers for result in results] == items
    assert [result.ok for result in answers[0]] == [True, True, False] + [True] * 27


def test_the_answers_that_came_meanwhile_are_taken_together(sandbox, environment, tokens, people):
    """While the caller records, the answers of other requests wait: the
    next call takes them all, each item once."""
    sandbox.configure(latency_ms=100)
    limiter = RealmRateLimiter()
    limiter.batch_room = lambda: 0  # singles only: one answer per request
    items = items_for(people, 20, prefix="M")
    taken = []
    with Delivery(client_for(environment, tokens, limiter), 10) as delivery:
        delivery.submit(items)
        time.sleep(0.5)  # the first ten have answered
        first = delivery.answered(timeout=5)
        assert len(first) > 1
        taken += first
        while delivery.outstanding():
            taken += delivery.answered(timeout=5)
    assert sorted(id(result.item) for result in taken) == sorted(id(item) for item in items)
    assert all(result.ok for result in taken)


class SessionsLimiter(RealmRateLimiter):
    """A limiter that notes, for each request, whether its thread was in a
    sending session (``sending_thread``), and how many sessions are open."""

    def __init__(self, **numbers):
        super().__init__(**numbers)
        self._sessions = threading.local()
        self.open_sessions = 0
        self.opened = 0
        self.outside = 0
        self._count_lock = threading.Lock()

    @contextlib.contextmanager
    def sending_thread(self):
        with self._count_lock:
            self.open_sessions += 1
            self.opened += 1
        self._sessions.open = True
        try:
            yield
        finally:
            self._sessions.open = False
            with self._count_lock:
                self.open_sessions -= 1

    @contextlib.contextmanager
    def slot(self, is_batch=False):
        if not getattr(self._sessions, "open", False):
            with self._count_lock:
                self.outside += 1
        with super().slot(is_batch):
            yield


def test_each_sending_thread_is_one_session_of_the_limiter(sandbox, environment, tokens, people):
    """The worker threads send request after request inside the limiter's
    session (where the limiter shared through PostgreSQL keeps a cursor), a
    session per run of requests, not per request; all are closed at the end."""
    limiter = SessionsLimiter(batches_per_minute=1, minute_seconds=600)
    limiter.batch_room = lambda: 0  # singles only: 40 requests
    results = deliver(client_for(environment, tokens, limiter), items_for(people, 40, "S"))
    assert all(result.ok for result in results)
    assert limiter.outside == 0, "every request inside a session"
    assert 1 <= limiter.opened < 40, "a session holds many requests"
    assert limiter.open_sessions == 0, "every session closed when the delivery ends"
