# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks state of lines, employees, projects and clients: written by
the addon only, through real RPC.

Roles and matrix cells: ``common_security_rpc.py``.
"""

from odoo.tests import tagged

from .common_security_rpc import (
    ACCESS,
    DELETE_SENT_LINE,
    EMPLOYEE_ROLES,
    EVERYONE_REFUSED,
    OK,
    PROTOCOLS,
    ROLES,
    USER_FIELDS,
    SecurityRpcCase,
)


@tagged("post_install", "-at_install")
class TestSecurityRpcState(SecurityRpcCase):
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
