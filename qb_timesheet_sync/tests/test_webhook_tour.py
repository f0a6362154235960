# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks bills a sent line: the sandbox's webhook reaches Odoo, the
line is locked, in a real browser."""

import time
from urllib.parse import parse_qsl

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..controllers.webhook import VERIFIER_PARAM
from .common import CLIENT_ID
from .common_send import EMILY_ID, REALM_A, WEBSITE_ID, qbo_write, send_seed
from .test_connection_ui import QboHttpCase

WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
TOKEN = "tour-verifier-token"
# Generous: the sandbox gathers events for a moment, then posts them to this
# server, which may be slow on a loaded machine.
WAIT_SECONDS = 90


@tagged("post_install", "-at_install")
class TestWebhookTour(QboHttpCase):
    def setUp(self):
        super().setUp()
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, TOKEN)
        self.addCleanup(self.sandbox.configure, webhooks={})

    def subscribe(self):
        """Point the sandbox's subscription at this test server's endpoint.
        Changes made before are not told (as in QuickBooks)."""
        self.sandbox.webhooks.collect()
        self.sandbox.configure(
            webhooks={
                CLIENT_ID: {
                    "url": self.base_url() + WEBHOOK_PATH,
                    "verifier_token": TOKEN,
                    "entities": ["TimeActivity"],
                }
            },
            webhook_batch_seconds=0.2,
            webhook_retry_seconds=(1,),
        )
        # The endpoint reads the connection in its own environment.
        self.env.flush_all()

    def sent_line(self):
        emily = self.env["hr.employee"].create({"name": "Emily Platt"})
        qbo_write(emily, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        website = self.env["project.project"].create({"name": "Website", "qbo_hourly_rate": 120.0})
        qbo_write(website, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})
        line = self.env["account.analytic.line"].create(
            {
                "name": "Design review",
                "employee_id": emily.id,
                "unit_amount": 5.0,
                "project_id": website.id,
                "date": fields.Date.context_today(website),
            }
        )
        # Another line, not billed: the filter leaves it out.
        line.copy({"name": "Kick-off call", "unit_amount": 1.0})
        line._qbo_send()
        self.assertEqual(line.qbo_state, "sent")
        return line

    def wait_for_event(self, domain):
        events = self.env["qbo.webhook.event"].sudo()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = events.search(domain)
            if found:
                return found
            time.sleep(0.2)
        self.fail(f"no webhook event {domain} within {WAIT_SECONDS} s: {self.sandbox.stats()}")

    def test_billed_in_quickbooks_tour(self):
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        self.subscribe()

        # An accountant puts the time on an invoice in QuickBooks.
        billed = requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/time-activities/{activity_id}/bill",
            timeout=10,
        )
        self.assertEqual(billed.status_code, 200, billed.text)
        (event,) = self.wait_for_event(
            [("entity_id", "=", activity_id), ("operation", "=", "updated")]
        )
        self.assertRecordValues(
            event, [{"realm_id": REALM_A, "entity": "TimeActivity", "state": "pending"}]
        )
        self.env["qbo.webhook.event"]._qbo_cron_process()
        self.assertEqual(event.state, "done")
        self.assertTrue(line.qbo_billed)
        self.assertEqual(line.sudo().qbo_sync_token, "1", "QuickBooks' token after billing")

        self.start_tour("/odoo/all-timesheets", "qbo_billed_tour", login="admin")

        self.assertTrue(line.qbo_billed)
        self.assertEqual(line.unit_amount, 5.0)
        with self.assertRaises(UserError):
            line.unit_amount = 6.0
        stats = self.sandbox.stats()["webhooks"]
        self.assertEqual(stats["failed"], 0)
        self.assertEqual((stats["delivered"], stats["events"]), (1, 1), "the billing only")
