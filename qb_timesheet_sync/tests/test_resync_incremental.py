# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The resync reads only what changed in QuickBooks since the last
one (change data capture), by id, and reads everything again when it must
(asked for, 30 days or more since, 1,000 changes or more). Webhooks about
customers, employees and vendors ask for one such resync a little later."""

import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..models.qbo_resync_lists import RESYNC_CRON
from ..qbo import QboClient
from ..qbo.changes import ChangeSet
from .common import REALM_A
from .common_send import WEBSITE_ID
from .test_connection_ui import QboWebhookHttpCase
from .test_resync import ResyncCase


@tagged("post_install", "-at_install")
class TestResyncIncremental(ResyncCase):
    def requests(self):
        counts = self.sandbox_stats()["requests"]
        return {kind: counts.get(kind, 0) for kind in ("cdc", "query", "preferences")}

    def resync_counting(self, **kwargs):
        before = self.requests()
        wizard = self.env["qbo.resync.wizard"]._qbo_run(
            self.company, create_missing=False, **kwargs
        )
        self.assertEqual(wizard.state, "done", wizard.summary)
        after = self.requests()
        return wizard, {kind: after[kind] - before[kind] for kind in after}

    def lists(self):
        return self.env["qbo.resync.lists"]._qbo_for(self.company, self.connection.realm_id)

    def test_a_rename_in_quickbooks_is_read_with_one_cdc_call(self):
        first, calls = self.resync_counting()
        self.assertIn("Full resync (no resync completed before)", first.summary)
        self.assertEqual(calls["cdc"], 0)
        self.assertGreaterEqual(calls["query"], 4)  # employees, vendors, customers, items
        qbo_id = self.dana.qbo_id
        self.qbo_update("Employee", "Dana Cruz", DisplayName="Dana Cruz-Lopez")
        self.qbo_update("Customer", "Website", DisplayName="Website 2026")

        second, calls = self.resync_counting()
        self.assertEqual(calls, {"cdc": 1, "query": 0, "preferences": 0})
        # The records seeded a moment ago are read again too (the look-back
        # starts a little before the last resync): applied by id, no harm.
        self.assertIn("Incremental resync:", second.summary)
        self.assertEqual(second.log_id.count_metered_calls, 1)
        self.assertEqual(self.dana.qbo_id, qbo_id)
        self.assertEqual(self.dana.qbo_display_name, "Dana Cruz-Lopez")
        self.assertIn("Renamed in QuickBooks", self.messages(second, self.dana))
        self.assertEqual(self.website.name, "Website 2026")
        self.assertEqual(self.website.qbo_fully_qualified_name, "Cool Cars:Website 2026")
        # The same outcome as a full read would give, bar what changed.
        self.assertEqual(second.count_matched, first.count_matched + first.count_created_odoo)

    def test_a_parent_renamed_renames_the_full_names_of_its_projects(self):
        self.resync()
        self.qbo_update("Customer", "Cool Cars", DisplayName="Cool Cars Inc")
        wizard, calls = self.resync_counting()
        self.assertEqual(calls["cdc"], 1)
        self.assertEqual(self.website.qbo_fully_qualified_name, "Cool Cars Inc:Website")
        self.assertIn("Cool Cars Inc", self.messages(wizard, self.cool_cars))

    def test_a_customer_made_inactive_archives_its_project(self):
        self.resync()
        solo = self.project_named("Solo Customer")
        self.assertTrue(solo.active)
        self.qbo_update("Customer", "Solo Customer", Active=False)
        wizard, calls = self.resync_counting()
        self.assertEqual(calls["cdc"], 1)
        self.assertFalse(solo.active)
        self.assertTrue(solo.exists())
        self.assertIn("is archived", self.messages(wizard, solo))

    def test_a_new_customer_in_quickbooks_is_created_in_odoo(self):
        self.resync()
        client = self.connection._qbo_client()
        client.create("Customer", {"DisplayName": "Newcomer Ltd"}, uuid.uuid4().hex)
        wizard, calls = self.resync_counting()
        self.assertEqual(calls["cdc"], 1)
        # A customer without sub-customers is a project in Odoo.
        self.assertTrue(self.project_named("Newcomer Ltd"))
        self.assertEqual(wizard.count_created_odoo, 1)

    def test_thirty_days_after_the_last_resync_everything_is_read(self):
        self.resync()
        self.lists().read_at = fields.Datetime.now() - timedelta(days=30)
        self.qbo_update("Employee", "Dana Cruz", DisplayName="Dana Cruz-Lopez")
        wizard, calls = self.resync_counting()
        self.assertEqual(calls["cdc"], 0)
        self.assertGreaterEqual(calls["query"], 4)
        self.assertIn("30 days old or more", wizard.summary)
        self.assertEqual(self.dana.qbo_display_name, "Dana Cruz-Lopez")

    def test_full_resync_checkbox_reads_everything(self):
        self.resync()
        wizard, calls = self.resync_counting(full=True)
        self.assertEqual(calls["cdc"], 0)
        self.assertGreaterEqual(calls["query"], 4)
        self.assertIn("a full resync was asked for", wizard.summary)
        # The wizard's own checkbox, through Check now and Apply.
        form = self.env["qbo.resync.wizard"].create(
            {"company_id": self.company.id, "full_resync": True}
        )
        before = self.requests()
        form.action_preview()
        form.action_check()
        self.assertEqual(form.state, "done", form.summary)
        self.assertEqual(self.requests()["cdc"], before["cdc"])

    def test_a_thousand_changes_mean_a_full_read(self):
        self.resync()
        capped = ChangeSet(rows={"Customer": []}, capped=True)
        with patch.object(QboClient, "cdc", return_value=capped) as cdc:
            wizard, calls = self.resync_counting()
        cdc.assert_called_once()
        self.assertGreaterEqual(calls["query"], 4)
        self.assertIn("1,000 changes or more", wizard.summary)

    def test_webhook_customer_events_schedule_one_resync(self):
        self.resync()
        self.qbo_update("Customer", "Website", DisplayName="Website 2026")
        Event = self.env["qbo.webhook.event"].sudo()
        events = Event.create(
            [
                {
                    "event_id": uuid.uuid4().hex,
                    "realm_id": self.connection.realm_id,
                    "entity": entity,
                    "entity_id": "1",
                    "operation": "Update",
                }
                for entity in ("Customer", "Customer", "Employee")
            ]
        )
        cron = self.env.ref(RESYNC_CRON)
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers_before = Trigger.search_count([("cron_id", "=", cron.id)])
        Event._qbo_process_realm(self.connection, events)
        Event._qbo_process_realm(self.connection, events)  # a second batch: no second resync
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), triggers_before + 1)
        trigger = Trigger.search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertGreater(trigger.call_at, fields.Datetime.now())
        self.assertTrue(self.lists().resync_requested_at)
        self.assertEqual(self.website.name, "website")  # nothing yet: the cron does it

        before = self.requests()
        self.env["qbo.resync.lists"]._qbo_cron_resync_requested()
        self.assertEqual(self.requests()["cdc"], before["cdc"] + 1)
        self.assertEqual(self.website.name, "Website 2026")
        self.assertFalse(self.lists().resync_requested_at)

    def test_no_webhook_resync_before_a_first_resync(self):
        Event = self.env["qbo.webhook.event"].sudo()
        event = Event.create(
            {
                "event_id": uuid.uuid4().hex,
                "realm_id": self.connection.realm_id,
                "entity": "Customer",
                "entity_id": "1",
                "operation": "Create",
            }
        )
        Event._qbo_process_realm(self.connection, event)
        self.assertFalse(self.lists().resync_requested_at)
        self.assertFalse(self.project_named("Solo Customer"))

    def test_time_activity_events_alone_schedule_no_resync(self):
        self.resync()
        Event = self.env["qbo.webhook.event"].sudo()
        event = Event.create(
            {
                "event_id": uuid.uuid4().hex,
                "realm_id": self.connection.realm_id,
                "entity": "TimeActivity",
                "entity_id": "999999",
                "operation": "Update",
            }
        )
        Event._qbo_process_realm(self.connection, event)
        self.assertFalse(self.lists().resync_requested_at)


@tagged("post_install", "-at_install")
class TestResyncWebhook(QboWebhookHttpCase):
    """End to end: a customer renamed in QuickBooks, the sandbox's webhook
    reaches Odoo's endpoint, and the resync it asks for follows the rename."""

    def test_a_customer_webhook_resyncs_incrementally(self):
        company = self.env.company
        wizard = self.env["qbo.resync.wizard"]._qbo_run(company, create_missing=False)
        self.assertEqual(wizard.state, "done", wizard.summary)
        website = self.env["project.project"].search(
            [
                ("qbo_customer_id", "=", WEBSITE_ID),
                ("qbo_realm_id", "=", REALM_A),
                ("company_id", "in", [company.id, False]),
            ]
        )
        self.assertEqual(len(website), 1, website.mapped("display_name"))
        self.qbo_subscribe(["Customer"])
        client = self.connection.sudo()._qbo_client()
        row = client.read("Customer", WEBSITE_ID)
        client.update(
            "Customer",
            {"Id": WEBSITE_ID, "SyncToken": row["SyncToken"], "DisplayName": "Website 2027"},
            uuid.uuid4().hex,
            sparse=True,
        )
        Event = self.env["qbo.webhook.event"].sudo()
        self.assertTrue(self.qbo_wait_for_events([("entity", "=", "Customer")]))

        Event._qbo_cron_process()
        lists = self.env["qbo.resync.lists"]._qbo_for(company, REALM_A)
        self.assertTrue(lists.resync_requested_at)
        cdc_before = self.sandbox.stats()["requests"].get("cdc", 0)
        self.env["qbo.resync.lists"]._qbo_cron_resync_requested()
        self.assertEqual(self.sandbox.stats()["requests"].get("cdc", 0), cdc_before + 1)
        self.assertIn("Website 2027", website.qbo_fully_qualified_name)
        self.assertFalse(lists.resync_requested_at)
        log = self.env["qbo.sync.log"].search(
            [("operation", "=", "resync"), ("company_id", "=", company.id)],
            order="id desc",
            limit=1,
        )
        self.assertIn("Incremental resync", log.summary)
