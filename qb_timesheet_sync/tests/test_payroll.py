# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks Payroll pay types. The resync reads them per
employee when the company sends payroll items, an employee's time carries
the chosen one as PayrollItemRef (checked at the sandbox), a vendor's never;
a connection without Intuit's permission is told how to fix it."""

from urllib.parse import parse_qs, urlparse

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..qbo.payroll import PAYROLL_SCOPE
from .common import REALM_A, qbo_write
from .common_send import QboSendCase, send_seed

REGULAR_ID = "900"
OVERTIME_ID = "901"
SICK_ID = "902"


def payroll_seed():
    seed = send_seed()
    realm_a = seed["realms"][0]
    realm_a["settings"] = {"PayrollFeature": True}
    realm_a["PayrollCompensation"] = [
        {"Id": REGULAR_ID, "Name": "Regular pay", "Type": "HOURLY", "employees": ["Emily Platt"]},
        {"Id": OVERTIME_ID, "Name": "Overtime", "Type": "OVERTIME", "employees": ["Emily Platt"]},
        # No longer Emily's: not offered.
        {"Id": SICK_ID, "Name": "Sick pay", "Type": "SICK", "inactive_employees": ["Emily Platt"]},
    ]
    return seed


@tagged("post_install", "-at_install")
class TestPayroll(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        return payroll_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # On before each test connects, so the consent asks for the pay types.
        cls.company.qbo_send_payroll_items = True

    def resync(self):
        return self.env["qbo.resync.wizard"]._qbo_run(self.company, create_missing=False)

    def pay_type_lines(self, log):
        return log.line_ids.filtered(lambda line: line.record_name == "Pay types")

    def graphql_calls(self):
        return self.sandbox_stats()["requests"].get("graphql", 0)

    def pay_type(self, qbo_id):
        return self.env["qbo.item"].search([("kind", "=", "payroll"), ("qbo_id", "=", qbo_id)])

    def test_consent_asks_for_pay_types_only_with_the_setting(self):
        url = self.connection.action_connect()["url"]
        self.assertIn(PAYROLL_SCOPE, parse_qs(urlparse(url).query)["scope"][0].split())
        self.company.qbo_send_payroll_items = False
        url = self.connection.action_connect()["url"]
        self.assertEqual(
            parse_qs(urlparse(url).query)["scope"][0], "com.intuit.quickbooks.accounting"
        )

    def test_resync_stores_the_pay_types_of_each_employee(self):
        log = self.resync()
        self.assertEqual(log.state, "done", log.summary)
        self.assertEqual(
            sorted(self.emily.qbo_payroll_item_ids.mapped("qbo_id")), [REGULAR_ID, OVERTIME_ID]
        )
        self.assertEqual(self.pay_type(REGULAR_ID).name, "Regular pay (Hourly)")
        self.assertEqual(self.pay_type(REGULAR_ID).realm_id, REALM_A)
        self.assertFalse(self.pay_type(SICK_ID), "no employee has it any more")
        self.assertFalse(self.jordan.qbo_payroll_item_ids, "a vendor has no pay type")
        # One metered read per QuickBooks employee (Emily).
        self.assertEqual(self.graphql_calls(), 1)
        (line,) = self.pay_type_lines(log)
        self.assertEqual(line.level, "info")
        self.assertIn("Pay types read from QuickBooks Payroll: 2", line.message)
        # The pay types offered on the employee are theirs.
        field = self.env["hr.employee"]._fields["qbo_payroll_item_ref_id"]
        self.assertEqual(field.domain, "[('id', 'in', qbo_payroll_item_ids)]")

    def test_employee_time_is_sent_with_its_pay_type(self):
        self.resync()
        self.emily.qbo_payroll_item_ref_id = self.pay_type(OVERTIME_ID)
        line = self.line()
        self.assertEqual(self.plan(line).payload["PayrollItemRef"], {"value": OVERTIME_ID})
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(activity["PayrollItemRef"], {"value": OVERTIME_ID, "name": "Overtime"})

    def test_vendor_time_never_carries_a_pay_type(self):
        self.resync()
        regular = self.pay_type(REGULAR_ID)
        qbo_write(self.jordan, {"qbo_payroll_item_ids": [(6, 0, regular.ids)]})
        self.jordan.qbo_payroll_item_ref_id = regular
        line = self.line(employee_id=self.jordan.id)
        self.assertNotIn("PayrollItemRef", self.plan(line).payload)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertNotIn("PayrollItemRef", activity)

    def test_setting_off_reads_and_sends_nothing(self):
        self.resync()
        self.emily.qbo_payroll_item_ref_id = self.pay_type(REGULAR_ID)
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
        self.assertFalse(self.env["qbo.item"].search([("kind", "=", "payroll")]))

    def test_only_quickbooks_managers_choose_the_pay_type(self):
        self.resync()
        regular = self.pay_type(REGULAR_ID)
        user = new_test_user(
            self.env,
            "qbo_payroll_user",
            groups="hr.group_hr_user,qb_timesheet_sync.group_qbo_user",
        )
        with self.assertRaisesRegex(AccessError, "Only QuickBooks managers"):
            self.emily.with_user(user).write({"qbo_payroll_item_ref_id": regular.id})
        with self.assertRaisesRegex(AccessError, "only the QuickBooks sync changes them"):
            self.emily.with_user(user).write({"qbo_payroll_item_ids": [(5, 0, 0)]})
        manager = new_test_user(
            self.env,
            "qbo_payroll_manager",
            groups="hr.group_hr_user,qb_timesheet_sync.group_qbo_manager",
        )
        self.emily.with_user(manager).write({"qbo_payroll_item_ref_id": regular.id})
        self.assertEqual(self.emily.qbo_payroll_item_ref_id, regular)
        # Even a QuickBooks manager cannot hand out pay types QuickBooks did not give.
        with self.assertRaisesRegex(AccessError, "only the QuickBooks sync changes them"):
            self.emily.with_user(manager).write({"qbo_payroll_item_ids": [(5, 0, 0)]})
