# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Metered calls: Intuit meters the calls that read data out of QuickBooks
(CorePlus); a send reads QuickBooks' settings once, whatever its size, never
re-reads what a write returned, and its sync log says how many it made."""

from datetime import date, timedelta

from odoo.tests import tagged

from .common_send import QboSendCase


@tagged("post_install", "-at_install")
class TestMeteredCalls(QboSendCase):
    def metered(self):
        return self.sandbox_stats()["metered"]

    def test_a_send_makes_one_metered_call_whatever_its_size(self):
        lines = self.env["account.analytic.line"]
        for day in range(45):
            lines |= self.line(date=date(2026, 1, 1) + timedelta(days=day), unit_amount=0.5)
        before = self.metered()
        wizard = self.preview(lines)
        self.assertEqual(self.metered()["CorePlus"] - before["CorePlus"], 1, "the preview's")
        before = self.metered()
        wizard.action_confirm()
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        after = self.metered()
        self.assertEqual(after["CorePlus"] - before["CorePlus"], 1, "Preferences, once")
        self.assertEqual(after["Core"] - before["Core"], 2, "two batch requests")
        self.assertEqual(self.last_send_log().count_metered_calls, 1)

    def test_the_resync_log_counts_its_metered_calls(self):
        before = self.metered()["CorePlus"]
        wizard = self.env["qbo.resync.wizard"]._qbo_run(self.company, create_missing=False)
        made = self.metered()["CorePlus"] - before
        self.assertGreater(made, 0)
        log = self.env["qbo.sync.log"].search(
            [("operation", "=", "resync"), ("company_id", "=", self.company.id)],
            order="id desc",
            limit=1,
        )
        self.assertTrue(wizard)
        self.assertEqual(log.count_metered_calls, made)
