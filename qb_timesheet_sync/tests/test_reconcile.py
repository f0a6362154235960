# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time billed in QuickBooks is seen by the reconciliation and locked in Odoo."""

from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..models.qbo_reconcile import RECONCILE_MARGIN, WATERMARK_PARAM
from ..qbo import QboClient, QboServerUnavailable
from ..qbo.webhooks import WebhookEvent
from .common_send import REALM_A, QboSendCase


@tagged("post_install", "-at_install")
class TestReconcileBilled(QboSendCase):
    def reconcile(self):
        return self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)

    def watermark(self):
        return self.env["ir.config_parameter"].sudo().get_param(WATERMARK_PARAM % REALM_A)

    def test_time_billed_in_quickbooks_locks_the_line(self):
        line, other = self.line(), self.line(unit_amount=1.0)
        self.send(line | other)
        self.bill(line)
        self.assertEqual(self.reconcile(), line)
        self.assertRecordValues(line | other, [{"qbo_billed": True}, {"qbo_billed": False}])
        self.assertTrue(line.readonly_timesheet, "hr_timesheet's lock (_is_readonly)")
        self.assertFalse(other.readonly_timesheet)
        self.assertEqual(line.sudo().qbo_sync_token, "1")
        log = self.env["qbo.sync.log"].search([("operation", "=", "reconcile")])
        self.assertEqual(len(log), 1)
        self.assertIn("billed in QuickBooks (seen by the reconciliation)", log.line_ids.message)
        self.assertEqual(
            self.env["account.analytic.line"].search(
                [("qbo_billed", "=", True), ("id", "in", (line | other).ids)]
            ),
            line,
            "the filter shows billed lines",
        )
        # Locked for everyone, QuickBooks managers and the administrator included.
        manager = new_test_user(
            self.env,
            "qbo_billed_manager",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )
        for user in (manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "billed in QuickBooks"):
                    line.with_user(user).write({"unit_amount": 6.0})
                with self.assertRaisesRegex(UserError, "billed in QuickBooks"):
                    line.with_user(user).unlink()
        other.with_user(manager).write({"unit_amount": 1.5})
        self.assertEqual(other.qbo_state, "edited", "lines not billed are edited as before")
        self.assertTrue(line.exists())
        self.assertEqual(line.unit_amount, 2.0)

    def test_each_run_reads_only_what_changed_since_the_last(self):
        line = self.line()
        self.send(line)
        self.assertFalse(self.reconcile(), "nothing billed yet")
        first = self.watermark()
        self.assertTrue(first)
        with patch.object(
            QboClient, "time_activities_changed_since", return_value=[]
        ) as changed_since:
            self.reconcile()
        since = changed_since.call_args.args[0]
        self.assertEqual(
            since,
            fields.Datetime.to_datetime(first) - RECONCILE_MARGIN,
            "from the watermark on, less the margin",
        )
        self.bill(line)
        self.assertEqual(self.reconcile(), line)
        self.assertFalse(self.reconcile(), "seen once")

    def test_every_metered_read_is_told_in_the_sync_log(self):
        line = self.line()
        self.send(line)
        Reconcile = self.env["qbo.reconcile"]

        def entries():
            return self.env["qbo.sync.log"].search([("operation", "=", "reconcile")])

        def metered():
            return self.sandbox_stats()["metered"]["CorePlus"]

        before = metered()
        Reconcile._qbo_reconcile_company(self.company, sweep=False)
        Reconcile._qbo_reconcile_company(self.company, sweep=False)
        self.assertFalse(entries(), "an hourly run that finds nothing writes no entry")
        # The daily sweep writes one even when nothing changed, with the
        # metered reads of the quiet runs before it.
        Reconcile._qbo_reconcile_company(self.company, sweep=True)
        made = metered() - before
        self.assertGreaterEqual(made, 3)
        self.assertEqual(len(entries()), 1)
        self.assertEqual(entries().count_metered_calls, made)
        self.assertIn(f"made {made} metered calls since its last entry", entries().summary)
        # A run that finds a change counts the quiet runs before it too.
        before = metered()
        Reconcile._qbo_reconcile_company(self.company, sweep=False)
        self.bill(line)
        self.assertEqual(Reconcile._qbo_reconcile_company(self.company, sweep=False), line)
        self.assertEqual(len(entries()), 2)
        self.assertEqual(entries()[0].count_metered_calls, metered() - before)

    def test_quickbooks_out_of_reach_keeps_the_watermark(self):
        line = self.line()
        self.send(line)
        self.reconcile()
        before = self.watermark()
        self.bill(line)
        with (
            patch.object(QboClient, "query", side_effect=QboServerUnavailable()),
            self.assertRaises(QboServerUnavailable),
        ):
            self.reconcile()
        self.assertEqual(self.watermark(), before)
        self.assertFalse(line.qbo_billed)
        self.assertEqual(self.reconcile(), line, "the next run sees it")

    def test_a_webhook_event_locks_billed_time(self):
        line, other = self.line(), self.line(unit_amount=1.0)
        self.send(line | other)
        self.bill(line)
        events = [
            WebhookEvent(f"ev-{activity}", REALM_A, "TimeActivity", activity, "updated", "")
            for activity in (line | other).mapped("qbo_time_activity_id")
        ]
        webhook_events = self.env["qbo.webhook.event"]
        self.assertEqual(webhook_events._qbo_receive(events), 2)
        self.assertEqual(webhook_events._qbo_receive(events), 0, "each event once")
        metered = self.sandbox_stats()["metered"]["CorePlus"]
        webhook_events._qbo_cron_process()
        self.assertEqual(
            self.sandbox_stats()["metered"]["CorePlus"] - metered,
            1,
            "one read for the batch of events",
        )
        self.assertRecordValues(line | other, [{"qbo_billed": True}, {"qbo_billed": False}])
        self.assertEqual(set(webhook_events.search([]).mapped("state")), {"done"})
        log = self.env["qbo.sync.log"].search([("operation", "=", "reconcile")])
        self.assertIn("billed in QuickBooks (seen by a webhook)", log.line_ids.message)
