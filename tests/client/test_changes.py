"""Change data capture through the client (``QboClient.cdc``) and the
incremental resync's merge of the changes into the lists read before
(``qbo.changes``)."""

import datetime

import pytest

from qb_timesheet_sync.qbo import QboError
from qb_timesheet_sync.qbo.changes import (
    CDC_ENTITIES,
    ChangeSet,
    cdc_usable,
    change_set,
    merge,
    read_since,
)
from tests.conftest import DEMO_REALM_ID


def age_everything(sandbox, days=2):
    with sandbox.state.lock:
        realm = sandbox.state.realm(DEMO_REALM_ID)
        moment = (realm.now() - datetime.timedelta(days=days)).isoformat(timespec="seconds")
        for records in realm.records.values():
            for record in records.values():
                record["MetaData"]["LastUpdatedTime"] = moment


def an_hour_ago():
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)


def test_cdc_returns_changed_records_per_entity_in_one_metered_call(sandbox, qbo):
    age_everything(sandbox)
    customer = sandbox.state.records(DEMO_REALM_ID, "Customer")[0]
    qbo.update(
        "Customer",
        {
            "Id": customer["Id"],
            "SyncToken": customer["SyncToken"],
            "DisplayName": "Renamed In QuickBooks",
        },
        request_id="rename-1",
        sparse=True,
    )
    before = qbo.metered_calls["CorePlus"]
    changes = qbo.cdc(CDC_ENTITIES, an_hour_ago())
    assert qbo.metered_calls["CorePlus"] == before + 1
    assert [row["DisplayName"] for row in changes.rows["Customer"]] == ["Renamed In QuickBooks"]
    assert changes.rows["Employee"] == [] and changes.deleted["Customer"] == []
    assert not changes.capped
    assert changes.time


def test_nothing_changed(sandbox, qbo):
    age_everything(sandbox)
    changes = qbo.cdc(("Customer", "Employee", "Vendor"), an_hour_ago())
    assert changes.count == 0 and not changes.capped


def test_a_thousand_objects_mean_the_answer_may_be_cut(sandbox, qbo):
    age_everything(sandbox)
    with sandbox.state.lock:
        realm = sandbox.state.realm(DEMO_REALM_ID)
        now = realm.meta_time()
        for n in range(1001):
            record_id = realm.allocate_id()
            realm.records["Customer"][record_id] = {
                "Id": record_id,
                "DisplayName": f"Bulk {n}",
                "Active": True,
                "SyncToken": "0",
                "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
            }
    changes = qbo.cdc(("Customer",), an_hour_ago())
    assert len(changes.rows["Customer"]) == 1000
    assert changes.capped


def test_time_activity_is_not_in_cdc(sandbox, qbo):
    with pytest.raises(QboError):
        qbo.cdc(("TimeActivity",), an_hour_ago())


def test_change_set_reads_tombstones_as_deleted_ids():
    answer = {
        "CDCResponse": [
            {
                "QueryResponse": [
                    {
                        "Customer": [
                            {"Id": "5", "DisplayName": "A"},
                            {"Id": "9", "status": "Deleted"},
                        ]
                    },
                    {"Employee": [{"Id": "3", "DisplayName": "E", "Active": False}]},
                ]
            }
        ],
        "time": "2026-12-01T00:00:00.000-08:00",
    }
    changes = change_set(answer, ("Customer", "Employee", "Vendor"))
    assert [row["Id"] for row in changes.rows["Customer"]] == ["5"]
    assert changes.deleted == {"Customer": ["9"], "Employee": [], "Vendor": []}
    assert changes.rows["Employee"][0]["Active"] is False
    assert changes.count == 3 and not changes.capped


