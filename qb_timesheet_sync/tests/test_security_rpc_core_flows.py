# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Core flows of Odoo keep working, with or without QuickBooks rights, through
real RPC.

Roles and matrix cells: ``common_security_rpc.py``.
"""

from odoo.tests import tagged

from .common import REALM_A
from .common_security_rpc import (
    ACCESS,
    JSONRPC,
    PROTOCOLS,
    SecurityRpcCase,
    spec_of,
)


@tagged("post_install", "-at_install")
class TestSecurityRpcCoreFlows(SecurityRpcCase):
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
