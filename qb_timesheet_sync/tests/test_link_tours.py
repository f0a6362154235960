# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The resync preview and the link window in a real browser, on the demo's
QuickBooks company (tests/qbo_sandbox/seeds/demo.json) and Odoo records named
like setup/demo_data.py's: the suggestion of an inactive QuickBooks person
(screenshot ``resync_preview`` when QBTS_SCREENSHOTS is set), and the words,
counts and choices a QuickBooks manager reads there."""

from urllib.parse import parse_qsl

from odoo.tests import new_test_user, tagged

from .common import forget_process_state
from .test_connection_ui import QboHttpCase

MANAGER = "qbo_link_tour_manager"


def demo_seed():
    from tests.qbo_sandbox import DEMO_REALM_ID, load_demo_seed

    return DEMO_REALM_ID, load_demo_seed()


class DemoLinkCase(QboHttpCase):
    """Connected to the demo's QuickBooks company; a QuickBooks manager; the
    demo's employees (F. Haddad matches nobody: the QuickBooks Farid Haddad
    is inactive) and projects."""

    def setUp(self):
        super().setUp()
        self.realm_id, seed = demo_seed()
        self.sandbox.reset(seed=seed)
        forget_process_state()
        callback = dict(parse_qsl(self._authorize(self.realm_id)))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.manager = new_test_user(
            self.env,
            MANAGER,
            name="Quinn Manager",
            groups="base.group_user,hr.group_hr_user,hr_timesheet.group_hr_timesheet_user,"
            "project.group_project_user,qb_timesheet_sync.group_qbo_manager",
        )
        Employee = self.env["hr.employee"]
        self.alice = Employee.create({"name": "Alice Martin"})
        self.haddad = Employee.create({"name": "F. Haddad"})
        Employee.create([{"name": "Bruno Keller"}, {"name": "Chloé Dubois"}])
        Employee.create({"name": "Jordan Blake", "employee_type": "freelance"})
        Partner = self.env["res.partner"]
        acme = Partner.create({"name": "Acme Corporation", "is_company": True})
        globex = Partner.create({"name": "Globex Ltd", "is_company": True})
        self.env["project.project"].create(
            [
                {"name": "Website Redesign", "partner_id": acme.id},
                {"name": "ERP Rollout", "partner_id": globex.id},
                {"name": "Internal Training"},
            ]
        )

    def mapping_logs(self):
        return self.env["qbo.sync.log"].search([("operation", "=", "mapping")])


@tagged("post_install", "-at_install")
class TestInactiveSuggestionTour(DemoLinkCase):
    def test_inactive_suggestion_tour(self):
        self.start_tour(
            "/odoo/timesheets", "qbo_inactive_suggestion_tour", login=MANAGER, timeout=240
        )
        self.env.invalidate_all()
        self.assertRecordValues(
            self.haddad,
            [
                {
                    "qbo_display_name": "Farid Haddad",
                    "qbo_kind": "Employee",
                    "qbo_realm_id": self.realm_id,
                    "qbo_inactive": True,
                }
            ],
        )
        # The preview wrote nothing: only the click linked.
        self.assertFalse(self.alice.qbo_id)
        self.assertFalse(self.env["qbo.sync.log"].search([("operation", "=", "resync")]))
        (log,) = self.mapping_logs()
        self.assertEqual(log.user_id, self.manager)
        self.assertIn("It is inactive in QuickBooks", log.summary)


@tagged("post_install", "-at_install")
class TestLinkWordsTour(DemoLinkCase):
    def setUp(self):
        super().setUp()
        # Named like Alice Martin, whom the resync links to her QuickBooks self.
        self.a_martin = self.env["hr.employee"].create({"name": "A. Martin"})

    def test_link_words_tour(self):
        self.start_tour("/odoo/timesheets", "qbo_link_words_tour", login=MANAGER, timeout=240)
        self.env.invalidate_all()
        self.assertEqual(self.alice.qbo_display_name, "Alice Martin")
        self.assertFalse(self.a_martin.qbo_id, "cancelled: nothing linked")
        self.assertFalse(self.haddad.qbo_id, "a suggestion is never applied by the resync")
        self.assertFalse(self.mapping_logs(), "no link changed by hand")
