# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What may be sent, and as what: rules, rates, rounding, preview and the
protection of sent lines."""

from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import REALM_B, qbo_write
from .common_send import CONSULTING_ITEM_ID, HOURS_ITEM_ID, QboSendCase


@tagged("post_install", "-at_install")
class TestSendRules(QboSendCase):
    def assertRefused(self, line, code):
        plan = self.plan(line)
        self.assertTrue(plan.refusal, f"the line should be refused with {code}")
        self.assertEqual(plan.refusal.code, code, plan.refusal.message)
        return plan.refusal

    def assertSendable(self, line):
        plan = self.plan(line)
        self.assertFalse(plan.refusal, plan.refusal and plan.refusal.message)
        return plan

    # ------------------------------------------------------------------
    # Durations
    # ------------------------------------------------------------------
    def test_rounded_duration_is_what_is_sent(self):
        line = self.line()
        cases = [
            # hours, step, method, minutes sent
            (59.5 / 60, "none", "up", 60),  # half a minute carries into the next hour
            (59.4 / 60, "none", "up", 59),
            (1.1, "none", "up", 66),
            (1.01, "6", "up", 66),
            (1.01, "6", "nearest", 60),
            (1.1, "15", "up", 75),
            (1.1, "15", "nearest", 60),
            (1.125, "15", "nearest", 75),  # exactly half a step goes up
            (0.2, "30", "up", 30),
            (7.75, "30", "nearest", 480),
        ]
        for hours, step, method, minutes in cases:
            with self.subTest(hours=hours, step=step, method=method):
                self.company.write({"qbo_rounding_step": step, "qbo_rounding_method": method})
                line.unit_amount = hours
                plan = self.assertSendable(line)
                self.assertEqual(plan.minutes, minutes)
                self.assertEqual(
                    (plan.payload["Hours"], plan.payload["Minutes"]), divmod(minutes, 60)
                )

    def test_durations_quickbooks_would_refuse(self):
        line = self.line(unit_amount=0.0)
        self.assertRefused(line, "no_duration")
        line.unit_amount = -1.0
        self.assertRefused(line, "no_duration")
        # Rounded to nothing.
        self.company.write({"qbo_rounding_step": "30", "qbo_rounding_method": "nearest"})
        line.unit_amount = 0.2
        self.assertIn("00:00", self.assertRefused(line, "no_duration").message)
        self.company.qbo_rounding_step = "none"
        line.unit_amount = 23 + 55 / 60
        self.assertEqual(self.assertSendable(line).minutes, 23 * 60 + 55)
        line.unit_amount = 23 + 56 / 60
        self.assertIn("23:56", self.assertRefused(line, "too_long").message)
        # Rounding up past the limit refuses too.
        self.company.write({"qbo_rounding_step": "15", "qbo_rounding_method": "up"})
        line.unit_amount = 23.9
        self.assertRefused(line, "too_long")

    # ------------------------------------------------------------------
    # Rates, billable, item, description
    # ------------------------------------------------------------------
    def test_hourly_rate_first_found_wins(self):
        line = self.line()
        self.company.qbo_default_hourly_rate = 50.0
        self.emily.qbo_billing_rate = 80.0
        project_rate = self.env["qbo.project.rate"].create(
            {"project_id": self.website.id, "employee_id": self.emily.id, "hourly_rate": 150.0}
        )
        self.assertEqual(self.assertSendable(line).payload["HourlyRate"], 150.0)
        project_rate.unlink()
        self.assertEqual(self.assertSendable(line).payload["HourlyRate"], 120.0)
        self.website.qbo_hourly_rate = 0.0
        self.assertEqual(self.assertSendable(line).payload["HourlyRate"], 80.0)
        self.emily.qbo_billing_rate = 0.0
        plan = self.assertSendable(line)
        self.assertEqual(plan.payload["HourlyRate"], 50.0)
        self.assertEqual(plan.amount, 100.0)
        self.company.qbo_default_hourly_rate = 0.0
        refusal = self.assertRefused(line, "no_rate")
        self.assertIn("Emily Platt", refusal.message)
        self.assertIn("Website", refusal.message)

    def test_billable_follows_the_project_and_can_be_changed_per_line(self):
        line = self.line()
        self.assertTrue(line.qbo_billable)
        self.website.qbo_billable = False
        self.assertFalse(line.qbo_billable)
        self.assertRefused(line, "not_billable")
        # Non-billable time may be sent, as such and without a rate.
        self.company.qbo_send_non_billable = True
        payload = self.assertSendable(line).payload
        self.assertEqual(payload["BillableStatus"], "NotBillable")
        self.assertNotIn("HourlyRate", payload)
        # A line can be made billable on its own.
        line.qbo_billable = True
        payload = self.assertSendable(line).payload
        self.assertEqual(payload["BillableStatus"], "Billable")
        self.assertEqual(payload["HourlyRate"], 120.0)
        self.assertFalse(self.line().qbo_billable)

    def test_service_item_of_the_project_else_the_company_else_none(self):
        line = self.line()
        self.assertNotIn("ItemRef", self.assertSendable(line).payload)
        self.company.qbo_default_item_ref_id = self.hours_item
        self.assertEqual(self.assertSendable(line).payload["ItemRef"], {"value": HOURS_ITEM_ID})
        self.website.qbo_item_ref_id = self.consulting_item
        self.assertEqual(
            self.assertSendable(line).payload["ItemRef"], {"value": CONSULTING_ITEM_ID}
        )
        # An item of another QuickBooks company is never sent to this one.
        self.consulting_item.realm_id = REALM_B
        self.hours_item.realm_id = REALM_B
        self.website.invalidate_recordset(["qbo_item_id"])
        self.company.invalidate_recordset(["qbo_default_item_id"])
        self.assertNotIn("ItemRef", self.assertSendable(line).payload)

    def test_what_is_sent_for_an_employee_and_a_vendor(self):
        payload = self.assertSendable(self.line()).payload
        self.assertEqual(
            payload,
            {
                "NameOf": "Employee",
                "EmployeeRef": {"value": "55"},
                "CustomerRef": {"value": "22"},
                "TxnDate": "2026-03-02",
                "Hours": 2,
                "Minutes": 0,
                "BillableStatus": "Billable",
                "HourlyRate": 120.0,
                "Description": "Design review",
            },
        )
        payload = self.assertSendable(self.line(employee_id=self.jordan.id, name="/")).payload
        self.assertEqual(payload["NameOf"], "Vendor")
        self.assertEqual(payload["VendorRef"], {"value": "70"})
        self.assertNotIn("EmployeeRef", payload)
        self.assertNotIn("Description", payload, "hr_timesheet's '/' means no description")

    # ------------------------------------------------------------------
    # Reasons a line is not sent
    # ------------------------------------------------------------------
    def test_reasons_of_the_line_itself(self):
        unmapped_employee = self.env["hr.employee"].create({"name": "Nora Quinn"})
        unmapped_project = self.env["project.project"].create(
            {"name": "Cool Cars mobile", "partner_id": self.cool_cars.id}
        )
        internal_project = self.env["project.project"].create({"name": "Intranet"})
        other_realm_employee = self.env["hr.employee"].create({"name": "John Doe"})
        qbo_write(
            other_realm_employee, {"qbo_id": "1", "qbo_kind": "Employee", "qbo_realm_id": REALM_B}
        )
        other_realm_project = self.env["project.project"].create({"name": "Shop B"})
        qbo_write(other_realm_project, {"qbo_customer_id": "5", "qbo_realm_id": REALM_B})
        without_employee = self.line()
        without_employee.employee_id = False
        without_project = self.env["account.analytic.line"].create(
            {
                "name": "Not a timesheet",
                "account_id": self.website.account_id.id,
                "date": date(2026, 3, 2),
                "unit_amount": 1.0,
            }
        )
        sent = self.line()
        qbo_write(sent, {"qbo_state": "sent"})
        edited = self.line()
        qbo_write(edited, {"qbo_state": "edited"})
        cases = {
            "no_project": without_project,
            "no_employee": without_employee,
            "employee_not_mapped": self.line(employee_id=unmapped_employee.id),
            "project_not_mapped": self.line(project_id=unmapped_project.id),
            "project_internal": self.line(project_id=internal_project.id),
            "employee_other_company": self.line(employee_id=other_realm_employee.id),
            "project_other_company": self.line(project_id=other_realm_project.id),
            "already_sent": sent,
            "edited_after_sending": edited,
        }
        for code, line in cases.items():
            with self.subTest(code=code):
                self.assertRefused(line, code)

    def test_lines_of_archived_mapped_employees_are_sendable(self):
        line = self.line()
        self.emily.active = False
        self.assertSendable(line)

    def test_closing_date_read_from_quickbooks(self):
        on_close_date = self.line(date=date(2025, 12, 31))
        after_close_date = self.line(date=date(2026, 1, 1))
        self.sandbox_settings(BookCloseDate="2025-12-31")
        refusal = self.assertRefused(on_close_date, "books_closed")
        self.assertIn("2025-12-31", refusal.message)
        self.assertSendable(after_close_date)

    def test_plan_without_time_tracking(self):
        line = self.line()
        self.sandbox_settings(TimeTrackingFeatureEnabled=False)
        self.assertRefused(line, "no_time_tracking")

    def test_disconnected_company(self):
        line = self.line()
        self.connection.action_disconnect()
        self.assertRefused(line, "not_connected")

    def test_approval_applies_only_with_an_approval_module(self):
        line = self.line()
        self.assertIsNone(line._qbo_approval_kind(), "no approval module in this database")
        self.assertSendable(line)
        approved_ids = set()
        line_class = type(line)
        with (
            patch.object(line_class, "_qbo_approval_kind", lambda self: "validated"),
            patch.object(
                line_class, "_qbo_is_approved", lambda self, kind: self.id in approved_ids
            ),
        ):
            self.assertRefused(line, "not_approved")
            approved_ids.add(line.id)
            self.assertSendable(line)
            approved_ids.clear()
            self.company.qbo_approved_only = False
            self.assertSendable(line)

    # ------------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------------
    def test_preview_counts_and_reasons_and_sends_nothing(self):
        unmapped = self.env["hr.employee"].create({"name": "Nora Quinn"})
        lines = (
            self.line()
            | self.line(unit_amount=1.5)
            | self.line(employee_id=self.jordan.id, unit_amount=3.0)
            | self.line(project_id=self.old_shop.id, unit_amount=1.0)
            | self.line(employee_id=unmapped.id)
            | self.line(unit_amount=0.0)
        )
        wizard = self.preview(lines)
        self.assertEqual(
            (wizard.count_selected, wizard.count_to_send, wizard.count_refused), (6, 4, 2)
        )
        self.assertAlmostEqual(wizard.hours_to_send, 7.5)
        self.assertAlmostEqual(wizard.amount_to_send, 2 * 120 + 1.5 * 120 + 3 * 120 + 1 * 90)
        self.assertEqual(
            [(t.name, t.line_count, t.hours, t.amount) for t in wizard.employee_total_ids],
            [("Emily Platt", 3, 4.5, 510.0), ("Jordan Blake", 1, 3.0, 360.0)],
        )
        self.assertEqual(
            [(t.name, t.line_count, t.hours, t.amount) for t in wizard.customer_total_ids],
            [("Cool Cars:Website", 3, 6.5, 780.0), ("Old Shop", 1, 1.0, 90.0)],
        )
        reasons = {refusal.employee_id.name: refusal.reason for refusal in wizard.refusal_ids}
        self.assertIn("'Nora Quinn' is not linked", reasons["Nora Quinn"])
        self.assertIn("no time to send", reasons["Emily Platt"])
        self.assertFalse(self.time_activities())
        self.assertFalse(self.sandbox_stats()["creates"])
        self.assertFalse(self.env["qbo.sync.log"].search([("operation", "=", "send")]))

    def test_preview_when_quickbooks_settings_cannot_be_read(self):
        line = self.line(date=date(2025, 12, 31))
        self.sandbox_settings(BookCloseDate="2025-12-31")
        self.sandbox.configure(fail_rate=1.0)
        connection_class = type(self.connection)
        original_client = connection_class._qbo_client

        def client_without_retries(connection):
            client = original_client(connection)
            client.max_retries = 0
            return client

        with patch.object(connection_class, "_qbo_client", client_without_retries):
            wizard = self.preview(line)
        self.assertIn("could not be read", wizard.warning)
        self.assertEqual(wizard.count_to_send, 1, "QuickBooks will have the last word")

    # ------------------------------------------------------------------
    # The company's cut-off date
    # ------------------------------------------------------------------
    def test_the_preview_refuses_lines_before_the_cutoff(self):
        self.company.qbo_send_from_date = date(2026, 3, 1)
        old = self.line(date=date(2026, 2, 28))
        first_day = self.line(date=date(2026, 3, 1))
        wizard = self.preview(old | first_day)
        self.assertEqual(wizard.count_to_send, 1)
        self.assertEqual(wizard.refusal_ids.line_id, old)
        reason = (
            "Dated before 2026-03-01, the company's 'Don't send time before' date: change it in "
            "Settings to send this line."
        )
        self.assertEqual(wizard.refusal_ids.reason, reason)
        self.assertEqual(
            (old.qbo_state, old.qbo_refusal_code, old.qbo_last_error),
            ("refused", "before_cutoff", reason),
        )
        # The list's filter "Before the cut-off date".
        Line = self.env["account.analytic.line"]
        both = [("id", "in", (old | first_day).ids)]
        self.assertEqual(Line.search([*both, ("qbo_before_cutoff", "=", True)]), old)
        self.assertEqual(Line.search([*both, ("qbo_before_cutoff", "=", False)]), first_day)
        self.assertEqual((old.qbo_before_cutoff, first_day.qbo_before_cutoff), (True, False))
        # Without a cut-off the line may be sent again.
        self.company.qbo_send_from_date = False
        self.assertFalse(Line.search([*both, ("qbo_before_cutoff", "=", True)]))
        self.assertEqual(self.preview(old).count_to_send, 1)
        self.assertEqual(old.qbo_state, "not_sent")

    def test_the_cutoff_keeps_sent_lines_in_step(self):
        line = self.line(date=date(2026, 2, 2))
        self.send(line)
        self.company.qbo_send_from_date = date(2026, 3, 1)
        self.assertFalse(line.qbo_before_cutoff, "QuickBooks has it")
        line.unit_amount = 3.0
        plan = self.assertSendable(line)
        self.assertEqual(plan.operation, "update")
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(len(self.time_activities()), 1)
        self.assertEqual(self.time_activities()[0]["Hours"], 3)

    # ------------------------------------------------------------------
    # Sent lines are protected
    # ------------------------------------------------------------------
    def test_editing_a_sent_line_marks_it_edited(self):
        other_project = self.env["project.project"].create({"name": "Other project"})
        task = self.env["project.task"].create({"name": "Moved", "project_id": other_project.id})
        line = self.line()
        changes = [
            {"date": date(2026, 3, 3)},
            {"unit_amount": 3.0},
            {"employee_id": self.jordan.id},
            {"project_id": self.old_shop.id},
            {"name": "Design review, second round"},
            {"task_id": task.id},  # moves the line to the task's project
        ]
        for values in changes:
            with self.subTest(values=values):
                qbo_write(line, {"qbo_state": "sent"})
                line.write(values)
                self.assertEqual(line.qbo_state, "edited")
                self.assertTrue(line.qbo_sent, "an edited line is still in QuickBooks")
        qbo_write(line, {"qbo_state": "sent"})
        line.write({"name": line.name, "unit_amount": line.unit_amount})
        line.qbo_billable = False
        self.assertEqual(line.qbo_state, "sent", "nothing QuickBooks holds changed")
        not_sent = self.line()
        not_sent.unit_amount = 5.0
        self.assertEqual(not_sent.qbo_state, "not_sent")

    def test_editing_a_sent_line_can_be_refused(self):
        self.company.qbo_edit_policy = "refuse"
        line = self.line()
        qbo_write(line, {"qbo_state": "sent"})
        with self.assertRaises(UserError) as caught:
            line.unit_amount = 3.0
        self.assertIn("sent to QuickBooks", str(caught.exception))
        self.assertEqual(line.unit_amount, 2.0)
        self.assertTrue(line.readonly_timesheet)
        line.qbo_billable = False  # not part of what is protected
        not_sent = self.line()
        self.assertFalse(not_sent.readonly_timesheet)
        not_sent.unit_amount = 3.0

    def test_sent_lines_cannot_be_deleted(self):
        line = self.line()
        qbo_write(line, {"qbo_state": "sent"})
        with self.assertRaises(UserError) as caught:
            line.unlink()
        self.assertIn("cannot be deleted", str(caught.exception))
        self.assertTrue(line.exists())
        self.line().unlink()

    def test_a_copy_of_a_sent_line_is_not_sent(self):
        line = self.line()
        qbo_write(line, {"qbo_state": "sent", "qbo_time_activity_id": "7", "qbo_request_id": "abc"})
        copy = line.copy()
        self.assertEqual(copy.qbo_state, "not_sent")
        self.assertFalse(copy.qbo_time_activity_id or copy.qbo_request_id or copy.qbo_sent)

    # ------------------------------------------------------------------
    # Who may send
    # ------------------------------------------------------------------
    def test_only_quickbooks_managers_may_send(self):
        line = self.line()
        approver = new_test_user(
            self.env,
            "qbo_send_approver",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver,"
            "qb_timesheet_sync.group_qbo_user",
        )
        with self.assertRaises(AccessError):
            line.with_user(approver).action_qbo_send_preview()
        with self.assertRaises(AccessError):
            line.with_user(approver)._qbo_send()
        manager = new_test_user(
            self.env,
            "qbo_send_manager",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver,"
            "qb_timesheet_sync.group_qbo_manager",
        )
        action = line.with_user(manager).action_qbo_send_preview()
        wizard = self.env["qbo.send.wizard"].with_user(manager).browse(action["res_id"])
        self.assertEqual(wizard.count_to_send, 1)
        wizard.action_confirm()
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_sent_by_id, manager)

        server_action = self.env.ref("qb_timesheet_sync.action_qbo_send_timesheets")
        self.assertEqual(server_action.binding_model_id.model, "account.analytic.line")
        self.assertEqual(server_action.binding_view_types, "list")
        self.assertEqual(
            server_action.groups_id, self.env.ref("qb_timesheet_sync.group_qbo_manager")
        )
