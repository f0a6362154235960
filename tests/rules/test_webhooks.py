# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import hmac
import json

import pytest

from qb_timesheet_sync.qbo.webhooks import (
    NOT_A_NOTIFICATION,
    NOT_AN_OBJECT,
    NOT_JSON,
    SkippedEvent,
    WebhookEvent,
    read_notification,
    signature_of,
    valid_signature,
)

TOKEN = "verifier-token"


def cloud_event(**changes):
    return {
        "specversion": "1.0",
        "id": "ev-1",
        "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        "type": "qbo.timeactivity.updated.v1",
        "datacontenttype": "application/json",
        "time": "2026-03-02T10:00:00Z",
        "intuitentityid": "7",
        "intuitaccountid": "9130",
        "data": {},
        **changes,
    }


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'[{"id": "1"}]'
    signature = signature_of(body, TOKEN)
    assert (
        signature == base64.b64encode(hmac.new(b"verifier-token", body, "sha256").digest()).decode()
    )
    assert valid_signature(body, signature, TOKEN)
    assert not valid_signature(body + b" ", signature, TOKEN)
    assert not valid_signature(body, signature, "other-token")
    assert not valid_signature(body, None, TOKEN)
    assert not valid_signature(body, "", TOKEN)
    assert not valid_signature(body, signature, None)


def test_cloud_events():
    body = json.dumps(
        [
            cloud_event(),
            cloud_event(id="ev-2", type="qbo.customer.created.v1", intuitentityid="22"),
            cloud_event(id="ev-3", type="qbo.invoice.created.v1"),  # not followed
        ]
    ).encode()
    notification = read_notification(body)
    assert notification.events == [
        WebhookEvent("ev-1", "9130", "TimeActivity", "7", "updated", "2026-03-02T10:00:00Z"),
        WebhookEvent("ev-2", "9130", "Customer", "22", "created", "2026-03-02T10:00:00Z"),
    ]
    assert (notification.skipped, notification.unreadable, notification.ignored) == ([], None, 1)


def test_legacy_format():
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "9130",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "TimeActivity",
                                "id": "7",
                                "operation": "Delete",
                                "lastUpdated": "2026-03-02T10:00:00.000Z",
                            },
                            {"name": "Invoice", "id": "9", "operation": "Create"},
                        ]
                    },
                }
            ]
        }
    ).encode()
    notification = read_notification(body)
    (event,) = notification.events
    assert notification.ignored == 1
    assert (event.entity, event.entity_id, event.operation) == ("TimeActivity", "7", "deleted")
    assert event.event_id == "legacy:9130:TimeActivity:7:deleted:2026-03-02T10:00:00.000Z"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", NOT_JSON),
        (b"\xff\xfe", NOT_JSON),
        (b"", NOT_JSON),
        (b"{}", NOT_A_NOTIFICATION),
        (b'"text"', NOT_A_NOTIFICATION),
        (b'{"eventNotifications": {}}', NOT_A_NOTIFICATION),
    ],
)
def test_a_body_that_is_no_notification_is_unreadable_as_a_whole(body, reason):
    notification = read_notification(body)
    assert notification.unreadable == reason
    assert (notification.events, notification.skipped) == ([], [])


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (1, "The event is not a JSON object."),
        (["ev"], "The event is not a JSON object."),
        (cloud_event(id=None), "The event has no id."),
        (cloud_event(id=""), "The event has no id."),
        (cloud_event(type=None), "The event has no type."),
        (
            cloud_event(type="timeactivity"),
            "The event type timeactivity is not a QuickBooks Online type "
            "(qbo.<entity>.<operation>.v1).",
        ),
        (
            cloud_event(type="qbo..updated.v1"),
            "The event type qbo..updated.v1 is not a QuickBooks Online type "
            "(qbo.<entity>.<operation>.v1).",
        ),
        (cloud_event(intuitaccountid=True), "The event has no intuitaccountid."),
        (cloud_event(intuitentityid={"x": 1}), "The event has no intuitentityid."),
    ],
)
def test_a_malformed_event_is_skipped_and_the_others_kept(bad, reason):
    body = json.dumps(
        [cloud_event(id="good-1"), bad, cloud_event(id="good-2", intuitaccountid="4620")]
    ).encode()
    notification = read_notification(body)
    assert [(event.event_id, event.realm_id) for event in notification.events] == [
        ("good-1", "9130"),
        ("good-2", "4620"),
    ]
    (skipped,) = notification.skipped
    assert skipped.position == 2
    assert skipped.reason == reason
    assert notification.unreadable is None
    if isinstance(bad, dict):
        # What identifies it, when it has it: in the sync log of its company.
        assert skipped.event_id == ("ev-1" if bad["id"] else "")
        assert skipped.realm_id == ("9130" if bad["intuitaccountid"] is not True else "")


def test_the_reasons_are_translatable_sentences():
    (skipped,) = read_notification(json.dumps([cloud_event(intuitentityid="")]).encode()).skipped
    assert skipped.reason.template == "The event has no %(field)s."
    assert skipped.reason.params == {"field": "intuitentityid"}
    assert NOT_AN_OBJECT.template == "The event is not a JSON object."


def test_events_of_several_companies_in_one_notification():
    body = json.dumps(
        [
            cloud_event(id="a", intuitaccountid="9130"),
            cloud_event(id="b", intuitaccountid="4620", type="qbo.employee.updated.v1"),
            cloud_event(id="c", intuitaccountid=9130),
        ]
    ).encode()
    events = read_notification(body).events
    assert [(event.event_id, event.realm_id, event.entity) for event in events] == [
        ("a", "9130", "TimeActivity"),
        ("b", "4620", "Employee"),
        ("c", "9130", "TimeActivity"),
    ]


def test_a_new_operation_or_version_of_a_followed_entity_is_kept():
    # The record is read again whatever the event says happened to it.
    body = json.dumps(
        [
            cloud_event(id="a", type="qbo.timeactivity.emailed.v1"),
            cloud_event(id="b", type="qbo.TimeActivity.updated.v2"),
            cloud_event(id="c", type="qbo.invoice.created.v1"),
        ]
    ).encode()
    notification = read_notification(body)
    assert [(event.entity, event.operation) for event in notification.events] == [
        ("TimeActivity", "emailed"),
        ("TimeActivity", "updated"),
    ]
    assert (notification.skipped, notification.ignored) == ([], 1)


def test_a_broken_legacy_notification_is_skipped_the_others_kept():
    good = {
        "realmId": "9130",
        "dataChangeEvent": {
            "entities": [{"name": "TimeActivity", "id": "7", "operation": "Update"}]
        },
    }
    body = json.dumps({"eventNotifications": [{"realmId": "4620"}, good]}).encode()
    notification = read_notification(body)
    assert [event.realm_id for event in notification.events] == ["9130"]
    assert notification.skipped == [
        SkippedEvent(
            position=1,
            event_id="",
            realm_id="4620",
            reason="The event has no dataChangeEvent.entities.",
        )
    ]


def test_many_events_are_all_read():
    # Intuit sends up to 100 per notification; more is read all the same.
    body = json.dumps([cloud_event(id=f"ev-{index}") for index in range(1001)]).encode()
    assert len(read_notification(body).events) == 1001
