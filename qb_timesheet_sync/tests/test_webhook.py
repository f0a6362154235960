# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Intuit's webhook endpoint: signed notifications only, always answered 200
once signed, each event read on its own and kept once, for the company it
names."""

import json
from unittest.mock import patch
from urllib.parse import parse_qsl

import requests

from odoo.tests import tagged

from ..controllers.webhook import VERIFIER_PARAM
from ..qbo.webhooks import signature_of
from .common import REALM_A, REALM_B
from .test_connection_ui import QboHttpCase, QboWebhookHttpCase

CONTROLLER_LOGGER = "odoo.addons.qb_timesheet_sync.controllers.webhook"
MODEL_LOGGER = "odoo.addons.qb_timesheet_sync.models.qbo_webhook_event"

WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
TOKEN = "test-verifier-token"


def cloud_event(event_id, realm_id=REALM_A, entity_id="7", **changes):
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "intuit",
        "type": "qbo.timeactivity.updated.v1",
        "datacontenttype": "application/json",
        "time": "2026-03-02T10:00:00Z",
        "intuitentityid": entity_id,
        "intuitaccountid": realm_id,
        "data": {},
        **changes,
    }


def cloud_events(*ids, realm_id=REALM_A, entity_id="7"):
    return json.dumps([cloud_event(event_id, realm_id, entity_id) for event_id in ids]).encode()


def connect_other_company(case, realm_id):
    """A second Odoo company, connected to QuickBooks company ``realm_id``
    through the sandbox's consent step."""
    admin = case.env.ref("base.user_admin")
    company = case.env["res.company"].create({"name": "Second Odoo company"})
    admin.company_ids |= company
    connection = company._qbo_connection().with_user(admin)
    url = connection.action_connect()["url"]
    answer = requests.get(url, params={"realm_id": realm_id}, allow_redirects=False, timeout=10)
    callback = dict(parse_qsl(answer.headers["Location"].split("?", 1)[1]))
    connection._qbo_finish_connect(callback["code"], callback["realmId"])
    case.env.flush_all()
    return connection


