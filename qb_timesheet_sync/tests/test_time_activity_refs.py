# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a time activity carries where Intuit is silent, with the sandbox in
each plausible behaviour (docs/ASSUMPTIONS.md, "Sending time"): a project
customer QuickBooks may store in another form, a rate of 0 echoed on time
that is not billable, a class under per-line class tracking, and a refusal
of a field the addon sends only by choice."""

import uuid

from odoo.tests import tagged

from .common import REALM_A, qbo_write
from .common_send import WEBSITE_ID, QboSendCase
from .test_hour_details import DESIGN_CLASS_ID, hour_seed
from .test_project_ref import COOL_CARS_ID
from .test_send import WorkerCrash, batch_then

# The switches of the sandbox this file turns, and their defaults.
SANDBOX_DEFAULTS = {
    "project_customer_ref": "as_sent",
    "class_ref_per_line_only": "refuse",
    "refuse_time_activity_fields": {},
    "requestid_mode": "replay",
}


def refs_seed():
    """Website (22) is a QuickBooks project of Cool Cars (21); classes tracked."""
    seed = hour_seed()
    (cool_cars,) = [
        customer for customer in seed["realms"][0]["Customer"] if customer["Id"] == COOL_CARS_ID
    ]
    cool_cars["children"][0]["IsProject"] = True
    return seed


@tagged("post_install", "-at_install")
class TestTimeActivityRefs(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        return refs_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.design = cls.env["qbo.item"].create(
            {
                "name": "Design",
                "kind": "class",
                "qbo_id": DESIGN_CLASS_ID,
                "realm_id": REALM_A,
                "company_id": cls.company.id,
            }
        )
        # Time of Cool Cars itself: a customer that is no project.
        cls.cool_cars_project = cls.env["project.project"].create(
            {"name": "Cool Cars support", "qbo_hourly_rate": 100.0}
        )
        qbo_write(
            cls.cool_cars_project,
            {
                "qbo_customer_id": COOL_CARS_ID,
                "qbo_fully_qualified_name": "Cool Cars",
                "qbo_realm_id": REALM_A,
            },
        )

    def setUp(self):
        super().setUp()
        self.addCleanup(self.sandbox.configure, **SANDBOX_DEFAULTS)

    def client(self):
        return self.company._qbo_connection()._qbo_client()

    def activity(self, line):
        (record,) = [
            record for record in self.time_activities() if record["Id"] == line.qbo_time_activity_id
        ]
        return record

    def saved_again_in_quickbooks(self, line, **changes):
        """A QuickBooks user saves the time activity of ``line`` (the token moves)."""
        body = {
            key: value
            for key, value in self.activity(line).items()
            if key not in ("domain", "sparse", "MetaData")
        }
        self.client().update("TimeActivity", {**body, **changes}, uuid.uuid4().hex)

    def send_and_crash(self, lines):
        with batch_then(WorkerCrash()):
            try:
                self.send(lines)
            except WorkerCrash:
                return
        self.fail("the send should have crashed")

    def check_stored_form(self, line, mode):
        """The sandbox holds ``line``'s time in the form ``mode`` says."""
        record = self.activity(line)
        if mode == "rewrite_to_parent":
            self.assertEqual(record["CustomerRef"]["value"], COOL_CARS_ID)
            self.assertEqual(record["ProjectRef"], {"value": WEBSITE_ID})
        else:
            self.assertEqual(record["CustomerRef"]["value"], WEBSITE_ID)
            self.assertNotIn("ProjectRef", record)

    # ------------------------------------------------------------------
    # Time sent for a project sub-customer (ProjectRef off)
    # ------------------------------------------------------------------
    def check_crash_recovery(self, mode):
        self.sandbox.configure(project_customer_ref=mode, requestid_mode="ignore")
        lines = self.line() | self.line(unit_amount=1.0)
        self.assertNotIn("ProjectRef", self.plan(lines[0]).payload)
        self.send_and_crash(lines)
        self.assertEqual(len(self.time_activities()), 2)
        self.send(lines)
        self.assertEqual(len(self.time_activities()), 2, "no second time activity")
        self.assertEqual(lines.mapped("qbo_state"), ["sent", "sent"])
        self.check_stored_form(lines[0], mode)
        log = self.last_send_log()
        self.assertEqual(len(log.line_ids.filtered(lambda d: "interrupted" in d.message)), 2)

    def test_crash_recovery_finds_time_kept_as_sent(self):
        self.check_crash_recovery("as_sent")

    def test_crash_recovery_finds_time_stored_for_the_projects_customer(self):
        self.check_crash_recovery("rewrite_to_parent")

    def check_reconcile_sees_no_change(self, mode):
        self.sandbox.configure(project_customer_ref=mode)
        line = self.line()
        self.send(line)
        self.check_stored_form(line, mode)
        self.saved_again_in_quickbooks(line)
        reconcile = self.env["qbo.reconcile"]._qbo_reconcile_company
        self.assertFalse(reconcile(self.company, sweep=True))
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        self.assertEqual(line.sudo().qbo_sync_token, "1", "the new token is kept")

    def test_reconcile_sees_no_change_in_time_kept_as_sent(self):
        self.check_reconcile_sees_no_change("as_sent")

    def test_reconcile_sees_no_change_in_time_stored_for_the_projects_customer(self):
        self.check_reconcile_sees_no_change("rewrite_to_parent")

    def check_update_is_no_conflict(self, mode):
        self.sandbox.configure(project_customer_ref=mode)
        line = self.line()
        self.send(line)
        self.saved_again_in_quickbooks(line)
        line.unit_amount = 6.0
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        self.assertEqual(self.activity(line)["Hours"], 6)
        self.check_stored_form(line, mode)
        self.assertEqual(len(self.time_activities()), 1)

    def test_an_update_of_time_kept_as_sent_is_no_conflict(self):
        self.check_update_is_no_conflict("as_sent")

    def test_an_update_of_time_stored_for_the_projects_customer_is_no_conflict(self):
        self.check_update_is_no_conflict("rewrite_to_parent")

    def test_non_billable_time_echoed_with_a_zero_rate_is_unchanged(self):
        self.company.qbo_send_non_billable = True
        line = self.line(qbo_billable=False)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        self.assertNotIn("HourlyRate", line.sudo().qbo_sent_payload)
        self.assertEqual(self.activity(line)["HourlyRate"], 0)
        self.saved_again_in_quickbooks(line)
        self.assertFalse(self.env["qbo.reconcile"]._qbo_reconcile_company(self.company, sweep=True))
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)

    # ------------------------------------------------------------------
    # Classes assigned per line only
    # ------------------------------------------------------------------
    def check_per_line_class(self, mode):
        self.sandbox.configure(class_ref_per_line_only=mode)
        self.sandbox_settings(ClassTrackingPerTxn=False, ClassTrackingPerTxnLine=True)
        self.website.qbo_class_ref_id = self.design
        line = self.line()
        self.assertNotIn("ClassRef", self.plan(line).payload)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        self.assertNotIn("ClassRef", self.activity(line))
        detail = self.last_send_log().line_ids
        self.assertIn("The class was not sent", detail.message)
        self.assertIn("Track classes", detail.message)

    def test_per_line_class_tracking_where_quickbooks_refuses_the_class(self):
        self.check_per_line_class("refuse")

    def test_per_line_class_tracking_where_quickbooks_would_take_it(self):
        self.check_per_line_class("accept")

    # ------------------------------------------------------------------
    # A refusal that names a field sent by choice
    # ------------------------------------------------------------------
    def test_a_refused_class_is_the_lines_reason_and_the_others_are_sent(self):
        self.sandbox.configure(refuse_time_activity_fields={"ClassRef": "2010"})
        self.website.qbo_class_ref_id = self.design
        refused = self.line()
        other = self.line(project_id=self.cool_cars_project.id)
        self.send(refused | other)
        self.assertEqual(other.qbo_state, "sent", other.qbo_last_error)
        self.assertEqual(refused.qbo_state, "error")
        self.assertIn("QuickBooks refused the ClassRef sent with this time", refused.qbo_last_error)
        self.assertIn("Track classes", refused.qbo_last_error)
        self.assertEqual(len(self.time_activities()), 1)
        details = self.last_send_log().line_ids.filtered(lambda d: d.level == "error")
        self.assertIn("ClassRef", details.message)
        self.assertEqual(details.qbo_code, "2010")
        self.assertEqual(details.timesheet_id, refused)
        # The class cleared, the same line goes through.
        self.website.qbo_class_ref_id = False
        self.send(refused)
        self.assertEqual(refused.qbo_state, "sent", refused.qbo_last_error)

    def test_a_refused_project_link_names_the_company_setting(self):
        """A real rule: the QuickBooks company stopped using Projects between
        the preview and the send (the cached Preferences still say it does)."""
        qbo_write(self.website, {"qbo_project_parent_id": COOL_CARS_ID})
        linked = self.line()
        other = self.line(project_id=self.cool_cars_project.id)
        self.assertEqual(self.plan(linked).payload["ProjectRef"], {"value": WEBSITE_ID})
        wizard = self.preview(linked | other)
        self.sandbox_settings(ProjectsEnabled=False)
        wizard.action_confirm()
        self.assertEqual(other.qbo_state, "sent", other.qbo_last_error)
        self.assertEqual(linked.qbo_state, "error")
        self.assertIn("ProjectRef", linked.qbo_last_error)
        self.assertIn("Link time to QuickBooks projects", linked.qbo_last_error)

    def test_a_refused_cost_on_an_update_keeps_the_line_edited_with_the_reason(self):
        self.company.qbo_send_cost = True
        self.emily.hourly_cost = 45.0
        line = self.line()
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        self.sandbox.configure(refuse_time_activity_fields={"CostRate": "2500"})
        line.unit_amount = 3.0
        self.send(line)
        self.assertEqual(line.qbo_state, "edited")
        self.assertIn("QuickBooks refused the CostRate", line.qbo_last_error)
        self.assertIn("Send the cost of time", line.qbo_last_error)
        self.assertEqual(self.activity(line)["Hours"], 2, "QuickBooks keeps what it had")
