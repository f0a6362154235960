"""QboClient paths the sandbox does not produce (item-level throttling,
Retry-After, XML bodies), driven by a scripted session and a fake clock."""

import json

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from qb_timesheet_sync.qbo import (
    BatchItem,
    QboAuthError,
    QboClient,
    QboThrottled,
    QboTimeout,
    QboValidationError,
    RealmRateLimiter,
    local_environment,
)
from tests.client.helpers import FakeClock

ENVIRONMENT = local_environment("http://127.0.0.1:9")
THROTTLED_ITEM = {
    "Fault": {
        "type": "SERVICE",
        "Error": [{"Message": "message=ThrottleExceeded", "Detail": "", "code": "3001"}],
    }
}


def response(status, body, headers=None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer.headers = CaseInsensitiveDict({"intuit_tid": "tid-1", **(headers or {})})
    return answer


class ScriptedSession:
    """Answers requests from a script and records them."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, params=None, json=None, **kwargs):
        self.sent.append({"method": method, "url": url, "params": params, "json": json})
        return self.answers.pop(0)


def make_client(session, clock, **kwargs):
    limiter = RealmRateLimiter(clock=clock, sleep=clock.sleep)
    return QboClient(ENVIRONMENT, "1234", "token", rate_limiter=limiter, session=session, **kwargs)


def create_items(count):
    return [
        BatchItem("create", "Customer", {"DisplayName": f"C{n}"}, f"req-{n}", key=n)
        for n in range(count)
    ]


def created(bid, name):
    return {"bId": bid, "Customer": {"Id": name, "DisplayName": name}}


def test_throttled_batch_items_are_sent_again_on_their_own():
    clock = FakeClock()
    session = ScriptedSession(
        response(
            200,
            {
                "BatchItemResponse": [
                    created("0", "C0"),
                    {"bId": "1", **THROTTLED_ITEM},
                    created("2", "C2"),
                    {"bId": "3", **THROTTLED_ITEM},
                ]
            },
        ),
        response(200, {"BatchItemResponse": [created("1", "C3"), created("0", "C1")]}),
    )
    client = make_client(session, clock)

    results = client.batch(create_items(4))

    assert [result.data["Id"] for result in results] == ["C0", "C1", "C2", "C3"]
    retry = session.sent[1]
    assert [entry["Customer"]["DisplayName"] for entry in retry["json"]["BatchItemRequest"]] == [
        "C1",
        "C3",
    ]
    first_id, retry_id = (sent["params"]["requestid"] for sent in session.sent)
    assert first_id != retry_id  # the first id would replay the throttled answers
    assert clock.now == pytest.approx(60.0)  # Intuit: wait a minute once throttled


def test_item_throttling_is_bounded():
    clock = FakeClock()
    throttled = {"BatchItemResponse": [{"bId": "0", **THROTTLED_ITEM}]}
    session = ScriptedSession(*(response(200, throttled) for _ in range(3)))
    client = make_client(session, clock, max_retries=2)

    (result,) = client.batch(create_items(1))

    assert isinstance(result.error, QboThrottled)
    assert not result.ok
    assert len(session.sent) == 3


def test_batch_request_id_depends_on_the_items_only():
    clock = FakeClock()
    ok = {"BatchItemResponse": [created("0", "C0"), created("1", "C1")]}
    session = ScriptedSession(*(response(200, ok) for _ in range(3)))
    client = make_client(session, clock)
    items = create_items(2)
    client.batch(items)
    client.batch(create_items(2))
    client.batch(list(reversed(items)))
    ids = [sent["params"]["requestid"] for sent in session.sent]
    assert ids[0] == ids[1] != ids[2]
    assert len(ids[0]) == 32
    bids = [entry["bId"] for entry in session.sent[0]["json"]["BatchItemRequest"]]
    assert bids == ["0", "1"]


def test_item_without_answer_has_an_unknown_outcome():
    session = ScriptedSession(response(200, {"BatchItemResponse": [created("0", "C0")]}))
    results = make_client(session, FakeClock()).batch(create_items(2))
    assert results[0].ok
    assert isinstance(results[1].error, QboTimeout)


def test_failed_batch_request_raises_with_the_results_already_done():
    clock = FakeClock()
    first_chunk = {"BatchItemResponse": [created(str(n), f"C{n}") for n in range(30)]}
    auth_fault = {
        "fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}], "type": "x"}
    }
    session = ScriptedSession(response(200, first_chunk), response(401, auth_fault))

    with pytest.raises(QboAuthError) as raised:
        make_client(session, clock).batch(create_items(31))

    assert [result.item.key for result in raised.value.completed_results] == list(range(30))


def test_429_honours_retry_after():
    clock = FakeClock()
    xml_throttle = (
        b'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE">'
        b'<Error code="3001"><Message>ThrottleExceeded</Message></Error></Fault>'
        b"</IntuitResponse>"
    )
    session = ScriptedSession(
        response(429, xml_throttle, {"Retry-After": "7"}),
        response(200, {"CompanyInfo": {"CompanyName": "Acme"}}),
    )
    assert make_client(session, clock).company_info() == {"CompanyName": "Acme"}
    assert clock.now == pytest.approx(7.0)


def test_429_without_retry_after_waits_the_limiter_minute():
    clock = FakeClock()
    session = ScriptedSession(
        response(429, b"<html>Too Many Requests</html>"),
        response(429, b"<html>Too Many Requests</html>"),
    )
    with pytest.raises(QboThrottled):
        make_client(session, clock, max_retries=1).company_info()
    assert clock.now == pytest.approx(60.0)


def test_fault_in_an_ok_answer_is_raised():
    body = {"Fault": {"Error": [{"Message": "m", "Detail": "bad", "code": "2020"}]}}
    session = ScriptedSession(response(200, body))
    with pytest.raises(QboValidationError):
        make_client(session, FakeClock()).read("Customer", "1")


def test_request_ids_longer_than_intuit_allows_are_refused():
    client = make_client(ScriptedSession(), FakeClock())
    with pytest.raises(ValueError):
        client.create("Customer", {"DisplayName": "X"}, "r" * 51)


XML_THROTTLE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2016-01-01T00:00:00">'
    b'<Fault type="SERVICE"><Error code="3001">'
    b"<Message>message=ThrottleExceeded; errorCode=003001; statusCode=403</Message>"
    b"<Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
    b"</IntuitResponse>"
)


def test_403_throttle_fault_in_xml_is_waited_out_like_a_429():
    """How QuickBooks answered throttling in 2016 (docs/ASSUMPTIONS.md#throttle-answer)."""
    clock = FakeClock()
    session = ScriptedSession(
        response(403, XML_THROTTLE, {"Content-Type": "application/xml"}),
        response(200, {"CompanyInfo": {"CompanyName": "Acme"}}),
    )
    assert make_client(session, clock).company_info() == {"CompanyName": "Acme"}
    assert len(session.sent) == 2
    assert clock.now == pytest.approx(60.0), "the limiter's minute, as after a 429"


def test_a_403_that_is_not_throttling_is_not_retried():
    body = {"Fault": {"type": "SERVICE", "Error": [{"Message": "m", "code": "3100"}]}}
    session = ScriptedSession(response(403, body))
    with pytest.raises(QboAuthError):
        make_client(session, FakeClock()).company_info()
    assert len(session.sent) == 1
