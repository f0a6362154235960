# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time billed in QuickBooks is never overwritten nor deleted by any sender,
even when QuickBooks does not replay a requestid (docs/ASSUMPTIONS.md#billed-time),
and everyone who sees a line's status sees that it is billed."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common_send import REALM_A, QboSendCase


@tagged("post_install", "-at_install")
class TestBilledNeverOverwritten(QboSendCase):
    def setUp(self):
        super().setUp()
        # QuickBooks' requestid memory is not what protects billed time.
        self.sandbox.configure(requestid_mode="ignore")

    def activity(self, line):
        records = self.sandbox.state.records(REALM_A, "TimeActivity")
        return next(record for record in records if record["Id"] == line.qbo_time_activity_id)

    def updates_made(self):
        return self.sandbox_stats()["updates"].get("TimeActivity", 0)

    def edited_then_billed(self):
        """A 5:00 line sent, edited to 6:00 in Odoo, then billed in QuickBooks
        before the edit was sent."""
        line = self.line(unit_amount=5.0)
        self.send(line)
        line.unit_amount = 6.0
        self.assertEqual(line.qbo_state, "edited")
        self.bill(line)
        return line

    def run_background_sender(self):
        cron, _progress = self.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")._add_progress()
        self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        self.env.invalidate_all()

    def assert_untouched(self, line, updates_before):
        activity = self.activity(line)
        self.assertEqual(
            (activity["Hours"], activity["Minutes"], activity["BillableStatus"]),
            (5, 0, "HasBeenBilled"),
            "QuickBooks keeps the billed time as it was",
        )
        self.assertLessEqual(self.updates_made() - updates_before, 1, "at most the stale one")
        self.assertTrue(line.qbo_billed)
        self.assertEqual(line.qbo_status, "billed")
        details = self.env["qbo.sync.log.line"].search([("timesheet_id", "=", line.id)])
        self.assertFalse(
            details.filtered(lambda detail: detail.level == "error"), "no error logged for it"
        )
        logs = self.env["qbo.sync.log"].search([("operation", "=", "send")])
        self.assertFalse(sum(logs.mapped("count_failed")), "no send counts it as failed")

    def test_foreground_sends_never_overwrite_billed_time(self):
        line = self.edited_then_billed()
        updates = self.updates_made()
        for _attempt in range(3):
            self.send(line)
        self.assert_untouched(line, updates)
        self.assertIn("billed in QuickBooks", line.qbo_last_error)
        self.assertEqual(line.qbo_state, "edited", "the edit is kept, not sent")
        log = self.last_send_log()
        self.assertEqual((log.count_refused, log.count_failed), (1, 0))
        self.assertEqual(log.line_ids.qbo_code, "billed")
        self.assertTrue(log.line_ids.message.startswith("Billed in QuickBooks: "))
        preview = self.preview(line)
        self.assertEqual(preview.count_to_update, 0)

    def test_background_sends_never_overwrite_billed_time(self):
        line = self.edited_then_billed()
        self.company.qbo_background_threshold = 0  # every send is queued
        updates = self.updates_made()
        for _attempt in range(3):
            self.send(line)
            self.run_background_sender()
        self.assert_untouched(line, updates)
        self.assertEqual(line.qbo_state, "edited", "out of the queue, the edit kept")
        running = self.env["qbo.sync.log"].search([("state", "=", "running")])
        self.assertFalse(running, "every background send ended")

    def test_scheduled_sends_never_overwrite_billed_time(self):
        line = self.edited_then_billed()
        saved_filter = self.env["ir.filters"].create(
            {
                "name": "This line",
                "model_id": "account.analytic.line",
                "domain": f"[('id', '=', {line.id})]",
            }
        )
        self.company.write(
            {
                "qbo_auto_send": True,
                "qbo_auto_send_interval": 1,
                "qbo_auto_send_filter_id": saved_filter.id,
            }
        )
        updates = self.updates_made()
        for _attempt in range(3):
            self.company.qbo_auto_send_last = False
            self.env["qbo.send.queue"]._qbo_cron_auto_send()
            self.run_background_sender()
        self.assert_untouched(line, updates)

    def test_realtime_sends_never_overwrite_billed_time(self):
        line = self.edited_then_billed()
        self.company.qbo_send_when_sendable = True
        updates = self.updates_made()
        for _attempt in range(3):
            self.company.qbo_realtime_last = False
            self.env["qbo.send.queue"]._qbo_cron_send_realtime()
            self.run_background_sender()
        self.assert_untouched(line, updates)

    def test_time_known_billed_is_never_sent_nor_deleted(self):
        """Billed seen by the reconciliation first: nothing leaves at all."""
        self.company.qbo_delete_policy = "delete"
        line = self.edited_then_billed()
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        self.assertTrue(line.qbo_billed)
        updates = self.updates_made()
        self.send(line)
        self.assertEqual(self.updates_made(), updates, "no update request at all")
        log = self.last_send_log()
        self.assertEqual((log.count_refused, log.count_failed), (1, 0))
        self.assertEqual(log.line_ids.qbo_code, "billed")
        self.assertIn("Billed in QuickBooks", log.line_ids.message)
        with self.assertRaisesRegex(UserError, "billed in QuickBooks"):
            line.unlink()
        self.assertFalse(self.env["qbo.time.deletion"].search([]))
        self.assert_untouched(line, updates)

    def test_a_billed_conflict_keeps_only_quickbooks_version(self):
        line, other = self.line(unit_amount=5.0), self.line(unit_amount=5.0)
        self.send(line | other)
        client = self.company._qbo_connection()._qbo_client()
        for changed in line | other:
            body = {
                key: value
                for key, value in self.activity(changed).items()
                if key not in ("domain", "sparse", "MetaData")
            }
            client.update("TimeActivity", {**body, "Hours": 4}, f"change-{changed.id}")
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        (line | other).write({"unit_amount": 6.0})
        self.assertEqual(set((line | other).mapped("qbo_state")), {"conflict"})
        self.bill(line)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        self.assertRecordValues(line | other, [{"qbo_billed": True}, {"qbo_billed": False}])
        sender = self.env["qbo.sender"]
        # Both chosen: the billed one is left out, and the log says why.
        sender._qbo_send_odoo_version(line | other)
        self.assertEqual(self.activity(other)["Hours"], 6)
        self.assertEqual(other.qbo_state, "sent")
        self.assertEqual(
            (self.activity(line)["Hours"], self.activity(line)["BillableStatus"]),
            (4, "HasBeenBilled"),
        )
        self.assertEqual(line.qbo_state, "conflict")
        skipped = self.env["qbo.sync.log.line"].search([("timesheet_id", "=", line.id)])
        self.assertTrue(
            any(
                "only QuickBooks' version can be kept" in text for text in skipped.mapped("message")
            )
        )
        with self.assertRaisesRegex(UserError, "only QuickBooks' version"):
            sender._qbo_send_odoo_version(line)
        sender._qbo_keep_quickbooks_version(line)
        self.assertRecordValues(line, [{"qbo_state": "sent", "unit_amount": 4.0}])
        self.assertEqual(self.activity(line)["BillableStatus"], "HasBeenBilled")

    # ------------------------------------------------------------------
    # What people see
    # ------------------------------------------------------------------
    def test_everyone_who_sees_statuses_sees_billed(self):
        line, other = self.line(unit_amount=5.0), self.line(unit_amount=1.0)
        self.send(line | other)
        self.bill(line)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        Line = self.env["account.analytic.line"]
        self.assertRecordValues(line | other, [{"qbo_status": "billed"}, {"qbo_status": "sent"}])
        ids = (line | other).ids
        self.assertEqual(Line.search([("qbo_status", "=", "billed"), ("id", "in", ids)]), line)
        self.assertEqual(Line.search([("qbo_status", "=", "sent"), ("id", "in", ids)]), other)
        self.assertEqual(
            Line.search([("qbo_status", "in", ("billed", "sent")), ("id", "in", ids)]),
            line | other,
        )
        self.assertEqual(Line.search([("qbo_status", "!=", "billed"), ("id", "in", ids)]), other)
        approver = new_test_user(
            self.env, "qbo_billed_approver", groups="hr_timesheet.group_hr_timesheet_approver"
        )
        ts_admin = new_test_user(
            self.env, "qbo_billed_ts_admin", groups="hr_timesheet.group_timesheet_manager"
        )
        qbo_user = new_test_user(
            self.env,
            "qbo_billed_qbo_user",
            groups="hr_timesheet.group_hr_timesheet_user,qb_timesheet_sync.group_qbo_user",
        )
        for user in (approver, ts_admin, qbo_user):
            with self.subTest(user=user.login):
                as_user = Line.with_user(user)
                self.assertEqual(as_user.browse(line.id).qbo_status, "billed")
                list_arch, form_arch, search_arch = (
                    as_user.get_view(self.env.ref(xmlid).id, kind)["arch"]
                    for xmlid, kind in (
                        ("hr_timesheet.hr_timesheet_line_tree", "list"),
                        ("hr_timesheet.hr_timesheet_line_form", "form"),
                        ("hr_timesheet.hr_timesheet_line_search", "search"),
                    )
                )
                self.assertIn('name="qbo_status"', list_arch)
                self.assertIn('name="qbo_status"', form_arch)
                self.assertIn("o_qbo_billed_banner", form_arch)
                for name in ("qbo_billed", "qbo_changed", "qbo_deleted", "qbo_conflict"):
                    self.assertIn(f'filter name="{name}"', search_arch)
