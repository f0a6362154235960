"""Each QuickBooks refusal, produced by the local sandbox, becomes the right
error class with a message a user can act on."""

import uuid

import pytest
import requests

from qb_timesheet_sync.qbo import (
    QboClient,
    QboClosedPeriod,
    QboConnectionError,
    QboDuplicateName,
    QboFeatureUnavailable,
    QboNotFound,
    QboServerUnavailable,
    QboStaleObject,
    QboSubscriptionEnded,
    QboThrottled,
    QboTimeout,
    RealmRateLimiter,
    local_environment,
)
from tests.client.helpers import (
    change_settings,
    sandbox_stats,
    stored_records,
    time_activity,
)
from tests.conftest import DEMO_REALM_ID


def new_id():
    return uuid.uuid4().hex


def make_client(environment, access_token, **kwargs):
    kwargs.setdefault("rate_limiter", RealmRateLimiter())
    kwargs.setdefault("backoff_base", 0.01)
    return QboClient(environment, DEMO_REALM_ID, access_token, **kwargs)


@pytest.fixture
def entry(people):
    return time_activity(people["Alice Martin"], people["Initech"], "Fault test", "2026-06-15")


@pytest.mark.parametrize(
    ("settings", "error_class", "message"),
    [
        (
            {"BookCloseDate": "2026-06-30"},
            QboClosedPeriod,
            "QuickBooks refused the entry because the books are closed for that date "
            "(closing date set in QuickBooks).",
        ),
        (
            {"OfferingSku": "QuickBooks Online Simple Start"},
            QboFeatureUnavailable,
            "The QuickBooks plan of this company does not include time tracking: time "
            "activities need QuickBooks Online Essentials or higher.",
        ),
        (
            {"SubscriptionStatus": "CANCELLED"},
            QboSubscriptionEnded,
            "QuickBooks does not accept new data because the subscription of this company "
            "has ended or has a billing problem: renew it in QuickBooks.",
        ),
    ],
)
def test_company_state_refusals(sandbox, qbo, entry, settings, error_class, message):
    change_settings(sandbox, **settings)
    with pytest.raises(error_class) as raised:
        qbo.create("TimeActivity", entry, new_id())
    error = raised.value
    assert str(error) == message
    assert error.http_status == 400
    assert error.intuit_tid
    assert error.detail  # QuickBooks' own words are kept for the log
    assert stored_records(sandbox, "TimeActivity") == []


def test_stale_object(qbo, entry):
    created = qbo.create("TimeActivity", entry, new_id())
    qbo.update("TimeActivity", dict(created, Hours=2), new_id())
    with pytest.raises(QboStaleObject) as raised:
        qbo.update("TimeActivity", dict(created, Hours=3), new_id())
    assert raised.value.code == "5010"
    assert "changed in QuickBooks" in str(raised.value)


def test_inactive_reference(qbo, entry, people):
    entry["EmployeeRef"] = {"value": people["Farid Haddad"]}
    with pytest.raises(QboNotFound) as raised:
        qbo.create("TimeActivity", entry, new_id())
    assert raised.value.code == "610"
    assert str(raised.value) == (
        "QuickBooks refused the entry because a customer, employee, vendor or service item "
        "it uses was made inactive in QuickBooks."
    )


def test_unknown_reference(qbo, entry):
    entry["CustomerRef"] = {"value": "987654"}
    with pytest.raises(QboNotFound) as raised:
        qbo.create("TimeActivity", entry, new_id())
    assert raised.value.code == "2500"
    assert raised.value.element == "CustomerRef"


def test_duplicate_name(qbo):
    with pytest.raises(QboDuplicateName) as raised:
        qbo.create("Customer", {"DisplayName": "alice martin"}, new_id())
    assert raised.value.code == "6240"
    assert "already has a customer, vendor or employee with this name" in str(raised.value)


def test_throttled_after_retries(sandbox, environment, tokens):
    sandbox.configure(requests_per_minute=2)
    client = make_client(environment, tokens[0], max_retries=0)
    client.company_info()
    client.company_info()
    with pytest.raises(QboThrottled) as raised:
        client.company_info()
    assert raised.value.http_status == 429
    assert raised.value.code == "3001"


