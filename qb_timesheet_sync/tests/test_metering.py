# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Metered calls: Intuit meters the calls that read data out of QuickBooks
(CorePlus); a send reads QuickBooks' settings once, whatever its size, never
re-reads what a write returned, and its sync log says how many it made."""

import time
from datetime import date, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from ..qbo.preferences_cache import PREFERENCES, PREFERENCES_TTL
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
        self.assertEqual(after["CorePlus"] - before["CorePlus"], 0, "the preview's Preferences")
        self.assertEqual(after["Core"] - before["Core"], 2, "two batch requests")
        self.assertEqual(self.last_send_log().count_metered_calls, 0)
        # Minutes later, the next send (a scheduled one: no preview) reads
        # them once.
        self.age_preferences()
        before = self.metered()
        self.line(date=date(2026, 3, 2))._qbo_send()
        self.assertEqual(self.metered()["CorePlus"] - before["CorePlus"], 1, "Preferences, once")
        self.assertEqual(self.last_send_log().count_metered_calls, 1)

    def age_preferences(self):
        """The Preferences kept were read longer ago than they are kept."""
        later = patch.object(PREFERENCES, "_clock", lambda: time.monotonic() + PREFERENCES_TTL + 1)
        later.start()
        self.addCleanup(later.stop)

    def test_preferences_are_read_once_for_every_send_of_the_next_minutes(self):
        before = self.metered()["CorePlus"]
        # Sends without a preview: background and scheduled ones.
        for day in (2, 3, 4):
            self.line(date=date(2026, 3, day))._qbo_send()
        self.assertEqual(self.metered()["CorePlus"] - before, 1)
        # A preview reads them afresh: what a manager checks is current.
        self.sandbox_settings(BookCloseDate="2026-03-10")
        early = self.line(date=date(2026, 3, 5))
        wizard = self.preview(early)
        self.assertEqual(self.metered()["CorePlus"] - before, 2)
        self.assertEqual(wizard.count_refused, 1)
        self.assertEqual(early.qbo_refusal_code, "books_closed")

    def test_books_closed_since_the_last_read_are_refused_by_quickbooks(self):
        self.line(date=date(2026, 3, 2))._qbo_send()
        self.sandbox_settings(BookCloseDate="2026-03-10")
        late = self.line(date=date(2026, 3, 5))
        late._qbo_send()
        # Odoo still had the Preferences of before: QuickBooks refused it.
        self.assertEqual(late.qbo_state, "error")
        self.assertIn("books are closed", late.qbo_last_error)
        self.age_preferences()
        other = self.line(date=date(2026, 3, 6))
        other._qbo_send()
        self.assertEqual(other.qbo_refusal_code, "books_closed", "refused before sending")

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
