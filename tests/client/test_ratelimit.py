"""Unit tests of the per-realm rate limiter, on a fake clock."""

import threading
import time

import pytest

from qb_timesheet_sync.qbo.ratelimit import RealmRateLimiter, limiter_for
from tests.client.helpers import FakeClock


def make_limiter(clock, **kwargs):
    return RealmRateLimiter(clock=clock, sleep=clock.sleep, **kwargs)


def take(limiter, count, is_batch=False):
    for _ in range(count):
        with limiter.slot(is_batch):
            pass


def test_limits_are_intuit_numbers_over_a_window_a_little_longer_than_a_minute():
    limiter = RealmRateLimiter()
    assert (limiter.requests_per_minute, limiter.batches_per_minute) == (500, 40)
    assert 60.0 < limiter.window_seconds <= 63.0
    assert limiter.max_in_flight == 10
    assert limiter.second_seconds == 1.0


@pytest.mark.parametrize("is_batch, limit", [(False, 500), (True, 40)])
def test_requests_started_together_reach_intuit_a_minute_apart_despite_jitter(is_batch, limit):
    """Ten places take their turns at once, request after request: any
    limit + 1 starts in a row span the window's margin beyond a minute, so
    however late the first of them reaches Intuit (by up to the margin) and
    however early the last, no minute of Intuit's holds more than its limit."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    starts = []
    for _ in range(3 * limit):
        with limiter.slot(is_batch):
            starts.append(clock.now)
    jitter = limiter.window_seconds - 60.0
    assert jitter >= 1.0, "a second of jitter at least"
    spans = [later - first for first, later in zip(starts, starts[limit:], strict=False)]
    assert min(spans) >= 60.0 + jitter - 1e-9
    assert starts.count(0.0) == 10, "the first ten started together"


def test_minute_window_blocks_until_the_oldest_request_leaves_it():
    clock = FakeClock()
    limiter = make_limiter(clock, requests_per_minute=100, max_in_flight=1000)
    allowed = limiter.requests_per_minute
    take(limiter, allowed)
    assert clock.sleeps == []
    clock.advance(10)
    take(limiter, 1)
    # The first request started at t=0: the next one may start once it has
    # left the window, a minute and its margin later.
    assert clock.now == pytest.approx(limiter.window_seconds)
    assert sum(clock.sleeps) == pytest.approx(limiter.window_seconds - 10)


def test_window_slides_instead_of_resetting_each_minute():
    clock = FakeClock()
    limiter = make_limiter(clock, requests_per_minute=20, max_in_flight=1000)
    allowed = limiter.requests_per_minute  # 20
    take(limiter, 10)
    clock.advance(30)
    take(limiter, allowed - 10)
    assert clock.sleeps == []
    take(limiter, 1)
    # The window lasts 61.2 s: the ten requests of t=0 leave it at t=61.2;
    # those of t=30 stay until t=91.2.
    assert clock.now == pytest.approx(61.2)
    take(limiter, 9)
    assert clock.now == pytest.approx(61.2)
    take(limiter, 1)
    assert clock.now == pytest.approx(91.2)


def test_at_most_max_in_flight_requests_start_per_second():
    clock = FakeClock()
    limiter = make_limiter(clock, max_in_flight=10, minute_seconds=60.0)
    take(limiter, 10)
    assert clock.now == 0.0
    take(limiter, 1)
    assert clock.now == pytest.approx(1.0)


def test_batch_requests_have_their_own_per_minute_limit():
    clock = FakeClock()
    limiter = make_limiter(clock, batches_per_minute=40)
    allowed = limiter.batches_per_minute  # 40
    for _ in range(allowed):
        take(limiter, 1, is_batch=True)
        clock.advance(1)
    start = clock.now
    take(limiter, 1)  # an ordinary request is not held back by the batch limit
    assert clock.now == start
    take(limiter, 1, is_batch=True)
    assert clock.now == pytest.approx(61.2)


def test_a_batch_request_is_chosen_only_with_room_beside_those_reserved():
    clock = FakeClock()
    limiter = make_limiter(clock, batches_per_minute=2)
    assert limiter.reserve_batch()
    assert limiter.reserve_batch()
    assert not limiter.reserve_batch(), "two chosen, not yet in the window: no room left"
    take(limiter, 1, is_batch=True)
    assert not limiter.reserve_batch(), "one in the window, one still reserved"
    take(limiter, 1, is_batch=True)
    assert not limiter.reserve_batch(), "both in the window"
    assert limiter.reserve_batch(force=True), "a request only a batch carries goes anyway"


def test_a_batch_request_in_flight_is_counted_once():
    """Once a batch request has its turn, the window counts it and its
    reservation ends: while it is in flight, the room left is the window's."""
    clock = FakeClock()
    limiter = make_limiter(clock, batches_per_minute=2)
    assert limiter.reserve_batch()
    with limiter.slot(is_batch=True):
        assert limiter.batch_room() == 1
        assert limiter.reserve_batch(), "the batch in flight is counted in the window only"
        assert not limiter.reserve_batch()


def test_a_reservation_whose_batch_never_took_its_turn_runs_out():
    """A batch request that failed before its turn does not hold the room
    for ever: its reservation ends after the window's minute."""
    clock = FakeClock()
    limiter = make_limiter(clock, batches_per_minute=2, minute_seconds=60.0)
    assert limiter.reserve_batch()
    assert limiter.reserve_batch()
    assert not limiter.reserve_batch()
    clock.advance(61)
    assert not limiter.reserve_batch(), "the window lasts a minute and its margin"
    clock.advance(0.3)
    assert limiter.reserve_batch(), "the two reservations ran out"


def test_time_scale_follows_minute_seconds():
    clock = FakeClock()
    limiter = make_limiter(clock, requests_per_minute=20, max_in_flight=1000, minute_seconds=0.6)
    take(limiter, limiter.requests_per_minute + 1)
    assert clock.now == pytest.approx(0.6 * 1.02)


def test_pause_holds_back_every_request():
    clock = FakeClock()
    limiter = make_limiter(clock)
    take(limiter, 1)
    limiter.pause_for(5)
    limiter.pause_for(2)  # a shorter pause does not cut the longer one
    take(limiter, 1)
    assert clock.now == pytest.approx(5.0)
    take(limiter, 1)
    assert clock.now == pytest.approx(5.0)


def test_in_flight_requests_are_bounded_across_threads():
    limiter = RealmRateLimiter(max_in_flight=3, minute_seconds=0.06)
    lock = threading.Lock()
    running = 0
    peak = 0

    def work():
        nonlocal running, peak
        with limiter.slot():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert peak == 3


def test_limiter_for_shares_one_limiter_per_realm():
    created = []

    def fetch():
        created.append(limiter_for("ratelimit-test-realm", minute_seconds=1.0))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(limiter) for limiter in created}) == 1
    assert created[0].minute_seconds == 1.0
    assert limiter_for("ratelimit-test-realm") is created[0]
    assert limiter_for("ratelimit-test-other-realm") is not created[0]
