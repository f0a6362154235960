# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Every kind of sync log entry reads in its reader's language, whoever wrote
it: a French manager's entries read in English to an English reader and the
other way round; counts take the singular for one, amounts their currency
and dates the reader's format."""

import json
import re
import uuid
from datetime import date

from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_amount, format_date

from ..qbo.webhooks import read_notification
from .common import CLIENT_ID
from .common_send import REALM_A
from .test_translation import FrenchCase


@tagged("post_install", "-at_install")
class TestLogsInEachLanguage(FrenchCase):
    french_groups = (
        "base.group_user,hr.group_hr_user,project.group_project_user,"
        "hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager"
    )

    def last_log(self, operation):
        return self.env["qbo.sync.log"].search([("operation", "=", operation)], limit=1)

    def in_english(self, records):
        return records.with_context(lang="en_US")

    def fr(self, template, **params):
        """``template`` in French, with ``params`` (already French)."""
        return self.translated(template) % params if params else self.translated(template)

    def assert_read(self, log, name, summary):
        """``log``'s name and summary, each as (English, French)."""
        english, french = self.in_english(log), self.as_french_user(log)
        self.assertEqual((english.display_name, french.display_name), name)
        self.assertEqual((english.summary_display, french.summary_display), summary)
        # The stored words are English, which searches find.
        self.assertEqual((log.name, log.summary), (name[0], summary[0]))

    # ------------------------------------------------------------------
    # The connection
    # ------------------------------------------------------------------
    def test_a_test_of_the_connection_and_its_closing_date(self):
        self.sandbox_settings(BookCloseDate="2025-12-31")
        self.as_french_user(self.connection).action_test_connection()
        log = self.last_log("test")
        name = self.connection.qbo_company_name
        closed = date(2025, 12, 31)
        english, french = self.in_english(log), self.as_french_user(log)
        self.assertEqual(english.display_name, "Test connection")
        self.assertEqual(french.display_name, self.fr("Test connection"))
        self.assertTrue(
            english.summary_display.startswith(f"Connected to {name}: the connection works."),
            english.summary_display,
        )
        self.assertTrue(
            french.summary_display.startswith(
                self.fr("Connected to %(name)s: the connection works.", name=name)
            ),
            french.summary_display,
        )
        # The closing date in each reader's date format.
        english_date = format_date(english.env, closed)
        french_date = format_date(french.env, closed)
        self.assertNotEqual(english_date, french_date)
        self.assertIn(
            f"Books closed up to {english_date}: time dated on or before is refused.",
            english.summary_display,
        )
        self.assertIn(
            self.fr(
                "Books closed up to %(date)s: time dated on or before is refused.",
                date=french_date,
            ),
            french.summary_display,
        )
        self.assertIn("2025-12-31", log.summary, "stored as a date, not in a language")

    def test_connect_and_disconnect(self):
        # Connected in setUp by an English administrator.
        name = self.connection.qbo_company_name
        self.assert_read(
            self.last_log("connect"),
            ("Connect", self.fr("Connect")),
            (f"Connected to {name}.", self.fr("Connected to %(name)s.", name=name)),
        )
        self.as_french_user(self.connection).action_disconnect()
        self.assert_read(
            self.last_log("disconnect"),
            ("Disconnect", self.fr("Disconnect")),
            ("Disconnected from QuickBooks.", self.fr("Disconnected from QuickBooks.")),
        )

    # ------------------------------------------------------------------
    # Links and resyncs
    # ------------------------------------------------------------------
    def test_links_changed_by_hand(self):
        project = self.as_french_user(self.website)
        project.action_qbo_clear_mapping()
        action = project.action_qbo_choose_mapping()
        wizard = self.as_french_user(self.env["qbo.map.wizard"]).browse(action["res_id"])
        # Any QuickBooks customer no other Odoo record is linked to.
        wizard.choice_id = wizard.choice_ids.filtered(lambda choice: not choice.linked_to)[:1]
        wizard.action_apply()
        linked, cleared = self.env["qbo.sync.log"].search([("operation", "=", "mapping")])
        user, record = self.manager.name, self.website.display_name
        self.assert_read(
            cleared,
            ("Link changed by hand", self.fr("Link changed by hand")),
            (
                f"{user} cleared the QuickBooks link of '{record}'.",
                self.fr(
                    "%(user)s cleared the QuickBooks link of '%(name)s'.", user=user, name=record
                ),
            ),
        )
        qbo_name, qbo_id = wizard.choice_id.name, wizard.choice_id.qbo_id
        english = f"{user} linked '{record}' with the QuickBooks record '{qbo_name}' (ID {qbo_id})."
        self.assertEqual(self.in_english(linked).summary_display, english)
        self.assertEqual(
            self.as_french_user(linked).line_ids.message_display,
            self.fr(
                "%(user)s linked '%(name)s' with the QuickBooks record '%(qbo_name)s' "
                "(ID %(qbo_id)s).",
                user=user,
                name=record,
                qbo_name=qbo_name,
                qbo_id=qbo_id,
            ),
        )

    def test_resyncs_full_then_incremental(self):
        Resync = self.as_french_user(self.env["qbo.resync"])
        full, _counts = Resync._qbo_run(self.company, False)
        english, french = self.in_english(full), self.as_french_user(full)
        self.assertEqual(
            (english.display_name, french.display_name),
            (
                "Check for new users and customers",
                self.fr("Check for new users and customers"),
            ),
        )
        calls = full.count_metered_calls
        self.assertGreater(calls, 1)
        self.assertTrue(
            english.summary_display.startswith(
                "Full resync (no resync completed before): every list read. "
                f"{calls} metered calls. Matched: "
            ),
            english.summary_display,
        )
        reason = self.fr("no resync completed before")
        self.assertTrue(
            french.summary_display.startswith(
                self.fr("Full resync (%(reason)s): every list read.", reason=reason)
                + " "
                + self.fr("%(count)s metered calls.", count=calls)
            ),
            french.summary_display,
        )
        # The next one reads the changes with one call: the singular.
        incremental, _counts = Resync._qbo_run(self.company, False)
        self.assertEqual(incremental.count_metered_calls, 1)
        summary = self.in_english(incremental).summary_display
        self.assertRegex(
            summary,
            r"^Incremental resync: \d+ changes? read from QuickBooks since the last resync\. "
            r"1 metered call\. Matched: ",
        )
        self.assertIn(
            self.fr("%(count)s metered call.", count=1),
            self.as_french_user(incremental).summary_display,
        )

    # ------------------------------------------------------------------
    # Timesheets
    # ------------------------------------------------------------------
    def sent_line(self, **values):
        line = self.line(**values)
        self.as_french_user(self.preview(self.as_french_user(line))).action_confirm()
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        return line

    def test_the_cost_sent_reads_with_the_companys_currency(self):
        self.company.qbo_send_cost = True
        self.emily.hourly_cost = 45.0
        line = self.sent_line()
        detail = self.last_send_log().line_ids.filtered(lambda detail: detail.res_id == line.id)
        currency = self.company.currency_id
        self.assertIn(
            f"Cost sent: 45.00 {currency.name} an hour (90.00 {currency.name} in all).",
            detail.message,
            "stored with its currency",
        )
        english, french = self.in_english(detail), self.as_french_user(detail)
        rate, cost = (format_amount(english.env, amount, currency) for amount in (45, 90))
        self.assertIn(f"Cost sent: {rate} an hour ({cost} in all).", english.message_display)
        french_amounts = [format_amount(french.env, amount, currency) for amount in (45, 90)]
        self.assertNotIn(french_amounts[0], english.message_display)
        self.assertIn(
            self.fr(
                "Cost sent: %(cost_rate)s an hour (%(cost)s in all).",
                cost_rate=french_amounts[0],
                cost=french_amounts[1],
            ),
            french.message_display,
        )

    def test_a_deletion_reads_in_the_singular_and_in_each_language(self):
        self.company.qbo_delete_policy = "delete"
        line = self.sent_line()
        activity_id = line.qbo_time_activity_id
        self.as_french_user(line).unlink()
        # The cron runs in no user's language (English here).
        self.env["qbo.time.deletion"].with_context(lang="en_US")._qbo_cron_delete()
        log = self.last_log("delete")
        self.assertEqual(log.user_id, self.manager)
        self.assert_read(
            log,
            ("Delete in QuickBooks", self.fr("Delete in QuickBooks")),
            (
                "1 time activity of a timesheet line deleted in Odoo was deleted in QuickBooks.",
                self.fr(
                    "%(count)s time activity of a timesheet line deleted in Odoo was deleted "
                    "in QuickBooks.",
                    count=1,
                ),
            ),
        )
        name = log.line_ids.record_name
        self.assertEqual(
            self.as_french_user(log.line_ids).message_display,
            self.fr(
                "Time activity %(id)s deleted in QuickBooks (%(line)s).", id=activity_id, line=name
            ),
        )

    def change_in_quickbooks(self, line, **changes):
        client = self.company._qbo_connection()._qbo_client()
        activity = next(
            record
            for record in self.sandbox.state.records(REALM_A, "TimeActivity")
            if record["Id"] == line.qbo_time_activity_id
        )
        body = {
            key: value
            for key, value in activity.items()
            if key not in ("domain", "sparse", "MetaData")
        }
        client.update("TimeActivity", {**body, **changes}, uuid.uuid4().hex)

    def test_a_managers_choice_between_versions(self):
        line = self.sent_line(unit_amount=5.0)
        self.change_in_quickbooks(line, Hours=4)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        self.assertEqual(line.qbo_state, "changed")
        self.as_french_user(self.env["qbo.sender"])._qbo_keep_quickbooks_version(line)
        log = self.last_log("keep_qbo")
        self.assert_read(
            log,
            ("Kept QuickBooks' version", self.fr("Kept QuickBooks' version")),
            ("QuickBooks' version kept in Odoo.", self.fr("QuickBooks' version kept in Odoo.")),
        )
        version = '%(duration)s on %(date)s, "%(description)s"'
        english = self.in_english(log.line_ids).message_display
        self.assertEqual(
            english,
            'Odoo had 05:00 on 2026-03-02, "Design review", now 04:00 on 2026-03-02, '
            '"Design review" as in QuickBooks.',
        )
        odoo, qbo = (
            self.fr(version, duration=duration, date="2026-03-02", description="Design review")
            for duration in ("05:00", "04:00")
        )
        self.assertEqual(
            self.as_french_user(log.line_ids).message_display,
            self.fr("Odoo had %(odoo)s, now %(qbo)s as in QuickBooks.", odoo=odoo, qbo=qbo),
        )

    # ------------------------------------------------------------------
    # What the crons write
    # ------------------------------------------------------------------
    def test_an_event_a_webhook_could_not_read(self):
        body = json.dumps([{"id": "e1", "intuitaccountid": REALM_A}]).encode()
        # Written in French this time: read in English all the same.
        Event = self.env["qbo.webhook.event"].with_context(lang="fr_FR")
        Event._qbo_receive_notification(read_notification(body))
        log = self.last_log("webhook")
        reconciliation = (
            "The periodic reconciliation still finds the time activities changed in QuickBooks."
        )
        self.assert_read(
            log,
            ("QuickBooks webhook", self.fr("QuickBooks webhook")),
            (
                "1 event of a notification from QuickBooks could not be read and was skipped; "
                f"the others were kept. {reconciliation}",
                self.fr(
                    "%(count)s event of a notification from QuickBooks could not be read and "
                    "was skipped; the others were kept.",
                    count=1,
                )
                + " "
                + self.fr(reconciliation),
            ),
        )
        self.assertEqual(
            self.in_english(log.line_ids).message_display,
            "Event e1 skipped: The event has no type.",
        )
        self.assertEqual(
            self.as_french_user(log.line_ids).message_display,
            self.fr(
                "Event %(event)s skipped: %(reason)s",
                event="e1",
                reason=self.fr("The event has no %(field)s.", field="type"),
            ),
        )

    def test_the_read_budget_warning(self):
        Budget = self.env["qbo.read.budget"].with_context(lang="fr_FR")
        Budget._qbo_warn(self.connection, 95, 950, 1100, 1000)
        log = self.last_log("budget")
        english, french = self.in_english(log), self.as_french_user(log)
        self.assertEqual(
            (english.display_name, french.display_name),
            ("QuickBooks read budget", self.fr("QuickBooks read budget")),
        )
        self.assertTrue(
            english.summary_display.startswith(
                "The Intuit app has made 950 of its 1000 metered QuickBooks reads this month"
            ),
            english.summary_display,
        )
        self.assertIn("Optional reads (the daily deletion check", english.summary_display)
        french_text = self.translated(
            "Optional reads (the daily deletion check, resyncs asked for by webhooks) stop until "
            "next month or until the allowance is raised in Settings; sends go on."
        )
        self.assertTrue(french.summary_display.endswith(french_text), french.summary_display)

    def test_the_overview_counts_one_read_in_the_singular(self):
        Budget = self.env["qbo.read.budget"].sudo()
        Budget.search([]).unlink()
        today = fields.Datetime.now().date()
        row = Budget.create({"client_id": CLIENT_ID, "day": today, "count": 1})
        _count, expected, allowance = Budget._qbo_forecast()
        self.env.invalidate_all()
        self.assertEqual(
            self.connection.with_context(lang="en_US").overview_read_text,
            f"1 metered read, about {expected} by month end, of {allowance} allowed.",
        )
        self.assertEqual(
            self.as_french_user(self.connection).overview_read_text,
            self.fr(
                "%(count)s metered read, about %(forecast)s by month end, of %(allowance)s "
                "allowed.",
                count=1,
                forecast=expected,
                allowance=allowance,
            ),
        )
        row.count = 2
        self.env.invalidate_all()
        _count, expected, allowance = Budget._qbo_forecast()
        self.assertTrue(
            re.match(
                r"2 metered reads, about \d+ by month end",
                self.connection.with_context(lang="en_US").overview_read_text,
            )
        )
