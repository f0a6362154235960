# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Edits after sending: the same time activity is updated in QuickBooks,
once, even after a crash, and never over a change made in QuickBooks."""

import contextlib
import uuid
from unittest.mock import patch
from urllib.parse import parse_qsl

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..qbo import QboClient, QboTimeout
from .common_send import REALM_A, QboSendCase, send_seed
from .test_connection_ui import QboHttpCase
from .test_send import WorkerCrash, batch_then


@tagged("post_install", "-at_install")
class TestSendUpdate(QboSendCase):
    def sent_line(self, hours=5.0, **values):
        """A 5:00 line at $120 an hour, sent: QuickBooks has 5:00 and $600."""
        line = self.line(unit_amount=hours, **values)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        return line

    def activity(self, line):
        records = self.sandbox.state.records(REALM_A, "TimeActivity")
        return next(record for record in records if record["Id"] == line.qbo_time_activity_id)

    def client(self):
        return self.company._qbo_connection()._qbo_client()

    def change_in_quickbooks(self, line, **changes):
        """A QuickBooks user changes the time activity of ``line``."""
        activity = self.activity(line)
        body = {
            key: value
            for key, value in activity.items()
            if key not in ("domain", "sparse", "MetaData")
        }
        self.client().update("TimeActivity", {**body, **changes}, uuid.uuid4().hex)

    def updates_made(self):
        return self.sandbox_stats()["updates"].get("TimeActivity", 0)

    # ------------------------------------------------------------------
    # The normal case
    # ------------------------------------------------------------------
    def test_an_edit_updates_the_same_time_activity(self):
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        line.unit_amount = 6.0
        self.assertEqual(line.qbo_state, "edited")

        preview = self.preview(line)
        # The totals of an update are what it changes: 5:00 to 6:00 at $120 an hour.
        self.assertRecordValues(
            preview,
            [
                {
                    "count_to_send": 0,
                    "count_to_update": 1,
                    "hours_to_update": "+01:00",
                    "amount_to_update": 120.0,
                    "count_refused": 0,
                    "count_skipped": 0,
                }
            ],
        )
        self.assertFalse(preview.refusal_ids)
        self.assertRecordValues(
            preview.update_ids,
            [
                {
                    "line_id": line.id,
                    "time_activity": activity_id,
                    "change": "05:00 → 06:00, $\xa0600.00 → $\xa0720.00",
                }
            ],
        )

        preview.action_confirm()
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_time_activity_id, activity_id, "the same time activity")
        activity = self.activity(line)
        self.assertEqual((activity["Hours"], activity["Minutes"]), (6, 0))
        self.assertEqual(activity["HourlyRate"], 120.0)
        self.assertEqual(activity["SyncToken"], "1")
        self.assertEqual(line.sudo().qbo_sync_token, "1", "the token of QuickBooks' answer")
        self.assertEqual(line.qbo_sent_duration, 6.0)
        self.assertEqual(len(self.time_activities()), 1, "no second time activity")
        self.assertEqual(self.updates_made(), 1)
        log = self.last_send_log()
        self.assertEqual(log.count_done, 1)
        self.assertIn(f"Updated time activity {activity_id}: 05:00 → 06:00.", log.line_ids.message)
        attempts = self.env["qbo.send.attempt"].search([("line_id", "=", line.id)])
        self.assertEqual(attempts.mapped("operation"), ["update", "create"], "journaled")
        self.assertEqual(line.sudo().qbo_request_id, attempts[0].request_id)

        # Nothing new to send: a second confirm changes nothing.
        self.send(line)
        self.assertEqual(self.updates_made(), 1)

    def test_edits_and_new_lines_go_together_by_batch(self):
        sent = self.sent_line() | self.sent_line(hours=2.0) | self.sent_line(hours=3.0)
        for line in sent:
            line.name = f"{line.name} (corrected)"
        new = self.line()
        requests_before = self.sandbox_stats()["requests"].get("batch", 0)
        preview = self.preview(sent | new)
        # A corrected description changes neither hours nor amount.
        self.assertRecordValues(
            preview,
            [
                {
                    "count_to_send": 1,
                    "count_to_update": 3,
                    "hours_to_update": "00:00",
                    "amount_to_update": 0.0,
                }
            ],
        )
        preview.action_confirm()
        self.assertEqual(set((sent | new).mapped("qbo_state")), {"sent"})
        self.assertEqual(self.updates_made(), 3)
        self.assertEqual(len(self.time_activities()), 4)
        self.assertEqual(
            {activity["Description"] for activity in self.time_activities()},
            {"Design review (corrected)", "Design review"},
        )
        self.assertEqual(
            self.sandbox_stats()["requests"].get("batch", 0) - requests_before,
            2,
            "one batch of updates, one of creates",
        )

    def test_an_edit_that_makes_the_line_unsendable_is_refused(self):
        line = self.sent_line()
        line.unit_amount = 24.5
        preview = self.preview(line)
        self.assertEqual(preview.count_to_update, 0)
        self.assertIn("longer than the 23:55", preview.refusal_ids.reason)
        preview.line_ids._qbo_send()
        self.assertEqual(line.qbo_state, "edited")
        self.assertEqual(self.activity(line)["Hours"], 5)
        self.assertEqual(self.updates_made(), 0)

    def test_the_background_sender_updates_edited_lines(self):
        lines = self.sent_line() | self.sent_line(hours=2.0) | self.sent_line(hours=3.0)
        lines.write({"unit_amount": 4.0})
        self.company.qbo_background_threshold = 2
        self.preview(lines).action_confirm()
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        cron = self.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")
        cron, _progress = cron._add_progress()
        self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        self.env.invalidate_all()
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        self.assertEqual(lines.qbo_queue_log_id.state, "done")
        self.assertEqual(self.updates_made(), 3)
        self.assertEqual({self.activity(line)["Hours"] for line in lines}, {4})
        self.assertEqual(len(self.time_activities()), 3)

    # ------------------------------------------------------------------
    # Stale SyncToken: ours, or changed in QuickBooks
    # ------------------------------------------------------------------
    def test_a_stale_token_with_our_values_is_retried_with_the_new_one(self):
        line = self.sent_line()
        # Saved again in QuickBooks with the same values: only the token moves.
        self.change_in_quickbooks(line)
        self.assertEqual(self.activity(line)["SyncToken"], "1")
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(self.activity(line)["Hours"], 6)
        self.assertEqual(self.activity(line)["SyncToken"], "2")
        self.assertEqual(line.sudo().qbo_sync_token, "2")

    def test_a_change_made_in_quickbooks_is_never_overwritten(self):
        line = self.sent_line()
        self.change_in_quickbooks(line, Hours=4)
        line.unit_amount = 6.0
        action = self.send(line)
        self.assertEqual(line.qbo_state, "conflict")
        self.assertEqual(self.activity(line)["Hours"], 4, "QuickBooks' change stays")
        self.assertEqual(line.sudo().qbo_conflict_payload["Hours"], 4, "both versions are kept")
        self.assertIn("changed in QuickBooks", line.qbo_last_error)
        self.assertIn("QuickBooks has 04:00, Odoo 06:00", line.qbo_last_error)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertTrue(line.qbo_sent, "still in QuickBooks")
        # Sending again does not overwrite it either.
        self.assertIn("choose which version", self.preview(line).refusal_ids.reason)

    def conflict_line(self):
        line = self.sent_line()
        self.change_in_quickbooks(line, Hours=4, Description="Design review (QuickBooks)")
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual(line.qbo_state, "conflict")
        return line

    def test_a_manager_keeps_quickbooks_version(self):
        line = self.conflict_line()
        action = self.env["qbo.sender"]._qbo_keep_quickbooks_version(line)
        self.assertEqual(action["params"]["type"], "success")
        self.assertRecordValues(
            line,
            [{"qbo_state": "sent", "unit_amount": 4.0, "name": "Design review (QuickBooks)"}],
        )
        self.assertEqual(line.sudo().qbo_sync_token, "1")
        self.assertEqual(self.updates_made(), 1, "only the QuickBooks user's change")
        self.assertIn(
            "QuickBooks' version kept", self.env["qbo.sync.log"].search([], limit=1).summary
        )
        # Later edits update it as usual.
        line.unit_amount = 4.5
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(self.activity(line)["Minutes"], 30)

    def test_keeping_quickbooks_version_is_logged_with_old_and_new_values(self):
        line = self.conflict_line()
        manager = new_test_user(
            self.env,
            "qbo_choice_manager",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )
        self.env["qbo.sender"].with_user(manager)._qbo_keep_quickbooks_version(
            line.with_user(manager)
        )
        log = self.env["qbo.sync.log"].search([("operation", "=", "keep_qbo")])
        self.assertRecordValues(
            log,
            [
                {
                    "name": "Kept QuickBooks' version",
                    "user_id": manager.id,
                    "state": "done",
                    "count_done": 1,
                }
            ],
        )
        self.assertEqual(
            log.line_ids.message,
            'Odoo had 06:00 on 2026-03-02, "Design review", now 04:00 on 2026-03-02, '
            '"Design review (QuickBooks)" as in QuickBooks.',
        )
        self.assertRecordValues(
            log.line_ids,
            [{"timesheet_id": line.id, "employee_id": self.emily.id, "duration": 4.0}],
        )
        self.assertFalse(
            self.env["qbo.sync.log"].search([("name", "=", "Conflicts with QuickBooks")]),
            "not logged as a send",
        )

    def test_sending_odoo_version_is_logged_with_both_values(self):
        line = self.conflict_line()
        self.env["qbo.sender"]._qbo_send_odoo_version(line)
        log = self.env["qbo.sync.log"].search([("operation", "=", "send_odoo")])
        self.assertRecordValues(log, [{"name": "Sent Odoo's version", "count_done": 1}])
        self.assertEqual(
            log.line_ids.message,
            'QuickBooks had 04:00 on 2026-03-02, "Design review (QuickBooks)"; Odoo\'s version, '
            '06:00 on 2026-03-02, "Design review", is sent over it.',
        )

    def test_a_manager_sends_odoo_version_over_quickbooks(self):
        line = self.conflict_line()
        self.env["qbo.sender"]._qbo_send_odoo_version(line)
        self.assertEqual(line.qbo_state, "sent")
        activity = self.activity(line)
        self.assertEqual((activity["Hours"], activity["Description"]), (6, "Design review"))
        self.assertEqual(activity["SyncToken"], "2")
        self.assertFalse(line.sudo().qbo_conflict_payload)

    def test_only_managers_settle_conflicts(self):
        line = self.conflict_line()
        user = new_test_user(
            self.env,
            "qbo_update_user",
            groups="hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_user",
        )
        sender = self.env["qbo.sender"].with_user(user)
        for choice in (sender._qbo_keep_quickbooks_version, sender._qbo_send_odoo_version):
            with self.subTest(choice=choice.__name__), self.assertRaises(AccessError):
                choice(line.with_user(user))
        self.assertEqual(line.qbo_state, "conflict")

    def test_an_edit_of_time_billed_meanwhile_is_not_sent_and_locks_the_line(self):
        line = self.sent_line()
        line.unit_amount = 6.0
        requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/time-activities/"
            f"{line.qbo_time_activity_id}/bill",
            timeout=10,
        ).raise_for_status()
        self.send(line)
        activity = self.activity(line)
        self.assertEqual((activity["Hours"], activity["BillableStatus"]), (5, "HasBeenBilled"))
        self.assertTrue(line.qbo_billed)
        self.assertIn("billed in QuickBooks since it was sent", line.qbo_last_error)
        self.assertEqual(self.updates_made(), 0)

    # ------------------------------------------------------------------
    # Crashes: exactly one change in QuickBooks
    # ------------------------------------------------------------------
    def check_update_after_crash(self):
        line = self.sent_line()
        line.unit_amount = 6.0
        with batch_then(WorkerCrash()), contextlib.suppress(WorkerCrash):
            self.send(line)
        # The test transaction keeps what the crash would: the line as it was.
        self.assertEqual(line.qbo_state, "edited")
        self.assertEqual(self.activity(line)["Hours"], 6, "QuickBooks got the update")
        self.assertEqual(line.sudo().qbo_sync_token, "0")
        attempt = self.env["qbo.send.attempt"].search([("line_id", "=", line.id)], limit=1)
        self.assertEqual(attempt.operation, "update")

        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(self.updates_made(), 1, "exactly one change in QuickBooks")
        self.assertEqual(self.activity(line)["SyncToken"], "1")
        self.assertEqual(line.sudo().qbo_sync_token, "1")
        self.assertEqual(line.sudo().qbo_request_id, attempt.request_id)
        return line

    def test_update_after_a_crash_without_requestid_replay(self):
        self.sandbox.configure(requestid_mode="ignore")
        self.check_update_after_crash()

    def test_update_after_a_crash_with_requestid_replay(self):
        self.sandbox.configure(requestid_mode="replay")
        self.check_update_after_crash()
        self.assertEqual(self.sandbox_stats()["requestid_replays"], 1)

    def test_crash_then_another_edit_sends_the_newest_values_once_more(self):
        self.sandbox.configure(requestid_mode="replay")
        line = self.sent_line()
        line.unit_amount = 6.0
        with batch_then(WorkerCrash()), contextlib.suppress(WorkerCrash):
            self.send(line)
        line.unit_amount = 7.0
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(self.activity(line)["Hours"], 7)
        self.assertEqual(self.updates_made(), 2, "the interrupted update, then the new one")
        self.assertEqual(self.sandbox_stats()["requestid_replays"], 0, "a new requestid")

    def test_a_lost_answer_leaves_the_line_edited_and_the_next_send_settles_it(self):
        self.sandbox.configure(requestid_mode="ignore")
        line = self.sent_line()
        line.unit_amount = 6.0
        with patch.object(QboClient, "query", wraps=self.client().query) as query:
            with batch_then(QboTimeout()):
                action = self.send(line)
            self.assertEqual(action["params"]["type"], "danger")
            self.assertEqual(line.qbo_state, "edited", "still to update")
            self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(query.call_count, 1, "one read of the stale time activity")
        self.assertEqual(self.updates_made(), 1)


@tagged("post_install", "-at_install")
class TestSendUpdateTour(QboHttpCase):
    """A correction after sending, in a real browser."""

    def test_update_tour(self):
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        line = self.qbo_design_review_line()
        line._qbo_send()
        activity_id = line.qbo_time_activity_id
        self.assertTrue(activity_id)

        self.start_tour("/odoo/all-timesheets", "qbo_update_tour", login="admin")

        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_time_activity_id, activity_id)
        (activity,) = self.sandbox.state.records(REALM_A, "TimeActivity")
        self.assertEqual(
            (activity["Id"], activity["Hours"], activity["Minutes"]), (activity_id, 6, 0)
        )
        # The sandbox's page shows 6:00 on the same time activity.
        page = requests.get(f"{self.sandbox.url}/_sandbox/", timeout=10).text
        self.assertRegex(page, rf"<td>{activity_id}</td>(<td>[^<]*</td>){{4}}<td>6h00</td>")
