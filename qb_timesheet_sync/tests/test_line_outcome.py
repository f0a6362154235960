# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What people see of a line's last QuickBooks outcome: refused apart from not
sent, with its reason; the sync log naming the line; internal projects; the
warning and the trace of an edit after sending."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import sent_tour_line
from .common_send import QboSendCase
from .test_connection_ui import QboHttpCase


@tagged("post_install", "-at_install")
class TestLineOutcome(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nora = cls.env["hr.employee"].create({"name": "Nora Quinn"})

    def test_a_preview_marks_refused_lines_with_their_reason(self):
        good, unmatched = self.line(), self.line(employee_id=self.nora.id)
        self.preview(good | unmatched)
        self.assertEqual(good.qbo_state, "not_sent")
        self.assertRecordValues(
            unmatched, [{"qbo_state": "refused", "qbo_refusal_code": "employee_not_mapped"}]
        )
        self.assertIn("Nora Quinn", unmatched.qbo_last_error)
        # Not sent yet either: the "Not sent to QuickBooks" filter keeps it.
        self.assertFalse(unmatched.qbo_sent)

    def test_a_refused_line_is_cleared_once_it_can_be_sent(self):
        line = self.line(employee_id=self.nora.id)
        self.preview(line)
        self.assertEqual(line.qbo_state, "refused")
        line.employee_id = self.emily
        self.preview(line)
        self.assertRecordValues(
            line, [{"qbo_state": "not_sent", "qbo_refusal_code": False, "qbo_last_error": False}]
        )

    def test_a_send_marks_refusals_and_a_sent_line_keeps_none(self):
        good, unmatched = self.line(), self.line(employee_id=self.nora.id)
        self.send(good | unmatched)
        self.assertRecordValues(
            good, [{"qbo_state": "sent", "qbo_refusal_code": False, "qbo_last_error": False}]
        )
        self.assertRecordValues(
            unmatched, [{"qbo_state": "refused", "qbo_refusal_code": "employee_not_mapped"}]
        )
        # A refused line is sent once it is fixed; nothing of the refusal stays.
        unmatched.employee_id = self.emily
        self.send(unmatched)
        self.assertRecordValues(
            unmatched, [{"qbo_state": "sent", "qbo_refusal_code": False, "qbo_last_error": False}]
        )

    def test_lines_group_by_refusal_reason(self):
        lines = self.line(employee_id=self.nora.id) | self.line(unit_amount=0.0)
        self.preview(lines)
        groups = self.env["account.analytic.line"].read_group(
            [("id", "in", lines.ids)], ["qbo_refusal_code"], ["qbo_refusal_code"]
        )
        self.assertEqual(
            {group["qbo_refusal_code"] for group in groups}, {"employee_not_mapped", "no_duration"}
        )

    def test_a_sent_line_is_never_marked_refused(self):
        line = self.line()
        self.send(line)
        self.preview(line)
        self.assertRecordValues(line, [{"qbo_state": "sent", "qbo_refusal_code": False}])

    def test_sync_log_rows_name_the_line(self):
        line = self.line(employee_id=self.nora.id, unit_amount=2.75)
        sent = self.line(unit_amount=1.5)
        self.send(line | sent)
        details = self.last_send_log().line_ids
        refused = details.filtered(lambda detail: detail.timesheet_id == line)
        self.assertRecordValues(
            refused,
            [{"employee_id": self.nora.id, "timesheet_date": date(2026, 3, 2), "duration": 2.75}],
        )
        sent_detail = details.filtered(lambda detail: detail.timesheet_id == sent)
        # Odoo's duration format, as in the lists: never "1.5 h".
        self.assertIn(": 01:30.", sent_detail.message)
        self.assertNotIn(" h.", sent_detail.message)

    def test_a_preview_leaves_a_trace(self):
        line = self.line(employee_id=self.nora.id)
        self.preview(line | self.line())
        log = self.env["qbo.sync.log"].search([("operation", "=", "preview")], limit=1)
        self.assertIn("1 to send, 0 to update, 1 refused", log.summary)
        self.assertEqual(log.line_ids.timesheet_id, line)
        self.assertFalse(self.time_activities())

    def test_refusals_only_is_not_labelled_as_errors(self):
        self.send(self.line(employee_id=self.nora.id) | self.line())
        log = self.last_send_log()
        self.assertEqual((log.count_failed, log.count_refused), (0, 1))
        label = dict(log._fields["state"].selection)[log.state]
        self.assertNotIn("error", label.lower())

    def test_internal_projects_are_not_billable_and_say_why(self):
        internal = self.company.internal_project_id
        without_client = self.env["project.project"].create({"name": "Intranet"})
        self.assertFalse(internal.qbo_billable)
        self.assertFalse(without_client.qbo_billable)
        self.assertTrue(self.website.qbo_billable)
        for project in internal | without_client:
            line = self.line(project_id=project.id)
            self.assertFalse(line.qbo_billable)
            refusal = self.plan(line).refusal
            self.assertEqual(refusal.code, "project_internal", refusal.message)
            self.assertNotIn("Check for new users and customers", refusal.message)
        # A client makes it a customer's project again.
        without_client.partner_id = self.cool_cars
        self.assertTrue(without_client.qbo_billable)

    def test_editing_a_sent_line_warns_and_leaves_a_trace(self):
        line = self.line()
        self.send(line)
        approver = new_test_user(
            self.env,
            "qbo_outcome_approver",
            groups="base.group_user,hr_timesheet.group_timesheet_manager",
        )
        line = line.with_user(approver)
        result = line.onchange({"unit_amount": 3.0}, ["unit_amount"], {"unit_amount": {}})
        self.assertEqual(result["warning"]["type"], "notification")
        self.assertIn("QuickBooks keeps the values sent", result["warning"]["message"])
        line.unit_amount = 3.0
        self.assertEqual(line.qbo_state, "edited")
        log = self.env["qbo.sync.log"].search([("operation", "=", "edit")], limit=1)
        self.assertEqual(log.user_id, approver)
        self.assertEqual(log.line_ids.timesheet_id, line)
        self.assertIn("sent to QuickBooks: duration.", log.line_ids.message)

    def test_an_approver_reads_the_status_but_cannot_write_it(self):
        line = self.line()
        self.send(line)
        approver = new_test_user(
            self.env,
            "qbo_outcome_reader",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        list_view = (
            self.env["account.analytic.line"]
            .with_user(approver)
            .get_view(self.env.ref("hr_timesheet.hr_timesheet_line_tree").id, "list")
        )
        self.assertIn('name="qbo_state"', list_view["arch"])
        self.assertIn('name="qbo_last_error"', list_view["arch"])
        form_view = (
            self.env["account.analytic.line"]
            .with_user(approver)
            .get_view(self.env.ref("hr_timesheet.hr_timesheet_line_form").id, "form")
        )
        self.assertIn("o_qbo_sent_banner", form_view["arch"])
        self.assertEqual(line.with_user(approver).qbo_state, "sent")
        with self.assertRaises(AccessError):
            line.with_user(approver).write({"qbo_state": "not_sent"})


@tagged("post_install", "-at_install")
class TestApproverTour(QboHttpCase):
    """A timesheet administrator without QuickBooks rights, in a real browser."""

    def test_approver_tour(self):
        new_test_user(
            self.env,
            "qbo_ts_admin",
            password="qbo_ts_admin",
            groups="base.group_user,hr_timesheet.group_timesheet_manager",
        )
        line = sent_tour_line(self.env)
        self.start_tour("/odoo/all-timesheets", "qbo_approver_tour", login="qbo_ts_admin")
        self.assertRecordValues(line, [{"qbo_state": "edited", "unit_amount": 3.0}])
        log = self.env["qbo.sync.log"].search([("operation", "=", "edit")], limit=1)
        self.assertEqual(log.line_ids.timesheet_id, line)
        self.assertEqual(log.user_id.login, "qbo_ts_admin")
