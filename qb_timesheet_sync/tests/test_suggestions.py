# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Names that did not match get ranked suggestions, in the resync
report and in the link wizard of the forms; none is linked without a click."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..qbo.lists import read_resync_lists
from .common import REALM_A
from .test_resync import ResyncCase, resync_seed

# What a suggestion of an inactive QuickBooks person says.
INACTIVE_NOTE = (
    "inactive in QuickBooks: reactivate it there, then run 'Check for new users and customers' "
    "again"
)


@tagged("post_install", "-at_install")
class TestSuggestions(ResyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.chris = cls.Employee.create({"name": "Chris B."})
        cls.harbour = cls.Project.create({"name": "Blue Harbour"})
        cls.manager = new_test_user(
            cls.env,
            "qbo_suggestion_manager",
            groups="base.group_user,hr.group_hr_user,project.group_project_user,"
            "qb_timesheet_sync.group_qbo_manager",
        )

    def test_resync_report_ranks_suggestions_and_links_nothing(self):
        outcomes = self.env["qbo.resync"]._qbo_apply(
            self.company, self.connection._qbo_client(), self.qbo_rows(), create_missing=False
        )
        by_record = {item["record"]: item for item in outcomes if item["record"]}
        chris = by_record[self.chris]
        self.assertEqual(chris["category"], "unmatched")
        self.assertEqual(
            [(s["name"], s["reason"], s["score"]) for s in chris["suggestions"]],
            [("Chris Bell", "initials", 90)],
        )
        # Said once, in the sync log (below), and in a column of the preview.
        self.assertNotIn("Closest", chris["message"])
        harbour = by_record[self.harbour]
        self.assertEqual(harbour["suggestions"][0]["name"], "Blue Harbor")
        self.assertEqual(harbour["suggestions"][0]["reason"], "similar_name")
        nina = by_record[self.nina]
        self.assertEqual(nina["suggestions"], [])
        self.assertNotIn("Closest", nina["message"])
        self.assertFalse(self.chris.qbo_id, "a suggestion is never applied by the resync")

    def test_resync_log_shows_the_suggestions(self):
        wizard = self.resync()
        self.assertIn("Closest in QuickBooks: 'Chris Bell'", self.messages(wizard, self.chris))

    def test_resync_preview_has_a_suggestions_column_and_a_choose_button(self):
        wizard = self.env["qbo.resync.wizard"].create({"company_id": self.company.id})
        wizard.action_preview()

        def preview_line(record):
            return wizard.preview_line_ids.filtered(
                lambda line: (line.res_model, line.res_id) == (record._name, record.id)
            )

        (chris,) = preview_line(self.chris)
        self.assertEqual(chris.suggestions, "'Chris Bell' (same name with initials, 90%)")
        self.assertNotIn("Closest", chris.message)
        nina = preview_line(self.nina)
        self.assertFalse(nina.suggestions)
        action = chris.action_choose_in_quickbooks()
        link = self.env["qbo.map.wizard"].browse(action["res_id"])
        self.assertEqual(link.suggestion_ids[:1].name, "Chris Bell")
        self.assertFalse(self.chris.qbo_id, "nothing linked before the click")
        link.suggestion_ids[:1].action_link()
        self.assertEqual(self.chris.qbo_display_name, "Chris Bell")
        # A record deleted since the preview: a sentence, not a traceback.
        nina.res_id = self.env["hr.employee"].search([], order="id desc", limit=1).id + 1000
        nina.suggestions = "'Nobody'"
        with self.assertRaisesRegex(UserError, "no longer exists"):
            nina.action_choose_in_quickbooks()

    def test_link_wizard_offers_the_suggestions_first_and_links_in_one_click(self):
        action = self.chris.with_user(self.manager).action_qbo_choose_mapping()
        wizard = self.env["qbo.map.wizard"].with_user(self.manager).browse(action["res_id"])
        top = wizard.suggestion_ids[:1]
        self.assertEqual((top.name, top.score), ("Chris Bell", 90))
        self.assertFalse(wizard.choice_id, "not chosen for the user")
        self.assertFalse(self.chris.qbo_id)
        top.action_link()
        self.assertEqual(self.chris.qbo_display_name, "Chris Bell")
        self.assertEqual(self.chris.qbo_realm_id, REALM_A)

    def qbo_rows(self):
        return read_resync_lists(self.connection._qbo_client())


def demo_seed():
    """The resync seed plus the demo database's inactive QuickBooks employee
    (tests/qbo_sandbox/seeds/demo.json): an Odoo "F. Haddad" matches nobody."""
    seed = resync_seed()
    seed["realms"][0]["Employee"].append(
        {"GivenName": "Farid", "FamilyName": "Haddad", "Active": False}
    )
    return seed


@tagged("post_install", "-at_install")
class TestInactiveSuggestion(ResyncCase):
    """The demo's own suggestion: 'F. Haddad' and the inactive 'Farid Haddad'."""

    @classmethod
    def qbo_seed(cls):
        return demo_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.haddad = cls.Employee.create({"name": "F. Haddad"})

    def preview_line(self, wizard, record):
        return wizard.preview_line_ids.filtered(
            lambda line: (line.res_model, line.res_id) == (record._name, record.id)
        )

    def test_resync_preview_suggests_the_inactive_person_and_links_nothing(self):
        wizard = self.env["qbo.resync.wizard"].create({"company_id": self.company.id})
        wizard.action_preview()
        (line,) = self.preview_line(wizard, self.haddad)
        self.assertEqual(line.action, "unmatched", "an inactive person is suggested, never linked")
        self.assertEqual(
            line.suggestions, f"'Farid Haddad' (same name with initials, 90%, {INACTIVE_NOTE})"
        )
        # Applying the resync does not link it either; its log says the same.
        wizard = self.resync()
        self.assertFalse(self.haddad.qbo_id)
        self.assertIn(
            f"Closest in QuickBooks: 'Farid Haddad' (same name with initials, 90%, "
            f"{INACTIVE_NOTE})",
            self.messages(wizard, self.haddad),
        )

    def test_link_wizard_lists_the_inactive_person_and_links_it_on_purpose(self):
        action = self.haddad.action_qbo_choose_mapping()
        wizard = self.env["qbo.map.wizard"].browse(action["res_id"])
        top = wizard.suggestion_ids[:1]
        self.assertEqual((top.name, top.score, top.qbo_active), ("Farid Haddad", 90, False))
        self.assertEqual(top.reason, f"same name with initials, {INACTIVE_NOTE}")
        self.assertIn("inactive in QuickBooks", top.display_name)
        self.assertFalse(wizard.choice_id, "not chosen for the user")
        # Other inactive people are not offered in the list to pick from.
        domain = safe_eval(wizard._fields["choice_id"].domain, {"id": wizard.id})
        pickable = self.env["qbo.map.wizard.choice"].search(domain)
        self.assertNotIn("Ian Stale", pickable.mapped("name"))
        self.assertIn("Ian Stale", wizard.choice_ids.mapped("name"))

        top.action_link()
        self.assertEqual(self.haddad.qbo_display_name, "Farid Haddad")
        self.assertTrue(self.haddad.qbo_inactive)
        log = self.env["qbo.sync.log"].search(
            [("operation", "=", "mapping")], order="id desc", limit=1
        )
        self.assertIn(f"It is {INACTIVE_NOTE}.", log.summary)

    def test_time_of_an_inactive_person_is_refused_with_the_reason_to_reactivate_it(self):
        self.resync()
        self.assertTrue(self.website.qbo_customer_id, "the project is matched")
        self.haddad.action_qbo_choose_mapping()
        wizard = self.env["qbo.map.wizard"].search([("res_id", "=", self.haddad.id)], limit=1)
        wizard.suggestion_ids[:1].action_link()
        line = self.env["account.analytic.line"].create(
            {
                "name": "Design review",
                "project_id": self.website.id,
                "employee_id": self.haddad.id,
                "unit_amount": 2.0,
            }
        )
        Line = self.env["account.analytic.line"]
        (plan,) = line._qbo_plans(Line._qbo_send_context(self.company, preview=True))
        self.assertEqual(plan.refusal.code, "employee_inactive")
        self.assertEqual(
            plan.reason,
            "The employee 'F. Haddad' is linked to a QuickBooks employee or vendor that is "
            "inactive in QuickBooks: reactivate it there, then run 'Check for new users and "
            "customers' again.",
        )
        self.assertNotIn("employee form", plan.reason)

        # Reactivated in QuickBooks: the next resync keeps the link and lifts the refusal.
        self.qbo_update("Employee", "Farid Haddad", Active=True)
        self.resync()
        self.assertEqual(self.haddad.qbo_display_name, "Farid Haddad")
        self.assertFalse(self.haddad.qbo_inactive)
        (plan,) = line._qbo_plans(Line._qbo_send_context(self.company, preview=True))
        self.assertNotEqual(plan.refusal and plan.refusal.code, "employee_inactive")
