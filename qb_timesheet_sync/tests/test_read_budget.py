# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Intuit app's monthly read budget: every metered call counted once,
per app and calendar month; managers warned at 80 and 95 %; optional reads
stopped at 95 %, a send's reads never; the deletion sweep reads only the
lines that can still change, whatever the history."""

import threading
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged

from ..models.account_analytic_line import SENT_STATES
from ..models.qbo_read_budget import ALLOWANCE_PARAM, OLD_SWEEP_MIN_DAYS, add_reads
from ..models.qbo_reconcile import WATERMARK_PARAM
from ..qbo import QboClient
from ..qbo.updates import MAX_IDS_PER_QUERY
from .common import CLIENT_ID, qbo_write
from .common_send import REALM_A, QboSendCase

MANAGER_GROUPS = "base.group_user,qb_timesheet_sync.group_qbo_manager"


@tagged("post_install", "-at_install")
class TestReadBudget(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "qbo_budget_manager", groups=MANAGER_GROUPS)
        cls.budget = cls.env["qbo.read.budget"]

    def metered(self):
        return self.sandbox_stats()["metered"]["CorePlus"]

    def counted(self):
        return self.budget._qbo_month_count()

    def set_allowance(self, allowance):
        self.env["ir.config_parameter"].sudo().set_param(ALLOWANCE_PARAM, str(allowance))

    def use_reads(self, count):
        """``count`` metered reads made this month by the app (elsewhere)."""
        add_reads(self.registry.cursor, CLIENT_ID, fields.Datetime.now().date(), count)

    def budget_logs(self):
        return self.env["qbo.sync.log"].search([("operation", "=", "budget")], order="id")

    def reconcile(self, sweep=None):
        return self.env["qbo.reconcile"]._qbo_reconcile_company(self.company, sweep=sweep)

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------
    def test_every_metered_read_is_counted_once_whatever_made_it(self):
        metered, counted = self.metered(), self.counted()
        line = self.line()
        self.send(line)  # the preview's reads
        self.connection._qbo_check_company()  # CompanyInfo and Preferences
        self.reconcile(sweep=True)  # the watermark query and the sweep
        self.assertEqual(line.qbo_state, "sent")
        made = self.metered() - metered
        self.assertGreaterEqual(made, 5)
        self.assertEqual(self.counted() - counted, made, "every CorePlus call, no write")

    def test_reads_are_counted_per_app_and_calendar_month(self):
        budget = self.budget
        with freeze_time("2026-01-31 23:59:00"):
            meter = budget._qbo_meter()
            for kind in ("CorePlus", "CorePlus", "Core", "CorePlus", "Core"):
                meter(kind)
        with freeze_time("2026-02-01 00:01:00"):
            meter("CorePlus")
            meter("CorePlus")
        january, february = datetime(2026, 1, 15), datetime(2026, 2, 15)
        self.assertEqual(budget._qbo_month_count(now=january), 3, "writes are free")
        self.assertEqual(budget._qbo_month_count(now=february), 2, "a new month starts at 0")
        # Another Intuit app (Settings changed the client id): its own count.
        self.env["ir.config_parameter"].sudo().set_param("qb_timesheet_sync.client_id", "app-2")
        with freeze_time("2026-02-01 00:02:00"):
            budget._qbo_meter()("CorePlus")
        self.assertEqual(budget._qbo_month_count(now=february), 1)
        self.assertEqual(budget._qbo_month_count(CLIENT_ID, now=february), 2)

    def test_two_processes_count_at_once_without_failing(self):
        """Two senders of other processes (cursors of their own) count the
        same app's day at once: none fails, none is lost."""
        client_id, day, per_writer = "concurrent-app", date(2026, 5, 4), 60
        dbname = self.env.cr.dbname

        def cleanup():
            with db_connect(dbname).cursor() as cr:
                cr.execute("DELETE FROM qbo_read_budget WHERE client_id = %s", [client_id])

        self.addCleanup(cleanup)
        errors, start = [], threading.Barrier(2)

        def writer():
            start.wait(timeout=60)
            try:
                for _index in range(per_writer):
                    add_reads(lambda: db_connect(dbname).cursor(), client_id, day, 1)
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=writer) for _index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertEqual(errors, [])
        with db_connect(dbname).cursor() as cr:
            cr.execute(
                "SELECT count FROM qbo_read_budget WHERE client_id = %s AND day = %s",
                [client_id, day],
            )
            self.assertEqual(cr.fetchall(), [(2 * per_writer,)])

    # ------------------------------------------------------------------
    # Warnings and the guard
    # ------------------------------------------------------------------
    def test_managers_are_warned_once_at_80_and_once_at_95_percent(self):
        self.set_allowance(1000)
        self.use_reads(790 - self.counted())
        self.assertEqual(self.budget._qbo_check_thresholds(), 0)
        self.assertFalse(self.budget_logs())
        self.use_reads(10)
        self.assertEqual(self.budget._qbo_check_thresholds(), 80)
        self.budget._qbo_cron_check()
        logs = self.budget_logs()
        self.assertEqual(len(logs), 1, "once")
        self.assertIn("800 of its 1000 metered QuickBooks reads this month (80 %)", logs.summary)
        activities = self.connection.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertTrue(activities.user_id.has_group("qb_timesheet_sync.group_qbo_manager"))
        self.use_reads(150)
        self.budget._qbo_cron_check()
        self.budget._qbo_cron_check()
        logs = self.budget_logs()
        self.assertEqual(len(logs), 2, "once more, at 95 %")
        self.assertIn("Optional reads", logs[-1].summary)
        self.assertEqual(len(self.connection.activity_ids), 2)
        # Next month starts again from nothing.
        next_month = fields.Datetime.now().replace(day=1) + timedelta(days=32)
        self.assertEqual(self.budget._qbo_check_thresholds(now=next_month), 0)

    def test_at_95_percent_optional_reads_stop_and_sends_go_on(self):
        lines = self.line() | self.line(unit_amount=1.0)
        self.send(lines)
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM % REALM_A,
            fields.Datetime.to_string(fields.Datetime.now()),
        )
        activity = self.sandbox.state.records(REALM_A, "TimeActivity")[0]
        self.connection._qbo_client().delete(
            "TimeActivity", activity["Id"], activity["SyncToken"], "budget-delete-1"
        )
        self.set_allowance(self.counted() + 100)
        self.use_reads(96)
        # The sweep is optional: not made, said once.
        metered = self.metered()
        self.assertFalse(self.reconcile())
        self.assertFalse(self.reconcile())
        self.assertEqual(self.metered() - metered, 2, "the two hourly queries, no sweep")
        stopped = self.budget_logs().filtered(lambda log: "Optional reads stopped" in log.summary)
        self.assertEqual(len(stopped), 1)
        self.assertEqual(stopped.state, "partial")
        # A resync a webhook asked for waits, still asked for.
        lists = self.env["qbo.resync.lists"]._qbo_for(self.company, REALM_A)
        asked = fields.Datetime.now()
        lists.write({"read_at": asked, "resync_requested_at": asked})
        metered = self.metered()
        self.env["qbo.resync.lists"]._qbo_cron_resync_requested()
        self.assertEqual(self.metered(), metered)
        self.assertEqual(lists.resync_requested_at, asked)
        # A send reads what it needs.
        late = self.line(date=date(2026, 3, 3))
        self.send(late)
        self.assertEqual(late.qbo_state, "sent")
        # A larger allowance: the sweep runs again and finds the deletion.
        self.set_allowance(self.counted() * 2)
        self.assertEqual(len(self.reconcile()), 1)
        self.assertIn("deleted", lines.mapped("qbo_state"))

    # ------------------------------------------------------------------
    # The bounded sweep
    # ------------------------------------------------------------------
    def fabricated(self, count, first_id, day, sent_at, **values):
        """``count`` lines already sent (their time activities are not in
        the sandbox: whatever the sweep reads is found deleted)."""
        Line = self.env["account.analytic.line"]
        lines = Line.create(
            [
                {
                    "name": "History",
                    "project_id": self.website.id,
                    "employee_id": self.emily.id,
                    "date": day,
                    "unit_amount": 1.0,
                }
                for _index in range(count)
            ]
        )
        for offset, line in enumerate(lines):
            qbo_write(
                line,
                {
                    "qbo_state": "sent",
                    "qbo_realm_id": REALM_A,
                    "qbo_time_activity_id": str(first_id + offset),
                    "qbo_sent_at": sent_at,
                    **values,
                },
            )
        return lines

    def test_the_sweep_reads_only_the_unbilled_lines_that_can_still_change(self):
        now = fields.Datetime.now()
        today = now.date()
        self.company.qbo_sweep_window_days = 90
        recent = self.fabricated(251, 900000, today - timedelta(days=10), now)
        resent = self.fabricated(3, 910000, today - timedelta(days=400), now - timedelta(days=5))
        billed = self.fabricated(500, 920000, today - timedelta(days=10), now, qbo_billed=True)
        long_ago = now - timedelta(days=400)
        old = self.fabricated(60, 930000, long_ago.date(), long_ago)
        self.fabricated(5, 940000, today, now, qbo_state="not_sent")
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM % REALM_A, fields.Datetime.to_string(now)
        )
        # Every old unbilled line is read in a month of daily turns, a few a day.
        turns = [
            self.budget._qbo_sweep_lines(REALM_A, SENT_STATES, now + timedelta(days=day)) & old
            for day in range(OLD_SWEEP_MIN_DAYS)
        ]
        self.assertEqual(set().union(*(turn.ids for turn in turns)), set(old.ids))
        self.assertLessEqual(max(len(turn) for turn in turns), 60 // OLD_SWEEP_MIN_DAYS + 1)
        original = QboClient.time_activities_by_ids
        with patch.object(
            QboClient, "time_activities_by_ids", autospec=True, side_effect=original
        ) as spy:
            metered = self.metered()
            self.reconcile(sweep=True)
        read = set(spy.call_args.args[1])
        old_read = {line.qbo_time_activity_id for line in old if line.qbo_time_activity_id in read}
        expected = set((recent | resent).mapped("qbo_time_activity_id")) | old_read
        self.assertEqual(read, expected, "nothing billed, nothing unsent")
        self.assertTrue(old_read)
        self.assertFalse(read & set(billed.mapped("qbo_time_activity_id")))
        sweep_reads = -(-len(read) // MAX_IDS_PER_QUERY)
        self.assertEqual(sweep_reads, 2)
        self.assertEqual(self.metered() - metered, 1 + sweep_reads, "the hourly query, the sweep")
