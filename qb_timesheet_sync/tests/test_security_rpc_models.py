# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The addon's models per role, its append-only audit trail and its actions,
through real RPC.

Roles and matrix cells: ``common_security_rpc.py``.
"""

from odoo.tests import tagged

from .common import REALM_A
from .common_security_rpc import (
    ACCESS,
    ADMIN_ONLY,
    EVERYONE_REFUSED,
    JSONRPC,
    MANAGERS_ONLY,
    OK,
    QUICKBOOKS_USERS,
    ROLES,
    XMLRPC,
    SecurityRpcCase,
)


@tagged("post_install", "-at_install")
class TestSecurityRpcModels(SecurityRpcCase):
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
