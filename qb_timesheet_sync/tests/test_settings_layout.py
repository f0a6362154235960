# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What Settings tell an admin to give Intuit (the webhook URL), the saved
filter of the scheduled send, and the lists and Settings in a real browser
at 1366x768, in English and in French (screenshots with QBTS_SCREENSHOTS)."""

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..models.qbo_state_guard import qbo_trusted
from .screenshots import QboScreenshots

SETTINGS_PATH = "/odoo/action-qb_timesheet_sync.action_qbo_settings"
LINE = "account.analytic.line"
# The tours wait for the web client with generous bounds (a loaded machine).
TOUR_TIMEOUT = 240


@tagged("post_install", "-at_install")
class TestSettingsWebhookAndFilter(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login="qbo_settings_admin", groups="base.group_user,base.group_system"
        )

    def test_webhook_url_is_the_base_url_and_the_webhook_route(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "https://odoo.example.com/")
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(
            settings.qbo_webhook_url, "https://odoo.example.com/qb_timesheet_sync/webhook"
        )
        self.assertEqual(
            settings.qbo_redirect_uri, "https://odoo.example.com/qb_timesheet_sync/oauth/callback"
        )

    def test_lines_to_send_offers_only_saved_filters_of_timesheets(self):
        Filters = self.env["ir.filters"]
        timesheets = Filters.create({"name": "Billable", "model_id": LINE, "domain": "[]"})
        Filters.create({"name": "Billable partners", "model_id": "res.partner", "domain": "[]"})
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        field = settings._fields["qbo_auto_send_filter_id"]
        offered = Filters.with_user(self.admin).search(field.get_domain_list(settings))
        self.assertIn(timesheets, offered)
        self.assertEqual(set(offered.mapped("model_id")), {LINE})

    def test_a_settings_admin_creates_and_saves_a_filter_from_settings(self):
        """What the Settings field does: "Create and edit" with the field's
        context makes a shared filter of timesheets, which Save keeps."""
        view = self.env.ref(
            "qb_timesheet_sync.res_config_settings_view_form_inherit_qb_timesheet_sync"
        )
        self.assertIn("'default_model_id': 'account.analytic.line'", view.arch_db)
        context = {"default_model_id": LINE, "default_user_id": False}
        saved_filter = (
            self.env["ir.filters"]
            .with_user(self.admin)
            .with_context(**context)
            .create({"name": "Billable lines", "domain": "[('qbo_billable', '=', True)]"})
        )
        self.assertEqual(saved_filter.model_id, LINE)
        self.assertFalse(saved_filter.user_id, "shared: the send does not depend on its author")
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({"qbo_auto_send": True, "qbo_auto_send_filter_id": saved_filter.id})
        )
        settings.execute()
        company = self.admin.company_id
        self.assertTrue(company.qbo_auto_send)
        self.assertEqual(company.qbo_auto_send_filter_id, saved_filter)


@tagged("post_install", "-at_install")
class TestSettingsLayoutTour(QboScreenshots, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "project", "hr_timesheet", "qb_timesheet_sync"], ["fr_FR"]
        )
        cls.project = cls.env["project.project"].create({"name": "Website redesign"})
        employee = cls.env["hr.employee"].create({"name": "Emily Platt"})
        cls.line = cls.env[LINE].create(
            {
                "name": "Layout review",
                "employee_id": employee.id,
                "project_id": cls.project.id,
                "unit_amount": 2.0,
                "date": fields.Date.context_today(cls.project),
            }
        )
        with qbo_trusted():
            cls.line.write(
                {
                    "qbo_state": "refused",
                    "qbo_last_error": "The employee is not linked to a QuickBooks employee or "
                    "vendor: link Emily Platt in the employee's QuickBooks tab.",
                }
            )
            edited = cls.line.copy({"name": "Design review"})
            edited.write({"qbo_state": "edited", "qbo_time_activity_id": "42"})

    def test_settings_show_the_webhook_url_and_take_a_new_saved_filter(self):
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        self.start_tour(
            SETTINGS_PATH, "qbo_settings_urls_tour", login="admin", timeout=TOUR_TIMEOUT
        )
        company = self.env.ref("base.user_admin").company_id
        saved_filter = company.qbo_auto_send_filter_id
        self.assertTrue(company.qbo_auto_send)
        self.assertEqual(saved_filter.name, "Billable lines, tour")
        self.assertEqual(saved_filter.model_id, LINE)
        self.assertFalse(saved_filter.user_id)
        # The URL shown is the webhook's: the controller answers there (an
        # unsigned post is refused by it, not by a missing route).
        settings = self.env["res.config.settings"].create({})
        answer = self.url_open(settings.qbo_webhook_url, data=b"[]", allow_redirects=False)
        self.assertEqual(answer.status_code, 401)

    def test_timesheet_list_shows_status_and_reason_in_english_and_french(self):
        admin = self.env.ref("base.user_admin")
        for lang in ("en_US", "fr_FR"):
            with self.subTest(lang=lang):
                admin.lang = lang
                self.start_tour(
                    "/odoo/all-timesheets",
                    "qbo_timesheet_list_tour",
                    login="admin",
                    timeout=TOUR_TIMEOUT,
                )