def test_server_unavailable_after_retries(sandbox, environment, tokens):
    sandbox.configure(fail_rate=1.0)
    sleeps = []
    client = make_client(environment, tokens[0], max_retries=3, sleep=sleeps.append)
    with pytest.raises(QboServerUnavailable) as raised:
        client.company_info()
    assert raised.value.http_status in (500, 503)
    assert "temporarily unavailable" in str(raised.value)
    injected = sandbox_stats(sandbox)["injected_faults"]
    assert injected["500"] + injected["503"] == 4
    assert sleeps == [0.01, 0.02, 0.04]  # exponential backoff


def test_dropped_connections_are_retried_for_reads(sandbox, environment, tokens):
    sandbox.configure(drop_rate=0.5, random_seed=3)
    client = make_client(environment, tokens[0], max_retries=10)
    assert client.company_info()["CompanyName"]
    assert sandbox_stats(sandbox)["injected_faults"]["drop"] > 0


def test_connection_refused(unused_port):
    environment = local_environment(f"http://127.0.0.1:{unused_port}")
    sleeps = []
    client = make_client(environment, "x" * 40, max_retries=2, sleep=sleeps.append)
    with pytest.raises(QboConnectionError) as raised:
        client.create("Customer", {"DisplayName": "Nobody"}, new_id())
    # Refused before anything was sent: safe to retry, even for a write.
    assert len(sleeps) == 2
    assert "could not be reached" in str(raised.value)


def test_read_timeout_on_a_write_is_an_unknown_outcome(sandbox, environment, tokens, entry):
    sandbox.configure(slow_after_commit_ms=1500, slow_rate=1.0)
    client = make_client(environment, tokens[0], timeout=(2, 0.5))
    with pytest.raises(QboTimeout) as raised:
        client.create("TimeActivity", entry, new_id())
    assert "not known whether the entry was saved" in str(raised.value)
    # QuickBooks did save it: the caller has to reconcile before sending it again.
    assert len(stored_records(sandbox, "TimeActivity")) == 1


class RecoveringSession(requests.Session):
    """Turns the sandbox's slow answers off after the first timeout, as a network
    that recovers would."""

    def __init__(self, sandbox):
        super().__init__()
        self.sandbox = sandbox
        self.attempts = []

    def request(self, method, url, params=None, **kwargs):
        self.attempts.append(dict(params or {}))
        try:
            return super().request(method, url, params=params, **kwargs)
        except requests.ReadTimeout:
            self.sandbox.configure(slow_rate=0.0)
            raise


def test_read_timeout_retried_with_the_same_requestid_when_asked(
    sandbox, environment, tokens, entry
):
    sandbox.configure(slow_after_commit_ms=1500, slow_rate=1.0)
    session = RecoveringSession(sandbox)
    client = make_client(
        environment, tokens[0], timeout=(2, 0.5), session=session, retry_unknown_writes=True
    )
    request_id = new_id()

    created = client.create("TimeActivity", entry, request_id)

    assert [attempt["requestid"] for attempt in session.attempts] == [request_id] * 2
    assert [record["Id"] for record in stored_records(sandbox, "TimeActivity")] == [created["Id"]]
    assert sandbox_stats(sandbox)["requestid_replays"] == 1


def test_throttling_answered_in_xml_is_waited_out(sandbox, environment, tokens):
    """QuickBooks may answer a throttled request with an XML fault although
    JSON was asked (docs/ASSUMPTIONS.md#throttle-answer): the client waits and tries again."""
    sandbox.configure(minute_seconds=0.5, requests_per_minute=2, throttle_format="xml")
    generous = RealmRateLimiter(requests_per_minute=1000, minute_seconds=0.5)
    client = make_client(environment, tokens[0], rate_limiter=generous, max_retries=10)
    names = [client.company_info()["CompanyName"] for _ in range(4)]
    assert len(set(names)) == 1
    assert sandbox_stats(sandbox)["throttled"] > 0


def test_xml_throttling_beyond_the_retries_is_a_throttle_error(sandbox, environment, tokens):
    sandbox.configure(minute_seconds=30, requests_per_minute=1, throttle_format="xml")
    client = make_client(environment, tokens[0], max_retries=0)
    client.preferences()
    with pytest.raises(QboThrottled) as caught:
        client.preferences()
    assert caught.value.code == "3001"
    assert caught.value.http_status == 429
