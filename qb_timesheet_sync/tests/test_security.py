# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may do what, per role, through the ORM paths RPC reaches (``with_user``).

The real XML-RPC/JSON-RPC calls are in test_security_rpc_*.py; this file holds
the matrix of every model of the addon and every QuickBooks field on core
models, and the integrity rules behind "never sent twice".
"""

from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.qbo_state_guard import qbo_trusted
from .common import REALM_A, qbo_write
from .common_send import EMILY_ID, QboSendCase

# Roles: login -> groups. Every QuickBooks role also logs time.
ROLES = {
    "portal": "base.group_portal",
    "internal": "base.group_user",
    "ts_user": "hr_timesheet.group_hr_timesheet_user",
    "ts_admin": "hr_timesheet.group_timesheet_manager,project.group_project_manager,"
    "base.group_allow_export",
    "qbo_user": "hr_timesheet.group_hr_timesheet_user,qb_timesheet_sync.group_qbo_user",
    "qbo_manager": "hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_manager,"
    "project.group_project_manager,base.group_allow_export",
    "admin": "base.group_system,hr_timesheet.group_timesheet_manager,hr.group_hr_manager,"
    "project.group_project_manager",
}
INTERNAL_ROLES = [role for role in ROLES if role != "portal"]
QBO_READERS = {"qbo_user", "qbo_manager", "admin"}
QBO_MANAGERS = {"qbo_manager", "admin"}

# QuickBooks state on core models, with a value someone might try to force.
LINE_STATE = {
    "qbo_state": "not_sent",
    "qbo_time_activity_id": "999",
    "qbo_sync_token": "5",
    "qbo_realm_id": "123",
    "qbo_sent_at": "2026-01-01 00:00:00",
    "qbo_sent_duration": 9.0,
    "qbo_sent_rate": 1.0,
    "qbo_last_error": "made up",
    "qbo_intuit_tid": "tid",
    "qbo_request_id": "req",
}
EMPLOYEE_STATE = {
    "qbo_id": "77",
    "qbo_kind": "Vendor",
    "qbo_display_name": "X",
    "qbo_realm_id": "1",
}
PROJECT_STATE = {"qbo_customer_id": "77", "qbo_fully_qualified_name": "X", "qbo_realm_id": "1"}


class Allowed(Exception):
    """Raised to roll back what an allowed operation did."""


@tagged("post_install", "-at_install")
class TestSecurityMatrix(QboSendCase):
    """Each role, each model of the addon, and read, write, create, unlink."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: new_test_user(cls.env, f"qbo_sec_{role}", groups=groups)
            for role, groups in ROLES.items()
        }
        cls.log = cls.env["qbo.sync.log"]._record(
            cls.company, "test", "Test", "All good.", lines=[{"message": "detail"}]
        )
        cls.rate = cls.env["qbo.project.rate"].create(
            {"project_id": cls.website.id, "employee_id": cls.emily.id, "hourly_rate": 150.0}
        )

    def setUp(self):
        super().setUp()
        self.sent_line = self.line()
        qbo_write(
            self.sent_line,
            {
                "qbo_state": "sent",
                "qbo_time_activity_id": "41",
                "qbo_realm_id": REALM_A,
                "qbo_request_id": "r41",
            },
        )

    def can(self, operation, records, user, values=None):
        """Whether ``user`` may do ``operation`` on ``records``; whatever
        happens is rolled back, so each cell starts from the same data."""
        records = records.with_user(user)
        try:
            with mute_logger("odoo.models", "odoo.models.unlink"), self.env.cr.savepoint():
                if operation == "read":
                    records.read(list(values or ["display_name"]))
                elif operation == "write":
                    records.write(dict(values))
                elif operation == "create":
                    records.create(dict(values))  # core create() pops keys
                elif operation == "unlink":
                    records.unlink()
                records.env.flush_all()
                raise Allowed()
        except Allowed:
            return True
        except (AccessError, UserError, ValidationError):
            return False

    def assertMatrix(self, operation, records, allowed, values=None):
        for role, user in self.users.items():
            with self.subTest(operation=operation, model=records._name, role=role):
                self.assertEqual(
                    self.can(operation, records, user, values),
                    role in allowed,
                    f"{role} {operation} {records._name}",
                )

    # ------------------------------------------------------------------
    # Models of the addon
    # ------------------------------------------------------------------
    def test_connection(self):
        connection = self.connection
        self.assertMatrix("read", connection, QBO_READERS, ["state", "qbo_company_name"])
        for token in ("access_token", "refresh_token", "access_token_expires_at", "oauth_nonce"):
            self.assertMatrix("read", connection, {"admin"}, [token])
        # Nobody writes a connection: connect, refresh and disconnect do.
        self.assertMatrix("write", connection, set(), {"realm_id": "1"})
        self.assertMatrix("write", connection, set(), {"state": "connected"})
        self.assertMatrix("create", connection, set(), {"company_id": self.company.id})
        self.assertMatrix("unlink", connection, set())

    def test_tokens_do_not_leak_through_other_orm_paths(self):
        Connection = self.env["qbo.connection"]
        for role in ("qbo_user", "qbo_manager", "ts_admin"):
            user = self.users[role]
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    Connection.with_user(user).search_count([("access_token", "=like", "%")])
                with self.assertRaises(AccessError):
                    Connection.with_user(user).read_group(
                        [], ["access_token:count_distinct"], ["state"]
                    )
                with self.assertRaises(AccessError):
                    Connection.with_user(user).read_group([], ["state"], ["refresh_token"])
                if user.has_group("base.group_allow_export"):
                    with self.assertRaises(AccessError):
                        self.connection.with_user(user).export_data(["access_token"])
                with self.assertRaises(AccessError):
                    self.connection.with_user(user).web_read({"refresh_token": {}})
                self.assertNotIn("access_token", Connection.with_user(user).fields_get())

    def test_items(self):
        self.assertMatrix("read", self.hours_item, QBO_READERS, ["name", "qbo_id"])
        self.assertMatrix("write", self.hours_item, set(), {"qbo_id": "1"})
        self.assertMatrix(
            "create",
            self.hours_item,
            set(),
            {"name": "Free", "qbo_id": "5", "realm_id": REALM_A, "company_id": self.company.id},
        )
        self.assertMatrix("unlink", self.hours_item, set())

    def test_sync_log_is_append_only(self):
        for log in (self.log, self.log.line_ids):
            self.assertMatrix("read", log, QBO_READERS)
            self.assertMatrix(
                "write",
                log,
                set(),
                {"message": "rewritten"}
                if log._name.endswith("line")
                else {"summary": "rewritten", "user_id": self.users["admin"].id},
            )
            self.assertMatrix("unlink", log, set())
        self.assertMatrix(
            "create",
            self.log,
            set(),
            {"name": "Forged", "operation": "send", "company_id": self.company.id},
        )
        self.assertMatrix(
            "create", self.log.line_ids, set(), {"log_id": self.log.id, "message": "x"}
        )
        self.assertEqual(self.log.summary, "All good.")

    def test_sync_log_retention_is_the_only_deletion(self):
        old = self.env["qbo.sync.log"]._record(self.company, "test", "Old", "Old entry.")
        with freeze_time(fields.Datetime.now() + timedelta(days=400)):
            self.env["qbo.sync.log"]._gc_expired_logs()  # kept forever by default
            self.assertTrue(old.exists())
            self.env["ir.config_parameter"].set_param("qb_timesheet_sync.log_retention_days", "365")
            self.env["qbo.sync.log"]._gc_expired_logs()
        self.assertFalse(old.exists())

    def test_project_rates(self):
        self.assertMatrix("read", self.rate, QBO_READERS, ["hourly_rate"])
        self.assertMatrix("write", self.rate, QBO_MANAGERS, {"hourly_rate": 160.0})
        self.assertMatrix(
            "create",
            self.rate,
            QBO_MANAGERS,
            {"project_id": self.old_shop.id, "employee_id": self.emily.id, "hourly_rate": 10.0},
        )
        self.assertMatrix("unlink", self.rate, QBO_MANAGERS)

    def test_send_journal(self):
        attempt = self.env["qbo.send.attempt"].create(
            {
                "line_id": self.sent_line.id,
                "realm_id": REALM_A,
                "request_id": "x",
                "payload": {"a": 1},
            }
        )
        self.assertMatrix("read", attempt, {"admin"}, ["request_id"])
        self.assertMatrix("write", attempt, set(), {"request_id": "y"})
        self.assertMatrix("unlink", attempt, set())

    # ------------------------------------------------------------------
    # QuickBooks fields on core models
    # ------------------------------------------------------------------
    def test_line_state_is_written_by_the_addon_only(self):
        for field, value in LINE_STATE.items():
            self.assertMatrix("write", self.sent_line, set(), {field: value})
        self.assertRecordValues(
            self.sent_line,
            [{"qbo_state": "sent", "qbo_time_activity_id": "41", "qbo_request_id": "r41"}],
        )
        forged = {
            "name": "Mine",
            "project_id": self.website.id,
            "employee_id": self.emily.id,
            "unit_amount": 1.0,
        }
        for field, value in {"qbo_state": "sent", "qbo_time_activity_id": "7"}.items():
            self.assertMatrix("create", self.sent_line, set(), {**forged, field: value})
        # What everyone keeps: their own normal fields, and "billable".
        self.assertMatrix(
            "write", self.sent_line, {"ts_admin", "qbo_manager", "admin"}, {"qbo_billable": False}
        )

    def test_a_sent_line_is_never_offered_again(self):
        """Not by a reset of its state, not by a copy, not by forging a create."""
        with self.assertRaises(AccessError):
            self.sent_line.with_user(self.users["ts_admin"]).write({"qbo_state": "not_sent"})
        with self.assertRaises(AccessError):
            self.sent_line.with_user(self.users["admin"]).copy({"qbo_state": "sent"})
        copy = self.sent_line.copy()
        self.assertFalse(copy.qbo_time_activity_id)
        # Even a line whose state the addon's own code got wrong: a time
        # activity id means "already sent".
        with qbo_trusted():
            self.sent_line.write({"qbo_state": "not_sent"})
        wizard = self.preview(self.sent_line | copy)
        self.assertEqual(wizard.count_to_send, 1)
        # Counted as already sent (skipped), never offered.
        self.assertEqual(wizard.count_skipped, 1)
        self.assertFalse(wizard.refusal_ids)

    def test_writing_back_the_same_value_is_not_a_change(self):
        """An import of exported lines rewrites every column as it was."""
        self.sent_line.with_user(self.users["admin"]).write(
            {"qbo_state": "sent", "qbo_time_activity_id": "41", "unit_amount": 2.0}
        )
        self.assertEqual(self.sent_line.qbo_state, "sent")

    def test_employee_project_and_client_links(self):
        client = self.cool_cars.with_company(self.company)
        for records, values in (
            (self.emily, EMPLOYEE_STATE),
            (self.website, PROJECT_STATE),
            (client, {"qbo_customer_id": "77", "qbo_realm_id": "1"}),
        ):
            for field, value in values.items():
                self.assertMatrix("write", records, set(), {field: value})
        self.assertEqual(self.emily.qbo_id, EMILY_ID)
        self.assertMatrix(
            "create", self.emily, set(), {"name": "New", "qbo_id": "5", "qbo_kind": "Employee"}
        )
        self.assertMatrix("create", self.website, set(), {"name": "New", "qbo_customer_id": "5"})

    def test_manual_mapping_is_for_managers_and_is_logged(self):
        for role in ("ts_admin", "qbo_user"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self.website.with_user(self.users[role]).action_qbo_clear_mapping()
        logs_before = self.env["qbo.sync.log"].search([("operation", "=", "mapping")])
        self.website.with_user(self.users["qbo_manager"]).action_qbo_clear_mapping()
        self.assertFalse(self.website.qbo_customer_id)
        log = self.env["qbo.sync.log"].search([("operation", "=", "mapping")]) - logs_before
        self.assertEqual(len(log), 1)
        self.assertEqual(log.user_id, self.users["qbo_manager"])
        self.assertIn("cleared the QuickBooks link of 'Website'", log.summary)

    def test_billing_settings_are_for_quickbooks_managers(self):
        self.assertMatrix("write", self.website, QBO_MANAGERS, {"qbo_hourly_rate": 99.0})
        self.assertMatrix(
            "write", self.website, QBO_MANAGERS, {"qbo_item_ref_id": self.consulting_item.id}
        )

    # ------------------------------------------------------------------
    # Core flows, for people without QuickBooks rights
    # ------------------------------------------------------------------
    def test_core_flows_without_quickbooks_rights(self):
        project_manager = new_test_user(
            self.env, "qbo_sec_pm", groups="base.group_user,project.group_project_manager"
        )
        copy = self.website.with_user(project_manager).copy()
        self.assertFalse(copy.sudo().qbo_customer_id)
        self.assertFalse(copy.sudo().qbo_hourly_rate)
        self.website.with_user(project_manager).action_archive()
        self.website.with_user(project_manager).action_unarchive()
        employee_copy = self.emily.with_user(self.users["admin"]).copy()
        self.assertFalse(employee_copy.qbo_id)
        ts_admin = self.users["ts_admin"]
        lines = self.sent_line.with_user(ts_admin)
        exported = lines.export_data(["name", "unit_amount", "project_id/name"])["datas"]
        self.assertEqual(exported, [["Design review", 2.0, "Website"]])
        # A timesheet user logs and corrects their own time.
        ts_user = self.users["ts_user"]
        own = self.env["hr.employee"].create({"name": "Own", "user_id": ts_user.id})
        line = (
            self.env["account.analytic.line"]
            .with_user(ts_user)
            .create(
                {
                    "name": "Own work",
                    "project_id": self.website.id,
                    "employee_id": own.id,
                    "unit_amount": 1.0,
                }
            )
        )
        line.write({"name": "Own work, corrected", "unit_amount": 1.5})
        self.assertEqual(line.qbo_state, "not_sent")

    def test_forms_and_lists_open_for_every_role(self):
        """What the web client asks when a form or list opens: the views, then
        every field they show, for each role that may open them at all."""
        for model in ("account.analytic.line", "project.project", "hr.employee", "res.partner"):
            for role in INTERNAL_ROLES:
                Model = self.env[model].with_user(self.users[role])
                if not Model.has_access("read"):
                    continue
                with self.subTest(model=model, role=role):
                    views = Model.get_views([(False, "list"), (False, "form")])
                    fields_shown = views["models"][model]["fields"]
                    spec = {name: {} for name in fields_shown}
                    Model.web_search_read([], spec, limit=5)

    def test_merging_clients_keeps_one_link(self):
        duplicate = self.env["res.partner"].create({"name": "Cool Cars Inc", "is_company": True})
        qbo_write(
            duplicate.with_company(self.company), {"qbo_customer_id": "21", "qbo_realm_id": REALM_A}
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {"partner_ids": [Command.set((self.cool_cars | duplicate).ids)]}
        )
        wizard._merge((self.cool_cars | duplicate).ids, self.cool_cars)
        self.assertFalse(duplicate.exists())
        self.assertEqual(self.cool_cars.with_company(self.company).qbo_customer_id, "21")


@tagged("post_install", "-at_install")
class TestIntegrity(QboSendCase):
    def test_one_odoo_employee_per_quickbooks_employee(self):
        twin = self.env["hr.employee"].create({"name": "Emily Twin"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            qbo_write(twin, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
            self.env.flush_all()
        # The same id in the Vendor list is another QuickBooks record.
        qbo_write(twin, {"qbo_id": EMILY_ID, "qbo_kind": "Vendor", "qbo_realm_id": REALM_A})
        self.env.flush_all()

    def test_one_odoo_project_per_quickbooks_customer(self):
        twin = self.env["project.project"].create({"name": "Website bis"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            qbo_write(
                twin, {"qbo_customer_id": self.website.qbo_customer_id, "qbo_realm_id": REALM_A}
            )
            self.env.flush_all()

    def test_one_client_per_quickbooks_customer(self):
        first, second = self.env["res.partner"].create(
            [{"name": "First", "is_company": True}, {"name": "Second", "is_company": True}]
        )
        first.with_company(self.company)._qbo_write_each(
            {first.with_company(self.company): {"qbo_customer_id": "30", "qbo_realm_id": REALM_A}}
        )
        second = second.with_company(self.company)
        with self.assertRaisesRegex(ValidationError, "already linked to 'First'"):
            second._qbo_write_each({second: {"qbo_customer_id": "30", "qbo_realm_id": REALM_A}})


@tagged("post_install", "-at_install")
class TestOAuthState(QboSendCase):
    def setUp(self):
        super().setUp()
        self.Connection = self.env["qbo.connection"]

    def test_good_state_is_spent_once(self):
        state = self.connection._qbo_oauth_state()
        self.assertEqual(self.Connection._qbo_verify_state(state), (self.connection, None))
        connection, message = self.Connection._qbo_verify_state(state)
        self.assertFalse(connection)
        self.assertIn("already used", message)

    def test_forged_state(self):
        state = self.connection._qbo_oauth_state()
        for forged in (
            state.replace('"sig":"', '"sig":"0'),
            state.replace('"n":"', '"n":"x'),
            state.replace(f'"cid":{self.connection.id}', '"cid":999999'),
            "not json",
            "[]",
            "",
        ):
            with self.subTest(state=forged):
                connection, message = self.Connection._qbo_verify_state(forged)
                self.assertFalse(connection)
                self.assertIn("bad state", message)
        # None of them spent the real one.
        self.assertTrue(self.Connection._qbo_verify_state(state)[0])

    def test_expired_state(self):
        state = self.connection._qbo_oauth_state()
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            connection, message = self.Connection._qbo_verify_state(state)
        self.assertFalse(connection)
        self.assertIn("came too late", message)

    def test_state_of_another_user(self):
        state = self.connection._qbo_oauth_state()
        other = new_test_user(self.env, "qbo_state_other", groups="base.group_system")
        connection, message = self.Connection.with_user(other)._qbo_verify_state(state)
        self.assertFalse(connection)
        self.assertIn("bad state", message)

    def test_a_new_consent_voids_the_previous_one(self):
        first = self.connection._qbo_oauth_state()
        second = self.connection._qbo_oauth_state()
        self.assertFalse(self.Connection._qbo_verify_state(first)[0])
        self.assertTrue(self.Connection._qbo_verify_state(second)[0])


@tagged("post_install", "-at_install")
class TestSecrets(QboSendCase):
    SECRET = "super-secret-value"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("qb_timesheet_sync.client_secret", self.SECRET)
        self.env["ir.config_parameter"].set_param(
            "qb_timesheet_sync.webhook_verifier_token", self.SECRET + "-hook"
        )
        self.admin = new_test_user(self.env, "qbo_secret_admin", groups="base.group_system")
        self.ts_user = new_test_user(
            self.env, "qbo_secret_ts", groups="hr_timesheet.group_hr_timesheet_user"
        )

    def test_settings_never_return_a_secret(self):
        names = ["qbo_client_secret", "qbo_webhook_verifier", "qbo_client_secret_set"]
        for user in (self.ts_user, self.admin):
            Settings = self.env["res.config.settings"].with_user(user)
            with self.subTest(user=user.login):
                try:
                    values = Settings.default_get(names)
                except AccessError:
                    values = "refused"
                self.assertNotIn(self.SECRET, repr(values))
                self.assertNotIn(self.SECRET, repr(Settings.get_values()))
        self.assertNotIn(
            self.SECRET,
            repr(self.env["res.config.settings"].with_user(self.admin).default_get(names)),
        )
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        values = settings.read(names)[0]
        self.assertNotIn(self.SECRET, repr(values))
        self.assertTrue(values["qbo_client_secret_set"])
        onchange = settings.onchange({}, [], {name: {} for name in names})
        self.assertNotIn(self.SECRET, repr(onchange))

    def test_only_admins_save_a_secret_and_it_is_not_kept_in_the_settings(self):
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({"qbo_client_secret": "  new-secret  "})
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("qb_timesheet_sync.client_secret"),
            "new-secret",
        )
        self.assertFalse(settings.sudo().qbo_client_secret)
        # Saving again without typing keeps it.
        self.env["res.config.settings"].with_user(self.admin).create({}).execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("qb_timesheet_sync.client_secret"),
            "new-secret",
        )
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.ts_user).create(
                {"qbo_client_secret": "mine"}
            )
