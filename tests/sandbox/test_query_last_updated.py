"""`MetaData.LastUpdatedTime` in queries: what a reconciliation asks for."""

import datetime

import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT


def create_activities(sandbox_api, count):
    alice = sandbox_api.query("select * from Employee where GivenName = 'Alice'").json()
    alice_id = alice["QueryResponse"]["Employee"][0]["Id"]
    created = []
    for hours in range(1, count + 1):
        payload = {"NameOf": "Employee", "EmployeeRef": {"value": alice_id}, "Hours": hours}
        created.append(sandbox_api.create("TimeActivity", payload).json()["TimeActivity"])
    return created


def age(sandbox, record_id, hours):
    """Move a record's LastUpdatedTime ``hours`` into the past (test-side only)."""
    realm = sandbox.state.realm(DEMO_REALM_ID)
    with sandbox.state.lock:
        record = realm.records["TimeActivity"][record_id]
        moment = realm.now() - datetime.timedelta(hours=hours)
        record["MetaData"]["LastUpdatedTime"] = moment.isoformat(timespec="seconds")
        return record["MetaData"]["LastUpdatedTime"]


def ids(answer):
    assert answer.status_code == 200, answer.text
    return [record["Id"] for record in answer.json()["QueryResponse"].get("TimeActivity", [])]


def test_time_activities_changed_since_a_watermark(sandbox, sandbox_api):
    first, second, third = create_activities(sandbox_api, 3)
    age(sandbox, first["Id"], 48)
    age(sandbox, second["Id"], 24)
    watermark = age(sandbox, third["Id"], 12)
    # A change made in QuickBooks after the watermark moves the record past it.
    edit = requests.post(
        f"{sandbox.url}/_sandbox/realms/{DEMO_REALM_ID}/time-activities/{first['Id']}/edit",
        json={"Description": "changed in QuickBooks"},
        timeout=TIMEOUT,
    )
    assert edit.status_code == 200
    query = "select * from TimeActivity where MetaData.LastUpdatedTime > '{}'"
    assert ids(sandbox_api.query(query.format(watermark))) == [first["Id"]]
    assert ids(sandbox_api.query(query.replace(">", ">=").format(watermark))) == sorted(
        [first["Id"], third["Id"]], key=int
    )
    # The same instant in UTC (Z) and without an offset (the company's).
    moment = datetime.datetime.fromisoformat(watermark)
    as_utc = moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(sandbox_api.query(query.format(as_utc))) == [first["Id"]]
    assert ids(sandbox_api.query(query.format(watermark[:19]))) == [first["Id"]]
    # Ordered oldest change first and paged, as a reconciliation reads them.
    paged = (
        "select * from TimeActivity where MetaData.LastUpdatedTime > '{}' "
        "orderby MetaData.LastUpdatedTime startposition {} maxresults 1"
    )
    since = "2000-01-01T00:00:00-07:00"
    pages = [ids(sandbox_api.query(paged.format(since, start))) for start in (1, 2, 3, 4)]
    assert pages == [[second["Id"]], [third["Id"]], [first["Id"]], []]
    counted = sandbox_api.query(
        f"select count(*) from TimeActivity where MetaData.LastUpdatedTime < '{watermark}'"
    )
    assert counted.json()["QueryResponse"]["totalCount"] == 1


def test_a_bad_timestamp_is_a_query_fault(sandbox_api):
    answer = sandbox_api.query(
        "select * from TimeActivity where MetaData.LastUpdatedTime > 'yesterday'"
    )
    assert answer.status_code == 400
    assert answer.json()["Fault"]["type"] == "ValidationFault"
