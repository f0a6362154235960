# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What each role reads about a sent line: the warning before editing it,
the reason it was not sent in words that fit what the reader may do, and
the confirmation when deleting it changes QuickBooks."""

import uuid

from odoo.tests import new_test_user, tagged

from .common import REALM_A, sent_tour_line
from .common_send import QboSendCase
from .test_connection_ui import QboHttpCase

FORM = "hr_timesheet.hr_timesheet_line_form"


@tagged("post_install", "-at_install")
class TestSentLineRoles(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain = new_test_user(
            cls.env,
            "qbo_roles_plain",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        cls.emily.user_id = cls.plain
        cls.approver = new_test_user(
            cls.env,
            "qbo_roles_approver",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.manager = new_test_user(
            cls.env,
            "qbo_roles_manager",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )

    def sent_line(self):
        line = self.line()
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        return line

    def test_a_plain_user_is_warned_before_editing_a_sent_line(self):
        line = self.sent_line()
        warning = line.with_user(self.plain).qbo_edit_warning
        self.assertIn("QuickBooks keeps the values sent", warning)
        self.assertIn("sends your change as an update", warning)
        self.assertIn("It cannot be deleted.", warning)
        self.assertFalse(line.with_user(self.manager).qbo_edit_warning, "managers know")
        self.assertFalse(
            line.with_user(self.approver).qbo_edit_warning, "approvers have the status banner"
        )
        self.assertFalse(self.line().with_user(self.plain).qbo_edit_warning, "not sent")
        arch = (
            self.env["account.analytic.line"]
            .with_user(self.plain)
            .get_view(self.env.ref(FORM).id, "form")["arch"]
        )
        self.assertIn("o_qbo_edit_warning", arch)
        self.assertIn('name="qbo_edit_warning"', arch)

    def test_the_warning_follows_the_company_settings(self):
        line = self.sent_line()
        self.company.write({"qbo_edit_policy": "refuse", "qbo_delete_policy": "delete"})
        line.invalidate_recordset(["qbo_edit_warning"])
        warning = line.with_user(self.plain).qbo_edit_warning
        self.assertIn("can no longer be changed", warning)
        self.assertIn("Only a QuickBooks manager may delete it", warning)
        self.company.qbo_edit_policy = "mark"
        line.unit_amount = 3.0
        self.assertEqual(line.qbo_state, "edited")
        line.invalidate_recordset(["qbo_edit_warning"])
        self.assertIn(
            "Changed after it was sent to QuickBooks", line.with_user(self.plain).qbo_edit_warning
        )

    def test_a_refusal_tells_whom_to_ask_to_those_who_cannot_fix_it(self):
        sam = self.env["hr.employee"].create({"name": "Sam Unlinked"})
        line = self.line(employee_id=sam.id)
        self.preview(line)
        self.assertEqual(line.qbo_refusal_code, "employee_not_mapped")
        self.assertIn("employee form", line.with_user(self.manager).qbo_reason)
        reason = line.with_user(self.approver).qbo_reason
        self.assertEqual(
            reason,
            "The employee 'Sam Unlinked' is not linked to a QuickBooks employee or vendor: "
            "ask a QuickBooks manager to link them.",
        )

    def test_a_conflict_tells_a_reader_who_chooses(self):
        line = self.sent_line()
        # A QuickBooks user changes the time activity, and Odoo's line is edited.
        activity = next(
            record
            for record in self.sandbox.state.records(REALM_A, "TimeActivity")
            if record["Id"] == line.qbo_time_activity_id
        )
        body = {key: value for key, value in activity.items() if key not in ("domain", "sparse")}
        body.pop("MetaData", None)
        self.company._qbo_connection()._qbo_client().update(
            "TimeActivity", {**body, "Hours": 4}, uuid.uuid4().hex
        )
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual(line.qbo_state, "conflict")
        self.assertIn(
            "a QuickBooks manager chooses which version to keep",
            line.with_user(self.approver).qbo_reason,
        )
        self.assertIn("Choose which version to keep", line.with_user(self.manager).qbo_reason)


@tagged("post_install", "-at_install")
class TestDeleteTour(QboHttpCase):
    """A QuickBooks manager deletes a sent line, in a real browser."""

    def test_delete_tour(self):
        self.env.company.qbo_delete_policy = "delete"
        line = sent_tour_line(self.env)
        self.start_tour("/odoo/all-timesheets", "qbo_delete_tour", login="admin", timeout=180)
        self.assertFalse(line.exists())
        deletion = self.env["qbo.time.deletion"].search([("time_activity_id", "=", "901")])
        self.assertEqual(deletion.user_id.login, "admin")
