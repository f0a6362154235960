# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks bills a sent line: the sandbox's webhook reaches Odoo, the
line is locked, in a real browser."""

import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_send import REALM_A
from .test_connection_ui import QboWebhookHttpCase


@tagged("post_install", "-at_install")
class TestWebhookTour(QboWebhookHttpCase):
    def subscribe(self):
        self.qbo_subscribe(["TimeActivity"])

    def sent_line(self):
        line = self.qbo_design_review_line()
        # Another line, not billed: the filter leaves it out.
        line.copy({"name": "Kick-off call", "unit_amount": 1.0})
        line._qbo_send()
        self.assertEqual(line.qbo_state, "sent")
        return line

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
        (event,) = self.qbo_wait_for_events(
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