@tagged("post_install", "-at_install")
class TestWebhook(QboHttpCase):
    def setUp(self):
        super().setUp()
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, TOKEN)
        self.cron = self.env.ref("qb_timesheet_sync.ir_cron_qbo_webhook")

    def post(self, body, signature=True, content_type="application/cloudevents+json"):
        headers = {"Content-Type": content_type} if content_type else {}
        if signature is True:
            signature = signature_of(body, TOKEN)
        if signature:
            headers["intuit-signature"] = signature
        return self.url_open(WEBHOOK_PATH, data=body, headers=headers)

    def events(self):
        return self.env["qbo.webhook.event"].sudo().search([])

    def webhook_logs(self):
        return self.env["qbo.sync.log"].sudo().search([("operation", "=", "webhook")])

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
        self.assertFalse(self.webhook_logs(), "no company here owns them")

    def test_a_body_that_is_not_json_is_acknowledged_and_logged_once(self):
        # Intuit: answer 200 once signed, never 400 (a 400 retries the whole
        # batch and holds later events back).
        for body, reason in (
            (b"not json", "The notification is not JSON."),
            (b'{"hello": 1}', "neither a list of CloudEvents nor a legacy eventNotifications"),
        ):
            with self.subTest(body=body):
                before = self.webhook_logs()
                response = self.post(body)
                self.assertEqual(response.status_code, 200)
                log = self.webhook_logs() - before
                self.assertEqual(len(log), 1)
                self.assertRecordValues(
                    log,
                    [{"company_id": self.env.company.id, "state": "failed", "realm_id": REALM_A}],
                )
                self.assertIn("could not be read and was ignored", log.summary)
                self.assertIn(reason, log.summary)
                self.assertFalse(log.line_ids, "one entry for the body, nothing per event")
                self.assertNotIn("Traceback", log.summary)
        self.assertFalse(self.events())

    def test_a_malformed_event_is_skipped_and_logged_the_others_kept(self):
        body = json.dumps(
            [
                cloud_event("good-1"),
                cloud_event("no-entity", intuitentityid=None),
                cloud_event("odd-type", type="quickbooks.something"),
                "not an event",
                cloud_event("good-2", entity_id="8"),
            ]
        ).encode()
        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["good-1", "good-2"])
        log = self.webhook_logs()
        self.assertRecordValues(
            log, [{"company_id": self.env.company.id, "state": "partial", "realm_id": REALM_A}]
        )
        self.assertIn("3 events of a notification from QuickBooks could not be read", log.summary)
        self.assertEqual(
            log.line_ids.mapped("message"),
            [
                "Event no-entity skipped: The event has no intuitentityid.",
                "Event odd-type skipped: The event type quickbooks.something is not a "
                "QuickBooks Online type (qbo.<entity>.<operation>.v1).",
                "Event number 4 skipped: The event is not a JSON object.",
            ],
        )
        self.assertEqual(log.line_ids.mapped("record_name"), ["no-entity", "odd-type", False])
        self.assertEqual(set(log.line_ids.mapped("level")), {"warning"})

    def test_events_of_entities_not_followed_are_dropped_quietly(self):
        body = json.dumps(
            [cloud_event("inv", type="qbo.invoice.created.v1"), cloud_event("ta")]
        ).encode()
        self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["ta"])
        self.assertFalse(self.webhook_logs())

    def test_cloudevents_and_json_content_types_are_accepted(self):
        # Intuit may send application/cloudevents+json (SampleApp-Webhooks-
        # Java-Cloudevents, Task 4); nothing depends on the header.
        for index, content_type in enumerate(
            (
                "application/cloudevents+json",
                "application/cloudevents+json; charset=utf-8",
                "application/json",
                "application/cloudevents-batch+json",
                None,
            )
        ):
            with self.subTest(content_type=content_type):
                event_id = f"ev-{index}"
                response = self.post(cloud_events(event_id), content_type=content_type)
                self.assertEqual(response.status_code, 200)
                self.assertIn(event_id, self.events().mapped("event_id"))

    def test_an_event_repeated_in_one_notification_is_kept_once(self):
        self.assertEqual(self.post(cloud_events("ev-1", "ev-1", "ev-2")).status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["ev-1", "ev-2"])

    def test_a_failure_to_store_still_answers_200(self):
        model = type(self.env["qbo.webhook.event"])
        with (
            patch.object(model, "_qbo_receive", side_effect=RuntimeError("disk full")),
            self.assertLogs(CONTROLLER_LOGGER, "ERROR") as logs,
        ):
            response = self.post(cloud_events("ev-1"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("could not be stored", logs.output[0])
        self.assertFalse(self.events())
        # The request's transaction still works: the next notification is kept.
        self.assertEqual(self.post(cloud_events("ev-2")).status_code, 200)
        self.assertEqual(self.events().mapped("event_id"), ["ev-2"])

    def test_each_event_goes_to_the_company_it_names(self):
        other = connect_other_company(self, REALM_B)
        body = json.dumps(
            [
                cloud_event("a-1"),
                cloud_event("b-1", realm_id=REALM_B, entity_id="3"),
                cloud_event("x-1", realm_id="4620816365999999999"),
                cloud_event("b-bad", realm_id=REALM_B, intuitentityid=""),
                cloud_event("x-bad", realm_id="4620816365999999999", intuitentityid=""),
                cloud_event("a-2", entity_id="9"),
            ]
        ).encode()
        with patch(MODEL_LOGGER + "._logger") as logger:
            self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(
            [(event.event_id, event.realm_id) for event in self.events()],
            [("a-1", REALM_A), ("b-1", REALM_B), ("a-2", REALM_A)],
        )
        # The company nobody connected here: the server log only, at info level.
        self.assertTrue(logger.info.called)
        self.assertIn("4620816365999999999", str(logger.info.call_args_list))
        self.assertFalse(logger.warning.called or logger.error.called or logger.exception.called)
        # The unreadable event of company B is told to company B only.
        log = self.webhook_logs()
        self.assertRecordValues(
            log, [{"company_id": other.company_id.id, "realm_id": REALM_B, "state": "partial"}]
        )
        self.assertEqual(log.line_ids.record_name, "b-bad")

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


@tagged("post_install", "-at_install")
class TestWebhookFromSandbox(QboWebhookHttpCase):
    """The sandbox's notifications, as Intuit sends them, reach this server."""

    def test_one_notification_for_two_companies(self):
        other = connect_other_company(self, REALM_B)
        self.sandbox.configure(webhook_mix_realms=True)
        self.addCleanup(self.sandbox.configure, webhook_mix_realms=False)
        employees = {
            realm_id: self.sandbox.state.records(realm_id, "Employee")[0]["Id"]
            for realm_id in (REALM_A, REALM_B)
        }
        self.sandbox.seed(
            {
                "realms": [
                    {
                        "realm_id": realm_id,
                        "TimeActivity": [
                            {"NameOf": "Employee", "EmployeeRef": {"value": employee}, "Hours": 1}
                        ],
                    }
                    for realm_id, employee in employees.items()
                ]
            }
        )
        self.qbo_subscribe(["TimeActivity"])
        from tests.qbo_sandbox import admin_actions  # importable once the sandbox runs

        activities = {}
        # Both changes drained together: the sandbox puts them in one POST.
        with self.sandbox.state.lock:
            for realm_id in (REALM_A, REALM_B):
                activity = self.sandbox.state.records(realm_id, "TimeActivity")[-1]
                realm = self.sandbox.state.realm(realm_id)
                admin_actions.run(self.sandbox.state, realm, activity["Id"], "edit", {"Hours": 2})
                activities[realm_id] = activity["Id"]
        events = self.qbo_wait_for_events([("realm_id", "=", REALM_B)])
        events |= self.qbo_wait_for_events([("realm_id", "=", REALM_A)])
        self.assertEqual(
            sorted((event.realm_id, event.entity_id) for event in events),
            sorted(activities.items()),
        )
        stats = self.sandbox.stats()["webhooks"]
        self.assertEqual((stats["delivered"], stats["events"], stats["failed"]), (1, 2, 0))
        (delivery,) = self.sandbox.webhooks.status()["deliveries"]
        self.assertEqual(delivery["status"], 200)
        # Each company's events are read again with its own connection.
        with patch.object(
            type(self.env["qbo.webhook.event"]), "_qbo_process_realm", autospec=True
        ) as process:
            self.env["qbo.webhook.event"]._qbo_cron_process()
        routed = {
            call.args[1].company_id: call.args[2].mapped("realm_id")
            for call in process.call_args_list
        }
        self.assertEqual(routed, {self.env.company: [REALM_A], other.company_id: [REALM_B]})
