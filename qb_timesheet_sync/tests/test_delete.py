# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deleting a sent line deletes its time activity in QuickBooks too, when
the company asks for it: once, even after a crash, never silently dropped."""

import contextlib

import requests

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_send import REALM_A, QboSendCase
from .test_send import WorkerCrash, batch_then


@tagged("post_install", "-at_install")
class TestDeleteSent(QboSendCase):
    def setUp(self):
        super().setUp()
        self.company.qbo_delete_policy = "delete"

    def sent_line(self, **values):
        line = self.line(**values)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        return line

    def deletions(self):
        return self.env["qbo.time.deletion"].search([])

    def run_cron(self):
        self.env["qbo.time.deletion"]._qbo_cron_delete()

    def deletes_made(self):
        return self.sandbox_stats()["deletes"].get("TimeActivity", 0)

    def test_refused_as_today_unless_the_company_asks(self):
        self.company.qbo_delete_policy = "refuse"
        line = self.sent_line()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            line.unlink()
        self.assertFalse(self.deletions())

    def test_a_manager_deletes_the_time_in_quickbooks_too(self):
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        line.unlink()
        deletion = self.deletions()
        self.assertRecordValues(
            deletion, [{"state": "pending", "time_activity_id": activity_id, "sync_token": "0"}]
        )
        self.assertIn("Emily Platt", deletion.name)
        self.assertEqual(len(self.time_activities()), 1, "nothing leaves before the cron")
        self.assertEqual(
            self.env["qbo.time.deletion"].search([("state", "=", "pending")]),
            deletion,
            "a pending deletion stays visible",
        )
        self.run_cron()
        self.assertRecordValues(deletion, [{"state": "done"}])
        self.assertFalse(self.time_activities())
        self.assertEqual(self.deletes_made(), 1)
        log = self.env["qbo.sync.log"].search([("name", "=", "Delete time in QuickBooks")])
        self.assertIn(f"Time activity {activity_id} deleted in QuickBooks", log.line_ids.message)

    def test_only_quickbooks_managers_delete_sent_time(self):
        line = self.sent_line()
        user = new_test_user(
            self.env,
            "qbo_delete_user",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_user",
        )
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            line.with_user(user).unlink()
        self.assertTrue(line.exists())
        self.assertFalse(self.deletions())

    def check_crash_between_request_and_answer(self):
        line = self.sent_line()
        line.unlink()
        with batch_then(WorkerCrash()), contextlib.suppress(WorkerCrash):
            self.run_cron()
        deletion = self.deletions()
        self.assertEqual(deletion.state, "pending", "not lost")
        self.assertFalse(self.time_activities(), "QuickBooks deleted it")
        self.run_cron()
        self.assertEqual(deletion.state, "done")
        self.assertEqual(self.deletes_made(), 1, "exactly one deletion in QuickBooks")

    def test_crash_between_request_and_answer_without_requestid_replay(self):
        self.sandbox.configure(requestid_mode="ignore")
        self.check_crash_between_request_and_answer()

    def test_crash_between_request_and_answer_with_requestid_replay(self):
        self.sandbox.configure(requestid_mode="replay")
        self.check_crash_between_request_and_answer()

    def test_time_billed_meanwhile_is_not_deleted(self):
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        line.unlink()
        requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/time-activities/{activity_id}/bill",
            timeout=10,
        ).raise_for_status()
        self.run_cron()
        deletion = self.deletions()
        self.assertEqual(deletion.state, "failed")
        self.assertIn("billed this time", deletion.last_error)
        self.assertEqual(len(self.time_activities()), 1)