def test_merge_applies_renames_inactive_and_deletions_by_id():
    kept = {
        "Customer": [
            {"Id": "1", "DisplayName": "Parent", "FullyQualifiedName": "Parent"},
            {
                "Id": "2",
                "DisplayName": "Job",
                "ParentRef": {"value": "1"},
                "FullyQualifiedName": "Parent:Job",
            },
            {"Id": "3", "DisplayName": "Merged", "FullyQualifiedName": "Merged"},
        ],
        "Employee": [{"Id": "7", "DisplayName": "Ann", "Active": True}],
        "Item": [
            {"Id": "20", "Name": "Hours", "Type": "Service"},
            {"Id": "21", "Name": "Design", "Type": "Service"},
        ],
    }
    changes = ChangeSet(
        rows={
            "Customer": [
                {"Id": "1", "DisplayName": "New Parent", "FullyQualifiedName": "New Parent"},
                {"Id": "4", "DisplayName": "Fresh", "FullyQualifiedName": "Fresh"},
            ],
            "Employee": [{"Id": "7", "DisplayName": "Ann", "Active": False}],
            "Item": [{"Id": "21", "Name": "Design", "Type": "Service", "Active": False}],
        },
        deleted={"Customer": ["3"], "Item": ["20"]},
    )
    merged = merge(kept, changes)
    customers = {row["Id"]: row for row in merged["Customer"]}
    assert customers["1"]["DisplayName"] == "New Parent"
    assert customers["2"]["FullyQualifiedName"] == "New Parent:Job"  # follows its parent
    assert customers["3"]["Active"] is False  # deleted (merged) counts as inactive
    assert customers["4"]["DisplayName"] == "Fresh"
    assert merged["Employee"] == [{"Id": "7", "DisplayName": "Ann", "Active": False}]
    assert merged["Item"] == []  # inactive or deleted service items leave the list
    assert kept["Customer"][1]["FullyQualifiedName"] == "Parent:Job"  # kept lists untouched


def test_cdc_is_used_within_thirty_days_only():
    now = datetime.datetime(2026, 12, 1, 12, 0)
    assert not cdc_usable(None, now)
    assert cdc_usable(now - datetime.timedelta(days=29), now)
    assert not cdc_usable(now - datetime.timedelta(days=30), now)
    assert read_since(now) < now


def test_change_set_reads_quickbooks_groups_empty_ones_included():
    """The shape of an answer captured from QuickBooks (ruckus/quickbooks-ruby
    spec/fixtures/change_data_capture_response.xml): one group per entity asked,
    empty ones as ``{}``, a tombstone after the live records of its entity."""
    answer = {
        "CDCResponse": [
            {
                "QueryResponse": [
                    {},
                    {
                        "Class": [
                            {"Id": "5000000000000018728", "Name": "Design", "Active": True},
                            {"Id": "5000000000000018727", "status": "Deleted", "domain": "QBO"},
                        ],
                        "startPosition": 1,
                        "maxResults": 2,
                        "totalCount": 2,
                    },
                    {},
                ]
            }
        ],
        "time": "2026-12-01T00:00:00.000-08:00",
    }
    changes = change_set(answer, ("Employee", "Class", "Vendor"))
    assert [row["Id"] for row in changes.rows["Class"]] == ["5000000000000018728"]
    assert changes.deleted == {"Employee": [], "Class": ["5000000000000018727"], "Vendor": []}
    assert changes.rows["Employee"] == [] and changes.count == 2 and not changes.capped


def test_class_changes_with_large_ids_merge_by_id(sandbox, qbo):
    """QuickBooks' class ids are past 2**53 (5000000000000018727): they stay
    strings from the answer to the merged lists, kept in id order."""
    classes = sorted(sandbox.state.records(DEMO_REALM_ID, "Class"), key=lambda row: int(row["Id"]))
    kept = {"Class": [dict(row) for row in classes]}
    age_everything(sandbox)
    design = next(row for row in classes if row["Name"] == "Design")
    qbo.update(
        "Class",
        {"Id": design["Id"], "SyncToken": design["SyncToken"], "Name": "Design Studio"},
        request_id="rename-class-1",
        sparse=True,
    )
    changes = qbo.cdc(CDC_ENTITIES, an_hour_ago())
    assert [row["Id"] for row in changes.rows["Class"]] == [design["Id"]]
    assert all(changes.rows[entity] == [] for entity in CDC_ENTITIES if entity != "Class")
    merged = merge(kept, changes)
    assert [row["Id"] for row in merged["Class"]] == [row["Id"] for row in classes]
    renamed = next(row for row in merged["Class"] if row["Id"] == design["Id"])
    assert renamed["Name"] == "Design Studio"
