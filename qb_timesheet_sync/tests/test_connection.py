# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged

from ..models import qbo_connection as connection_module
from ..qbo import OAuthClient, QboAuthError, QboBusy, get_environment
from .common import CLIENT_ID, CLIENT_SECRET, REALM_A, REALM_B, QboCase


@tagged("post_install", "-at_install")
class TestConnection(QboCase):
    def test_connect_stores_tokens_and_company_name(self):
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.realm_id, REALM_A)
        self.assertEqual(connection.qbo_company_name, "Test Company A")
        self.assertEqual(connection.connected_by_id, self.env.user)
        self.assertTrue(connection.access_token and connection.refresh_token)
        self.assertGreater(connection.access_token_expires_at, fields.Datetime.now())
        self.assertGreater(
            connection.refresh_token_expires_at, fields.Datetime.now() + timedelta(days=30)
        )
        log = self.env["qbo.sync.log"].search([("operation", "=", "connect")], limit=1)
        self.assertIn("Connected to Test Company A", log.summary)

    def test_connect_without_app_credentials_is_a_clear_error(self):
        self.env["ir.config_parameter"].set_param("qb_timesheet_sync.client_secret", "")
        with self.assertRaisesRegex(UserError, "client ID and client secret"):
            self.connection.action_connect()

    def test_state_is_bound_to_user_and_signed(self):
        state = self.connection._qbo_oauth_state()
        Connection = self.env["qbo.connection"]
        self.assertEqual(Connection._qbo_connection_from_state(state), self.connection)
        self.assertFalse(
            Connection._qbo_connection_from_state(state.replace('"sig":"', '"sig":"x'))
        )
        self.assertFalse(Connection._qbo_connection_from_state("not json"))
        other = new_test_user(self.env, "qbo_other_admin", groups="base.group_system")
        self.assertFalse(Connection.with_user(other)._qbo_connection_from_state(state))

    def test_replayed_code_changes_nothing(self):
        callback = self.qbo_connect(self.connection, REALM_A)
        before = self.connection.sudo().read(["access_token", "refresh_token", "realm_id"])
        with self.assertRaises(QboAuthError):
            self.connection._qbo_finish_connect(callback["code"], REALM_B)
        self.assertEqual(
            self.connection.sudo().read(["access_token", "refresh_token", "realm_id"]), before
        )

    def test_refresh_rotates_and_stores_the_new_refresh_token(self):
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        old_access, old_refresh = connection.access_token, connection.refresh_token
        connection.access_token_expires_at = fields.Datetime.now() + timedelta(minutes=1)
        grants_before = self.sandbox_stats()["token_grants"]["refresh_token"]
        token = self.connection._qbo_access_token()
        self.assertNotEqual(token, old_access)
        self.assertEqual(connection.access_token, token)
        self.assertNotEqual(connection.refresh_token, old_refresh)
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], grants_before + 1)
        # A fresh token is reused, not refreshed again.
        self.assertEqual(self.connection._qbo_access_token(), token)
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], grants_before + 1)

    def test_expired_access_token_is_refreshed_once_by_the_client(self):
        self.qbo_connect(self.connection, REALM_A)
        client = self.connection._qbo_client()
        requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/expire-access-tokens", timeout=10
        )
        self.assertEqual(client.company_info()["CompanyName"], "Test Company A")
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], 1)

    def test_invalid_grant_turns_into_needs_reconnect(self):
        self.qbo_connect(self.connection, REALM_A)
        connection = self.connection.sudo()
        oauth = OAuthClient(
            CLIENT_ID,
            CLIENT_SECRET,
            "http://localhost/cb",
            get_environment("custom", self.sandbox.url),
        )
        oauth.revoke(connection.refresh_token)
        connection.access_token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        # Not assertRaises: Odoo's rolls back to a savepoint, and the token
        # transaction's work is exactly what this test checks.
        raised = None
        with self.assertLogs("odoo.addons.qb_timesheet_sync.models.qbo_connection", "WARNING"):
            try:
                self.connection._qbo_access_token()
            except QboAuthError as error:
                raised = error
        self.assertIn("reconnect", str(raised))
        self.assertEqual(connection.state, "needs_reconnect")
        self.assertFalse(connection.refresh_token)
        self.assertIn("reconnect", connection.last_error)
        with self.assertRaisesRegex(UserError, "reconnect"):
            self.connection._qbo_client()
        log = self.env["qbo.sync.log"].search([("operation", "=", "token")], limit=1)
        self.assertEqual(log.state, "failed")

    def test_test_connection_reports_in_plain_words(self):
        self.qbo_connect(self.connection, REALM_A)
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Test Company A", action["params"]["message"])

        settings_url = f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/settings"
        requests.post(settings_url, json={"PayrollFeature": True}, timeout=10)
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "warning")
        message = action["params"]["message"]
        # What to change in QuickBooks and in Odoo, or the vendors' way.
        for part in (
            "Payroll: on (QuickBooks Payroll).",
            "in QuickBooks, give every employee whose time is sent an hourly pay type",
            "turn on 'Send payroll items' in Settings",
            "payroll.compensation.read",
            "choose each employee's pay type",
            "as vendors (contractors), whose time needs no pay type",
        ):
            self.assertIn(part, message)
        self.company.qbo_send_payroll_items = True
        message = self.connection.action_test_connection()["params"]["message"]
        self.assertIn("Employees' time is sent with the pay type chosen on each employee", message)
        self.assertNotIn("turn on 'Send payroll items'", message)
        self.company.qbo_send_payroll_items = False

        requests.post(
            settings_url,
            json={
                "PayrollFeature": False,
                "TimeTrackingFeatureEnabled": False,
                "OfferingSku": "QuickBooks Online Simple Start",
            },
            timeout=10,
        )
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("no time tracking", action["params"]["message"])
        self.assertIn("Simple Start", action["params"]["message"])

        requests.post(
            settings_url,
            json={"TimeTrackingFeatureEnabled": True, "SubscriptionStatus": "CANCELLED"},
            timeout=10,
        )
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("subscription has ended", action["params"]["message"])

    def test_test_connection_gives_the_whole_verdict(self):
        self.qbo_connect(self.connection, REALM_A)
        settings_url = f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/settings"
        requests.post(
            settings_url,
            json={"OfferingSku": "QuickBooks Online Plus", "BookCloseDate": "2025-12-31"},
            timeout=10,
        )
        message = self.connection.action_test_connection()["params"]["message"]
        for part in (
            "the connection works",
            "Plan: QuickBooks Online Plus.",
            "Time tracking: on.",
            "Payroll: off.",
            "Books closed up to 12/31/2025",
        ):
            self.assertIn(part, message)

    def test_approval_setting_only_where_timesheets_are_approved(self):
        settings = self.env["res.config.settings"].create({})
        approval = self.env["account.analytic.line"]._qbo_approval_kind()
        self.assertEqual(settings.qbo_approval_available, bool(approval))
        if not approval:
            arch = settings.get_view(view_type="form")["arch"]
            self.assertRegex(arch, r'invisible="[^"]*qbo_approval_available')

    def test_disconnect_says_when_and_by_whom(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.action_disconnect()
        self.assertEqual(self.connection.state, "disconnected")
        self.assertEqual(self.connection.disconnected_by_id, self.env.user)
        self.assertTrue(self.connection.disconnected_at)

    def test_disconnect_revokes_and_clears_tokens(self):
        self.qbo_connect(self.connection, REALM_A)
        action = self.connection.action_disconnect()
        self.assertEqual(action["params"]["type"], "success")
        connection = self.connection.sudo()
        self.assertEqual(connection.state, "disconnected")
        self.assertFalse(connection.access_token or connection.refresh_token)
        self.assertEqual(
            connection.realm_id, REALM_A, "the realm is kept so a reconnect can resume"
        )
        self.assertEqual(self.sandbox_stats()["revokes"], 1)
        log = self.env["qbo.sync.log"].search([("operation", "=", "disconnect")], limit=1)
        self.assertEqual(action["params"]["links"][0]["url"], f"/odoo/qbo.sync.log/{log.id}")
        with self.assertRaisesRegex(UserError, "not connected"):
            self.connection._qbo_client()

    def test_disconnect_when_intuit_is_unreachable_still_forgets_tokens(self):
        self.qbo_connect(self.connection, REALM_A)
        self.env["ir.config_parameter"].set_param(
            "qb_timesheet_sync.custom_base_url", "http://127.0.0.1:9"
        )
        action = self.connection.action_disconnect()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("could not be reached", action["params"]["message"])
        self.assertFalse(self.connection.sudo().refresh_token)
        self.assertEqual(self.connection.state, "disconnected")

    def test_reconnecting_to_another_company_is_reported(self):
        self.qbo_connect(self.connection, REALM_A)
        self.connection.action_disconnect()
        self.qbo_connect(self.connection, REALM_B)
        self.assertEqual(self.connection.realm_id, REALM_B)
        self.assertEqual(self.connection.qbo_company_name, "Test Company B")
        log = self.env["qbo.sync.log"].search([("operation", "=", "connect")], limit=1)
        self.assertIn("different QuickBooks company", log.summary)

    def test_each_company_has_its_own_connection(self):
        other_company = self.env["res.company"].create({"name": "Second Odoo company"})
        self.env.user.company_ids |= other_company
        other_connection = other_company._qbo_connection()
        self.assertNotEqual(other_connection, self.connection)
        self.qbo_connect(self.connection, REALM_A)
        self.qbo_connect(other_connection, REALM_B)
        self.assertEqual(self.connection.realm_id, REALM_A)
        self.assertEqual(other_connection.realm_id, REALM_B)
        self.assertNotEqual(
            self.connection.sudo().access_token, other_connection.sudo().access_token
        )

    def test_neutralize_forgets_tokens(self):
        self.qbo_connect(self.connection, REALM_A)
        self.env.flush_all()
        for query in get_neutralization_queries(["qb_timesheet_sync"]):
            self.env.cr.execute(query)
        self.connection.invalidate_recordset()
        connection = self.connection.sudo()
        self.assertFalse(connection.access_token or connection.refresh_token)
        self.assertEqual(connection.state, "needs_reconnect")


@tagged("post_install", "-at_install")
class TestConnectionAccess(QboCase):
    qbo_connect_realm = REALM_A

    def test_secrets_are_for_system_admins_only(self):
        manager = new_test_user(
            self.env, "qbo_manager", groups="base.group_user,qb_timesheet_sync.group_qbo_manager"
        )
        timesheet_user = new_test_user(
            self.env, "qbo_ts_user", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        for user in (manager, timesheet_user):
            connection = self.connection.with_user(user)
            for field in ("access_token", "refresh_token", "access_token_expires_at"):
                with self.assertRaises(AccessError):
                    connection.read([field])
                with self.assertRaises(AccessError):
                    connection.search_read([], [field])
            with self.assertRaises(AccessError):
                self.env["ir.config_parameter"].with_user(user).search_read(
                    [("key", "=", "qb_timesheet_sync.client_secret")], ["value"]
                )
        # A manager sees the status, but not the secret field of the settings.
        self.assertEqual(self.connection.with_user(manager).state, "connected")
        self.assertNotIn(
            "qbo_client_secret", self.env["res.config.settings"].with_user(manager).fields_get()
        )

    def test_only_managers_may_connect_or_disconnect(self):
        timesheet_user = new_test_user(
            self.env, "qbo_ts_user2", groups="base.group_user,qb_timesheet_sync.group_qbo_user"
        )
        with self.assertRaises(AccessError):
            self.connection.with_user(timesheet_user).action_disconnect()
        with self.assertRaises(AccessError):
            self.connection.with_user(timesheet_user).action_connect()


@tagged("post_install", "-at_install")
class TestConcurrentRefresh(QboCase):
    """Workers find the access token expired at the same moment."""

    qbo_create_connection = False

    def setUp(self):
        super().setUp()
        self.db_name = self.env.cr.dbname
        self.oauth = OAuthClient(
            CLIENT_ID,
            CLIENT_SECRET,
            "http://localhost/cb",
            get_environment("custom", self.sandbox.url),
        )
        model = type(self.env["qbo.connection"])
        # Real cursors for the token transactions (not the test cursor),
        # patched once for every thread.
        for patcher in (
            patch.object(model, "_qbo_token_cursor", lambda rec: db_connect(self.db_name).cursor()),
            patch.object(model, "_qbo_oauth_client", lambda rec: self.oauth),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    def committed_connection(self):
        """Id of a connection whose access token has expired, committed so
        that independent transactions see it (removed after the test)."""
        consent = requests.get(
            self.oauth.authorization_url("state"),
            params={"realm_id": REALM_A},
            allow_redirects=False,
            timeout=10,
        )
        code = parse_qs(urlparse(consent.headers["Location"]).query)["code"][0]
        tokens = self.oauth.exchange_code(code)
        with db_connect(self.db_name).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            connection = env["qbo.connection"].create(
                {
                    "company_id": self.company.id,
                    "state": "connected",
                    "realm_id": REALM_A,
                    "access_token": tokens.access_token,
                    "access_token_expires_at": fields.Datetime.now() - timedelta(minutes=1),
                    "refresh_token": tokens.refresh_token,
                }
            )
            cr.commit()  # pylint: disable=unknown-option-value,invalid-commit
            connection_id = connection.id
        self.addCleanup(self.delete_connection, connection_id)
        return connection_id

    def delete_connection(self, connection_id):
        with db_connect(self.db_name).cursor() as cr:
            cr.execute("DELETE FROM qbo_connection WHERE id = %s", [connection_id])
            cr.commit()  # pylint: disable=unknown-option-value,invalid-commit

    def stored_access_token(self, connection_id):
        with db_connect(self.db_name).cursor() as cr:
            cr.execute("SELECT access_token FROM qbo_connection WHERE id = %s", [connection_id])
            return cr.fetchone()[0]

    def refresh_in_threads(self, connection_id, count):
        """``count`` workers, each in its own transaction, refresh at once;
        returns (tokens they got, errors they raised)."""
        results, errors = [], []
        barrier = threading.Barrier(count)

        def worker():
            try:
                with db_connect(self.db_name).cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    worker_connection = env["qbo.connection"].browse(connection_id)
                    stale = worker_connection.access_token
                    barrier.wait(timeout=60)
                    results.append(
                        worker_connection._qbo_refresh_access_token(rejected_token=stale)
                    )
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            # Bounds a hang only: a worker waits at most TOKEN_LOCK_WAIT.
            thread.join(timeout=connection_module.TOKEN_LOCK_WAIT + 120)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        return results, errors

    def test_two_cursors_spend_the_refresh_token_once(self):
        connection_id = self.committed_connection()
        grants_before = self.sandbox_stats()["token_grants"]["refresh_token"]

        results, errors = self.refresh_in_threads(connection_id, 2)

        self.assertFalse(errors)
        self.assertEqual(len(results), 2)
        self.assertEqual(results[0], results[1], "both workers use the one new token")
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], grants_before + 1)
        self.assertEqual(self.stored_access_token(connection_id), results[0])

    def test_workers_wait_their_turn_however_many_refresh(self):
        """Access tokens that live less than the refresh margin: every worker
        refreshes, one after the other, each losing the lock race to all
        those before it. None fails (this failed lines with "tokens are being
        refreshed by another worker" when a worker lost three times)."""
        self.sandbox.configure(access_token_ttl=60)
        self.addCleanup(self.sandbox.configure, access_token_ttl=3600)
        connection_id = self.committed_connection()
        grants_before = self.sandbox_stats()["token_grants"]["refresh_token"]
        workers = 6

        results, errors = self.refresh_in_threads(connection_id, workers)

        self.assertEqual(errors, [])
        self.assertEqual(len(set(results)), workers, "each worker got the token it refreshed")
        self.assertEqual(
            self.sandbox_stats()["token_grants"]["refresh_token"], grants_before + workers
        )
        self.assertIn(self.stored_access_token(connection_id), results)

    def test_a_worker_held_up_too_long_gets_a_transient_error(self):
        """Another worker keeps the lock past the wait: QboBusy, which the
        background sender treats as transient; the connection is untouched."""
        connection_id = self.committed_connection()
        grants_before = self.sandbox_stats()["token_grants"]["refresh_token"]
        with (
            db_connect(self.db_name).cursor() as holder,
            db_connect(self.db_name).cursor() as cr,
            patch.object(connection_module, "TOKEN_LOCK_WAIT", 1.0),
            patch.object(connection_module, "TOKEN_LOCK_TIMEOUT", 0.2),
        ):
            holder.execute(
                "SELECT id FROM qbo_connection WHERE id = %s FOR UPDATE", [connection_id]
            )
            connection = api.Environment(cr, SUPERUSER_ID, {})["qbo.connection"].browse(
                connection_id
            )
            with self.assertRaises(QboBusy) as raised:
                connection._qbo_refresh_access_token(rejected_token=connection.access_token)
            holder.rollback()
        self.assertIn("another Odoo worker", str(raised.exception))
        self.assertNotIsInstance(raised.exception, QboAuthError)
        self.assertEqual(self.sandbox_stats()["token_grants"]["refresh_token"], grants_before)
        with db_connect(self.db_name).cursor() as cr:
            cr.execute("SELECT state FROM qbo_connection WHERE id = %s", [connection_id])
            self.assertEqual(cr.fetchone()[0], "connected")
