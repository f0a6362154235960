# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Failures to fix: refused and failed lines grouped per company and reason,
the fix of each reason, resending and marking as not to send, and the daily
digest e-mailed to QuickBooks managers."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.qbo_failure_digest import FAILURES_ACTION, LAST_DIGEST_PARAM
from .common import qbo_write
from .common_security_rpc import (
    ANON,
    ANON_ERRORS,
    MANAGERS_ONLY,
    OK,
    QUICKBOOKS_USERS,
    ROLES,
    SecurityRpcCase,
)
from .common_send import QboSendCase

MANAGER_GROUPS = (
    "base.group_user,hr.group_hr_user,project.group_project_user,"
    "hr_timesheet.group_hr_timesheet_approver,qb_timesheet_sync.group_qbo_manager"
)
USER_GROUPS = (
    "base.group_user,hr_timesheet.group_hr_timesheet_user,qb_timesheet_sync.group_qbo_user"
)


class FailureCase(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "qbo_failures_manager", groups=MANAGER_GROUPS, email="m@example.com"
        )
        cls.reader = new_test_user(cls.env, "qbo_failures_reader", groups=USER_GROUPS)
        cls.sam = cls.env["hr.employee"].create({"name": "Sam Unlinked"})
        cls.kim = cls.env["hr.employee"].create({"name": "Kim Unlinked"})
        cls.shop = cls.env["project.project"].create(
            {"name": "Shop", "partner_id": cls.cool_cars.id, "qbo_hourly_rate": 60.0}
        )

    def refused(self, **values):
        """Lines a preview refused (the preview notes the reason on each)."""
        lines = self.env["account.analytic.line"]
        for vals in values.pop("lines", [{}]):
            lines |= self.line(**vals)
        self.preview(lines)
        return lines

    def groups(self):
        Group = self.env["qbo.failure.group"]
        Group.invalidate_model()
        return {
            (group.company_id, group.reason_code): group
            for group in Group.with_user(self.manager)
            .with_context(allowed_company_ids=self.manager.company_ids.ids)
            .search([])
        }


