# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deleting a sent line deletes its time activity in QuickBooks too, when
the company asks for it: once, even after a crash, never silently dropped."""

import contextlib
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_send import QboSendCase
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
        log = self.env["qbo.sync.log"].search([("operation", "=", "delete")])
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

    def manager(self, login="qbo_delete_manager", name="Quinn Manager"):
        return new_test_user(
            self.env,
            login,
            name=name,
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )

    def refusal_of(self, lines):
        """The message of the refused deletion of ``lines`` (no savepoint:
        the sync log keeps its trace in a transaction of its own)."""
        try:
            lines.unlink()
        except UserError as error:
            return str(error)
        self.fail("the deletion was not refused")

    def test_the_deletion_log_names_the_person_the_line_and_the_outcome(self):
        manager = self.manager()
        line = self.sent_line(unit_amount=3.5)
        activity_id = line.qbo_time_activity_id
        line.with_user(manager).unlink()
        deletion = self.deletions()
        self.assertEqual(deletion.user_id, manager)
        self.assertIn("03:30", deletion.name)
        self.assertNotIn("3.5 h", deletion.name)
        self.assertEqual(self.env.uid, 1, "the cron runs as OdooBot")
        self.run_cron()
        log = self.env["qbo.sync.log"].search([("operation", "=", "delete")])
        self.assertRecordValues(
            log,
            [
                {
                    "name": "Delete in QuickBooks",
                    "user_id": manager.id,
                    "state": "done",
                    "count_done": 1,
                    "count_failed": 0,
                }
            ],
        )
        self.assertRecordValues(
            log.line_ids,
            [
                {
                    "employee_id": self.emily.id,
                    "timesheet_date": date(2026, 3, 2),
                    "duration": 3.5,
                    "level": "info",
                }
            ],
        )
        self.assertIn(activity_id, log.line_ids.message)
        self.assertEqual(
            dict(self.env["qbo.sync.log"]._fields["operation"].selection)["delete"],
            "Delete in QuickBooks",
        )

    def test_a_deletion_that_fails_counts_as_failed(self):
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        line.unlink()
        self.bill_time_activity(activity_id)
        self.run_cron()
        log = self.env["qbo.sync.log"].search([("operation", "=", "delete")])
        self.assertRecordValues(log, [{"state": "failed", "count_done": 0, "count_failed": 1}])

    def test_a_refused_deletion_names_the_setting_and_leaves_a_trace(self):
        self.company.qbo_delete_policy = "refuse"
        line = self.sent_line()
        message = self.refusal_of(line)
        self.assertIn("cannot be deleted", message)
        self.assertIn("'Deleting sent time'", message)
        self.assertIn("ask an administrator to change the setting", message)
        self.assertTrue(line.exists())
        log = self.env["qbo.sync.log"].search([("operation", "=", "delete")])
        self.assertRecordValues(
            log,
            [
                {
                    "name": "Deletion refused",
                    "state": "failed",
                    "count_refused": 1,
                    "user_id": self.env.uid,
                }
            ],
        )
        self.assertEqual(log.summary, message)
        self.assertRecordValues(
            log.line_ids, [{"timesheet_id": line.id, "employee_id": self.emily.id}]
        )

    def test_a_refused_deletion_names_who_may_delete(self):
        self.manager()
        line = self.sent_line()
        user = new_test_user(
            self.env,
            "qbo_delete_approver",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_user",
        )
        message = self.refusal_of(line.with_user(user))
        self.assertIn("cannot be deleted by you", message)
        self.assertIn("only a QuickBooks manager may do", message)
        self.assertIn("Quinn Manager", message)
        self.assertFalse(self.deletions())
        log = self.env["qbo.sync.log"].search([("operation", "=", "delete")])
        self.assertRecordValues(log, [{"user_id": user.id, "count_refused": 1}])

    def test_the_delete_dialog_says_quickbooks_changes(self):
        manager = self.manager()
        line = self.sent_line()
        unsent = self.line()
        Line = self.env["account.analytic.line"].with_user(manager)
        confirmation = Line.qbo_delete_confirmation([line.id, unsent.id])
        self.assertIn("1 of the lines to delete was sent to QuickBooks", confirmation["body"])
        self.assertIn("deletes its time in QuickBooks too", confirmation["body"])
        self.assertIn("'Deletions in QuickBooks'", confirmation["done"])
        self.assertFalse(Line.qbo_delete_confirmation([unsent.id]), "Odoo's own dialog")
        self.company.qbo_delete_policy = "refuse"
        self.assertFalse(Line.qbo_delete_confirmation([line.id]), "QuickBooks is not changed")

    def test_the_deletions_menu_opens_on_what_there_is(self):
        Deletion = self.env["qbo.time.deletion"]
        self.assertIn("search_default_recent", Deletion._qbo_action_open()["context"])
        self.sent_line().unlink()
        self.assertEqual(Deletion._qbo_action_open()["context"], {"search_default_pending": 1})
        self.run_cron()
        self.assertNotIn("search_default_pending", str(Deletion._qbo_action_open()["context"]))

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
        self.bill_time_activity(activity_id)
        self.run_cron()
        deletion = self.deletions()
        self.assertEqual(deletion.state, "failed")
        self.assertIn("billed this time", deletion.last_error)
        self.assertEqual(len(self.time_activities()), 1)
