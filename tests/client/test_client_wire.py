"""The API client against the local sandbox: reads, paging, writes, batches,
idempotent retries and throttling."""

import concurrent.futures
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from qb_timesheet_sync.qbo import (
    BatchItem,
    QboClient,
    QboNotFound,
    QboValidationError,
    RealmRateLimiter,
)
from tests.client.helpers import (
    RecordingSession,
    sandbox_stats,
    stored_records,
    time_activity,
)
from tests.conftest import DEMO_REALM_ID


def new_id():
    return uuid.uuid4().hex


def live_time_activities(sandbox):
    return [
        record
        for record in stored_records(sandbox, "TimeActivity")
        if record.get("status") != "Deleted"
    ]


def test_company_info_and_preferences(qbo):
    assert qbo.company_info()["CompanyName"] == "Northwind Consulting (sandbox)"
    other_prefs = qbo.preferences()["OtherPrefs"]["NameValue"]
    assert {"Name": "TimeTrackingFeatureEnabled", "Value": "true"} in other_prefs


def test_every_request_carries_minorversion(environment, tokens):
    session = RecordingSession()
    client = QboClient(
        environment, DEMO_REALM_ID, tokens[0], rate_limiter=RealmRateLimiter(), session=session
    )
    client.company_info()
    client.count("Customer")
    assert [params["minorversion"] for _method, _path, params in session.sent] == [75, 75]


def test_a_netrc_entry_for_the_host_does_not_replace_the_access_token(
    environment, tokens, tmp_path, monkeypatch
):
    """requests sends the login of ~/.netrc (or $NETRC) for a host when a
    request names no auth of its own: given as the request's auth, the
    access token is what QuickBooks gets."""
    host = urlsplit(environment.api_base_url).hostname
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login someone password something\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    refreshed = []
    client = QboClient(
        environment,
        DEMO_REALM_ID,
        tokens[0],
        rate_limiter=RealmRateLimiter(),
        refresh_callback=lambda: refreshed.append(True) or tokens[0],
    )
    assert client.company_info()["CompanyName"] == "Northwind Consulting (sandbox)"
    assert refreshed == [], "the first answer was not a 401"


def test_query_pages_through_2500_customers(sandbox, environment, tokens):
    customers = [{"DisplayName": f"Paging customer {number:04d}"} for number in range(2500)]
    sandbox.seed({"realms": [{"realm_id": DEMO_REALM_ID, "Customer": customers}]})
    session = RecordingSession()
    client = QboClient(
        environment, DEMO_REALM_ID, tokens[0], rate_limiter=RealmRateLimiter(), session=session
    )

    rows = client.query("SELECT * FROM Customer WHERE DisplayName LIKE 'Paging customer%'")

    assert sorted(row["DisplayName"] for row in rows) == sorted(
        customer["DisplayName"] for customer in customers
    )
    assert len({row["Id"] for row in rows}) == 2500
    assert len(session.sent) == 3  # 1000 + 1000 + 500
    assert client.count("Customer", "DisplayName LIKE 'Paging customer%'") == 2500
    with pytest.raises(ValueError):
        client.query("SELECT * FROM Customer MAXRESULTS 10")


def test_query_with_no_rows(qbo):
    assert qbo.query("SELECT * FROM Customer WHERE DisplayName = 'Nobody at all'") == []


def test_create_read_update_delete(sandbox, qbo, people):
    payload = time_activity(people["Alice Martin"], people["Website Redesign"], "Kick-off")
    created = qbo.create("TimeActivity", payload, new_id())
    assert created["SyncToken"] == "0"
    assert created["EmployeeRef"]["value"] == people["Alice Martin"]

    read = qbo.read("TimeActivity", created["Id"])
    assert read["Description"] == "Kick-off"

    changed = dict(read, Description="Kick-off meeting", Hours=2)
    updated = qbo.update("TimeActivity", changed, new_id())
    assert (updated["SyncToken"], updated["Hours"]) == ("1", 2)

    deleted = qbo.delete("TimeActivity", created["Id"], updated["SyncToken"], new_id())
    assert deleted["status"] == "Deleted"
    assert live_time_activities(sandbox) == []
    with pytest.raises(QboNotFound):
        qbo.read("TimeActivity", created["Id"])


