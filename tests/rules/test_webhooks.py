# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import hmac
import json

import pytest

from qb_timesheet_sync.qbo.webhooks import (
    MalformedNotification,
    WebhookEvent,
    parse_events,
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
    assert parse_events(body) == [
        WebhookEvent("ev-1", "9130", "TimeActivity", "7", "updated", "2026-03-02T10:00:00Z"),
        WebhookEvent("ev-2", "9130", "Customer", "22", "created", "2026-03-02T10:00:00Z"),
    ]


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
    (event,) = parse_events(body)
    assert (event.entity, event.entity_id, event.operation) == ("TimeActivity", "7", "deleted")
    assert event.event_id == "legacy:9130:TimeActivity:7:deleted:2026-03-02T10:00:00.000Z"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"{}",
        b'"text"',
        b"[1]",
        json.dumps([cloud_event(id=None)]).encode(),
        json.dumps([cloud_event(type="timeactivity")]).encode(),
        json.dumps([cloud_event(intuitaccountid=True)]).encode(),
        json.dumps({"eventNotifications": [{"realmId": "1"}]}).encode(),
        json.dumps([cloud_event()] * 1001).encode(),
    ],
)
def test_malformed_bodies_are_refused(body):
    with pytest.raises(MalformedNotification):
        parse_events(body)
