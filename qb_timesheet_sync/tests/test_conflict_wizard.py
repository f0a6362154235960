# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The look before a QuickBooks manager's choice on a line changed in
QuickBooks: the three versions side by side, what each choice overwrites,
and the choices themselves (``qbo.sender``'s, unchanged)."""

import uuid
from urllib.parse import parse_qsl

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from . import test_send_update as update
from .common_send import REALM_A, QboSendCase, send_seed
from .test_connection_ui import QboHttpCase


@tagged("post_install", "-at_install")
class TestConflictWizard(QboSendCase):
    sent_line = update.TestSendUpdate.sent_line
    activity = update.TestSendUpdate.activity
    client = update.TestSendUpdate.client
    change_in_quickbooks = update.TestSendUpdate.change_in_quickbooks
    updates_made = update.TestSendUpdate.updates_made

    def conflict_line(self, **values):
        """Sent at 5:00; QuickBooks now says 4:00 'Design review (QuickBooks)',
        Odoo 6:00 'Design review'."""
        line = self.sent_line(**values)
        self.change_in_quickbooks(line, Hours=4, Description="Design review (QuickBooks)")
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual(line.qbo_state, "conflict")
        return line

    def open(self, lines, proposed="keep_qbo", user=None):
        Wizard = self.env["qbo.conflict.wizard"]
        if user:
            Wizard, lines = Wizard.with_user(user), lines.with_user(user)
        action = Wizard._qbo_open_for(lines, proposed)
        self.assertEqual((action["res_model"], action["target"]), ("qbo.conflict.wizard", "new"))
        return Wizard.browse(action["res_id"])

    def test_the_three_versions_and_what_each_choice_overwrites(self):
        line = self.conflict_line()
        wizard = self.open(line)
        self.assertRecordValues(
            wizard, [{"count_billed": 0, "can_send": True, "proposed": "keep_qbo"}]
        )
        self.assertRecordValues(
            wizard.row_ids,
            [
                {
                    "line_id": line.id,
                    "employee": "Emily Platt",
                    "project": line.project_id.display_name,
                    "qbo_version": '04:00 on 2026-03-02, "Design review (QuickBooks)"',
                    "odoo_version": '06:00 on 2026-03-02, "Design review"',
                    "sent_version": '05:00 on 2026-03-02, "Design review"',
                    "billed": False,
                    "keep_effect": 'QuickBooks\' 04:00 on 2026-03-02, "Design review (QuickBooks)" '
                    'will replace Odoo\'s 06:00 on 2026-03-02, "Design review".',
                    "send_effect": 'Odoo\'s 06:00 on 2026-03-02, "Design review" will be sent '
                    'over QuickBooks\' 04:00 on 2026-03-02, "Design review (QuickBooks)".',
                }
            ],
        )
        self.assertEqual(line.qbo_state, "conflict", "opening it changes nothing")
        self.assertEqual(self.activity(line)["Hours"], 4)

    def test_odoo_now_is_what_the_line_has_now_not_what_was_sent(self):
        line = self.conflict_line()
        line.write({"unit_amount": 7.5, "name": "Design review, second pass"})
        row = self.open(line).row_ids
        self.assertEqual(row.odoo_version, '07:30 on 2026-03-02, "Design review, second pass"')
        self.assertEqual(row.sent_version, '05:00 on 2026-03-02, "Design review"')

    def test_keep_button_does_what_the_choice_does(self):
        line = self.conflict_line()
        action = self.open(line).action_keep_quickbooks_version()
        self.assertEqual(action["params"]["type"], "success")
        self.assertRecordValues(
            line,
            [{"qbo_state": "sent", "unit_amount": 4.0, "name": "Design review (QuickBooks)"}],
        )
        self.assertEqual(self.updates_made(), 1, "only the QuickBooks user's change")
        self.assertEqual(
            self.env["qbo.sync.log"].search([("operation", "=", "keep_qbo")]).count_done, 1
        )

    def test_send_button_does_what_the_choice_does(self):
        line = self.conflict_line()
        wizard = self.open(line, "send_odoo")
        self.assertEqual(wizard.proposed, "send_odoo")
        wizard.action_send_odoo_version()
        self.assertEqual(line.qbo_state, "sent")
        activity = self.activity(line)
        self.assertEqual((activity["Hours"], activity["Description"]), (6, "Design review"))
        self.assertEqual(
            self.env["qbo.sync.log"].search([("operation", "=", "send_odoo")]).count_done, 1
        )

    def test_lines_not_changed_in_quickbooks_are_left_out(self):
        line, plain = self.conflict_line(), self.sent_line()
        self.assertEqual(self.open(line | plain).row_ids.line_id, line)
        with self.assertRaisesRegex(UserError, "None of these lines was changed in QuickBooks"):
            self.open(plain)

    def test_only_quickbooks_managers_open_it(self):
        line = self.conflict_line()
        manager = new_test_user(
            self.env,
            "qbo_conflict_manager",
            groups="hr_timesheet.group_timesheet_manager,qb_timesheet_sync.group_qbo_manager",
        )
        self.assertEqual(self.open(line, user=manager).row_ids.line_id, line)
        for login, groups in (
            (
                "qbo_conflict_user",
                "hr_timesheet.group_hr_timesheet_user,qb_timesheet_sync.group_qbo_user",
            ),
            (
                "qbo_conflict_approver",
                "hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_user",
            ),
            ("qbo_conflict_ts_admin", "hr_timesheet.group_timesheet_manager"),
        ):
            user = new_test_user(self.env, login, groups=groups)
            with self.subTest(user=login):
                with self.assertRaises(AccessError):
                    self.open(line, user=user)
                # Nor by creating one directly, as an RPC call would.
                with self.assertRaises(AccessError):
                    self.env["qbo.conflict.wizard"].with_user(user).create({})
                # Nor by pressing a button of a manager's window.
                wizard = self.open(line, user=manager)
                with self.assertRaises(AccessError):
                    wizard.with_user(user).action_send_odoo_version()
        self.assertEqual(line.qbo_state, "conflict")
        self.assertEqual(self.activity(line)["Hours"], 4)

    def test_billed_lines_offer_only_quickbooks_version(self):
        line, other = self.conflict_line(), self.conflict_line()
        self.bill(line)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.company)
        self.assertRecordValues(line | other, [{"qbo_billed": True}, {"qbo_billed": False}])
        # Only billed lines: Odoo's version is not offered, even when asked for.
        wizard = self.open(line, "send_odoo")
        self.assertRecordValues(
            wizard, [{"count_billed": 1, "can_send": False, "proposed": "keep_qbo"}]
        )
        self.assertEqual(
            wizard.row_ids.send_effect,
            "Billed in QuickBooks (on an invoice): Odoo's version is not sent.",
        )
        with self.assertRaisesRegex(UserError, "only QuickBooks' version"):
            wizard.action_send_odoo_version()
        # With a line not billed: it alone is sent.
        wizard = self.open(line | other, "send_odoo")
        self.assertRecordValues(wizard, [{"count_billed": 1, "can_send": True}])
        wizard.action_send_odoo_version()
        self.assertEqual(self.activity(other)["Hours"], 6)
        self.assertEqual(self.activity(line)["BillableStatus"], "HasBeenBilled")
        self.assertEqual(self.activity(line)["Hours"], 4)
        self.assertRecordValues(line | other, [{"qbo_state": "conflict"}, {"qbo_state": "sent"}])
        self.open(line).action_keep_quickbooks_version()
        self.assertRecordValues(line, [{"qbo_state": "sent", "unit_amount": 4.0}])


@tagged("post_install", "-at_install")
class TestConflictWizardTour(QboHttpCase):
    """A line changed in QuickBooks, compared then settled in a real browser."""

    def test_conflict_tour(self):
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        line = self.qbo_design_review_line()
        line._qbo_send()
        self.assertEqual(line.qbo_state, "sent")
        connection = self.env.company._qbo_connection()
        client = connection._qbo_client()
        (activity,) = self.sandbox.state.records(REALM_A, "TimeActivity")
        body = {k: v for k, v in activity.items() if k not in ("domain", "sparse", "MetaData")}
        client.update("TimeActivity", {**body, "Hours": 6}, uuid.uuid4().hex)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.env.company)
        self.assertEqual(line.qbo_state, "changed")

        self.start_tour("/odoo/all-timesheets", "qbo_conflict_tour", login="admin")

        self.assertRecordValues(line, [{"qbo_state": "sent", "unit_amount": 6.0}])
