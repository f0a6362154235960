# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real-time mode: new sendable lines and edits of sent lines reach
QuickBooks by themselves, through the background sender."""

from datetime import date, timedelta
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

    # ------------------------------------------------------------------
    # Catching up after an outage or a disconnection
    # ------------------------------------------------------------------
    def sent_order(self, lines):
        """``lines`` in the order QuickBooks created their time activities."""
        return lines.sorted(lambda line: int(line.qbo_time_activity_id))

    def test_an_outage_is_caught_up_oldest_first_exactly_once(self):
        self.company.qbo_send_when_sendable = True
        # A first line goes through: the QuickBooks settings are read then.
        first = self.line()
        self.run_crons()
        self.assertEqual(first.qbo_state, "sent")
        # QuickBooks goes down (every call answered 500 or 503) while lines
        # are written, in no order of date.
        self.sandbox.configure(fail_rate=1.0)
        dates = [date(2026, 3, 9), date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 4)]
        lines = self.env["account.analytic.line"]
        for line_date in dates:
            lines |= self.line(date=line_date)
        with patch.object(QboClient, "_backoff", lambda client, attempt: 0.01):
            for _run in range(2):  # the cron comes back while QuickBooks is down
                self.run_crons()
                self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
                self.assertEqual(len(self.time_activities()), 1)
        self.assertTrue(sum(self.sandbox_stats()["injected_faults"].values()))
        self.assertTrue(lines[0].qbo_last_error, "the line says why it waits")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.send_cron.id)]),
            "the background sender comes back by itself",
        )
        # QuickBooks is back: the next cron run sends the backlog, no click.
        self.sandbox.configure(fail_rate=0.0)
        cron, _progress = self.send_cron._add_progress()
        self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        self.env.invalidate_all()
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        activities = self.time_activities()
        self.assertEqual(len(activities), 5, "each line once, none twice")
        self.assertEqual(
            {activity["Id"] for activity in activities},
            set((first | lines).mapped("qbo_time_activity_id")),
        )
        oldest_first = lines.sorted(lambda line: (line.date, line.id))
        self.assertEqual(self.sent_order(lines).ids, oldest_first.ids)

    def test_a_disconnection_is_caught_up_once_connected_again(self):
        self.company.qbo_send_when_sendable = True
        # Queued by the real-time mode, then the company is disconnected
        # before the background sender runs: refused as not connected.
        queued = self.line(date=date(2026, 3, 5))
        self.env["qbo.send.queue"]._qbo_cron_send_realtime()
        self.assertEqual(queued.qbo_state, "queued")
        self.connection.action_disconnect()
        self.run_crons()
        self.assertEqual((queued.qbo_state, queued.qbo_refusal_code), ("refused", "not_connected"))
        # Written while disconnected: left alone, and the watermark stays.
        watermark = self.company.qbo_realtime_last
        written = self.line(date=date(2026, 3, 3))
        self.run_crons()
        self.assertEqual(written.qbo_state, "not_sent")
        self.assertFalse(written.qbo_last_error)
        self.assertEqual(self.company.qbo_realtime_last, watermark)
        # Connected again: the real-time mode is woken and catches up.
        triggers = self.triggers()
        self.qbo_connect(self.connection, REALM_A)
        self.assertEqual(self.triggers(), triggers + 1)
        self.run_crons()
        self.assertEqual((queued | written).mapped("qbo_state"), ["sent", "sent"])
        self.assertEqual(len(self.time_activities()), 2)
        self.assertEqual(
            self.sent_order(queued | written).ids, [written.id, queued.id], "oldest first"
        )

    def test_a_line_still_refused_once_connected_shows_todays_reason(self):
        self.company.qbo_send_when_sendable = True
        line = self.line()
        self.env["qbo.send.queue"]._qbo_cron_send_realtime()
        self.connection.action_disconnect()
        self.run_crons()
        self.assertEqual(line.qbo_refusal_code, "not_connected")
        self.qbo_connect(self.connection, REALM_A)
        line.sudo().employee_id = self.env["hr.employee"].create({"name": "Unmatched"})
        self.run_crons()
        self.assertEqual(
            (line.qbo_state, line.qbo_refusal_code), ("refused", "employee_not_mapped")
        )
        self.assertFalse(self.time_activities())

    # ------------------------------------------------------------------
    # The company's cut-off date
    # ------------------------------------------------------------------
    def test_lines_before_the_cutoff_are_not_sent_by_themselves(self):
        sent_old = self.line(date=date(2026, 2, 10), unit_amount=5.0)
        self.send(sent_old)
        self.company.write({"qbo_send_when_sendable": True, "qbo_send_from_date": date(2026, 3, 1)})
        old = self.line(date=date(2026, 2, 28))
        new = self.line(date=date(2026, 3, 1))
        # An edit of a line QuickBooks already has still goes out.
        sent_old.unit_amount = 6.0
        self.run_crons()
        self.assertEqual(new.qbo_state, "sent")
        self.assertEqual((old.qbo_state, old.qbo_last_error), ("not_sent", False), "untouched")
        self.assertEqual(sent_old.qbo_state, "sent")
        self.assertEqual(self.activity(sent_old)["Hours"], 6)
        self.assertEqual(len(self.time_activities()), 2)
