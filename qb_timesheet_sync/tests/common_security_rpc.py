# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The security promises of the addon, checked through real RPC: the roles,
their data and the helpers of the ``test_security_rpc_*.py`` files.

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
from datetime import date, datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlparse

import requests

from odoo.tests import new_test_user
from odoo.tools import mute_logger

from .common import REALM_A, qbo_write
from .test_connection_ui import QboHttpCase

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


class SecurityRpcCase(QboHttpCase):
    """The users of every role, their timesheets, and the RPC helpers."""

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
    def login(self, role):
        """Open a browser session as ``role`` (``public``: none)."""
        if role == "public":
            self.authenticate(None, None)
        else:
            self.authenticate(self.login_of(role), self.password(role))
        self._json_login = role

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