def test_sparse_update_keeps_other_fields(qbo, people):
    customer = qbo.read("Customer", people["Initech"])
    updated = qbo.update(
        "Customer",
        {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "Key account"},
        new_id(),
        sparse=True,
    )
    assert updated["Notes"] == "Key account"
    assert updated["CompanyName"] == "Initech LLC"


def test_batch_of_30_with_two_invalid_items(sandbox, qbo, people):
    items = [
        BatchItem(
            "create",
            "TimeActivity",
            time_activity(people["Bruno Keller"], people["ERP Rollout"], f"Line {number}"),
            new_id(),
            key=f"line-{number}",
        )
        for number in range(30)
    ]
    # Line 7 names an inactive employee, line 21 has 75 minutes.
    items[7].payload["EmployeeRef"] = {"value": people["Farid Haddad"]}
    items[21].payload["Minutes"] = 75

    results = qbo.batch(items)

    assert [result.item.key for result in results] == [item.key for item in items]
    failed = {result.item.key: result.error for result in results if not result.ok}
    assert set(failed) == {"line-7", "line-21"}
    assert isinstance(failed["line-7"], QboNotFound)
    assert "made inactive" in str(failed["line-7"])
    assert type(failed["line-21"]) is QboValidationError
    assert failed["line-21"].code == "6380"
    for result in results:
        if result.ok:
            assert result.data["Description"] == result.item.payload["Description"]
    stored = Counter(record["Description"] for record in live_time_activities(sandbox))
    assert stored == Counter(
        item.payload["Description"] for item in items if item.key not in failed
    )
    assert sum(stored.values()) == 28


def test_batch_splits_in_chunks_of_30_and_keeps_input_order(sandbox, environment, tokens, people):
    session = RecordingSession()
    client = QboClient(
        environment, DEMO_REALM_ID, tokens[0], rate_limiter=RealmRateLimiter(), session=session
    )
    items = [
        BatchItem(
            "create",
            "TimeActivity",
            time_activity(people["Emma Larsen"], people["Phase 2"], f"Chunked {number}"),
            new_id(),
        )
        for number in range(64)
    ]
    items.insert(40, BatchItem("query", "Employee", "SELECT * FROM Employee", None, key="q"))

    results = client.batch(items)

    assert [path for _method, path, _params in session.sent] == ["batch"] * 3
    assert all(result.ok for result in results)
    assert [result.data.get("Description") for result in results if result.item.key is None] == [
        f"Chunked {number}" for number in range(64)
    ]
    employees = results[40].data["Employee"]
    assert "Alice Martin" in {employee["DisplayName"] for employee in employees}
    request_ids = [params.get("requestid") for _method, _path, params in session.sent]
    # The chunk holding the query item has no requestid: a replay would serve an old answer.
    assert request_ids[1] is None
    assert len(request_ids[0]) == len(request_ids[2]) == 32
    assert len(live_time_activities(sandbox)) == 64


def test_batch_sent_again_after_a_crash_replays(sandbox, qbo, people):
    items = [
        BatchItem(
            "create",
            "TimeActivity",
            time_activity(people["Chloé Dubois"], people["Initech"], f"Replayed {number}"),
            new_id(),
        )
        for number in range(5)
    ]
    first = qbo.batch(items)
    again = qbo.batch(items)  # the caller never recorded the first answer

    assert [result.data["Id"] for result in again] == [result.data["Id"] for result in first]
    assert len(live_time_activities(sandbox)) == 5
    assert sandbox_stats(sandbox)["requestid_replays"] == 1


