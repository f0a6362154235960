# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import time
from concurrent.futures import Future
from urllib.parse import parse_qs, parse_qsl, urlencode

import requests

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from ..controllers.webhook import VERIFIER_PARAM
from .common import CLIENT_ID, REALM_A, QboCase, forget_process_state, qbo_sandbox
from .common_send import EMILY_ID, WEBSITE_ID, qbo_write, send_seed
from .screenshots import QboScreenshots

SETTINGS_PATH = "/odoo/action-qb_timesheet_sync.action_qbo_settings"
CALLBACK_PATH = "/qb_timesheet_sync/oauth/callback"
WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
# Generous: the sandbox gathers events for a moment, then posts them to this
# server, which may be slow on a loaded machine.
WAIT_SECONDS = 90
TOKEN = "tour-verifier-token"


class QboHttpCase(QboScreenshots, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = qbo_sandbox()
        QboCase.qbo_set_params(cls.env, cls.sandbox.url)
        # The OAuth state is bound to the user who clicks Connect.
        cls.connection = cls.env.company._qbo_connection().with_user(cls.env.ref("base.user_admin"))

    def setUp(self):
        super().setUp()
        self.sandbox.configure(auto_approve=True)
        self.sandbox.reset(seed=QboCase.qbo_seed())
        forget_process_state()
        self.authenticate("admin", "admin")

    def qbo_design_review_line(self):
        """Emily's 5 hours on Website, both matched: a line ready to send."""
        emily = self.env["hr.employee"].create({"name": "Emily Platt"})
        qbo_write(emily, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        website = self.env["project.project"].create({"name": "Website", "qbo_hourly_rate": 120.0})
        qbo_write(website, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})
        return self.env["account.analytic.line"].create(
            {
                "name": "Design review",
                "employee_id": emily.id,
                "unit_amount": 5.0,
                "project_id": website.id,
                "date": fields.Date.context_today(website),
            }
        )

    def _authorize(self, realm_id=REALM_A):
        """What the sandbox sends back to Odoo after the consent page."""
        url = self.connection.action_connect()["url"]
        response = requests.get(
            url, params={"realm_id": realm_id}, allow_redirects=False, timeout=10
        )
        location = response.headers["Location"]
        return location[location.index("?") + 1 :]


@tagged("post_install", "-at_install")
class TestOAuthCallback(QboHttpCase):
    def test_good_callback_connects_and_goes_back_to_settings(self):
        response = self.url_open(CALLBACK_PATH + "?" + self._authorize(), allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(SETTINGS_PATH, response.headers["Location"])
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(self.connection.qbo_company_name, "Test Company A")

    def test_good_callback_notifies_and_opens_settings_at_quickbooks(self):
        response = self.url_open(CALLBACK_PATH + "?" + self._authorize(), allow_redirects=False)
        self.assertTrue(response.headers["Location"].endswith("#qbo_connection"))
        # The notification goes through the bus to the user's open tabs.
        notification = self.env["bus.bus"].search(
            [("message", "like", "Connected to Test Company A")], limit=1
        )
        self.assertIn("simple_notification", notification.message)

    def test_forged_state_changes_nothing(self):
        query = self._authorize().replace("sig%22%3A%22", "sig%22%3A%22forged")
        response = self.url_open(CALLBACK_PATH + "?" + query)
        self.assertEqual(response.status_code, 200)
        self.assertIn("bad state", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_denied_access_changes_nothing(self):
        state = self.connection._qbo_oauth_state()
        response = self.url_open(
            CALLBACK_PATH + "?" + urlencode({"error": "access_denied", "state": state})
        )
        self.assertIn("access was not granted", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_replayed_code_changes_nothing(self):
        query = self._authorize()
        self.url_open(CALLBACK_PATH + "?" + query, allow_redirects=False)
        self.connection.invalidate_recordset()
        tokens = self.connection.sudo().read(["access_token", "refresh_token"])
        response = self.url_open(CALLBACK_PATH + "?" + query)
        # The state is spent by the first answer: a replay is refused before
        # the code even reaches Intuit.
        self.assertIn("already used", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.sudo().read(["access_token", "refresh_token"]), tokens)

    def test_bad_code_is_said_of_the_authorization_and_logged(self):
        query = parse_qs(self._authorize())
        query["code"] = ["not-a-code-intuit-gave"]
        response = self.url_open(CALLBACK_PATH + "?" + urlencode(query, doseq=True))
        self.assertEqual(response.status_code, 200)
        self.assertIn("did not accept the authorization", response.text)
        self.assertNotIn("expired or was revoked", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")
        log = self.env["qbo.sync.log"].search([("operation", "=", "connect")], limit=1)
        self.assertEqual(log.state, "failed")
        self.assertIn("did not accept the authorization", log.summary)

    def test_app_credentials_removed_meanwhile_is_a_sentence_not_a_traceback(self):
        query = self._authorize()
        self.env["ir.config_parameter"].set_param("qb_timesheet_sync.client_secret", "")
        response = self.url_open(CALLBACK_PATH + "?" + query)
        self.assertEqual(response.status_code, 200)
        self.assertIn("client ID and client secret", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_callback_requires_a_quickbooks_manager(self):
        query = self._authorize()
        self.authenticate(None, None)
        response = self.url_open(CALLBACK_PATH + "?" + query, allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")


@tagged("post_install", "-at_install")
class TestConnectTour(QboHttpCase):
    """Settings → Connect → the sandbox's consent page → back in Odoo →
    Connected → Test connection → Disconnect, in a real browser."""

    def test_connect_tour(self):
        self.sandbox.configure(auto_approve=False)
        self.env["ir.config_parameter"].set_param("qb_timesheet_sync.client_id", "")
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        browser = ChromeBrowser(self, headless=True, success_signal="tour succeeded")
        try:
            self.authenticate("admin", "admin", browser=browser)
            self.cr.flush()
            self.cr.clear()
            self._run_tour(browser, "qbo_connect_tour")
            # The consent page is not Odoo: click it the way a person would.
            self._wait_for_location(browser, self.sandbox.url)
            self._evaluate(browser, "document.querySelector('#connect').click()")
            self._wait_for_location(browser, self.base_url() + "/odoo")
            self._run_tour(browser, "qbo_connected_tour")
        finally:
            browser.stop()
            self._wait_remaining_requests()
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")
        self.assertEqual(self.connection.realm_id, REALM_A)

    def _run_tour(self, browser, tour_name):
        # ChromeBrowser reports one success per page session: arm it again.
        browser._result = Future()
        url = self.base_url() + SETTINGS_PATH
        if not self._evaluate(browser, "location.href").startswith(url):
            browser.navigate_to(url, wait_stop=False)
        self.assertTrue(browser._wait_ready(f"odoo.isTourReady({tour_name!r})"))
        browser._wait_code_ok(f"odoo.startTour({tour_name!r}, {{'stepDelay': 0}})", timeout=60)

    def _evaluate(self, browser, expression):
        result = browser._websocket_request(
            "Runtime.evaluate", params={"expression": expression, "returnByValue": True}
        )
        return result["result"].get("value")

    def _wait_for_location(self, browser, prefix, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            href = self._evaluate(browser, "document.readyState === 'complete' && location.href")
            if isinstance(href, str) and href.startswith(prefix):
                return href
            time.sleep(0.2)
        self.fail(f"The browser never reached {prefix}")


class QboWebhookHttpCase(QboHttpCase):
    """Connected to the sandbox, whose webhooks reach this test server."""

    def setUp(self):
        super().setUp()
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, TOKEN)
        self.addCleanup(self.sandbox.configure, webhooks={})

    def qbo_subscribe(self, entities):
        """Point the sandbox's subscription to ``entities`` at this test
        server's endpoint. Changes made before are not told (as in QuickBooks)."""
        self.sandbox.webhooks.collect()
        self.sandbox.configure(
            webhooks={
                CLIENT_ID: {
                    "url": self.base_url() + WEBHOOK_PATH,
                    "verifier_token": TOKEN,
                    "entities": entities,
                }
            },
            webhook_batch_seconds=0.2,
            webhook_retry_seconds=(1,),
        )
        # The endpoint reads the connection in its own environment.
        self.env.flush_all()

    def qbo_wait_for_events(self, domain):
        """The webhook events matching ``domain``, once the sandbox posted
        them to this server. Searched under the registry's test lock: the
        request that stores them uses the test's cursor meanwhile."""
        events = self.env["qbo.webhook.event"].sudo()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with self.env.registry.test_lock:
                found = events.search(domain)
            if found:
                return found
            time.sleep(0.2)
        self.fail(f"no webhook event {domain} within {WAIT_SECONDS} s: {self.sandbox.stats()}")
