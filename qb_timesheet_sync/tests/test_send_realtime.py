# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real-time mode: new sendable lines and edits of sent lines reach
QuickBooks by themselves, through the background sender."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..qbo import QboClient, QboServerUnavailable
from .common_send import REALM_A, QboSendCase


@tagged("post_install", "-at_install")
class TestSendRealtime(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.realtime_cron = cls.env.ref("qb_timesheet_sync.ir_cron_qbo_send_realtime")
        cls.send_cron = cls.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")

    def triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.realtime_cron.id)])

    def run_crons(self):
        """The real-time cron, then the background sender, as the cron worker runs them."""
        self.env["qbo.send.queue"]._qbo_cron_send_realtime()
        cron, _progress = self.send_cron._add_progress()
        self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        self.env.invalidate_all()

    def activity(self, line):
        records = self.sandbox.state.records(REALM_A, "TimeActivity")
        return next(record for record in records if record["Id"] == line.qbo_time_activity_id)

    def test_off_by_default_nothing_is_sent_by_itself(self):
        triggers = self.triggers()
        line = self.line()
        self.assertEqual(self.triggers(), triggers, "not woken up")
        self.run_crons()
        self.assertEqual(line.qbo_state, "not_sent")
        self.assertFalse(self.time_activities())

    def test_new_sendable_lines_are_sent_by_themselves(self):
        self.company.qbo_send_when_sendable = True
        triggers = self.triggers()
        line = self.line()
        unmapped = self.line(project_id=self.env["project.project"].create({"name": "X"}).id)
        self.assertEqual(self.triggers(), triggers + 1, "woken up once per transaction")
        self.run_crons()
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_queue_log_id.name, "Sent as soon as sendable")
        self.assertEqual(unmapped.qbo_state, "not_sent", "left for later, untouched")
        self.assertFalse(unmapped.qbo_last_error)
        self.assertEqual(len(self.time_activities()), 1)

    def test_edits_of_sent_lines_are_sent_by_themselves(self):
        line = self.line(unit_amount=5.0)
        self.send(line)
        self.company.qbo_send_when_sendable = True
        self.env["qbo.send.queue"]._qbo_cron_send_realtime()  # the watermark
        activity_id = line.qbo_time_activity_id
        line.unit_amount = 6.0
        self.run_crons()
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_time_activity_id, activity_id)
        self.assertEqual(self.activity(line)["Hours"], 6)

    def test_an_unsendable_edit_keeps_its_reason(self):
        line = self.line(unit_amount=5.0)
        self.send(line)
        self.company.qbo_send_when_sendable = True
        line.unit_amount = 24.5
        self.run_crons()
        self.assertEqual(line.qbo_state, "edited")
        self.assertIn("longer than the 23:55", line.qbo_last_error)
        self.assertEqual(self.activity(line)["Hours"], 5)

    def test_lines_wait_while_quickbooks_is_out_of_reach(self):
        self.company.qbo_send_when_sendable = True
        line = self.line()
        with patch.object(QboClient, "preferences", side_effect=QboServerUnavailable()):
            self.env["qbo.send.queue"]._qbo_cron_send_realtime()
        self.assertEqual(line.qbo_state, "not_sent")
        self.assertFalse(self.company.qbo_realtime_last, "the next run looks again")
        # An hour later, QuickBooks answers.
        self.company.qbo_realtime_last = fields.Datetime.now() - timedelta(hours=1)
        self.run_crons()
        self.assertEqual(line.qbo_state, "sent")
