# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks Payroll pay types. The resync reads each employee's own
compensations when the company sends payroll items; an employee's time
carries the chosen compensation's id as PayrollItemRef (checked at the
sandbox, which refuses an employer pay type's id), a vendor's never; a
connection without Intuit's permission is told how to fix it; choices kept
from 18.0.1.1.0 (employer pay type ids) hold their time back until the next
resync finds the employee's own compensation."""

import importlib.util
from urllib.parse import parse_qs, urlparse

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import file_path
from odoo.tools.sql import column_exists, table_exists

from ..qbo.payroll import PAYROLL_SCOPE
from .common import REALM_A, qbo_write
from .common_send import QboSendCase, send_seed

# The employer's pay types.
REGULAR_ID = "900"
OVERTIME_ID = "901"
HOLIDAY_ID = "902"
# Emily's and Sam's own compensations of them.
EMILY_REGULAR = "623972114"
EMILY_OVERTIME = "623972115"
EMILY_HOLIDAY = "623972116"
SAM_REGULAR = "623972117"
SAM_ID = "56"


def payroll_seed():
    seed = send_seed()
    realm_a = seed["realms"][0]
    realm_a["settings"] = {"PayrollFeature": True}
    realm_a["Employee"].append(
        {"Id": SAM_ID, "GivenName": "Sam", "FamilyName": "Reed", "DisplayName": "Sam Reed"}
    )
    realm_a["PayrollCompensation"] = [
        {
            "Id": REGULAR_ID,
            "Name": "Regular pay",
            "Type": "HOURLY",
            "employees": [
                {"employee": "Emily Platt", "Id": EMILY_REGULAR},
                {"employee": "Sam Reed", "Id": SAM_REGULAR},
            ],
        },
        {
            "Id": OVERTIME_ID,
            "Name": "Overtime Pay",
            "Type": "OVERTIME",
            "employees": [{"employee": "Emily Platt", "Id": EMILY_OVERTIME}],
        },
        # No longer Emily's: not offered.
        {
            "Id": HOLIDAY_ID,
            "Name": "Holiday Pay",
            "Type": "HOLIDAY_PAY",
            "inactive_employees": [{"employee": "Emily Platt", "Id": EMILY_HOLIDAY}],
        },
    ]
    return seed


