# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The addon speaks the user's language: the French translation shipped in
i18n/fr.po reaches a refusal reason (written by the plain-Python rules), a
sync-log line and a Settings label."""

import os
import uuid

from odoo.tests import new_test_user, tagged
from odoo.tools.translate import PoFileReader

from ..qbo.timesheet_rules import message
from .common_send import REALM_A, QboSendCase

FR_PO = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n", "fr.po")


class FrenchCase(QboSendCase):
    """French installed with the addon's translation, and a French QuickBooks
    manager (``manager``, of ``french_groups``)."""

    french_groups = "hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_manager"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["qb_timesheet_sync"], ["fr_FR"])
        with open(FR_PO, "rb") as po_file:
            cls.french = {
                entry["src"]: entry["value"] for entry in PoFileReader(po_file) if entry["value"]
            }
        cls.manager = new_test_user(cls.env, "qbo_french_manager", groups=cls.french_groups)
        cls.manager.lang = "fr_FR"

    def as_french_user(self, records):
        user = self.manager
        return records.with_user(user).with_context(lang=user.lang)

    def translated(self, english):
        """The French sentence of ``english``, as the translators wrote it."""
        self.assertIn(english, self.french, "the sentence is in the French translation")
        self.assertNotEqual(self.french[english], english)
        return self.french[english]


@tagged("post_install", "-at_install")
class TestTranslation(FrenchCase):
    def line_without_employee(self):
        line = self.line()
        line.employee_id = False
        return line

    def test_a_refusal_reason_in_the_preview(self):
        line = self.line_without_employee()
        wizard = self.preview(self.as_french_user(line))
        reason = wizard.refusal_ids.reason
        self.assertEqual(reason, self.translated(message("no_employee").template))

    def test_a_sync_log_line(self):
        line = self.line_without_employee()
        self.as_french_user(line)._qbo_send()
        log = self.env["qbo.sync.log"].search([("operation", "=", "send")], limit=1)
        detail = log.line_ids.filtered(lambda detail: detail.res_id == line.id)
        english = message("no_employee")
        self.assertEqual(
            self.as_french_user(detail).message_display, self.translated(english.template)
        )
        # The French sender's log reads in English to an English reader; its
        # stored words are English, which searches find.
        self.assertEqual(detail.with_context(lang="en_US").message_display, english)
        self.assertEqual(detail.message, english)
        self.assertEqual(self.as_french_user(log).display_name, self.translated("Send timesheets"))
        self.assertEqual(log.with_context(lang="en_US").display_name, "Send timesheets")

    def test_a_french_preview_reads_in_each_readers_language(self):
        line = self.line_without_employee()
        self.preview(self.as_french_user(line))
        english = message("no_employee")
        self.assertEqual(line.qbo_refusal_code, "no_employee")
        self.assertEqual(line.with_context(lang="en_US").qbo_reason, english)
        self.assertEqual(self.as_french_user(line).qbo_reason, self.translated(english.template))
        # The preview's entry of the sync log too.
        log = self.env["qbo.sync.log"].search([("operation", "=", "preview")], limit=1)
        detail = log.line_ids.filtered(lambda detail: detail.res_id == line.id)
        self.assertEqual(detail.with_context(lang="en_US").message_display, english)
        self.assertEqual(
            self.as_french_user(detail).message_display, self.translated(english.template)
        )

    def test_an_english_preview_reads_in_french_to_a_french_user(self):
        line = self.line_without_employee()
        self.preview(line.with_context(lang="en_US"))
        self.assertEqual(
            self.as_french_user(line).qbo_reason, self.translated(message("no_employee").template)
        )

    def test_a_reason_written_before_its_sentence_was_kept_shows_as_written(self):
        line = self.line_without_employee()
        line._qbo_write_state({"qbo_state": "error", "qbo_last_error": "Ancienne raison."})
        self.assertFalse(line.qbo_last_error_data)
        self.assertEqual(self.as_french_user(line).qbo_reason, "Ancienne raison.")
        self.assertEqual(line.with_context(lang="en_US").qbo_reason, "Ancienne raison.")
        log = self.env["qbo.sync.log"]._record(
            self.company, "send", "Ancien envoi", "Ancien résumé", lines=[{"message": "Ancien"}]
        )
        self.assertEqual(
            (log.display_name, log.summary_display, log.line_ids.message_display),
            ("Ancien envoi", "Ancien résumé", "Ancien"),
        )

    def test_one_line_reads_in_the_singular(self):
        line = self.line()
        self.send(line.with_context(lang="en_US"))
        self.assertEqual(line.qbo_state, "sent")
        log = self.env["qbo.sync.log"].search([("operation", "=", "send")], limit=1)
        self.assertTrue(
            log.with_context(lang="en_US").summary_display.startswith(
                "1 line sent to QuickBooks, 0 refused, 0 failed."
            ),
            log.summary_display,
        )

    def test_a_background_send_speaks_the_language_of_who_queued_it(self):
        self.company.qbo_background_threshold = 1
        refused, sent = self.line_without_employee(), self.line()
        lines = refused | sent
        self.as_french_user(self.preview(self.as_french_user(lines))).action_confirm()
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        # The cron runs in no user's language (English here).
        self.env["qbo.send.queue"].with_context(lang="en_US")._qbo_cron_send_queued()
        self.env.invalidate_all()
        self.assertEqual(sent.qbo_state, "sent")
        log = sent.qbo_queue_log_id
        detail = log.line_ids.filtered(lambda detail: detail.res_id == refused.id)
        self.assertEqual(
            self.as_french_user(detail).message_display,
            self.translated(message("no_employee").template),
        )
        # Read by an English user, the entry the cron finished is English.
        self.assertEqual(detail.with_context(lang="en_US").message_display, message("no_employee"))
        self.assertEqual(
            self.as_french_user(log).display_name,
            self.translated("Send timesheets in the background"),
        )

    def test_a_reconciliation_by_the_cron_reads_in_french_to_a_french_user(self):
        line = self.line()
        self.send(line)
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
        client = self.company._qbo_connection()._qbo_client()
        client.update("TimeActivity", {**body, "Hours": 4}, uuid.uuid4().hex)
        # The cron runs in no user's language (English here).
        self.env["qbo.reconcile"].with_context(lang="en_US")._qbo_reconcile_company(self.company)
        self.assertEqual(line.qbo_state, "changed")
        log = self.env["qbo.sync.log"].search([("operation", "=", "reconcile")], limit=1)
        french_log = self.as_french_user(log)
        self.assertEqual(french_log.display_name, self.translated("Changes seen in QuickBooks"))
        seen_by = self.translated("Seen by %(seen_by)s.") % {
            "seen_by": self.translated("the reconciliation")
        }
        self.assertIn(seen_by, french_log.summary_display)
        self.assertIn("Seen by the reconciliation.", log.with_context(lang="en_US").summary_display)
        # The line's reason names who saw the change, in the reader's language.
        self.assertIn(self.translated("the reconciliation"), self.as_french_user(line).qbo_reason)
        self.assertIn("the reconciliation", line.with_context(lang="en_US").qbo_reason)

    def test_a_settings_label(self):
        Settings = self.as_french_user(self.env["res.config.settings"])
        label = Settings.fields_get(["qbo_log_retention_days"])["qbo_log_retention_days"]
        self.assertEqual(label["string"], self.translated("Keep the sync log (days)"))