def test_write_retries_reuse_the_same_requestid(sandbox, environment, tokens, people):
    sandbox.configure(fail_rate=0.6, random_seed=7)
    session = RecordingSession()
    client = QboClient(
        environment,
        DEMO_REALM_ID,
        tokens[0],
        rate_limiter=RealmRateLimiter(),
        session=session,
        max_retries=10,
        backoff_base=0.001,
        sleep=lambda seconds: None,
    )
    request_id = new_id()
    payload = time_activity(people["Alice Martin"], people["Initech"], "Retried")

    created = client.create("TimeActivity", payload, request_id)

    injected = sandbox_stats(sandbox)["injected_faults"]
    assert injected["500"] + injected["503"] == len(session.sent) - 1 > 0
    assert {params["requestid"] for _method, _path, params in session.sent} == {request_id}
    sandbox.configure(fail_rate=0.0)
    # The caller crashed before recording the answer and sends the same write again.
    assert client.create("TimeActivity", payload, request_id)["Id"] == created["Id"]
    assert [record["Id"] for record in live_time_activities(sandbox)] == [created["Id"]]


def test_429_storm_and_server_errors_end_with_each_item_created_once(
    sandbox, environment, tokens, people
):
    # The sandbox allows 10 requests and 3 batches per half-second "minute"; the
    # client's limiter is deliberately far more generous so QuickBooks throttles.
    sandbox.configure(
        minute_seconds=0.5,
        requests_per_minute=10,
        batches_per_minute=3,
        max_concurrent=4,
        fail_rate=0.25,
        random_seed=11,
    )
    limiter = RealmRateLimiter(
        requests_per_minute=100_000, batches_per_minute=100_000, minute_seconds=0.5
    )
    client = QboClient(
        environment,
        DEMO_REALM_ID,
        tokens[0],
        rate_limiter=limiter,
        max_retries=20,
        backoff_base=0.01,
    )
    employee, customer = people["David Okafor"], people["Support Retainer"]
    batch_items = [
        BatchItem("create", "TimeActivity", time_activity(employee, customer, f"B{n}"), new_id())
        for n in range(75)
    ]
    singles = [time_activity(employee, customer, f"S{n}") for n in range(24)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        single_futures = [
            pool.submit(client.create, "TimeActivity", payload, new_id()) for payload in singles
        ]
        batch_results = client.batch(batch_items)
        single_results = [future.result(timeout=60) for future in single_futures]

    assert all(result.ok for result in batch_results)
    assert len(single_results) == 24
    stats = sandbox_stats(sandbox)
    assert stats["throttled"] > 0
    assert stats["injected_faults"]["500"] + stats["injected_faults"]["503"] > 0
    descriptions = Counter(record["Description"] for record in live_time_activities(sandbox))
    expected = [f"B{n}" for n in range(75)] + [f"S{n}" for n in range(24)]
    assert descriptions == Counter(expected)


def test_time_activities_changed_since(qbo, people):
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5)
    payload = time_activity(people["Alice Martin"], people["Initech"], "Recent")
    created = qbo.create("TimeActivity", payload, new_id())

    assert [row["Id"] for row in qbo.time_activities_changed_since(before)] == [created["Id"]]
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert qbo.time_activities_changed_since(later) == []


def test_the_environment_is_read_once_per_host_not_per_request(
    qbo, monkeypatch, environment, tokens
):
    """requests reads every environment variable before each request; the
    client's session reads the proxies once per host and keeps them."""
    import requests.sessions

    real = requests.sessions.get_environ_proxies
    reads = []

    def counting(url, no_proxy=None):
        reads.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counting)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = QboClient(environment, DEMO_REALM_ID, tokens[0], rate_limiter=RealmRateLimiter())
    client.company_info()
    client.preferences()
    client.count("Customer")
    assert len(reads) == 1
    # Settings given with a request are still merged with the environment's.
    settings = client._session.merge_environment_settings(
        "http://127.0.0.1:9/v3", {}, None, False, None
    )
    assert settings["verify"] is False
    assert len(reads) == 2
