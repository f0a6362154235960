# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Staying connected: the five-year hard expiry, its warnings and the
Reconnect URL."""

from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import format_date

from ..qbo import oauth as oauth_module
from .common import REALM_A, REALM_B, QboCase
from .test_connection_ui import SETTINGS_PATH, QboHttpCase

RECONNECT_PATH = "/qb_timesheet_sync/reconnect"
FIVE_YEARS = 5 * 365 * 86400
MANAGER_GROUPS = "base.group_user,qb_timesheet_sync.group_qbo_manager"


def short_hard_cap(case, days):
    """The sandbox gives the next consents a hard expiry ``days`` away."""
    case.sandbox.configure(refresh_hard_lifetime=days * 86400)
    case.addCleanup(case.sandbox.configure, refresh_hard_lifetime=FIVE_YEARS)


def without_hard_expiry_header():
    """Token requests as an Intuit that does not know the header: the
    sandbox then leaves the hard expiry out of its answers."""
    headers = {
        key: value
        for key, value in oauth_module._TOKEN_HEADERS.items()
        if key != oauth_module.HARD_EXPIRY_HEADER
    }
    return patch.object(oauth_module, "_TOKEN_HEADERS", headers)


@tagged("post_install", "-at_install")
class TestHardExpiry(QboCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "qbo_expiry_manager", groups=MANAGER_GROUPS, email="manager@example.com"
        )
        cls.timesheet_user = new_test_user(
            cls.env,
            "qbo_expiry_user",
            groups="base.group_user,qb_timesheet_sync.group_qbo_user",
            email="user@example.com",
        )

    def today(self):
        return fields.Date.today()

    def assertAbout(self, date, expected):
        # The expiry is a number of seconds from now: a test run at midnight
        # may see the day before.
        self.assertTrue(date, "a hard expiry date is stored")
        self.assertLessEqual(abs((date - expected).days), 1, date)

    def warnings(self):
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "qbo.connection"), ("res_id", "=", self.connection.id)]
        )
        mails = self.env["mail.mail"].search(
            [("model", "=", "qbo.connection"), ("res_id", "=", self.connection.id)]
        )
        return activities, mails

    def expires_in(self, days):
        self.connection.sudo().refresh_token_hard_expiry = self.today() + timedelta(days=days)

    def test_connect_stores_the_hard_expiry(self):
        short_hard_cap(self, 45)
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        self.assertAbout(connection.refresh_token_hard_expiry, self.today() + timedelta(days=45))
        self.assertEqual(connection.hard_expiry_warned_days, 0)
        # The 100-day rolling expiry cannot outlive it.
        self.assertLessEqual(
            connection.refresh_token_expires_at.date(), connection.refresh_token_hard_expiry
        )

    def test_refresh_stores_the_hard_expiry_intuit_gives(self):
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        self.assertAbout(connection.refresh_token_hard_expiry, self.today() + timedelta(days=1825))
        # Intuit first said nothing; the next refresh tells.
        connection.refresh_token_hard_expiry = False
        connection.access_token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.connection._qbo_access_token()
        self.assertAbout(connection.refresh_token_hard_expiry, self.today() + timedelta(days=1825))

    def test_refresh_without_the_field_keeps_the_known_date(self):
        short_hard_cap(self, 45)
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        known = connection.refresh_token_hard_expiry
        connection.hard_expiry_warned_days = 60
        connection.access_token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        grants = self.sandbox_stats()["token_grants"]["refresh_token"]
        with without_hard_expiry_header():
            self.connection._qbo_access_token()
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], grants + 1)
        self.assertEqual(connection.refresh_token_hard_expiry, known)
        self.assertEqual(connection.hard_expiry_warned_days, 60)

    def test_unknown_hard_expiry_shows_unknown_and_warns_nothing(self):
        with without_hard_expiry_header():
            self.qbo_connect(self.connection, REALM_A)
        self.assertFalse(self.connection.sudo().refresh_token_hard_expiry)
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.qbo_refresh_token_hard_expiry)
        self.assertFalse(settings.qbo_hard_expiry_soon)
        self.assertFalse(settings.qbo_hard_expiry_text)
        arch = settings.get_view(view_type="form")["arch"]
        self.assertIn("Connection valid until: unknown", arch)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        activities, mails = self.warnings()
        self.assertFalse(activities or mails)

    def test_each_threshold_warns_once_with_an_activity_and_a_mail(self):
        self.qbo_connect(self.connection, REALM_A)
        Connection = self.env["qbo.connection"]
        for days_left, expected in ((61, 0), (60, 1), (45, 1), (30, 2), (29, 2), (7, 3), (2, 3)):
            self.expires_in(days_left)
            Connection._qbo_cron_warn_hard_expiry()
            # The cron runs every day: running it twice changes nothing.
            Connection._qbo_cron_warn_hard_expiry()
            activities, mails = self.warnings()
            self.assertEqual(len(activities), expected, days_left)
            self.assertEqual(len(mails), expected, days_left)
        self.assertEqual(self.connection.sudo().hard_expiry_warned_days, 7)
        logs = self.env["qbo.sync.log"].search([("name", "=", "Connection expiry warning")])
        self.assertEqual(len(logs), 3)

    def test_warning_goes_to_the_managers_with_a_reconnect_link(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.sudo().connected_by_id = self.manager
        self.expires_in(30)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        activities, mails = self.warnings()
        url = self.connection._qbo_reconnect_url()
        self.assertTrue(url.endswith(f"{RECONNECT_PATH}?company_id={self.company.id}"))
        # The activity: for whoever connected (still a manager), due on the day.
        self.assertEqual(activities.user_id, self.manager)
        self.assertEqual(
            activities.activity_type_id, self.env.ref("mail.mail_activity_data_warning")
        )
        self.assertEqual(activities.date_deadline, self.today() + timedelta(days=30))
        self.assertIn(url, activities.note)
        self.assertIn("in 30 days", activities.note)
        # The mail: to every manager of the company, not to other users.
        self.assertIn(self.manager.partner_id, mails.recipient_ids)
        self.assertNotIn(self.timesheet_user.partner_id, mails.recipient_ids)
        self.assertIn(url.replace("&", "&amp;"), mails.body_html)
        self.assertIn("Test Company A", mails.body_html)
        self.assertIn("in 30 days", " ".join(mails.body_html.split()))
        self.assertIn("reconnect", mails.subject)

    def test_a_manager_can_mark_the_warning_done(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.sudo().connected_by_id = self.manager
        self.expires_in(7)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        activity = self.warnings()[0].with_user(self.manager)
        self.assertEqual(activity.user_id, self.manager)
        activity.action_feedback(feedback="Reconnected")
        self.assertFalse(activity.exists())

    def test_without_the_connecting_manager_the_first_manager_is_assigned(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.sudo().connected_by_id = self.timesheet_user
        self.expires_in(60)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        activities = self.warnings()[0]
        self.assertEqual(activities.user_id, self.connection._qbo_managers()[:1])
        self.assertTrue(activities.user_id.has_group("qb_timesheet_sync.group_qbo_manager"))

    def test_a_new_consent_starts_the_warnings_over(self):
        self.qbo_connect(self.connection, REALM_A)
        self.expires_in(20)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        self.assertEqual(self.connection.sudo().hard_expiry_warned_days, 30)
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        self.assertEqual(connection.hard_expiry_warned_days, 0)
        self.assertAbout(connection.refresh_token_hard_expiry, self.today() + timedelta(days=1825))

    def test_disconnected_connections_are_not_warned(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.action_disconnect()
        self.assertFalse(self.connection.sudo().refresh_token_hard_expiry)
        self.connection.sudo().refresh_token_hard_expiry = self.today() + timedelta(days=5)
        self.env["qbo.connection"]._qbo_cron_warn_hard_expiry()
        activities, mails = self.warnings()
        self.assertFalse(activities or mails)

    def test_settings_say_the_date_and_the_days_left(self):
        self.qbo_connect(self.connection, REALM_A)
        self.expires_in(100)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.qbo_hard_expiry_days, 100)
        self.assertFalse(settings.qbo_hard_expiry_soon)
        self.expires_in(12)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.qbo_hard_expiry_days, 12)
        self.assertTrue(settings.qbo_hard_expiry_soon)
        expiry = format_date(self.env, self.today() + timedelta(days=12))
        self.assertEqual(
            settings.qbo_hard_expiry_text, f"Connection valid until {expiry} (12 days)."
        )

    def test_hard_expiry_is_for_managers(self):
        self.qbo_connect(self.connection, REALM_A)
        self.assertTrue(
            self.connection.with_user(self.manager).read(["refresh_token_hard_expiry"])[0][
                "refresh_token_hard_expiry"
            ]
        )
        fields_seen = self.env["qbo.connection"].with_user(self.timesheet_user).fields_get()
        self.assertNotIn("refresh_token_hard_expiry", fields_seen)
        # Not a secret: the connection's status stays readable to its users.
        self.assertEqual(self.connection.with_user(self.timesheet_user).state, "connected")


@tagged("post_install", "-at_install")
class TestReconnectUrl(QboHttpCase):
    """The app's Reconnect URL, over real HTTP, per role."""

    def follow_consent(self, location, realm_id=REALM_A):
        """The sandbox's consent (auto-approved), then Intuit's redirect back
        to Odoo's callback."""
        answer = requests.get(
            location, params={"realm_id": realm_id}, allow_redirects=False, timeout=10
        )
        self.assertEqual(answer.status_code, 302, answer.text)
        callback = answer.headers["Location"]
        return self.url_open(
            callback[callback.index("/qb_timesheet_sync/") :], allow_redirects=False
        )

    def test_a_manager_goes_straight_to_the_consent_and_back_connected(self):
        response = self.url_open(RECONNECT_PATH, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(self.sandbox.url + "/connect/oauth2?"), location)
        query = parse_qs(urlparse(location).query)
        self.assertEqual(query["redirect_uri"][0].split("/qb_timesheet_sync/")[1], "oauth/callback")
        back = self.follow_consent(location)
        self.assertIn(SETTINGS_PATH, back.headers["Location"])
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
        self.assertTrue(self.connection.sudo().refresh_token_hard_expiry)

    def test_anonymous_visitors_log_in_first_then_come_back(self):
        self.authenticate(None, None)
        response = self.url_open(RECONNECT_PATH + "?company_id=1", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        location = response.headers["Location"]
        self.assertIn("/web/login", location)
        redirect = parse_qs(urlparse(location).query)["redirect"][0]
        self.assertIn(RECONNECT_PATH, redirect)
        self.assertIn("company_id=1", redirect)

    def test_users_without_rights_get_a_plain_sentence(self):
        new_test_user(
            self.env,
            "qbo_reconnect_user",
            password="qbo_reconnect_user",
            groups="base.group_user,qb_timesheet_sync.group_qbo_user",
        )
        self.authenticate("qbo_reconnect_user", "qbo_reconnect_user")
        response = self.url_open(RECONNECT_PATH, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertIn("Only QuickBooks managers can reconnect QuickBooks", response.text)
        self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.connection.sudo().oauth_nonce)

    def test_a_manager_reconnects_another_of_their_companies(self):
        second = self.env["res.company"].create({"name": "Second Odoo company"})
        manager = new_test_user(
            self.env,
            "qbo_reconnect_manager",
            password="qbo_reconnect_manager",
            groups=MANAGER_GROUPS,
            company_ids=[(6, 0, [self.env.company.id, second.id])],
            company_id=self.env.company.id,
        )
        self.authenticate("qbo_reconnect_manager", "qbo_reconnect_manager")
        response = self.url_open(f"{RECONNECT_PATH}?company_id={second.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text)
        back = self.follow_consent(response.headers["Location"], REALM_B)
        self.assertEqual(back.status_code, 303, back.text)
        second_connection = self.env["qbo.connection"].search([("company_id", "=", second.id)])
        self.assertEqual(second_connection.state, "connected")
        self.assertEqual(second_connection.realm_id, REALM_B)
        self.assertEqual(second_connection.connected_by_id, manager)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_a_company_the_user_may_not_open_is_refused(self):
        foreign = self.env["res.company"].create({"name": "Somebody else's company"})
        new_test_user(
            self.env, "qbo_reconnect_other", password="qbo_reconnect_other", groups=MANAGER_GROUPS
        )
        self.authenticate("qbo_reconnect_other", "qbo_reconnect_other")
        for company_id in (foreign.id, "not-a-number"):
            response = self.url_open(
                f"{RECONNECT_PATH}?company_id={company_id}", allow_redirects=False
            )
            self.assertEqual(response.status_code, 403)
            self.assertIn("You do not have access to this company", response.text)
        self.assertFalse(self.env["qbo.connection"].search([("company_id", "=", foreign.id)]))

    def test_the_realm_intuit_passes_picks_the_connected_company(self):
        second = self.env["res.company"].create({"name": "Second Odoo company"})
        self.env.ref("base.user_admin").company_ids |= second
        second_connection = second._qbo_connection()
        second_connection.sudo().write({"realm_id": REALM_B, "state": "needs_reconnect"})
        self.env.flush_all()
        response = self.url_open(f"{RECONNECT_PATH}?realmId={REALM_B}", allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text)
        state = parse_qs(urlparse(response.headers["Location"]).query)["state"][0]
        self.assertIn(f'"cid":{second_connection.id}', state)

    def test_missing_app_credentials_are_a_sentence(self):
        self.env["ir.config_parameter"].set_param("qb_timesheet_sync.client_secret", "")
        response = self.url_open(RECONNECT_PATH, allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("client ID and client secret", response.text)


@tagged("post_install", "-at_install")
class TestExpiryTour(QboHttpCase):
    """Settings of a connection near its five-year end, in a real browser
    (screenshot ``connection_expiry`` when QBTS_SCREENSHOTS is set)."""

    def test_expiry_warning_tour(self):
        short_hard_cap(self, 20)
        callback = parse_qs(self._authorize())
        self.connection._qbo_finish_connect(callback["code"][0], callback["realmId"][0])
        self.assertTrue(self.connection.sudo().refresh_token_hard_expiry)
        self.start_tour(SETTINGS_PATH, "qbo_expiry_tour", login="admin", timeout=180)