@tagged("post_install", "-at_install")
class TestFailureGroups(FailureCase):
    def test_groups_count_lines_per_company_and_reason(self):
        unlinked = self.refused(
            lines=[
                {"employee_id": self.sam.id, "date": fields.Date.to_date("2026-02-01")},
                {"employee_id": self.kim.id},
            ]
        )
        self.website.qbo_hourly_rate = 0.0
        no_rate = self.refused(lines=[{}])
        sent = self.line(project_id=self.old_shop.id)
        self.assertEqual(set(unlinked.mapped("qbo_refusal_code")), {"employee_not_mapped"})
        self.assertEqual(no_rate.qbo_refusal_code, "no_rate")
        # A line QuickBooks turned down has no code: it groups as failed.
        qbo_write(sent, {"qbo_state": "error", "qbo_last_error": "Boom"})
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.manager.company_ids |= other_company
        other_project = self.env["project.project"].create(
            {"name": "Elsewhere", "company_id": other_company.id}
        )
        other_employee = self.env["hr.employee"].create(
            {"name": "Elsewhere person", "company_id": other_company.id}
        )
        other = self.env["account.analytic.line"].create(
            {
                "name": "x",
                "project_id": other_project.id,
                "employee_id": other_employee.id,
                "unit_amount": 1.0,
                "company_id": other_company.id,
            }
        )
        qbo_write(other, {"qbo_state": "refused", "qbo_refusal_code": "no_rate"})
        groups = self.groups()
        self.assertEqual(
            {key: group.line_count for key, group in groups.items()},
            {
                (self.company, "employee_not_mapped"): 2,
                (self.company, "no_rate"): 1,
                (self.company, "failed"): 1,
                (other_company, "no_rate"): 1,
            },
        )
        self.assertEqual(str(groups[self.company, "employee_not_mapped"].oldest_date), "2026-02-01")
        # Each group's lines are its own.
        self.assertEqual(groups[self.company, "employee_not_mapped"]._qbo_lines(), unlinked)
        self.assertEqual(groups[other_company, "no_rate"]._qbo_lines(), other)
        # The other company's rows are not shown to those who do not work in it.
        self.manager.company_ids -= other_company
        self.assertNotIn((other_company, "no_rate"), self.groups())
        # The reason reads in words.
        label = dict(self.env["qbo.failure.group"]._fields["reason_code"].selection)
        self.assertEqual(label["employee_not_mapped"], "Employee not linked")

    def test_link_employee_opens_the_link_wizard_of_the_one_employee(self):
        self.refused(lines=[{"employee_id": self.sam.id}, {"employee_id": self.sam.id}])
        group = self.groups()[self.company, "employee_not_mapped"]
        self.assertTrue(group.fix_link_employee and group.fix_create_missing)
        self.assertFalse(group.fix_set_rate or group.fix_link_project)
        action = group.action_qbo_link_employee()
        self.assertEqual(action["res_model"], "qbo.map.wizard")
        wizard = self.env["qbo.map.wizard"].browse(action["res_id"])
        self.assertEqual((wizard.res_model, wizard.res_id), ("hr.employee", self.sam.id))
        self.assertTrue(wizard.choice_ids, "the choices QuickBooks returned")

    def test_link_employee_lists_the_employees_of_several(self):
        self.refused(lines=[{"employee_id": self.sam.id}, {"employee_id": self.kim.id}])
        action = self.groups()[self.company, "employee_not_mapped"].action_qbo_link_employee()
        self.assertEqual(action["res_model"], "hr.employee")
        self.assertEqual(self.env["hr.employee"].search(action["domain"]), self.sam | self.kim)

    def test_link_project_opens_the_link_wizard_of_the_project(self):
        self.refused(lines=[{"project_id": self.shop.id}])
        group = self.groups()[self.company, "project_not_mapped"]
        self.assertTrue(group.fix_link_project)
        action = group.action_qbo_link_project()
        wizard = self.env["qbo.map.wizard"].browse(action["res_id"])
        self.assertEqual((wizard.res_model, wizard.res_id), ("project.project", self.shop.id))

    def test_create_in_quickbooks_opens_the_resync_creating_missing_records(self):
        self.refused(lines=[{"project_id": self.shop.id}])
        action = self.groups()[self.company, "project_not_mapped"].action_qbo_create_missing()
        wizard = self.env["qbo.resync.wizard"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "qbo.resync.wizard")
        self.assertTrue(wizard.create_missing)
        self.assertEqual(wizard.company_id, self.company)
        self.assertEqual(wizard.state, "draft", "nothing runs before the manager applies it")

    def test_set_a_rate_then_resend_sends_the_group(self):
        self.website.qbo_hourly_rate = 0.0
        lines = self.refused(lines=[{}, {"unit_amount": 3.0}])
        group = self.groups()[self.company, "no_rate"]
        action = group.action_qbo_set_rate()
        self.assertEqual(action["res_model"], "qbo.project.rate")
        self.assertEqual(action["context"]["default_project_id"], self.website.id)
        self.assertEqual(action["context"]["default_employee_id"], self.emily.id)
        self.assertEqual(action["domain"], [("project_id", "in", [self.website.id])])
        self.env["qbo.project.rate"].with_user(self.manager).with_context(
            **action["context"]
        ).create({"hourly_rate": 95.0})
        action = group.action_qbo_resend()
        wizard = self.env[action["res_model"]].with_user(self.manager).browse(action["res_id"])
        self.assertEqual(wizard.line_ids, lines)
        wizard.action_confirm()
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        self.assertEqual(len(self.time_activities()), 2)
        self.assertEqual({activity["HourlyRate"] for activity in self.time_activities()}, {95.0})
        self.assertNotIn((self.company, "no_rate"), self.groups())

    def test_mark_as_not_to_send(self):
        self.website.qbo_hourly_rate = 0.0
        line = self.refused(lines=[{}])
        group = self.groups()[self.company, "no_rate"]
        group.with_user(self.manager).action_qbo_skip()
        self.assertTrue(line.qbo_skip)
        self.assertEqual((line.qbo_state, line.qbo_refusal_code), ("refused", "not_to_send"))
        self.assertEqual(self.groups(), {}, "the line leaves the failures to fix")
        # Fixed now, it is still refused: the mark holds.
        self.website.qbo_hourly_rate = 100.0
        self.assertEqual(self.plan(line).refusal.code, "not_to_send")
        self.send(line)
        self.assertEqual(line.qbo_state, "refused")
        self.assertFalse(self.time_activities())
        # Nobody writes the mark directly.
        with self.assertRaises(AccessError):
            line.with_user(self.manager).write({"qbo_skip": False})
        # Only a QuickBooks manager takes it back; the line is then sent.
        with self.assertRaises(AccessError):
            line.with_user(self.reader).action_qbo_unskip()
        self.assertTrue(line.qbo_skip)
        line.with_user(self.manager).action_qbo_unskip()
        self.assertEqual((line.qbo_skip, line.qbo_state), (False, "not_sent"))
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(len(self.time_activities()), 1)

    def test_fixes_are_for_quickbooks_managers_only(self):
        self.refused(lines=[{"employee_id": self.sam.id}])
        group = self.groups()[self.company, "employee_not_mapped"]
        # A QuickBooks user reads the screen, and fixes nothing.
        as_reader = group.with_user(self.reader)
        self.assertEqual(as_reader.search([]), group)
        self.assertEqual(as_reader.read(["line_count"])[0]["line_count"], 1)
        for method in (
            "action_qbo_link_employee",
            "action_qbo_link_project",
            "action_qbo_create_missing",
            "action_qbo_set_rate",
            "action_qbo_resend",
            "action_qbo_skip",
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                # As an RPC call_button would.
                getattr(as_reader, method)()
        self.assertFalse(self.env["account.analytic.line"].search([("qbo_skip", "=", True)]))
        # Without the QuickBooks group, not even the screen.
        outsider = new_test_user(self.env, "qbo_failures_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["qbo.failure.group"].with_user(outsider).search([])


@tagged("post_install", "-at_install")
class TestFailureDigest(FailureCase):
    def digests(self):
        return self.env["mail.mail"].search(
            [("model", "=", "res.users"), ("subject", "ilike", "QuickBooks: timesheets to fix")]
        )

    def run_digest(self, since=None):
        params = self.env["ir.config_parameter"].sudo()
        if since is not None:
            params.set_param(LAST_DIGEST_PARAM, fields.Datetime.to_string(since))
        before = self.digests()
        self.env["qbo.failure.group"]._qbo_cron_digest()
        return self.digests() - before

    def mine(self, mails):
        return mails.filtered(lambda mail: self.manager.partner_id in mail.recipient_ids)

    def test_digest_tells_new_refusals_with_counts_and_links(self):
        self.refused(lines=[{"employee_id": self.sam.id}, {"employee_id": self.kim.id}])
        self.website.qbo_hourly_rate = 0.0
        self.refused(lines=[{}])
        mail = self.mine(self.run_digest(since=fields.Datetime.now() - timedelta(days=1)))
        self.assertEqual(len(mail), 1)
        body = mail.body_html
        self.assertIn("Employee not linked", body)
        self.assertIn("No hourly rate", body)
        self.assertRegex(body, r"Employee not linked</td>\s*<td[^>]*>2<")
        self.assertRegex(body, r"No hourly rate</td>\s*<td[^>]*>1<")
        self.assertIn(f"/odoo/action-{FAILURES_ACTION}", body)
        # Nothing new since: no e-mail.
        self.assertFalse(self.run_digest())

    def test_no_digest_when_nothing_happened(self):
        self.line()  # sendable, never refused
        self.assertFalse(self.run_digest(since=fields.Datetime.now() - timedelta(days=1)))
        # Refusals older than the last digest are not told again.
        self.refused(lines=[{"employee_id": self.sam.id}])
        self.assertFalse(self.run_digest(since=fields.Datetime.now() + timedelta(seconds=5)))

    def test_opt_out_is_honoured_and_set_by_the_user(self):
        self.manager.with_user(self.manager).write({"qbo_digest_opt_out": True})
        self.refused(lines=[{"employee_id": self.sam.id}])
        self.assertFalse(
            self.mine(self.run_digest(since=fields.Datetime.now() - timedelta(days=1)))
        )
        # The preferences form lets the user change it.
        self.assertIn("qbo_digest_opt_out", self.manager.SELF_WRITEABLE_FIELDS)
        view = self.env.ref("base.view_users_form_simple_modif")
        arch = self.env["res.users"].with_user(self.manager).get_views([(view.id, "form")])
        self.assertIn('name="qbo_digest_opt_out"', arch["views"]["form"]["arch"])
        # Back in: the next digest reaches the manager again.
        self.manager.with_user(self.manager).write({"qbo_digest_opt_out": False})
        self.refused(lines=[{"employee_id": self.kim.id}])
        self.assertTrue(self.mine(self.run_digest(since=fields.Datetime.now() - timedelta(days=1))))

    def test_digest_warns_of_expiry_and_read_budget(self):
        self.connection.sudo().refresh_token_hard_expiry = fields.Date.today() + timedelta(days=30)
        budget = self.env["qbo.read.budget"]
        allowance = budget._qbo_allowance()
        with patch.object(type(budget), "_qbo_month_count", return_value=allowance * 85 // 100):
            mail = self.mine(self.run_digest(since=fields.Datetime.now()))
        self.assertEqual(len(mail), 1)
        self.assertIn("Reconnect to QuickBooks", mail.body_html)
        self.assertIn("(in 30 days)", " ".join(mail.body_html.split()))
        self.assertIn(
            f"of its {allowance} metered QuickBooks reads", " ".join(mail.body_html.split())
        )
        self.assertNotIn("Fix them", mail.body_html)


@tagged("post_install", "-at_install")
class TestFailureGroupRpc(SecurityRpcCase):
    @staticmethod
    def outcome(reply):
        if reply.ok:
            return OK
        return ANON if reply.value in ANON_ERRORS else reply.value

    def test_every_role_over_rpc(self):
        """QuickBooks users read the failures to fix; only QuickBooks
        managers fix them, whatever the client sends."""
        employee = self.employees["qbo_manager"]
        line = self.timesheet(employee, "Refused over RPC")
        qbo_write(
            line,
            {"qbo_state": "refused", "qbo_refusal_code": "no_rate", "qbo_last_error": "x"},
        )
        group = self.env["qbo.failure.group"].search(
            [("company_id", "=", line.company_id.id), ("reason_code", "=", "no_rate")]
        )
        self.assertEqual(group.line_count, 1)
        # The manager last: the mark empties the group.
        for role in [role for role in ROLES if role != "admin"]:
            with self.subTest(role=role, method="search_read"):
                reply = self.rpc(role, "qbo.failure.group", "search_read", [], ["line_count"])
                self.assertEqual(self.outcome(reply), QUICKBOOKS_USERS[role])
            for method in ("action_qbo_set_rate", "action_qbo_skip"):
                with self.subTest(role=role, method=method):
                    reply = self.rpc(role, "qbo.failure.group", method, [group.id])
                    self.assertEqual(self.outcome(reply), MANAGERS_ONLY[role])
                    if role != "qbo_manager":
                        self.assertFalse(line.qbo_skip)
        self.assertTrue(line.qbo_skip)
        self.assertEqual(line.qbo_refusal_code, "not_to_send")
