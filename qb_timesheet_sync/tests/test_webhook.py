# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Intuit's webhook endpoint: signed notifications only, each event once."""

import json
from urllib.parse import parse_qsl

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers.webhook import VERIFIER_PARAM
from ..qbo.webhooks import signature_of
from .common import REALM_A, REALM_B
from .test_connection_ui import QboHttpCase

WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
TOKEN = "test-verifier-token"


def cloud_events(*ids, realm_id=REALM_A, entity_id="7"):
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": event_id,
                "source": "intuit",
                "type": "qbo.timeactivity.updated.v1",
                "time": "2026-03-02T10:00:00Z",
                "intuitentityid": entity_id,
                "intuitaccountid": realm_id,
            }
            for event_id in ids
        ]
    ).encode()


@tagged("post_install", "-at_install")
class TestWebhook(QboHttpCase):
    def setUp(self):
        super().setUp()
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, TOKEN)
        self.cron = self.env.ref("qb_timesheet_sync.ir_cron_qbo_webhook")

    def post(self, body, signature=True):
        headers = {"Content-Type": "application/cloudevents-batch+json"}
        if signature is True:
            signature = signature_of(body, TOKEN)
        if signature:
            headers["intuit-signature"] = signature
        return self.url_open(WEBHOOK_PATH, data=body, headers=headers)

    def events(self):
        return self.env["qbo.webhook.event"].sudo().search([])

    def triggers(self):
        return self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)])

    def test_a_signed_notification_is_kept_and_the_cron_woken(self):
        triggers = self.triggers()
        response = self.post(cloud_events("ev-1", "ev-2"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["ev-1", "ev-2"])
        self.assertEqual(set(self.events().mapped("state")), {"pending"})
        self.assertEqual(self.events()[0].entity, "TimeActivity")
        self.assertEqual(self.triggers(), triggers + 1)

    def test_a_replayed_event_is_kept_once(self):
        self.assertEqual(self.post(cloud_events("ev-1")).status_code, 200)
        self.assertEqual(self.post(cloud_events("ev-1", "ev-2")).status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["ev-1", "ev-2"])

    def test_a_bad_signature_is_refused_and_nothing_kept(self):
        body = cloud_events("ev-1")
        for signature in (signature_of(body, "not-the-token"), "garbage", signature_of(b"", TOKEN)):
            with self.subTest(signature=signature):
                self.assertEqual(self.post(body, signature=signature).status_code, 401)
        self.assertFalse(self.events())

    def test_a_missing_signature_is_refused(self):
        self.assertEqual(self.post(cloud_events("ev-1"), signature=None).status_code, 401)
        self.assertFalse(self.events())

    def test_without_a_verifier_token_everything_is_refused(self):
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, False)
        self.assertEqual(self.post(cloud_events("ev-1")).status_code, 401)
        self.assertFalse(self.events())

    def test_events_of_another_quickbooks_company_are_dropped(self):
        response = self.post(cloud_events("ev-1", realm_id=REALM_B))
        self.assertEqual(response.status_code, 200, "Intuit must not retry them")
        self.assertFalse(self.events())

    @mute_logger("odoo.addons.qb_timesheet_sync.controllers.webhook")
    def test_a_malformed_body_is_refused_without_a_traceback(self):
        for body in (b"not json", b"{}", b'[{"id": "x"}]'):
            with self.subTest(body=body):
                response = self.post(body)
                self.assertEqual(response.status_code, 400)
                self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.events())

    def test_the_legacy_format_is_accepted(self):
        body = json.dumps(
            {
                "eventNotifications": [
                    {
                        "realmId": REALM_A,
                        "dataChangeEvent": {
                            "entities": [
                                {
                                    "name": "TimeActivity",
                                    "id": "7",
                                    "operation": "Update",
                                    "lastUpdated": "2026-03-02T10:00:00.000Z",
                                }
                            ]
                        },
                    }
                ]
            }
        ).encode()
        self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.events().operation, "updated")
