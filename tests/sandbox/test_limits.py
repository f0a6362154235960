"""Throttling per realm: requests and batches per "minute", requests in flight."""

import concurrent.futures
import socket
import time

import pytest
import requests

from tests.qbo_sandbox.testing import DEMO_REALM_ID, api

OTHER_REALM = {"realms": [{"realm_id": "123146000000001", "company_name": "Other Co"}]}


def parallel_statuses(sandbox_api, count):
    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(sandbox_api.get, "preferences") for _ in range(count)]
        return sorted(future.result().status_code for future in futures)


def assert_throttled(response):
    assert response.status_code == 429
    assert response.headers["intuit_tid"]
    fault = response.json()["Fault"]
    assert fault["type"] == "SERVICE"
    error = fault["Error"][0]
    assert error["code"] == "3001"
    assert error["Message"] == "message=ThrottleExceeded; errorCode=003001; statusCode=429"
    assert error["Detail"] == "The request limit was reached.  Try again later"


def test_requests_per_minute(sandbox, sandbox_api):
    sandbox.configure(minute_seconds=1.0, requests_per_minute=5)
    started = time.monotonic()
    statuses = [sandbox_api.get("preferences").status_code for _ in range(5)]
    assert statuses == [200] * 5
    throttled = sandbox_api.get("preferences")
    assert time.monotonic() - started < 1.0, "the test machine is too slow for this window"
    assert_throttled(throttled)
    assert sandbox.stats()["throttled"] == 1
    time.sleep(1.1)
    assert sandbox_api.get("preferences").status_code == 200


def test_limits_are_per_realm(sandbox, sandbox_api):
    sandbox.seed(OTHER_REALM)
    other = api(sandbox, "123146000000001")
    sandbox.configure(minute_seconds=30, requests_per_minute=2)
    assert [sandbox_api.get("preferences").status_code for _ in range(3)] == [200, 200, 429]
    assert other.get("preferences").status_code == 200


def test_batches_per_minute(sandbox, sandbox_api):
    sandbox.configure(minute_seconds=30, batches_per_minute=2)
    batch = {"BatchItemRequest": [{"bId": "q", "Query": "select * from Item"}]}
    assert [sandbox_api.post("batch", json=batch).status_code for _ in range(2)] == [200, 200]
    assert_throttled(sandbox_api.post("batch", json=batch))
    # Ordinary calls still go through.
    assert sandbox_api.get("preferences").status_code == 200


def test_concurrent_requests_limit(sandbox, sandbox_api):
    sandbox.configure(max_concurrent=3, latency_ms=400)
    statuses = parallel_statuses(sandbox_api, 8)
    assert statuses.count(200) >= 3
    assert statuses.count(429) >= 1
    assert set(statuses) == {200, 429}
    assert sandbox.stats()["max_concurrent_seen"] == 3


def test_limits_can_be_switched_off(sandbox, sandbox_api):
    sandbox.configure(max_concurrent=2, requests_per_minute=1, latency_ms=400, enforce_limits=False)
    assert parallel_statuses(sandbox_api, 6) == [200] * 6
    assert sandbox.stats()["max_concurrent_seen"] > 2
    assert sandbox.stats()["throttled"] == 0


def test_throttle_answer_can_be_xml(sandbox, sandbox_api):
    sandbox.configure(minute_seconds=30, requests_per_minute=1, throttle_format="xml")
    assert sandbox_api.get("preferences").status_code == 200
    throttled = sandbox_api.get("preferences")  # asks for JSON, as the client does
    assert throttled.status_code == 429
    assert throttled.headers["Content-Type"].startswith("application/xml")
    assert throttled.headers["intuit_tid"]
    body = throttled.text
    assert "<IntuitResponse" in body
    assert '<Fault type="SERVICE"><Error code="3001">' in body
    assert "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>" in body


def test_busy_seconds_add_up_the_requests_in_flight(sandbox, sandbox_api):
    sandbox.configure(latency_ms=300)
    before = sandbox.stats()["busy_seconds"].get(DEMO_REALM_ID, 0)
    statuses = parallel_statuses(sandbox_api, 4)
    assert statuses == [200] * 4
    busy = sandbox.stats()["busy_seconds"][DEMO_REALM_ID] - before
    # Four requests of at least 0.3 s each, run at the same time or not.
    assert busy >= 4 * 0.3


def test_latency_jitter_is_a_random_extra_on_every_call(sandbox, sandbox_api):
    sandbox.configure(latency_ms=10, batch_latency_ms=20, latency_jitter_ms=50, random_seed=3)
    singles = [sandbox.delay_ms("query") for _ in range(200)]
    batches = [sandbox.delay_ms("batch") for _ in range(200)]
    assert all(10 <= delay <= 60 for delay in singles)
    assert all(30 <= delay <= 80 for delay in batches)
    assert len(set(singles)) > 100, "a random extra, not a constant"
    sandbox.configure(random_seed=3)
    assert [sandbox.delay_ms("query") for _ in range(200)] == singles, "reproducible"
    # A call waits at least its latency (only a lower bound: the machine may be slow).
    started = time.monotonic()
    assert sandbox_api.get("preferences").status_code == 200
    assert time.monotonic() - started >= 0.01
    with pytest.raises(ValueError):
        sandbox.configure(latency_jitter_ms=-1)


def test_answers_are_not_held_back_by_nagles_algorithm(sandbox):
    """The sandbox's latency is the one it is told to imitate: an answer's
    body, written after its headers, leaves without waiting for the client
    to acknowledge them (TCP_NODELAY on every connection it accepts)."""
    session = requests.Session()
    for _attempt in range(2):  # the second on the kept-alive connection
        assert session.get(f"{sandbox.url}/_sandbox/stats", timeout=10).status_code == 200
    connections = list(sandbox._httpd._connections)
    assert connections, "a kept-alive connection is open"
    for connection in connections:
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    session.close()
