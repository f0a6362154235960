# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The app's secrets, the tokens and the OAuth callback, through real RPC.

Roles and matrix cells: ``common_security_rpc.py``.
"""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode

import requests

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CLIENT_SECRET, REALM_A
from .common_security_rpc import (
    ACCESS,
    ADMIN_ONLY,
    ANON,
    ANY_USER,
    JSONRPC,
    OK,
    PROTOCOLS,
    ROLES,
    TOKENS_EXPORT,
    WEBHOOK_VERIFIER,
    XMLRPC,
    SecurityRpcCase,
    row,
    spec_of,
)
from .test_connection_ui import CALLBACK_PATH


@tagged("post_install", "-at_install")
class TestSecurityRpcSettings(SecurityRpcCase):
    # ------------------------------------------------------------------
    # 1. Secrets
    # ------------------------------------------------------------------
    def test_settings_never_return_the_app_secrets(self):
        secrets = [CLIENT_SECRET, WEBHOOK_VERIFIER]
        secret_fields = ["qbo_client_secret", "qbo_webhook_verifier"]
        flags = ["qbo_client_secret_set", "qbo_webhook_verifier_set"]
        settings = "res.config.settings"

        replies = self.check(
            ANY_USER,
            settings,
            "default_get",
            secret_fields + flags,
            never_shown=secrets,
        )
        self.assertIs(replies["ts_user", JSONRPC].value.get("qbo_client_secret", False), False)
        # The settings form asks its defaults with onchange (its fields
        # include the company): the secret fields are the admin's only, the
        # flags anyone's.
        replies = self.check(
            ADMIN_ONLY,
            settings,
            "onchange",
            [],
            {},
            [],
            spec_of([*secret_fields, *flags, "company_id"]),
            never_shown=secrets,
        )
        self.assertIs(replies["admin", JSONRPC].value["value"]["qbo_client_secret_set"], True)
        self.check(
            ANY_USER,
            settings,
            "onchange",
            [],
            {},
            [],
            spec_of([*flags, "company_id", "qbo_client_id"]),
            never_shown=secrets,
        )
        self.check(ANY_USER, settings, "get_values", never_shown=secrets)

        # A settings page as the admin opens it: the flags say a secret is
        # saved, the fields stay empty.
        settings_id = self.rpc("admin", settings, "create", {}).value
        spec = {
            "qbo_client_secret": {},
            "qbo_webhook_verifier": {},
            "qbo_client_secret_set": {},
            "qbo_webhook_verifier_set": {},
        }
        for protocol in PROTOCOLS:
            with self.subTest(protocol=protocol):
                read = self.rpc(
                    "admin",
                    settings,
                    "read",
                    [settings_id],
                    secret_fields + flags,
                    protocol=protocol,
                )
                web_read = self.rpc(
                    "admin", settings, "web_read", [settings_id], spec, protocol=protocol
                )
                for reply in (read, web_read):
                    self.assertTrue(reply.ok, reply.message)
                    self.assertNoSecret(reply, secrets, "to the admin")
                    values = reply.value[0]
                    self.assertFalse(values["qbo_client_secret"])
                    self.assertFalse(values["qbo_webhook_verifier"])
                    self.assertIs(values["qbo_client_secret_set"], True)
                    self.assertIs(values["qbo_webhook_verifier_set"], True)

        # Nobody else reads or writes them, even on the admin's record.
        not_admin = [role for role in ROLES if role != "admin"]
        self.check(ADMIN_ONLY, settings, "read", [settings_id], secret_fields, roles=not_admin)
        self.check(
            ADMIN_ONLY,
            settings,
            "create",
            {"qbo_client_secret": "evil-secret"},
            roles=not_admin,
        )
        self.check(
            ADMIN_ONLY,
            settings,
            "write",
            [settings_id],
            {"qbo_webhook_verifier": "evil-verifier"},
            roles=not_admin,
        )
        self.check(ADMIN_ONLY, settings, "execute", [settings_id], roles=not_admin)
        params = self.env["ir.config_parameter"]
        self.assertEqual(params.get_param("qb_timesheet_sync.client_secret"), CLIENT_SECRET)

        # No secret saved: the flag says so.
        params.set_param("qb_timesheet_sync.client_secret", "")
        empty_id = self.rpc("admin", settings, "create", {}).value
        reply = self.rpc("admin", settings, "read", [empty_id], flags)
        self.assertIs(reply.value[0]["qbo_client_secret_set"], False)
        self.assertIs(reply.value[0]["qbo_webhook_verifier_set"], True)

    def test_saving_settings_stores_the_secret_and_forgets_it(self):
        settings_id = self.rpc(
            "admin", "res.config.settings", "create", {"qbo_client_secret": " new-secret-42 "}
        ).value
        reply = self.rpc("admin", "res.config.settings", "execute", [settings_id])
        self.assertTrue(reply.ok, reply.message)
        params = self.env["ir.config_parameter"]
        self.assertEqual(params.get_param("qb_timesheet_sync.client_secret"), "new-secret-42")
        reply = self.rpc(
            "admin", "res.config.settings", "read", [settings_id], ["qbo_client_secret"]
        )
        self.assertFalse(reply.value[0]["qbo_client_secret"])
        self.assertNoSecret(reply, ["new-secret-42"], "after saving")

    def test_settings_set_values_is_for_admins(self):
        """``set_values`` is public: called on no record by a non-admin, core
        would write every setting as empty (and our secrets with them)."""
        params = self.env["ir.config_parameter"]
        before = params.get_param("qb_timesheet_sync.client_id")
        self.assertTrue(before)
        not_admin = [role for role in ROLES if role != "admin"]
        self.check(ADMIN_ONLY, "res.config.settings", "set_values", [], roles=not_admin)
        self.assertEqual(params.get_param("qb_timesheet_sync.client_id"), before)
        self.assertEqual(params.get_param("qb_timesheet_sync.client_secret"), CLIENT_SECRET)

    def test_tokens_are_for_settings_admins_only(self):
        self.connect_live()
        tokens = self.tokens()
        secrets = [tokens["access_token"], tokens["refresh_token"], tokens["oauth_nonce"]]
        token_fields = ["access_token", "refresh_token", "access_token_expires_at", "oauth_nonce"]
        connection_id = self.connection.id
        conn = "qbo.connection"
        company_id = self.env.company.id
        # Each path, and the token an admin sees through it: proof that the
        # path really reaches the token.
        for matrix, shown, method, args, kwargs in (
            (ADMIN_ONLY, "access_token", "read", ([connection_id], token_fields), {}),
            (ADMIN_ONLY, "refresh_token", "search_read", ([], token_fields), {}),
            (ADMIN_ONLY, "oauth_nonce", "web_read", ([connection_id], spec_of(token_fields)), {}),
            (TOKENS_EXPORT, "refresh_token", "export_data", ([connection_id], token_fields), {}),
            (
                ADMIN_ONLY,
                "access_token",
                "read_group",
                ([], ["__count"], ["access_token"]),
                {"lazy": False},
            ),
            (ADMIN_ONLY, None, "read_group", ([], ["refresh_token:count_distinct"], []), {}),
            (
                ADMIN_ONLY,
                "refresh_token",
                "web_read_group",
                ([], ["__count"], ["refresh_token"]),
                {},
            ),
            (ADMIN_ONLY, None, "web_read_group", ([], ["access_token:array_agg"], ["state"]), {}),
            (
                ADMIN_ONLY,
                "access_token",
                "web_search_read",
                ([], {"realm_id": {}, "access_token": {}}),
                {},
            ),
        ):
            replies = self.check(matrix, conn, method, *args, **kwargs)
            self.assertSeenByAdminOnly(replies, secrets, shown and tokens[shown])
        # Through the company a user works in.
        replies = self.check(
            ADMIN_ONLY,
            "res.company",
            "web_read",
            [company_id],
            {"qbo_connection_ids": {"fields": spec_of(token_fields)}},
        )
        self.assertSeenByAdminOnly(replies, secrets, tokens["access_token"])
        # The settings show the connection, not its tokens, except to admins.
        settings_id = self.rpc("admin", "res.config.settings", "create", {}).value
        nested = {"qbo_connection_id": {"fields": spec_of(token_fields)}}
        replies = self.check(ADMIN_ONLY, "res.config.settings", "web_read", [settings_id], nested)
        self.assertSeenByAdminOnly(replies, secrets, tokens["refresh_token"])
        # A search is an oracle: it would tell a token letter by letter.
        prefix = tokens["access_token"][0]
        replies = self.check(
            ADMIN_ONLY, conn, "search_count", [("access_token", "=like", prefix + "%")]
        )
        self.assertEqual(replies["admin", XMLRPC].value, 1)
        self.check(ADMIN_ONLY, conn, "search", [("refresh_token", "!=", False)])
        self.check(ADMIN_ONLY, conn, "search_read", [("oauth_nonce", "!=", False)], ["realm_id"])
        # The connection itself (no token) is what QuickBooks users see.
        replies = self.check(
            row(ANON, ACCESS, ACCESS, ACCESS, ACCESS, OK, OK, OK),
            conn,
            "read",
            [connection_id],
            ["state", "realm_id", "qbo_company_name"],
        )
        self.assertEqual(replies["qbo_user", JSONRPC].value[0]["realm_id"], REALM_A)
        # And the system parameters holding the app secrets.
        replies = self.check(
            ADMIN_ONLY,
            "ir.config_parameter",
            "search_read",
            [
                (
                    "key",
                    "in",
                    ["qb_timesheet_sync.client_secret", "qb_timesheet_sync.webhook_verifier_token"],
                )
            ],
            ["key", "value"],
        )
        self.assertSeenByAdminOnly(replies, [CLIENT_SECRET, WEBHOOK_VERIFIER], CLIENT_SECRET)
        replies = self.check(
            ADMIN_ONLY, "ir.config_parameter", "get_param", "qb_timesheet_sync.client_secret"
        )
        self.assertSeenByAdminOnly(replies, [CLIENT_SECRET], CLIENT_SECRET)
        self.assertEqual(self.tokens(), tokens)

    # ------------------------------------------------------------------
    # 5. OAuth callback
    # ------------------------------------------------------------------
    def consent(self, role):
        """Click Connect as ``role`` (in their browser session) and approve at
        the sandbox: the query QuickBooks sends back to the callback."""
        if self._json_login != role:
            self.login(role)
        reply = self.rpc(
            role, "qbo.connection", "action_connect", [self.connection.id], protocol=JSONRPC
        )
        self.assertTrue(reply.ok, reply.message)
        response = requests.get(
            reply.value["url"], params={"realm_id": REALM_A}, allow_redirects=False, timeout=10
        )
        location = response.headers["Location"]
        return location[location.index("?") + 1 :]

    def callback(self, query):
        with mute_logger("odoo.addons.qb_timesheet_sync.controllers.main"):
            return self.url_open(f"{CALLBACK_PATH}?{query}", allow_redirects=False)

    def test_oauth_callback_refusals(self):
        before = self.tokens()
        self.assertEqual(before["state"], "disconnected")
        query = self.consent("qbo_manager")

        # Not logged in: to the login page.
        self.login("public")
        response = self.callback(query)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        # Logged in without QuickBooks rights: forbidden.
        for role in ("portal", "ts_user", "qbo_user"):
            with self.subTest(role=role):
                self.login(role)
                self.assertEqual(self.callback(query).status_code, 403)
        # Another user, even an admin, cannot use the manager's answer.
        self.login("admin")
        response = self.callback(query)
        self.assertEqual(response.status_code, 200)
        self.assertIn("not valid for your session (bad state)", response.text)
        # Nor the same user in another session.
        self.login("qbo_manager")
        response = self.callback(query)
        self.assertIn("not valid for your session (bad state)", response.text)
        # Nothing changed: still disconnected, the consent still pending.
        after = self.tokens()
        self.assertTrue(after.pop("oauth_nonce"))
        before.pop("oauth_nonce")
        self.assertEqual(after, before)

        # Forged: the signature does not match.
        query = self.consent("qbo_manager")
        forged = query.replace("sig%22%3A%22", "sig%22%3A%22forged")
        self.assertNotEqual(forged, query)
        response = self.callback(forged)
        self.assertIn("not valid for your session (bad state)", response.text)
        state = parse_qs(query)["state"][0]
        payload = json.loads(state)
        for change in (
            {"uid": self.users["admin"].id},
            {"n": "another-nonce"},
            {"cid": self.connection.id + 1},
        ):
            with self.subTest(forged=change):
                bad = urlencode(
                    {
                        **{k: v[0] for k, v in parse_qs(query).items()},
                        "state": json.dumps({**payload, **change}),
                    }
                )
                response = self.callback(bad)
                self.assertEqual(response.status_code, 200)
                self.assertIn("nothing was changed", response.text)
        self.assertEqual(self.tokens()["state"], "disconnected")

        # Expired: approved too late.
        self.connection.sudo().write(
            {"oauth_nonce_expires_at": fields.Datetime.now() - timedelta(minutes=1)}
        )
        response = self.callback(query)
        self.assertIn("came too late", response.text)
        self.assertEqual(self.tokens()["state"], "disconnected")

        # Superseded: Connect clicked again, the first answer is dead.
        first = self.consent("qbo_manager")
        second = self.consent("qbo_manager")
        response = self.callback(first)
        self.assertIn("a newer connection was started", response.text)
        self.assertEqual(self.tokens()["state"], "disconnected")
        self.assertEqual(self.callback(second).status_code, 303)
        self.assertEqual(self.tokens()["state"], "connected")
        self.connection.sudo().write({"state": "disconnected"})

        # Replayed: the first answer connects, the second is refused.
        query = self.consent("qbo_manager")
        response = self.callback(query)
        self.assertEqual(response.status_code, 303, response.text)
        connected = self.tokens()
        self.assertEqual(connected["state"], "connected")
        response = self.callback(query)
        self.assertIn("already used", response.text)
        self.assertEqual(self.tokens(), connected)
