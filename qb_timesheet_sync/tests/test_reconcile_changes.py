# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time activities changed or deleted in QuickBooks after they were sent:
seen by the reconciliation and by webhooks, never overwritten silently,
sent again only by a QuickBooks manager's choice."""

import uuid
from datetime import date
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.qbo_reconcile import SWEEP_PARAM
from ..qbo import QboClient
from ..qbo.webhooks import WebhookEvent
from .common_send import REALM_A, QboSendCase, qbo_write
from .test_connection_ui import QboHttpCase


@tagged("post_install", "-at_install")
class TestReconcileChanges(QboSendCase):
    def sent(self, hours=5.0, **values):
        line = self.line(unit_amount=hours, **values)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        return line

    def client(self):
        return self.company._qbo_connection()._qbo_client()

    def activity(self, line_or_id):
        activity_id = getattr(line_or_id, "qbo_time_activity_id", line_or_id)
        records = self.sandbox.state.records(REALM_A, "TimeActivity")
        return next(record for record in records if record["Id"] == activity_id)

    def change_in_quickbooks(self, line, **changes):
        """A QuickBooks user saves the time activity of ``line``, through the
        public API as any other client would."""
        body = {
            key: value
            for key, value in self.activity(line).items()
            if key not in ("domain", "sparse", "MetaData")
        }
        self.client().update("TimeActivity", {**body, **changes}, uuid.uuid4().hex)

    def delete_in_quickbooks(self, line):
        activity = self.activity(line)
        self.client().delete(
            "TimeActivity", activity["Id"], activity["SyncToken"], uuid.uuid4().hex
        )

    def reconcile(self, sweep=None):
        return self.env["qbo.reconcile"]._qbo_reconcile_company(self.company, sweep=sweep)

    def updates_made(self):
        return self.sandbox_stats()["updates"].get("TimeActivity", 0)

    def metered(self):
        return self.sandbox_stats()["metered"]["CorePlus"]

    def reconcile_log(self):
        return self.env["qbo.sync.log"].search([("operation", "=", "reconcile")], limit=1)

    def webhook(self, line, operation, event_id):
        events = self.env["qbo.webhook.event"]
        event = WebhookEvent(
            event_id, REALM_A, "TimeActivity", line.qbo_time_activity_id, operation, ""
        )
        events._qbo_receive([event])
        events._qbo_cron_process()

    # ------------------------------------------------------------------
    # Changed in QuickBooks
    # ------------------------------------------------------------------
    def test_a_change_in_quickbooks_is_shown_and_never_overwritten(self):
        line, other = self.sent(), self.sent(hours=1.0)
        self.change_in_quickbooks(line, Hours=4, Description="Design review (QuickBooks)")
        self.assertEqual(self.reconcile(), line)
        self.assertEqual(line.qbo_state, "changed")
        self.assertEqual(other.qbo_state, "sent")
        self.assertEqual(line.sudo().qbo_sync_token, "1", "the new SyncToken is kept")
        self.assertEqual(line.sudo().qbo_conflict_payload["Hours"], 4, "QuickBooks' version")
        self.assertIn(
            'QuickBooks has 04:00 on 2026-03-02, "Design review (QuickBooks)", Odoo sent 05:00',
            line.qbo_last_error,
        )
        self.assertIn("(seen by the reconciliation)", self.reconcile_log().line_ids.message)
        self.assertEqual(
            self.env["account.analytic.line"].search(
                [("qbo_state", "=", "changed"), ("id", "in", (line | other).ids)]
            ),
            line,
            "the 'Changed in QuickBooks' filter",
        )
        # The senders refuse it: QuickBooks keeps its version.
        preview = self.preview(line)
        self.assertEqual(preview.count_to_update + preview.count_to_send, 0)
        self.assertIn("changed in QuickBooks", preview.refusal_ids.reason)
        line._qbo_send()
        self.assertEqual(self.activity(line)["Hours"], 4)
        self.assertEqual(self.updates_made(), 1, "only the QuickBooks user's change")
        self.assertFalse(self.reconcile(), "seen once")
        # A manager keeps QuickBooks' version: Odoo takes its values.
        self.env["qbo.sender"]._qbo_keep_quickbooks_version(line)
        self.assertRecordValues(
            line,
            [{"qbo_state": "sent", "unit_amount": 4.0, "name": "Design review (QuickBooks)"}],
        )
        self.assertEqual(self.updates_made(), 1)
        self.assertFalse(self.reconcile())

    def test_a_manager_may_send_odoo_version_over_a_change(self):
        line = self.sent()
        self.change_in_quickbooks(line, Hours=4)
        self.reconcile()
        self.env["qbo.sender"]._qbo_send_odoo_version(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual((self.activity(line)["Hours"], self.activity(line)["SyncToken"]), (5, "2"))

    def test_a_token_that_moved_with_the_same_values_is_not_a_change(self):
        line = self.sent()
        self.change_in_quickbooks(line)
        self.assertFalse(self.reconcile())
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.sudo().qbo_sync_token, "1")
        # The first run is also the day's sweep: its entry tells no change.
        self.assertFalse(self.reconcile_log().line_ids)
        self.assertIn("No change seen in QuickBooks.", self.reconcile_log().summary)
        # The next edit goes with the new token, at the first try.
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual((line.qbo_state, self.activity(line)["Hours"]), ("sent", 6))

    def test_changed_in_both_is_a_conflict(self):
        line = self.sent()
        line.unit_amount = 6.0
        self.change_in_quickbooks(line, Hours=4)
        self.webhook(line, "updated", "ev-changed")
        self.assertEqual(line.qbo_state, "conflict")
        self.assertIn("edited in Odoo", line.qbo_last_error)
        self.assertIn("(seen by a webhook)", self.reconcile_log().line_ids.message)
        self.send(line)
        self.assertEqual(self.activity(line)["Hours"], 4, "not overwritten")
        # Changed in QuickBooks first, then edited in Odoo: a conflict too.
        other = self.sent()
        self.change_in_quickbooks(other, Hours=3)
        self.reconcile()
        self.assertEqual(other.qbo_state, "changed")
        other.unit_amount = 7.0
        self.assertEqual(other.qbo_state, "conflict")

    def test_quickbooks_version_is_kept_whatever_the_edit_policy(self):
        line = self.sent()
        self.change_in_quickbooks(line, Hours=3, TxnDate="2026-03-03")
        self.reconcile()
        self.company.qbo_edit_policy = "refuse"
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            line.unit_amount = 3.0
        self.env["qbo.sender"]._qbo_keep_quickbooks_version(line)
        self.assertRecordValues(
            line, [{"qbo_state": "sent", "unit_amount": 3.0, "date": date(2026, 3, 3)}]
        )

    def test_time_changed_then_billed_is_locked_with_quickbooks_version(self):
        line = self.sent()
        self.change_in_quickbooks(line, Hours=4)
        requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/time-activities/"
            f"{line.qbo_time_activity_id}/bill",
            timeout=10,
        ).raise_for_status()
        self.reconcile()
        self.assertRecordValues(line, [{"qbo_billed": True, "qbo_state": "changed"}])
        self.assertIn("QuickBooks has 04:00", line.qbo_last_error)
        with self.assertRaisesRegex(UserError, "only QuickBooks' version"):
            self.env["qbo.sender"]._qbo_send_odoo_version(line)
        with self.assertRaisesRegex(UserError, "billed in QuickBooks"):
            line.unit_amount = 4.0
        # The invoice's hours, kept in Odoo by a manager's choice; still locked.
        self.env["qbo.sender"]._qbo_keep_quickbooks_version(line)
        self.assertRecordValues(
            line, [{"qbo_state": "sent", "unit_amount": 4.0, "qbo_billed": True}]
        )
        self.assertEqual(self.updates_made(), 1, "QuickBooks is not written")

    # ------------------------------------------------------------------
    # Deleted in QuickBooks
    # ------------------------------------------------------------------
    def test_a_deleted_event_is_believed_only_after_a_read(self):
        line, other = self.sent(), self.sent(hours=1.0)
        self.delete_in_quickbooks(line)
        metered = self.metered()
        self.webhook(line, "deleted", "ev-deleted")
        # A forged or mistaken event: QuickBooks still has it.
        self.webhook(other, "deleted", "ev-not-deleted")
        self.assertEqual(line.qbo_state, "deleted")
        self.assertEqual(other.qbo_state, "sent")
        self.assertEqual(
            self.metered() - metered, 3, "a query per event, and a read of the missing id"
        )
        self.assertIn("deleted in QuickBooks (seen by a webhook)", line.qbo_last_error)
        self.assertEqual(
            self.reconcile_log()
            .line_ids.filtered(lambda detail: detail.timesheet_id == line)
            .level,
            "warning",
        )

    def test_a_deleted_event_is_not_believed_while_quickbooks_reads_it(self):
        line = self.sent()
        # The query leaves it out (an index lagging behind), the read finds it.
        with patch.object(QboClient, "time_activities_by_ids", return_value={}):
            self.webhook(line, "deleted", "ev-lagging")
        self.assertEqual(line.qbo_state, "sent")

    def test_the_daily_sweep_finds_deletions(self):
        lines = self.sent() | self.sent(hours=1.0) | self.sent(hours=3.0)
        self.delete_in_quickbooks(lines[0])
        metered = self.metered()
        self.assertEqual(self.reconcile(), lines[0], "the first run sweeps")
        self.assertEqual(lines.mapped("qbo_state"), ["deleted", "sent", "sent"])
        self.assertEqual(self.metered() - metered, 2, "the watermark read and one sweep query")
        self.assertIn("(seen by the reconciliation)", self.reconcile_log().line_ids.message)
        self.assertEqual(self.reconcile_log().count_metered_calls, 2, "the log says so too")
        self.assertTrue(self.env["ir.config_parameter"].get_param(SWEEP_PARAM % REALM_A))
        self.delete_in_quickbooks(lines[1])
        self.assertFalse(self.reconcile(), "not swept again the same day")
        self.assertEqual(lines[1].qbo_state, "sent")
        self.assertEqual(self.reconcile(sweep=True), lines[1])
        self.assertEqual(
            self.env["account.analytic.line"].search(
                [("qbo_state", "=", "deleted"), ("id", "in", lines.ids)]
            ),
            lines[:2],
            "the 'Deleted in QuickBooks' filter",
        )

    def test_deleted_lines_are_sent_again_only_by_a_manager(self):
        line = self.sent()
        old_id = line.qbo_time_activity_id
        self.delete_in_quickbooks(line)
        self.reconcile(sweep=True)
        self.assertEqual(line.qbo_state, "deleted")
        # Every sender skips it: now, in the background, in real time.
        self.assertIn("deleted in QuickBooks", self.preview(line).refusal_ids.reason)
        line._qbo_send()
        self.company.qbo_background_threshold = 0
        line._qbo_send()
        self.assertIn("deleted in QuickBooks", self.last_send_log().line_ids.message, "not queued")
        self.company.qbo_send_when_sendable = True
        line.name = "Design review, again"
        self.env["qbo.send.queue"]._qbo_cron_send_realtime()
        cron = self.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")
        cron, _progress = cron._add_progress()
        self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        self.assertEqual(line.qbo_state, "deleted")
        self.assertFalse(self.time_activities(), "nothing sent again by itself")
        # A plain QuickBooks user may not, over RPC either.
        user = new_test_user(
            self.env,
            "qbo_send_again_user",
            groups="hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_user",
        )
        with self.assertRaises(AccessError):
            self.env["qbo.sender"].with_user(user)._qbo_send_again(line.with_user(user))
        self.assertEqual(line.qbo_state, "deleted")
        # A manager's deliberate choice: a new time activity.
        self.company.qbo_background_threshold = 1000
        self.company.qbo_send_when_sendable = False
        self.env["qbo.sender"]._qbo_send_again(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertNotEqual(line.qbo_time_activity_id, old_id)
        self.assertEqual(len(self.time_activities()), 1)
        self.assertEqual(self.activity(line)["Description"], "Design review, again")
        self.assertTrue(
            self.env["qbo.send.attempt"].search(
                [("line_id", "=", line.id), ("payload", "!=", False)], limit=1
            ),
            "journaled like any create",
        )


@tagged("post_install", "-at_install")
class TestSendAgainRpc(QboHttpCase):
    def test_send_again_is_refused_to_a_plain_user_over_rpc(self):
        new_test_user(
            self.env,
            "qbo_rpc_plain",
            password="qbo_rpc_plain_pw",
            groups="hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_user",
        )
        employee = self.env["hr.employee"].create({"name": "Emily Platt"})
        project = self.env["project.project"].create({"name": "Website"})
        line = self.env["account.analytic.line"].create(
            {"name": "Design", "employee_id": employee.id, "project_id": project.id}
        )
        qbo_write(
            line, {"qbo_state": "deleted", "qbo_time_activity_id": "7", "qbo_realm_id": REALM_A}
        )
        self.authenticate("qbo_rpc_plain", "qbo_rpc_plain_pw")
        action = self.env.ref("qb_timesheet_sync.action_qbo_send_again")
        params = {
            "action_id": action.id,
            "context": {"active_model": line._name, "active_id": line.id, "active_ids": line.ids},
        }
        with mute_logger("odoo.http"), self.assertRaisesRegex(Exception, "AccessError"):
            self.make_jsonrpc_request("/web/action/run", params)
        self.assertEqual(line.qbo_state, "deleted")
        self.assertEqual(line.qbo_time_activity_id, "7")
        # A QuickBooks manager may (this company is not connected: the line
        # is then refused for that, its old time activity forgotten).
        new_test_user(
            self.env,
            "qbo_rpc_manager",
            password="qbo_rpc_manager_pw",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )
        self.authenticate("qbo_rpc_manager", "qbo_rpc_manager_pw")
        self.make_jsonrpc_request("/web/action/run", params)
        line.invalidate_recordset()
        self.assertEqual((line.qbo_state, line.qbo_time_activity_id), ("refused", False))
