# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Large selections: planning and previewing a send costs a number of SQL
queries that does not grow with the number of lines."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..wizards import qbo_send_wizard_background as background
from .common_send import QboSendCase


class SendScaleCase(QboSendCase):
    """Many lines over two employees, two projects and two units, previewed
    by a QuickBooks manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.qbo_background_threshold = 1000
        cls.website.qbo_billable = True
        cls.env["qbo.project.rate"].create(
            {"project_id": cls.website.id, "employee_id": cls.emily.id, "hourly_rate": 150.0}
        )
        cls.hour = cls.env.ref("uom.product_uom_hour")
        cls.day = cls.env.ref("uom.product_uom_day")
        # A person, not the superuser: access rights and record rules apply.
        cls.manager = new_test_user(
            cls.env,
            "qbo_scale_manager",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver,"
            "qb_timesheet_sync.group_qbo_manager",
        )

    def lines(self, count):
        """``count`` lines, over two employees, two projects and two units;
        one in five has no duration, so it is refused."""
        people = (self.emily, self.jordan)
        projects = (self.website, self.old_shop)
        units = (self.hour, self.day)
        return self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Line {number}",
                    "project_id": projects[number % 2].id,
                    "employee_id": people[number // 2 % 2].id,
                    "product_uom_id": units[number // 4 % 2].id,
                    "date": date(2026, 3, 1) + timedelta(days=number % 28),
                    "unit_amount": 0.0 if number % 5 == 4 else 1.0 + number % 4 / 4,
                }
                for number in range(count)
            ]
        )

    def queries(self, work, lines):
        """SQL queries ``work(lines)`` makes, starting from an empty record
        cache as a new request does."""
        lines.env.flush_all()
        lines.env.invalidate_all()
        before = self.env.cr.sql_log_count
        work(lines)
        lines.env.flush_all()
        return self.env.cr.sql_log_count - before


@tagged("post_install", "-at_install")
class TestSendScale(SendScaleCase):
    def plan_all(self, lines):
        lines = lines.with_user(self.manager)
        send_context = lines._qbo_send_context(self.company, preview=True)
        return lines._qbo_plans(send_context)

    def assert_same_queries(self, work, few, many):
        """``work`` costs as many queries for ``many`` lines as for ``few``."""
        # Once, from an empty record cache too, so that what is cached for the
        # whole registry (record rules, xmlids, defaults) is in place for both
        # counts.
        self.queries(work, self.lines(6))
        self.assertEqual(self.queries(work, many), self.queries(work, few))

    def test_planning_queries_do_not_grow_with_the_lines(self):
        # 1,200 lines: more than the ORM reads in one IN (1,000 ids).
        self.assert_same_queries(self.plan_all, self.lines(6), self.lines(1200))

    def test_preview_queries_do_not_grow_with_the_lines(self):
        def preview(lines):
            lines.with_user(self.manager).action_qbo_send_preview()

        few, many = self.lines(6), self.lines(1200)
        # The first preview notes the reason on each refused line (1 of the
        # 6, 240 of the 1,200), in one query, where the ORM takes one per 100
        # lines; its detail rows (wizard, sync log) too.
        self.assert_same_queries(preview, few, many)
        # The next preview of the same lines writes nothing on them.
        self.assert_same_queries(preview, few, many)

    def test_queueing_queries_do_not_grow_with_the_lines(self):
        self.company.qbo_background_threshold = 3

        def queue(lines):
            lines.with_user(self.manager)._qbo_send()

        few, many = self.lines(6), self.lines(1200)
        self.assert_same_queries(queue, few, many)
        self.assertEqual(set(many.mapped("qbo_state")), {"queued"})
        self.assertEqual(len(many.qbo_queue_log_id), 1)
        self.assertEqual(many.qbo_queue_log_id.count_remaining, 1200)

    def test_a_selection_rewritten_over_rpc_sends_only_readable_lines(self):
        other = self.env["res.company"].create({"name": "Not the manager's company"})
        foreign = self.env["account.analytic.line"].create(
            {
                "name": "Not yours",
                "project_id": self.env["project.project"]
                .create({"name": "Elsewhere", "company_id": other.id})
                .id,
                "employee_id": self.env["hr.employee"]
                .create({"name": "Far Away", "company_id": other.id})
                .id,
                "unit_amount": 1.0,
            }
        )
        mine = self.lines(3)
        action = mine.with_user(self.manager).action_qbo_send_preview()
        wizard = self.env["qbo.send.wizard"].with_user(self.manager).browse(action["res_id"])
        # The field is read-only in the form, not for RPC: the wizard's owner
        # may write it, but the lines are read with the owner's rights.
        wizard.write({"selected_line_ids": [*mine.ids, foreign.id]})
        self.assertEqual(wizard.line_ids, mine)
        wizard.action_confirm()
        self.assertEqual(foreign.qbo_state, "not_sent")
        self.assertFalse(foreign.qbo_time_activity_id)

    def test_preview_of_many_lines_keeps_every_refusal_and_total(self):
        lines = self.lines(1200)
        action = lines.with_user(self.manager).action_qbo_send_preview()
        wizard = self.env["qbo.send.wizard"].browse(action["res_id"])
        refused = lines.filtered(lambda line: not line.unit_amount)
        self.assertEqual(wizard.line_ids, lines)
        self.assertEqual(wizard.count_refused, len(refused))
        self.assertEqual(wizard.refusal_ids.line_id, refused)
        self.assertEqual(
            set(wizard.refusal_ids.mapped("reason")), set(refused.mapped("qbo_last_error"))
        )
        self.assertEqual(wizard.count_to_send, len(lines) - len(refused))
        self.assertEqual(sum(wizard.employee_total_ids.mapped("line_count")), wizard.count_to_send)
        self.assertEqual(sum(wizard.customer_total_ids.mapped("line_count")), wizard.count_to_send)
        self.assertTrue(all(refused.mapped("qbo_refusal_code")))
        self.assertEqual(set(refused.mapped("qbo_state")), {"refused"})
        Line = self.env["account.analytic.line"]
        self.assertEqual(Line.search([("id", "in", lines.ids), ("qbo_sent", "=", False)]), lines)
        self.assertFalse(Line.search([("id", "in", lines.ids), ("qbo_sent", "=", True)]))
        self.assertEqual(
            Line.search([("id", "in", lines.ids), ("qbo_state", "=", "refused")]), refused
        )
        log = self.env["qbo.sync.log"].search([("operation", "=", "preview")], limit=1)
        self.assertEqual(log.line_ids.timesheet_id, refused)
        self.assertEqual(set(log.line_ids.mapped("company_id")), {self.company})
        self.assertEqual(
            {detail.timesheet_id: detail.record_name for detail in log.line_ids},
            {line: line.display_name for line in refused},
        )
        self.assertEqual(log.line_ids.create_uid, self.manager)
        # The wizard sends what it previewed.
        wizard.with_user(self.manager).action_confirm()
        self.assertEqual(set((lines - refused).mapped("qbo_state")), {"queued"})

    def test_lines_entered_in_days_are_planned_in_hours(self):
        lines = self.lines(8)
        plans = {plan.line: plan for plan in self.plan_all(lines)}
        for line in lines:
            with self.subTest(line=line.name, unit=line.product_uom_id.name):
                expected = line.product_uom_id._compute_quantity(
                    line.unit_amount, self.hour, round=False
                )
                self.assertAlmostEqual(plans[line].minutes, round(expected * 60))
        self.assertIn(self.day, lines.product_uom_id)
        day_line = lines.filtered(
            lambda line: line.product_uom_id == self.day and line.unit_amount
        )[0]
        self.assertGreater(plans[day_line].minutes, day_line.unit_amount * 60)


@tagged("post_install", "-at_install")
class TestPreviewInBackground(SendScaleCase):
    """A selection too large for a browser request is previewed by a cron job."""

    def setUp(self):
        super().setUp()
        limit = patch.object(background, "PREVIEW_IN_BACKGROUND_ABOVE", 10)
        limit.start()
        self.addCleanup(limit.stop)
        self.cron = self.env.ref(background.PREVIEW_CRON)

    def start_preview(self, lines):
        action = lines.with_user(self.manager).action_qbo_send_preview()
        return self.env["qbo.send.wizard"].with_user(self.manager).browse(action["res_id"])

    def preview_logs(self):
        return self.env["qbo.sync.log"].search([("operation", "=", "preview")])

    def test_large_selection_opens_at_once_and_is_prepared_by_the_cron(self):
        lines = self.lines(25)
        refused = lines.filtered(lambda line: not line.unit_amount)
        logs = self.preview_logs()
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        wizard = self.start_preview(lines)
        # Nothing is evaluated in the browser request: the cron is woken up.
        self.assertEqual(wizard.state, "preparing")
        self.assertEqual(wizard.count_selected, 25)
        self.assertFalse(wizard.refusal_ids or wizard.employee_total_ids)
        self.assertFalse(any(lines.mapped("qbo_refusal_code")))
        self.assertEqual(self.preview_logs(), logs)
        self.assertGreater(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]), triggers
        )
        with self.assertRaisesRegex(UserError, "still being prepared"):
            wizard.action_confirm()
        self.assertEqual(set(lines.mapped("qbo_state")), {"not_sent"})

        self.env["qbo.send.wizard"]._qbo_cron_prepare_previews()
        self.env.cr.precommit.run()  # what the cron's commit does: bus notifications
        self.assertEqual(wizard.state, "ready")
        self.assertEqual((wizard.count_to_send, wizard.count_refused), (20, 5))
        self.assertEqual(wizard.refusal_ids.line_id, refused)
        self.assertEqual(sum(wizard.employee_total_ids.mapped("line_count")), 20)
        log = self.preview_logs() - logs
        self.assertEqual(log.user_id, self.manager, "evaluated as the manager who asked")
        self.assertEqual(log.line_ids.timesheet_id, refused)
        notification = self.env["bus.bus"].search(
            [("message", "like", "The preview of 25 timesheet lines is ready")]
        )
        self.assertEqual(len(notification), 1, "the manager is told")
        # Refresh shows the same window, now ready; confirming sends.
        self.assertEqual(wizard.action_qbo_refresh()["res_id"], wizard.id)
        wizard.action_confirm()
        self.assertNotIn("not_sent", (lines - refused).mapped("qbo_state"), "the send went")

    def test_manager_who_lost_the_right_meanwhile_is_told_why(self):
        lines = self.lines(25)
        logs = self.preview_logs()
        wizard = self.start_preview(lines)
        self.manager.groups_id -= self.env.ref("qb_timesheet_sync.group_qbo_manager")
        self.env["qbo.send.wizard"]._qbo_cron_prepare_previews()
        self.assertEqual(wizard.sudo().state, "ready")
        self.assertEqual(
            wizard.sudo().warning, "Only QuickBooks managers may send timesheets to QuickBooks."
        )
        self.assertFalse(wizard.sudo().refusal_ids or wizard.sudo().count_to_send)
        self.assertEqual(self.preview_logs(), logs)
        self.assertFalse(any(lines.mapped("qbo_refusal_code")))

    def test_a_preview_that_fails_says_so_once(self):
        lines = self.lines(25)
        wizard = self.start_preview(lines)
        Wizard = type(self.env["qbo.send.wizard"])
        with (
            patch.object(Wizard, "_qbo_preview_values", side_effect=ValueError("boom")),
            self.assertLogs(background.__name__, "ERROR"),
        ):
            self.env["qbo.send.wizard"]._qbo_cron_prepare_previews()
        self.assertEqual(wizard.state, "ready", "not prepared again and again")
        self.assertEqual(
            wizard.warning, "The preview could not be prepared. Try again, or select fewer lines."
        )
        self.assertFalse(wizard.refusal_ids or wizard.count_to_send)

    def test_small_selection_is_previewed_at_once(self):
        wizard = self.start_preview(self.lines(10))
        self.assertEqual(
            (wizard.state, wizard.count_to_send, wizard.count_refused), ("ready", 8, 2)
        )