class PayrollCase(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        return payroll_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # On before each test connects, so the consent asks for the pay types.
        cls.company.qbo_send_payroll_items = True
        cls.sam = cls.env["hr.employee"].create({"name": "Sam Reed"})
        qbo_write(cls.sam, {"qbo_id": SAM_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})

    def resync(self):
        return self.env["qbo.resync.wizard"]._qbo_run(self.company, create_missing=False)

    def pay_type_lines(self, log):
        return log.line_ids.filtered(lambda line: line.record_name == "Pay types")

    def employee_lines(self, log, employee):
        """The lines of ``log`` about the pay type chosen for ``employee``."""
        return log.line_ids.filtered(
            lambda line: line.record_name == employee.name and "pay type" in line.message
        )

    def graphql_calls(self):
        return self.sandbox_stats()["requests"].get("graphql", 0)

    def compensation(self, qbo_id):
        return (
            self.env["qbo.payroll.compensation"]
            .with_context(active_test=False)
            .search([("qbo_id", "=", qbo_id)])
        )

    def sandbox_compensation(self, qbo_id):
        """Emily's compensation ``qbo_id`` as the sandbox keeps it."""
        payroll = self.sandbox.state.realm(REALM_A).payroll
        return next(
            entry for entry in payroll["employees"][self.emily.qbo_id] if entry["id"] == qbo_id
        )


@tagged("post_install", "-at_install")
class TestPayroll(PayrollCase):
    def test_consent_asks_for_pay_types_only_with_the_setting(self):
        url = self.connection.action_connect()["url"]
        self.assertIn(PAYROLL_SCOPE, parse_qs(urlparse(url).query)["scope"][0].split())
        self.company.qbo_send_payroll_items = False
        url = self.connection.action_connect()["url"]
        self.assertEqual(
            parse_qs(urlparse(url).query)["scope"][0], "com.intuit.quickbooks.accounting"
        )

    def test_resync_stores_each_employee_own_compensations(self):
        log = self.resync()
        self.assertEqual(log.state, "done", log.summary)
        own = self.emily.qbo_payroll_compensation_ids
        # The employee's own compensation ids, not the employer's pay type ids.
        self.assertEqual(sorted(own.mapped("qbo_id")), [EMILY_REGULAR, EMILY_OVERTIME])
        self.assertEqual(sorted(own.mapped("pay_type_qbo_id")), [REGULAR_ID, OVERTIME_ID])
        regular = self.compensation(EMILY_REGULAR)
        self.assertEqual(regular.name, "Regular pay (hourly)")
        self.assertEqual(regular.type_key, "HOURLY")
        self.assertEqual(regular.realm_id, REALM_A)
        self.assertEqual(self.compensation(EMILY_OVERTIME).name, "Overtime Pay")
        self.assertFalse(self.compensation(EMILY_HOLIDAY), "Emily no longer has it")
        self.assertEqual(self.sam.qbo_payroll_compensation_ids.mapped("qbo_id"), [SAM_REGULAR])
        self.assertFalse(self.jordan.qbo_payroll_compensation_ids, "a vendor has no pay type")
        # One metered read per QuickBooks employee (Emily, Sam).
        self.assertEqual(self.graphql_calls(), 2)
        (line,) = self.pay_type_lines(log)
        self.assertEqual(line.level, "info")
        self.assertIn("Pay types read from QuickBooks Payroll: 2", line.message)
        # The pay types offered on the employee are their own.
        field = self.env["hr.employee"]._fields["qbo_payroll_compensation_id"]
        self.assertEqual(field.domain, "[('employee_id', '=', id)]")

    def test_employee_time_is_sent_with_its_own_compensation(self):
        self.resync()
        self.emily.qbo_payroll_compensation_id = self.compensation(EMILY_OVERTIME)
        line = self.line()
        self.assertEqual(self.plan(line).payload["PayrollItemRef"], {"value": EMILY_OVERTIME})
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(
            activity["PayrollItemRef"], {"value": EMILY_OVERTIME, "name": "Overtime Pay"}
        )

    def test_vendor_time_never_carries_a_pay_type(self):
        self.resync()
        regular = self.compensation(EMILY_REGULAR)
        regular.sudo().employee_id = self.jordan
        self.jordan.qbo_payroll_compensation_id = regular
        line = self.line(employee_id=self.jordan.id)
        self.assertNotIn("PayrollItemRef", self.plan(line).payload)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertNotIn("PayrollItemRef", activity)

    def test_setting_off_reads_and_sends_nothing(self):
        self.resync()
        self.emily.qbo_payroll_compensation_id = self.compensation(EMILY_REGULAR)
        self.company.qbo_send_payroll_items = False
        calls = self.graphql_calls()
        log = self.resync()
        self.assertEqual(self.graphql_calls(), calls)
        self.assertFalse(self.pay_type_lines(log))
        self.assertNotIn("PayrollItemRef", self.plan(self.line()).payload)

    def test_missing_permission_is_said_and_the_resync_goes_on(self):
        # Connected before the setting was on: the token lacks the scope.
        self.company.qbo_send_payroll_items = False
        self.qbo_connect(self.connection, REALM_A)
        self.company.qbo_send_payroll_items = True
        qbo_write(self.emily, {"qbo_id": False, "qbo_kind": False, "qbo_realm_id": False})
        log = self.resync()
        self.assertEqual(log.state, "done", log.summary)
        (line,) = self.pay_type_lines(log)
        self.assertEqual(line.level, "warning")
        self.assertIn("payroll.compensation.read", line.message)
        self.assertIn("Ask Intuit to approve the app", line.message)
        self.assertIn("turn off 'Send payroll items'", line.message)
        # The rest of the resync was done: Emily is matched again.
        self.assertEqual(self.emily.qbo_id, "55")
        self.assertFalse(self.env["qbo.payroll.compensation"].search([]))

    def test_only_quickbooks_managers_choose_the_pay_type(self):
        self.resync()
        regular = self.compensation(EMILY_REGULAR)
        user = new_test_user(
            self.env,
            "qbo_payroll_user",
            groups="hr.group_hr_user,qb_timesheet_sync.group_qbo_user",
        )
        with self.assertRaisesRegex(AccessError, "Only QuickBooks managers"):
            self.emily.with_user(user).write({"qbo_payroll_compensation_id": regular.id})
        with self.assertRaisesRegex(AccessError, "only the QuickBooks sync changes them"):
            self.emily.with_user(user).write({"qbo_payroll_compensation_ids": [(5, 0, 0)]})
        manager = new_test_user(
            self.env,
            "qbo_payroll_manager",
            groups="hr.group_hr_user,qb_timesheet_sync.group_qbo_manager",
        )
        self.emily.with_user(manager).write({"qbo_payroll_compensation_id": regular.id})
        self.assertEqual(self.emily.qbo_payroll_compensation_id, regular)
        # Even a QuickBooks manager cannot hand out pay types QuickBooks did not give.
        with self.assertRaisesRegex(AccessError, "only the QuickBooks sync changes them"):
            self.emily.with_user(manager).write({"qbo_payroll_compensation_ids": [(5, 0, 0)]})
        with self.assertRaises(AccessError):
            self.env["qbo.payroll.compensation"].with_user(manager).create(
                {
                    "name": "Bonus",
                    "employee_id": self.emily.id,
                    "qbo_id": "1",
                    "realm_id": REALM_A,
                    "company_id": self.company.id,
                }
            )
        self.assertEqual(
            self.emily.with_user(user).qbo_payroll_compensation_ids.mapped("qbo_id"),
            [EMILY_OVERTIME, EMILY_REGULAR],
        )

    def test_refused_compensation_is_a_line_refusal(self):
        """QuickBooks refuses the compensation sent (no longer Emily's): her
        line is refused on its own, the vendor's of the same send is sent; the
        next resync clears the choice and says so, and the line goes without."""
        self.resync()
        self.emily.qbo_payroll_compensation_id = self.compensation(EMILY_OVERTIME)
        with self.sandbox.state.lock:
            self.sandbox_compensation(EMILY_OVERTIME)["active"] = False
        emily_line = self.line()
        jordan_line = self.line(employee_id=self.jordan.id)
        self.send(emily_line | jordan_line)
        self.assertEqual(jordan_line.qbo_state, "sent", jordan_line.qbo_last_error)
        self.assertEqual(emily_line.qbo_state, "error")
        self.assertTrue(emily_line.qbo_last_error)
        self.assertEqual(len(self.time_activities()), 1)

        log = self.resync()
        self.assertFalse(self.emily.qbo_payroll_compensation_id)
        (line,) = self.employee_lines(log, self.emily)
        self.assertEqual(line.level, "warning")
        self.assertIn("The pay type 'Overtime Pay' chosen for Emily Platt", line.message)
        self.assertIn("the choice is cleared", line.message)
        self.assertFalse(self.compensation(EMILY_OVERTIME).active)
        self.send(emily_line)
        self.assertEqual(emily_line.qbo_state, "sent", emily_line.qbo_last_error)
        self.assertNotIn("PayrollItemRef", self.time_activities()[-1])

    def test_choice_follows_a_compensation_quickbooks_replaced(self):
        self.resync()
        self.emily.qbo_payroll_compensation_id = self.compensation(EMILY_OVERTIME)
        with self.sandbox.state.lock:
            self.sandbox_compensation(EMILY_OVERTIME)["id"] = "623972999"
        log = self.resync()
        self.assertEqual(self.emily.qbo_payroll_compensation_id.qbo_id, "623972999")
        (line,) = self.employee_lines(log, self.emily)
        self.assertEqual(line.level, "info")
        self.assertIn("now their own compensation", line.message)
        self.assertEqual(self.plan(self.line()).payload["PayrollItemRef"], {"value": "623972999"})


@tagged("post_install", "-at_install")
class TestPayrollMigration(PayrollCase):
    """migrations/18.0.1.2.0/post-migration.py on a database of 18.0.1.1.0:
    its column ``hr_employee.qbo_payroll_item_ref_id`` pointed at ``qbo.item``
    records of kind "payroll" holding the employer's pay type ids."""

    OLD_COLUMN = "qbo_payroll_item_ref_id"

    def setUp(self):
        super().setUp()
        cr = self.env.cr
        cr.execute(f"ALTER TABLE hr_employee ADD COLUMN {self.OLD_COLUMN} int4")
        cr.execute("CREATE TABLE hr_employee_qbo_payroll_item_rel (employee_id int4, item_id int4)")
        self.old_item_ids = {}
        for qbo_id, name in (
            (OVERTIME_ID, "Overtime Pay (Overtime)"),
            (HOLIDAY_ID, "Holiday Pay (Holiday pay)"),
        ):
            cr.execute(
                """
                INSERT INTO qbo_item (name, kind, qbo_id, realm_id, company_id, active)
                VALUES (%s, 'payroll', %s, %s, %s, true) RETURNING id
                """,
                [name, qbo_id, REALM_A, self.company.id],
            )
            self.old_item_ids[qbo_id] = cr.fetchone()[0]
        # Emily chose overtime, which she has; Sam the holiday pay, which he has not.
        for employee, qbo_id in ((self.emily, OVERTIME_ID), (self.sam, HOLIDAY_ID)):
            cr.execute(
                f"UPDATE hr_employee SET {self.OLD_COLUMN} = %s WHERE id = %s",
                [self.old_item_ids[qbo_id], employee.id],
            )

    def migrate(self):
        path = file_path("qb_timesheet_sync/migrations/18.0.1.2.0/post-migration.py")
        spec = importlib.util.spec_from_file_location("qbts_post_migration_18_0_1_2_0", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()

    def test_old_choices_are_kept_by_name_and_never_sent(self):
        self.migrate()
        kept = self.emily.qbo_payroll_compensation_id
        self.assertEqual(kept.name, "Overtime Pay (Overtime)")
        self.assertEqual(kept.pay_type_qbo_id, OVERTIME_ID)
        self.assertFalse(kept.qbo_id, "the employer's pay type id is not sent")
        self.assertEqual(self.sam.qbo_payroll_compensation_id.pay_type_qbo_id, HOLIDAY_ID)
        # The employer's pay types and the old choices are gone.
        self.env.cr.execute("SELECT count(*) FROM qbo_item WHERE kind = 'payroll'")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute(f"SELECT count(*) FROM hr_employee WHERE {self.OLD_COLUMN} IS NOT NULL")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertFalse(table_exists(self.env.cr, "hr_employee_qbo_payroll_item_rel"))
        # Emily's time waits for the next resync, with a reason that says so.
        line = self.line()
        plan = self.plan(line)
        self.assertEqual(plan.refusal.code, "payroll_pending")
        self.assertIn("'Overtime Pay (Overtime)' of 'Emily Platt'", plan.reason)
        self.assertIn("run 'Check for new users and customers'", plan.reason)
        self.send(line)
        self.assertEqual(line.qbo_state, "refused")
        self.assertFalse(self.time_activities())

    def test_next_resync_finds_each_employee_own_compensation(self):
        self.migrate()
        log = self.resync()
        self.assertEqual(log.state, "done", log.summary)
        self.assertEqual(self.emily.qbo_payroll_compensation_id, self.compensation(EMILY_OVERTIME))
        (line,) = self.employee_lines(log, self.emily)
        self.assertEqual(line.level, "info")
        self.assertIn("now their own compensation in QuickBooks Payroll", line.message)
        # Sam has no holiday pay: his choice is cleared, and the log says why.
        self.assertFalse(self.sam.qbo_payroll_compensation_id)
        (line,) = self.employee_lines(log, self.sam)
        self.assertEqual(line.level, "warning")
        self.assertIn("'Holiday Pay (Holiday pay)' chosen for Sam Reed", line.message)
        # The kept choices are done with.
        self.assertFalse(
            self.env["qbo.payroll.compensation"]
            .with_context(active_test=False)
            .search([("qbo_id", "=", False)])
        )
        line = self.line()
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(activity["PayrollItemRef"]["value"], EMILY_OVERTIME)

    def test_database_without_the_old_column_is_left_alone(self):
        self.env.cr.execute(f"ALTER TABLE hr_employee DROP COLUMN {self.OLD_COLUMN}")
        self.assertFalse(column_exists(self.env.cr, "hr_employee", self.OLD_COLUMN))
        self.migrate()
        self.assertFalse(self.env["qbo.payroll.compensation"].search([]))
        self.env.cr.execute("SELECT count(*) FROM qbo_item WHERE kind = 'payroll'")
        self.assertEqual(self.env.cr.fetchone()[0], 2)
