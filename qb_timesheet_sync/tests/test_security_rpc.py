# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The security promises of the addon, checked through real RPC.

Every call goes over HTTP, as an external client or the web client would
make it: XML-RPC (``/xmlrpc/2/object``, the v2 endpoint with numeric fault
codes) and JSON-RPC (``/web/dataset/call_kw``, after logging in). A cell of
the matrix is a role and an operation; it expects either ``OK`` (the call
returns data) or the exact refusal (the exception the server raised).

Roles (login ``rpc_<role>``, see ROLE_GROUPS):

=============== =====================================================
public          not logged in
portal          base.group_portal
internal        base.group_user
ts_user         Timesheets: own timesheets
ts_admin        Timesheets: administrator (no QuickBooks group)
qbo_user        QuickBooks user + own timesheets
qbo_manager     QuickBooks manager + all timesheets
admin           Settings (base.group_system) + timesheet administrator
project_manager Project administrator, no QuickBooks group (core flows)
contact_manager Contact creation (partner manager), no QuickBooks group
odoo_admin      the database's administrator (every group)
=============== =====================================================
"""

import json
import xmlrpc.client
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CLIENT_SECRET, REALM_A, qbo_write
from .test_connection_ui import CALLBACK_PATH, QboHttpCase

OK = "ok"
ACCESS = "AccessError"
USER = "UserError"
VALIDATION = "ValidationError"
# Not logged in: XML-RPC refuses the credentials, JSON-RPC has no session.
ANON = "anonymous"
ANON_ERRORS = {"AccessDenied", "SessionExpiredException"}
# XML-RPC fault codes of /xmlrpc/2 (odoo/addons/base/controllers/rpc.py).
XMLRPC_FAULTS = {2: USER, 3: "AccessDenied", 4: ACCESS}

XMLRPC = "xmlrpc"
JSONRPC = "jsonrpc"
PROTOCOLS = (XMLRPC, JSONRPC)

ROLES = (
    "public",
    "portal",
    "internal",
    "ts_user",
    "ts_admin",
    "qbo_user",
    "qbo_manager",
    "admin",
)
# Internal users may export, as new users get by default (base.default_user).
ROLE_GROUPS = {
    "portal": "base.group_portal",
    "internal": "base.group_user,base.group_allow_export",
    "ts_user": "hr_timesheet.group_hr_timesheet_user,base.group_allow_export",
    "ts_admin": "hr_timesheet.group_timesheet_manager,base.group_allow_export",
    "qbo_user": "qb_timesheet_sync.group_qbo_user,hr_timesheet.group_hr_timesheet_user,"
    "base.group_allow_export",
    "qbo_manager": "qb_timesheet_sync.group_qbo_manager,hr_timesheet.group_hr_timesheet_approver,"
    "base.group_allow_export",
    "admin": "base.group_system,hr_timesheet.group_timesheet_manager",
    "project_manager": "project.group_project_manager,base.group_allow_export",
    "contact_manager": "base.group_user,base.group_partner_manager",
}
# Roles that have an employee, and so timesheet lines of their own.
EMPLOYEE_ROLES = ("ts_user", "ts_admin", "qbo_user", "qbo_manager", "admin", "project_manager")


def row(*cells, **extra_roles):
    """One line of the matrix: the expected outcome of each role of ROLES
    (and of the extra roles named)."""
    assert len(cells) == len(ROLES), cells
    return {**dict(zip(ROLES, cells, strict=True)), **extra_roles}


# The rows of the matrix. Cells: OK (allowed, data returned), ANON (not
# logged in: no credentials), or the exception of the refusal.
# fmt: off
#                      public portal  internal ts_user ts_admin qbo_user qbo_mgr admin
EVERYONE_REFUSED = row(ANON,  ACCESS, ACCESS,  ACCESS, ACCESS,  ACCESS,  ACCESS, ACCESS,
                       project_manager=ACCESS)
ADMIN_ONLY       = row(ANON,  ACCESS, ACCESS,  ACCESS, ACCESS,  ACCESS,  ACCESS, OK)
MANAGERS_ONLY    = row(ANON,  ACCESS, ACCESS,  ACCESS, ACCESS,  ACCESS,  OK,     OK)
QUICKBOOKS_USERS = row(ANON,  ACCESS, ACCESS,  ACCESS, ACCESS,  OK,      OK,     OK)
# res.config.settings defaults: core gives them to any user (a leak if a
# secret were one); the secrets must simply not be among them.
ANY_USER         = row(ANON,  OK,     OK,      OK,     OK,      OK,      OK,     OK)
# Exporting needs base.group_allow_export, which portal users never have.
TOKENS_EXPORT    = row(ANON,  USER,   ACCESS,  ACCESS, ACCESS,  ACCESS,  ACCESS, OK)
# Who may delete their timesheet line is refused by the addon once it is sent.
DELETE_SENT_LINE = row(ANON,  ACCESS, ACCESS,  USER,   USER,    USER,    USER,   USER,
                       project_manager=USER)
# fmt: on

# What a timesheet line, employee, project or client records about
# QuickBooks and nobody may write: every ``qbo_`` field but these.
USER_FIELDS = {
    "account.analytic.line": {"qbo_billable"},
    # What an hour carries (service item, class, location) are
    # settings of QuickBooks managers, not QuickBooks state.
    "hr.employee": {
        "qbo_billing_rate",
        "qbo_item_ref_id",
        "qbo_class_ref_id",
        "qbo_department_ref_id",
        "qbo_payroll_compensation_id",
    },
    "project.project": {
        "qbo_billable",
        "qbo_hourly_rate",
        "qbo_item_ref_id",
        "qbo_rate_ids",
        "qbo_class_ref_id",
        "qbo_department_ref_id",
    },
    "res.partner": set(),
}
WEBHOOK_VERIFIER = "rpc-webhook-verifier-6d1f0c"
SENT_AT = datetime(2026, 3, 3, 9, 30)


def spec_of(names):
    """A web_read specification reading ``names``."""
    return {name: {} for name in names}


class Reply(NamedTuple):
    """What an RPC call gave: ``ok`` and the result, or the name of the
    exception the server raised and its message."""

    ok: bool
    value: Any
    message: str = ""


@tagged("post_install", "-at_install")
class TestSecurityRpc(QboHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.users = {
            role: new_test_user(
                env, login=f"rpc_{role}", groups=groups, password=cls.password(role)
            )
            for role, groups in ROLE_GROUPS.items()
        }
        cls.users["public"] = env.ref("base.public_user")
        # The database's administrator: every group of every installed app.
        cls.users["odoo_admin"] = env.ref("base.user_admin")
        cls.employees = {
            role: env["hr.employee"].create({"name": f"RPC {role}", "user_id": cls.users[role].id})
            for role in EMPLOYEE_ROLES
        }
        env["ir.config_parameter"].set_param(
            "qb_timesheet_sync.webhook_verifier_token", WEBHOOK_VERIFIER
        )
        cls.client = env["res.partner"].create({"name": "RPC Cool Cars", "is_company": True})
        qbo_write(cls.client, {"qbo_customer_id": "21", "qbo_realm_id": REALM_A})
        cls.project = env["project.project"].create(
            {
                "name": "RPC Website",
                "partner_id": cls.client.id,
                "privacy_visibility": "employees",
                "qbo_hourly_rate": 120.0,
            }
        )
        qbo_write(
            cls.project,
            {
                "qbo_customer_id": "22",
                "qbo_fully_qualified_name": "RPC Cool Cars:RPC Website",
                "qbo_realm_id": REALM_A,
            },
        )
        qbo_write(
            cls.employees["ts_user"],
            {
                "qbo_id": "55",
                "qbo_kind": "Employee",
                "qbo_display_name": "RPC ts_user",
                "qbo_realm_id": REALM_A,
            },
        )
        # A line of each employee, already in QuickBooks.
        cls.sent_lines = {}
        for role, employee in cls.employees.items():
            line = cls.timesheet(employee, f"Sent work of {role}")
            qbo_write(
                line,
                {
                    "qbo_state": "sent",
                    "qbo_time_activity_id": f"TA-{line.id}",
                    "qbo_sync_token": "3",
                    "qbo_request_id": f"req-{line.id}",
                    "qbo_realm_id": REALM_A,
                    "qbo_sent_at": SENT_AT,
                    "qbo_sent_duration": 2.0,
                    "qbo_last_error": "An old refusal",
                },
            )
            cls.sent_lines[role] = line

    @classmethod
    def timesheet(cls, employee, name, **values):
        return cls.env["account.analytic.line"].create(
            {
                "name": name,
                "project_id": cls.project.id,
                "employee_id": employee.id,
                "date": date(2026, 3, 2),
                "unit_amount": 2.0,
                **values,
            }
        )

    @staticmethod
    def password(role):
        return "admin" if role == "odoo_admin" else f"rpc_{role}-password"

    @classmethod
    def login_of(cls, role):
        return cls.users[role].login

    def setUp(self):
        super().setUp()
        self.item = self.env["qbo.item"].create(
            {"name": "Hours", "qbo_id": "2", "realm_id": REALM_A, "company_id": self.env.company.id}
        )
        self.log = self.env["qbo.sync.log"]._record(
            self.env.company,
            "test",
            "RPC test log",
            "What happened, for the audit trail.",
            lines=[{"message": "One detail", "record": self.project}],
        )
        self._json_login = "odoo_admin"  # QboHttpCase logs the admin in

    # ------------------------------------------------------------------
    # RPC helpers
    # ------------------------------------------------------------------
    def rpc(self, role, model, method, *args, protocol=XMLRPC, **kwargs):
        """Call ``model.method(*args, **kwargs)`` as ``role`` over real RPC.

        Returns a Reply: (True, result) or (False, exception name, message).
        The refusals are expected here: Odoo logs each of them as a warning.
        """
        with mute_logger("odoo.http"):
            if protocol == XMLRPC:
                return self._xmlrpc(role, model, method, list(args), kwargs)
            return self._jsonrpc(role, model, method, list(args), kwargs)

    def _xmlrpc(self, role, model, method, args, kwargs):
        user = self.users[role]
        password = "not-a-password" if role == "public" else self.password(role)
        try:
            result = self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, password, model, method, args, kwargs
            )
        except xmlrpc.client.Fault as fault:
            # Code 1 carries a traceback: a crash, never an expected refusal.
            name = XMLRPC_FAULTS.get(fault.faultCode, "ServerError")
            return Reply(False, name, fault.faultString)
        return Reply(True, result)

    def _jsonrpc(self, role, model, method, args, kwargs):
        if self._json_login != role:
            if role == "public":
                self.authenticate(None, None)
            else:
                self.authenticate(self.login_of(role), self.password(role))
            self._json_login = role
        return self.post_json(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def post_json(self, route, params):
        """A JSON-RPC request of the web client, in the current session."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        with mute_logger("odoo.http"):  # the refusals expected here
            response = self.url_open(
                route, data=json.dumps(payload), headers={"Content-Type": "application/json"}
            )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        if "error" in body:
            data = body["error"]["data"]
            return Reply(False, data["name"].rpartition(".")[2], data["message"])
        # A method returning None gives no result at all.
        return Reply(True, body.get("result"))

    def assertReply(self, reply, expected, protocol):
        if expected == OK:
            self.assertTrue(reply.ok, f"refused: {reply.value}: {reply.message[:500]}")
            return
        self.assertFalse(reply.ok, f"allowed, expected {expected}: {reply.value!r:.500}")
        if expected == ANON:
            self.assertIn(reply.value, ANON_ERRORS, reply.message[:500])
        elif protocol == XMLRPC and expected == VALIDATION:
            # /xmlrpc/2 gives every UserError subclass the same fault code.
            self.assertEqual(reply.value, USER, reply.message[:500])
        else:
            self.assertEqual(reply.value, expected, reply.message[:500])

    def check(
        self,
        matrix,
        model,
        method,
        *args,
        roles=None,
        protocols=PROTOCOLS,
        never_shown=(),
        **kwargs,
    ):
        """Run one operation for each role of ``roles`` (all of ``matrix`` by
        default) over each protocol, asserting the cell of ``matrix``, and
        that no reply, allowed or refused, contains one of ``never_shown``.
        Returns {(role, protocol): Reply}."""
        replies = {}
        for role in roles or matrix:
            for protocol in protocols:
                with self.subTest(role=role, call=f"{model}.{method}", protocol=protocol):
                    reply = self.rpc(role, model, method, *args, protocol=protocol, **kwargs)
                    self.assertReply(reply, matrix[role], protocol)
                    self.assertNoSecret(reply, never_shown, f"to {role} over {protocol}")
                    replies[role, protocol] = reply
        return replies

    def assertNoSecret(self, reply, secrets, where=""):
        text = repr(reply)
        for secret in secrets:
            self.assertTrue(secret, "an empty secret proves nothing")
            self.assertNotIn(secret, text, f"secret leaked {where}")

    def assertSeenByAdminOnly(self, replies, secrets, shown):
        """The admin's replies show ``shown`` (if any), the others no secret."""
        for (role, protocol), reply in replies.items():
            if role == "admin":
                if shown:
                    self.assertIn(shown, repr(reply.value), f"the admin, over {protocol}")
            else:
                self.assertNoSecret(reply, secrets, f"to {role} over {protocol}")

    def connect_live(self):
        """Connect the company to the local sandbox as the admin does; the
        tokens are real ones the sandbox accepts."""
        url = self.connection.action_connect()["url"]
        response = requests.get(
            url, params={"realm_id": REALM_A}, allow_redirects=False, timeout=10
        )
        query = parse_qs(urlparse(response.headers["Location"]).query)
        self.connection._qbo_finish_connect(query["code"][0], query["realmId"][0])
        self.connection.invalidate_recordset()

    def tokens(self):
        connection = self.connection.sudo()
        connection.invalidate_recordset()
        return {
            name: connection[name]
            for name in (
                "state",
                "realm_id",
                "access_token",
                "access_token_expires_at",
                "refresh_token",
                "oauth_nonce",
            )
        }

    def snapshot(self, records, names):
        records.invalidate_recordset()
        return records.sudo().read(names)

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
    # 2. QuickBooks state: written by the addon only
    # ------------------------------------------------------------------
    def target_line(self, role):
        """The sent line ``role`` attacks: its own, or a timesheet user's."""
        return self.sent_lines.get(role) or self.sent_lines["ts_user"]

    def target_employee(self, role):
        return self.employees.get(role) or self.employees["ts_user"]

    def test_nobody_writes_the_quickbooks_state_of_a_line(self):
        forged = {
            "qbo_state": "not_sent",
            "qbo_time_activity_id": "TA-forged",
            "qbo_sync_token": "99",
            "qbo_request_id": "req-forged",
            "qbo_sent_at": "2020-01-01 00:00:00",
            "qbo_last_error": False,
        }
        names = [*forged, "qbo_realm_id", "qbo_sent_duration", "name", "unit_amount"]
        lines = self.env["account.analytic.line"]
        roles = [*ROLES, "project_manager"]
        count = lines.search_count([])
        for role in roles:
            line = self.target_line(role)
            before = self.snapshot(line, names)
            for name, value in forged.items():
                replies = self.check(
                    EVERYONE_REFUSED, line._name, "write", [line.id], {name: value}, roles=[role]
                )
                # Who may write the line and read the field meets the guard.
                field_groups = line._fields[name].groups
                if role in EMPLOYEE_ROLES and (
                    not field_groups or self.users[role].has_group(field_groups)
                ):
                    for reply in replies.values():
                        self.assertIn("only the QuickBooks sync changes them", reply.message)
            self.check(
                EVERYONE_REFUSED,
                line._name,
                "create",
                {
                    "name": "Invented as sent",
                    "project_id": self.project.id,
                    "employee_id": self.target_employee(role).id,
                    "unit_amount": 1.0,
                    "qbo_state": "sent",
                    "qbo_time_activity_id": "TA-invented",
                },
                roles=[role],
            )
            self.check(
                EVERYONE_REFUSED,
                line._name,
                "copy",
                [line.id],
                default={"qbo_state": "sent"},
                roles=[role],
            )
            # Deleted and entered again, it would be sent twice: refused.
            self.check(DELETE_SENT_LINE, line._name, "unlink", [line.id], roles=[role])
            with self.subTest(role=role, check="line unchanged"):
                self.assertEqual(self.snapshot(line, names), before)
        self.assertEqual(lines.search_count([]), count, "a line was created")

    def test_defaults_give_no_quickbooks_state(self):
        """A default is a value too: a context key (a list grouped by status
        passes ``default_qbo_state``) or a saved default (ir.default, which
        any user may set for themselves) gives a new record no QuickBooks
        state: it starts not sent, not linked."""
        lines = self.env["account.analytic.line"]
        forged = {
            "default_qbo_state": "sent",
            "default_qbo_time_activity_id": "TA-from-context",
            "default_qbo_sent_at": "2020-01-01 00:00:00",
        }
        clean = {"qbo_state": "not_sent", "qbo_time_activity_id": False, "qbo_sent_at": False}
        names = list(clean)

        def create_line(role, protocol, context):
            reply = self.rpc(
                role,
                lines._name,
                "create",
                {
                    "name": "Work",
                    "project_id": self.project.id,
                    "employee_id": self.employees[role].id,
                    "unit_amount": 1.0,
                },
                protocol=protocol,
                context=context,
            )
            self.assertTrue(reply.ok, reply.message)
            line_id = reply.value[0] if isinstance(reply.value, list) else reply.value
            return lines.browse(line_id)

        for role in ("ts_user", "admin"):
            for protocol in PROTOCOLS:
                with self.subTest(role=role, protocol=protocol, defaults="context"):
                    line = create_line(role, protocol, forged)
                    self.assertEqual(self.snapshot(line, names)[0], {"id": line.id, **clean})
                    sent = self.sent_lines[role]
                    reply = self.rpc(
                        role, lines._name, "copy", [sent.id], protocol=protocol, context=forged
                    )
                    self.assertTrue(reply.ok, reply.message)
                    copy = lines.browse(reply.value)
                    self.assertEqual(self.snapshot(copy, names)[0], {"id": copy.id, **clean})
                    # The new form shows the same.
                    reply = self.rpc(
                        role, lines._name, "default_get", names, protocol=protocol, context=forged
                    )
                    self.assertEqual(reply.value, {"qbo_state": "not_sent"})
        # Saved defaults: a user's own, and one the admin sets for everyone.
        for role, field_name, value, user_id in (
            ("ts_user", "qbo_state", "sent", True),
            ("admin", "qbo_time_activity_id", "TA-saved-default", False),
        ):
            reply = self.rpc(
                role, "ir.default", "set", lines._name, field_name, value, user_id=user_id
            )
            self.assertTrue(reply.ok, reply.message)
        for protocol in PROTOCOLS:
            with self.subTest(protocol=protocol, defaults="ir.default"):
                line = create_line("ts_user", protocol, {})
                self.assertEqual(self.snapshot(line, names)[0], {"id": line.id, **clean})
        # Links of employees and projects alike.
        for role, model, values, context in (
            ("ts_admin", "hr.employee", {"name": "New hire"}, {"default_qbo_id": "56"}),
            ("project_manager", "project.project", {"name": "New"}, {"default_qbo_realm_id": "1"}),
        ):
            reply = self.rpc(role, model, "create", values, context=context)
            self.assertTrue(reply.ok, reply.message)
            record = self.env[model].browse(reply.value)
            self.assertFalse(record.sudo()[next(iter(context))[len("default_") :]])

    def test_defaults_give_no_quickbooks_billing_settings(self):
        """The billing settings of projects are the QuickBooks managers': a
        saved default of a project manager without QuickBooks rights does not
        set them either."""
        projects = self.env["project.project"]
        for field_name, value in (("qbo_hourly_rate", 999.0), ("qbo_item_ref_id", self.item.id)):
            reply = self.rpc(
                "project_manager",
                "ir.default",
                "set",
                projects._name,
                field_name,
                value,
                user_id=True,
            )
            self.assertTrue(reply.ok, reply.message)
        for role, context in (
            ("project_manager", {}),
            ("project_manager", {"default_qbo_hourly_rate": 999.0}),
        ):
            for protocol in PROTOCOLS:
                with self.subTest(role=role, context=context, protocol=protocol):
                    reply = self.rpc(
                        role,
                        projects._name,
                        "create",
                        {"name": "New project"},
                        protocol=protocol,
                        context=context,
                    )
                    if reply.ok:
                        project = projects.browse(reply.value)
                        self.assertEqual(
                            self.snapshot(project, ["qbo_hourly_rate", "qbo_item_ref_id"])[0],
                            {"id": project.id, "qbo_hourly_rate": 0.0, "qbo_item_ref_id": False},
                        )
                    else:
                        self.assertReply(reply, ACCESS, protocol)

    def test_every_quickbooks_field_is_protected_even_for_the_admin(self):
        """A field added later is protected by default: every ``qbo_`` field
        of the core models but the settings of USER_FIELDS, even for the
        database's administrator, who may write these records otherwise."""
        records = [
            self.sent_lines["ts_user"],
            self.employees["ts_user"],
            self.project,
            self.client,
        ]
        for record in records:
            names = sorted(
                name
                for name in record._fields
                if name.startswith("qbo_") and name not in USER_FIELDS[record._name]
            )
            self.assertGreaterEqual(len(names), 2, record._name)
            before = self.snapshot(record, names)
            for name in names:
                value = self.forged_value(record, name)
                for protocol in PROTOCOLS:
                    with self.subTest(model=record._name, field=name, protocol=protocol):
                        reply = self.rpc(
                            "odoo_admin",
                            record._name,
                            "write",
                            [record.id],
                            {name: value},
                            protocol=protocol,
                        )
                        self.assertReply(reply, ACCESS, protocol)
                        self.assertIn("only the QuickBooks sync changes them", reply.message)
            with self.subTest(model=record._name, check="unchanged"):
                self.assertEqual(self.snapshot(record, names), before)

    def forged_value(self, record, name):
        """A value of field ``name`` that ``record`` does not have."""
        field = record._fields[name]
        current = record.sudo()[name]
        if field.type == "selection":
            values = field.get_values(self.env)
            return next(value for value in values if value != current)
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        if field.type == "datetime":
            return "2020-01-01 00:00:00"
        if field.type == "date":
            return "2020-01-01"
        if field.type == "many2one":
            other = self.env[field.comodel_name].sudo().search([("id", "!=", current.id)], limit=1)
            self.assertTrue(other, name)
            return other.id
        if field.type in ("one2many", "many2many"):
            return [(6, 0, [])] if current else [(0, 0, {})]
        return f"forged-{name}"

    def test_links_of_employees_projects_and_clients_are_written_by_the_addon_only(self):
        roles = [*ROLES, "project_manager"]
        employee = self.employees["ts_user"]
        cases = [
            (employee, {"qbo_id": "99"}),
            (employee, {"qbo_kind": "Vendor"}),
            (employee, {"qbo_realm_id": "9130350000000002"}),
            (self.project, {"qbo_customer_id": "99"}),
            (self.project, {"qbo_realm_id": "9130350000000002"}),
            (self.client, {"qbo_customer_id": "99"}),
        ]
        for record, values in cases:
            before = self.snapshot(record, ["qbo_realm_id", record._qbo_id_field])
            self.check(EVERYONE_REFUSED, record._name, "write", [record.id], values, roles=roles)
            with self.subTest(model=record._name, values=values, check="unchanged"):
                self.assertEqual(
                    self.snapshot(record, ["qbo_realm_id", record._qbo_id_field]), before
                )
        # Created already linked: refused too, nothing created.
        for model, values in (
            ("hr.employee", {"name": "Invented", "qbo_id": "56", "qbo_kind": "Employee"}),
            ("project.project", {"name": "Invented", "qbo_customer_id": "56"}),
            ("res.partner", {"name": "Invented", "qbo_customer_id": "56"}),
        ):
            self.check(EVERYONE_REFUSED, model, "create", values, roles=roles)
            self.assertFalse(
                self.env[model].with_context(active_test=False).search([("name", "=", "Invented")])
            )

    def test_refusal_tells_nothing_about_the_value(self):
        """Writing the value a record already has is allowed (it changes
        nothing); for a user who may not see the field or the record, that
        must not turn into an oracle telling the value."""
        line = self.sent_lines["ts_user"]
        for role, record, name, actual in (
            ("ts_admin", line, "qbo_sync_token", "3"),
            ("portal", line, "qbo_time_activity_id", f"TA-{line.id}"),
            ("internal", line, "qbo_request_id", f"req-{line.id}"),
            ("qbo_user", line, "qbo_time_activity_id", f"TA-{line.id}"),
            ("ts_admin", self.employees["ts_user"], "qbo_id", "55"),
            ("project_manager", self.project, "qbo_customer_id", "22"),
            ("contact_manager", self.client, "qbo_customer_id", "21"),
        ):
            self.assertEqual(record.sudo()[name], actual)
            for protocol in PROTOCOLS:
                with self.subTest(role=role, field=name, protocol=protocol):
                    same = self.rpc(
                        role, record._name, "write", [record.id], {name: actual}, protocol=protocol
                    )
                    other = self.rpc(
                        role, record._name, "write", [record.id], {name: "guess"}, protocol=protocol
                    )
                    self.assertReply(same, ACCESS, protocol)
                    self.assertEqual(same, other)

    def test_writing_back_the_same_values_is_allowed(self):
        """An export re-imported, or a client saving every field."""
        line = self.sent_lines["ts_user"]
        names = ["qbo_state", "qbo_time_activity_id", "qbo_sent_at", "name", "unit_amount"]
        before = self.snapshot(line, names)
        same = {"qbo_state": "sent", "qbo_time_activity_id": f"TA-{line.id}"}
        for role in ("ts_admin", "admin"):
            self.check({role: OK}, line._name, "write", [line.id], same, roles=[role])
        exported = self.rpc(
            "ts_admin",
            line._name,
            "export_data",
            [line.id],
            ["id", "name", "qbo_state", "qbo_time_activity_id"],
        )
        self.assertTrue(exported.ok, exported.message)
        rows = exported.value["datas"]
        self.assertEqual(rows[0][2], "Sent")
        loaded = self.rpc(
            "ts_admin",
            line._name,
            "load",
            ["id", "name", "qbo_state", "qbo_time_activity_id"],
            rows,
        )
        self.assertTrue(loaded.ok, loaded.message)
        self.assertEqual(loaded.value["messages"], [])
        self.assertEqual(loaded.value["ids"], [line.id])
        self.assertEqual(self.snapshot(line, names), before)
        # The import of a changed state is refused like any write.
        rows[0][2] = "Not sent"
        loaded = self.rpc(
            "ts_admin",
            line._name,
            "load",
            ["id", "name", "qbo_state", "qbo_time_activity_id"],
            rows,
        )
        self.assertFalse(loaded.ok and not loaded.value["messages"], loaded)
        self.assertEqual(self.snapshot(line, names), before)

    # ------------------------------------------------------------------
    # 3. Core flows keep working, with or without QuickBooks rights
    # ------------------------------------------------------------------
    def test_timesheet_users_keep_their_timesheets(self):
        lines = self.env["account.analytic.line"]
        own_roles = ("ts_user", "ts_admin", "qbo_user", "qbo_manager", "admin")
        for role in own_roles:
            employee = self.employees[role]
            for protocol in PROTOCOLS:
                with self.subTest(role=role, protocol=protocol):
                    created = self.rpc(
                        role,
                        lines._name,
                        "create",
                        {
                            "name": "Own work",
                            "project_id": self.project.id,
                            "employee_id": employee.id,
                            "unit_amount": 1.5,
                            # The default, as a client that sends every field.
                            "qbo_state": "not_sent",
                        },
                        protocol=protocol,
                    )
                    self.assertTrue(created.ok, created.message)
                    line_id = created.value
                    line_id = line_id[0] if isinstance(line_id, list) else line_id
                    edited = self.rpc(
                        role,
                        lines._name,
                        "write",
                        [line_id],
                        {"name": "Own work, described", "unit_amount": 2.25},
                        protocol=protocol,
                    )
                    self.assertTrue(edited.ok, edited.message)
                    line = lines.browse(line_id)
                    self.assertEqual(
                        self.snapshot(line, ["name", "unit_amount", "qbo_state"])[0],
                        {
                            "id": line_id,
                            "name": "Own work, described",
                            "unit_amount": 2.25,
                            "qbo_state": "not_sent",
                        },
                    )
                    # A sent line may be duplicated: the copy is not sent.
                    sent = self.sent_lines[role]
                    copied = self.rpc(role, lines._name, "copy", [sent.id], protocol=protocol)
                    self.assertTrue(copied.ok, copied.message)
                    copy = lines.browse(copied.value)
                    self.assertEqual(
                        self.snapshot(copy, ["qbo_state", "qbo_time_activity_id"])[0],
                        {"id": copy.id, "qbo_state": "not_sent", "qbo_time_activity_id": False},
                    )

    def test_project_manager_without_quickbooks_rights(self):
        """Duplicate a project that has a QuickBooks rate, archive it."""
        projects = self.env["project.project"]
        role = "project_manager"
        for protocol in PROTOCOLS:
            with self.subTest(role=role, protocol=protocol):
                copied = self.rpc(
                    role, projects._name, "copy", [self.project.id], protocol=protocol
                )
                self.assertTrue(copied.ok, copied.message)
                copy_id = copied.value[0] if isinstance(copied.value, list) else copied.value
                copy = projects.browse(copy_id)
                self.assertEqual(
                    self.snapshot(copy, ["qbo_hourly_rate", "qbo_customer_id"])[0],
                    {"id": copy.id, "qbo_hourly_rate": 0.0, "qbo_customer_id": False},
                )
        # Archive and restore, as the web client does (the actions return
        # nothing, which XML-RPC cannot carry).
        for method, active in (("action_archive", False), ("action_unarchive", True)):
            reply = self.rpc(role, projects._name, method, [self.project.id], protocol=JSONRPC)
            self.assertTrue(reply.ok, reply.message)
            self.assertIs(self.snapshot(self.project, ["active"])[0]["active"], active)
        self.assertEqual(self.project.sudo().qbo_hourly_rate, 120.0)

    def view_fields(self, role, model, view_type):
        """The fields of ``model``'s default ``view_type`` view, as ``role``
        gets it (Odoo drops the fields a user may not read)."""
        reply = self.rpc(role, model, "get_views", [[False, view_type]], protocol=JSONRPC)
        self.assertTrue(reply.ok, reply.message)
        return sorted(reply.value["models"][model]["fields"])

    def test_exports_and_forms_work_without_quickbooks_rights(self):
        """Forms, lists and exports of the records that carry QuickBooks
        fields, for people with and without QuickBooks rights."""
        for role, model, record in (
            ("ts_user", "account.analytic.line", self.sent_lines["ts_user"]),
            ("qbo_user", "account.analytic.line", self.sent_lines["qbo_user"]),
            ("ts_admin", "account.analytic.line", self.sent_lines["ts_user"]),
            ("ts_admin", "hr.employee", self.employees["ts_user"]),
            ("ts_admin", "project.project", self.project),
            ("project_manager", "project.project", self.project),
            ("project_manager", "res.partner", self.client),
            ("internal", "res.partner", self.client),
        ):
            with self.subTest(role=role, model=model):
                reply = self.rpc(role, model, "fields_get", [], ["type"], protocol=JSONRPC)
                self.assertTrue(reply.ok, reply.message)
                qbo_fields = {name for name in reply.value if name.startswith("qbo_")}
                if role == "qbo_user":
                    self.assertIn("qbo_sync_token", qbo_fields)
                for view_type in ("form", "list"):
                    names = self.view_fields(role, model, view_type)
                    read = self.rpc(
                        role, model, "web_read", [record.id], spec_of(names), protocol=JSONRPC
                    )
                    self.assertTrue(read.ok, f"{view_type}: {read.message}")
                # The export dialog offers the list's columns, and the
                # QuickBooks fields this user may read.
                names = sorted({*self.view_fields(role, model, "list"), *qbo_fields})
                exported = self.rpc(
                    role, model, "export_data", [record.id], names, protocol=JSONRPC
                )
                self.assertTrue(exported.ok, exported.message)
                self.assertEqual(len(exported.value["datas"]), 1)

    def test_merging_clients_keeps_working(self):
        """Merging contacts is a core flow of people without QuickBooks
        rights: the merged contact keeps the QuickBooks link."""
        duplicate = self.env["res.partner"].create(
            {"name": "RPC Cool Cars Inc", "is_company": True}
        )
        wizard = "base.partner.merge.automatic.wizard"
        reply = self.rpc(
            "contact_manager",
            wizard,
            "create",
            {
                "partner_ids": [(6, 0, [self.client.id, duplicate.id])],
                "dst_partner_id": duplicate.id,
            },
        )
        self.assertTrue(reply.ok, reply.message)
        reply = self.rpc("contact_manager", wizard, "action_merge", [reply.value], protocol=JSONRPC)
        self.assertTrue(reply.ok, reply.message)
        self.assertFalse(self.client.exists())
        self.assertEqual(
            self.snapshot(duplicate, ["qbo_customer_id", "qbo_realm_id"])[0],
            {"id": duplicate.id, "qbo_customer_id": "21", "qbo_realm_id": REALM_A},
        )
        # Its QuickBooks link itself is not theirs to write.
        self.check(
            {"contact_manager": ACCESS},
            "res.partner",
            "write",
            [duplicate.id],
            {"qbo_customer_id": "99"},
        )

    # ------------------------------------------------------------------
    # 4. Audit trail
    # ------------------------------------------------------------------
    def test_sync_log_is_append_only(self):
        log, detail = self.log, self.log.line_ids
        self.assertTrue(detail)
        roles = [*ROLES, "project_manager"]
        for record, values in (
            (log, {"summary": "Rewritten", "user_id": self.users["admin"].id}),
            (detail, {"message": "Rewritten"}),
        ):
            before = self.snapshot(record, list(values))
            replies = self.check(QUICKBOOKS_USERS, record._name, "read", [record.id], list(values))
            self.assertEqual(
                replies["qbo_user", XMLRPC].value[0][next(iter(values))],
                before[0][next(iter(values))],
            )
            self.check(EVERYONE_REFUSED, record._name, "write", [record.id], values, roles=roles)
            self.check(EVERYONE_REFUSED, record._name, "unlink", [record.id], roles=roles)
            create_values = (
                {"name": "Invented", "operation": "send"}
                if record._name == "qbo.sync.log"
                else {"log_id": log.id, "message": "Invented"}
            )
            self.check(EVERYONE_REFUSED, record._name, "create", create_values, roles=roles)
            with self.subTest(model=record._name, check="unchanged"):
                self.assertEqual(self.snapshot(record, list(values)), before)
        self.assertEqual(self.env["qbo.sync.log"].search_count([("name", "=", "Invented")]), 0)

    def test_models_of_the_addon(self):
        """Read, write, create and delete each model of the addon."""
        env = self.env
        rate = env["qbo.project.rate"].create(
            {
                "project_id": self.project.id,
                "employee_id": self.employees["ts_user"].id,
                "hourly_rate": 130.0,
            }
        )
        attempt = env["qbo.send.attempt"].create(
            {
                "line_id": self.sent_lines["ts_user"].id,
                "realm_id": REALM_A,
                "request_id": "req-attempt",
                "payload": {"Hours": 2},
            }
        )
        roles = [*ROLES, "project_manager"]
        refused = {**EVERYONE_REFUSED}
        for record, read_matrix, values in (
            (self.connection, QUICKBOOKS_USERS, {"state": "connected", "realm_id": "1"}),
            (self.item, QUICKBOOKS_USERS, {"name": "Renamed", "unit_price": 1.0}),
            (attempt, ADMIN_ONLY, {"request_id": "req-forged"}),
            (self.log, QUICKBOOKS_USERS, {"state": "failed"}),
        ):
            before = self.snapshot(record, list(values))
            self.check(
                {**read_matrix, "project_manager": ACCESS},
                record._name,
                "read",
                [record.id],
                list(values),
                roles=roles,
            )
            self.check(refused, record._name, "write", [record.id], values, roles=roles)
            self.check(refused, record._name, "unlink", [record.id], roles=roles)
            with self.subTest(model=record._name, check="unchanged"):
                self.assertEqual(self.snapshot(record, list(values)), before)
        self.check(refused, "qbo.connection", "create", {"company_id": env.company.id}, roles=roles)
        self.check(
            refused,
            "qbo.send.attempt",
            "create",
            {
                "line_id": self.sent_lines["ts_user"].id,
                "realm_id": REALM_A,
                "request_id": "req-new",
                "payload": {},
            },
            roles=roles,
        )
        # Hourly rates per employee: billing settings of QuickBooks managers.
        managers = {**MANAGERS_ONLY, "project_manager": ACCESS}
        self.check(
            {**QUICKBOOKS_USERS, "project_manager": ACCESS},
            rate._name,
            "read",
            [rate.id],
            ["hourly_rate"],
            roles=roles,
        )
        self.check(managers, rate._name, "write", [rate.id], {"hourly_rate": 140.0}, roles=roles)
        self.assertEqual(rate.hourly_rate, 140.0)
        for role in roles:
            employee = self.employees.get(role, self.employees["ts_admin"])
            self.check(
                managers,
                rate._name,
                "create",
                {"project_id": self.project.id, "employee_id": employee.id, "hourly_rate": 90.0},
                roles=[role],
                protocols=[XMLRPC],
            )
        self.check(
            managers,
            rate._name,
            "unlink",
            [rate.id],
            roles=[role for role in roles if managers[role] != OK],
        )
        self.check(
            managers, rate._name, "unlink", [rate.id], roles=["qbo_manager"], protocols=[XMLRPC]
        )
        self.assertFalse(rate.exists())

    def test_service_items_are_what_quickbooks_says(self):
        item = self.item
        roles = [*ROLES, "project_manager"]
        self.check(EVERYONE_REFUSED, item._name, "write", [item.id], {"qbo_id": "3"}, roles=roles)
        self.check(EVERYONE_REFUSED, item._name, "unlink", [item.id], roles=roles)
        self.check(
            EVERYONE_REFUSED,
            item._name,
            "create",
            {"name": "Invented", "qbo_id": "9", "realm_id": REALM_A},
            roles=roles,
        )
        self.assertEqual(item.qbo_id, "2")

    # ------------------------------------------------------------------
    # 5. OAuth callback
    # ------------------------------------------------------------------
    def login(self, role):
        if role == "public":
            self.authenticate(None, None)
        else:
            self.authenticate(self.login_of(role), self.password(role))
        self._json_login = role

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

    # ------------------------------------------------------------------
    # 6. Actions and public methods
    # ------------------------------------------------------------------
    def test_quickbooks_actions_are_for_managers(self):
        self.connect_live()
        line = self.sent_lines["qbo_manager"]
        replies = self.check(MANAGERS_ONLY, line._name, "action_qbo_send_preview", [line.id])
        self.assertEqual(replies["qbo_manager", XMLRPC].value["res_model"], "qbo.send.wizard")
        # The same through the list's action menu (a server action).
        action = self.env.ref("qb_timesheet_sync.action_qbo_send_timesheets")
        for role in ROLES:
            with self.subTest(role=role, call="/web/action/run"):
                self.login(role)
                reply = self.post_json(
                    "/web/action/run",
                    {
                        "action_id": action.id,
                        "context": {
                            "active_model": line._name,
                            "active_id": line.id,
                            "active_ids": [line.id],
                        },
                    },
                )
                self.assertReply(reply, MANAGERS_ONLY[role], JSONRPC)
                if reply.ok:
                    self.assertEqual(reply.value["res_model"], "qbo.send.wizard")
        self.check(
            MANAGERS_ONLY, "qbo.resync.wizard", "create", {"company_id": self.env.company.id}
        )
        # Employees are HR's: a QuickBooks manager who is not an HR officer
        # sees them as public profiles, without their QuickBooks link.
        employee_links = {**MANAGERS_ONLY, "qbo_manager": ACCESS}
        for matrix, record, clearer in (
            (employee_links, self.employees["ts_user"], "admin"),
            (MANAGERS_ONLY, self.project, "qbo_manager"),
        ):
            self.check(matrix, record._name, "action_qbo_choose_mapping", [record.id])
            refused = [role for role in ROLES if matrix[role] != OK]
            self.check(matrix, record._name, "action_qbo_clear_mapping", [record.id], roles=refused)
            record.invalidate_recordset()
            self.assertTrue(record.sudo()[record._qbo_id_field], "still linked")
            self.check(
                matrix,
                record._name,
                "action_qbo_clear_mapping",
                [record.id],
                roles=[clearer],
                protocols=[XMLRPC],
            )
            record.invalidate_recordset()
            self.assertFalse(record.sudo()[record._qbo_id_field], "cleared")
            log = self.env["qbo.sync.log"].search([("operation", "=", "mapping")], limit=1)
            self.assertIn(record.display_name, log.summary)
        # The connection: test it, connect, disconnect.
        conn = "qbo.connection"
        replies = self.check(MANAGERS_ONLY, conn, "action_test_connection", [self.connection.id])
        self.assertEqual(replies["admin", JSONRPC].value["params"]["type"], "success")
        replies = self.check(MANAGERS_ONLY, conn, "action_connect", [self.connection.id])
        self.assertEqual(replies["admin", JSONRPC].value["type"], "ir.actions.act_url")
        refused = [role for role in ROLES if MANAGERS_ONLY[role] != OK]
        self.check(MANAGERS_ONLY, conn, "action_disconnect", [self.connection.id], roles=refused)
        self.assertEqual(self.tokens()["state"], "connected")
        # The same from the settings page, which only Settings admins open.
        settings_id = self.rpc("admin", "res.config.settings", "create", {}).value
        for method in ("action_qbo_test", "action_qbo_connect", "action_qbo_disconnect"):
            self.check(ADMIN_ONLY, "res.config.settings", method, [settings_id])
        self.assertEqual(self.tokens()["state"], "disconnected")
