# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import REALM_A, REALM_B, QboCase, qbo_write


def mapping_seed():
    return {
        "realms": [
            {
                "realm_id": REALM_A,
                "company_name": "Test Company A",
                "Employee": [
                    {"GivenName": "Emily", "FamilyName": "Platt"},
                    {"GivenName": "Gone", "FamilyName": "Person", "Active": False},
                ],
                "Vendor": [{"DisplayName": "Riley Stone"}],
                "Customer": [
                    {"DisplayName": "Cool Cars", "children": [{"DisplayName": "Website"}]},
                ],
            },
            {
                "realm_id": REALM_B,
                "company_name": "Test Company B",
                "Employee": [{"GivenName": "John", "FamilyName": "Doe"}],
            },
        ]
    }


@tagged("post_install", "-at_install")
class TestMapping(QboCase):
    qbo_connect_realm = REALM_A

    @classmethod
    def qbo_seed(cls):
        return mapping_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = cls.env["hr.employee"].create({"name": "Emily Platt"})
        cls.other_employee = cls.env["hr.employee"].create({"name": "E. Platt"})
        cls.client = cls.env["res.partner"].create({"name": "Cool Cars", "is_company": True})
        cls.project = cls.env["project.project"].create(
            {"name": "Website", "partner_id": cls.client.id}
        )
        cls.qbo_user = new_test_user(
            cls.env,
            "qbo_mapping_user",
            groups="base.group_user,hr.group_hr_manager,project.group_project_manager,"
            "qb_timesheet_sync.group_qbo_user",
        )
        cls.qbo_manager = new_test_user(
            cls.env,
            "qbo_mapping_manager",
            groups="base.group_user,hr.group_hr_user,project.group_project_user,"
            "qb_timesheet_sync.group_qbo_manager",
        )

    def choose(self, record, name=None):
        """Open the manual mapping on ``record`` as the QuickBooks manager and
        pick ``name`` (or keep the suggestion)."""
        action = record.with_user(self.qbo_manager).action_qbo_choose_mapping()
        wizard = self.env["qbo.map.wizard"].with_user(self.qbo_manager).browse(action["res_id"])
        if name:
            wizard.choice_id = wizard.choice_ids.filtered(lambda choice: choice.name == name)
        return wizard

    def test_references_belong_to_one_quickbooks_company(self):
        self.assertIsNone(self.employee._qbo_ref(REALM_A))
        self.assertIsNone(self.project._qbo_ref(REALM_A))
        qbo_write(
            self.employee,
            {"qbo_id": "7", "qbo_kind": "Vendor", "qbo_display_name": "E", "qbo_realm_id": REALM_A},
        )
        qbo_write(self.project, {"qbo_customer_id": "12", "qbo_realm_id": REALM_A})
        self.assertEqual(self.employee._qbo_ref(REALM_A), ("Vendor", "7"))
        self.assertIsNone(self.employee._qbo_ref(REALM_B))
        self.assertEqual(self.project._qbo_ref(REALM_A), "12")
        self.assertIsNone(self.project._qbo_ref(REALM_B))

    def test_choose_an_employee_from_the_live_list(self):
        wizard = self.choose(self.employee)
        # Inactive people are read too, but only offered when suggested (said
        # inactive there, see test_suggestions.py): 'Gone Person' looks like no one.
        pickable = wizard.choice_ids.search(
            safe_eval(wizard._fields["choice_id"].domain, {"id": wizard.id})
        )
        names = set(pickable.mapped("display_name"))
        self.assertEqual(names, {"Emily Platt (Employee)", "Riley Stone (Vendor)"}, "active only")
        self.assertIn("Gone Person", wizard.choice_ids.mapped("name"))
        self.assertEqual(wizard.choice_id.name, "Emily Platt", "suggested by name")
        wizard.action_apply()
        self.assertEqual(self.employee._qbo_ref(REALM_A)[0], "Employee")
        self.assertEqual(self.employee.qbo_display_name, "Emily Platt")

        # The same QuickBooks person cannot be linked to a second employee.
        other = self.choose(self.other_employee, "Emily Platt")
        with self.assertRaisesRegex(UserError, "already linked to 'Emily Platt'"):
            other.action_apply()
        other.choice_id = other.choice_ids.filtered(lambda choice: choice.kind == "Vendor")
        other.action_apply()
        self.assertEqual(self.other_employee._qbo_ref(REALM_A)[0], "Vendor")

        # Reopened, it shows the current link; clearing removes it.
        again = self.choose(self.other_employee)
        self.assertEqual(again.choice_id.name, "Riley Stone")
        again.action_clear()
        self.assertFalse(self.other_employee.qbo_id or self.other_employee.qbo_realm_id)

    def test_the_link_window_marks_records_linked_elsewhere(self):
        wizard = self.choose(self.employee)
        self.assertRecordValues(wizard, [{"has_link": False, "qbo_company_name": "Test Company A"}])
        self.assertFalse(any(wizard.choice_ids.mapped("linked_to")))
        wizard.action_apply()

        other = self.choose(self.other_employee)
        emily = other.choice_ids.filtered(lambda choice: choice.name == "Emily Platt")
        self.assertEqual(emily.linked_to, "Emily Platt")
        self.assertEqual(emily.display_name, "Emily Platt (Employee) (linked to Emily Platt)")
        # Not offered in the list to pick from.
        domain = safe_eval(other._fields["choice_id"].domain, {"id": other.id})
        self.assertNotIn(emily, other.choice_ids.search(domain))
        riley = other.choice_ids.filtered(lambda choice: choice.name == "Riley Stone")
        self.assertFalse(riley.linked_to)
        self.assertFalse(other.has_link, "no link to clear")
        other.choice_id = emily
        with self.assertRaisesRegex(
            UserError, "'Emily Platt' is already linked to 'Emily Platt': clear that link first."
        ):
            other.action_apply()
        self.assertFalse(self.other_employee.qbo_id)

        # Its own link is not "elsewhere"; there is a link to clear.
        again = self.choose(self.employee)
        self.assertTrue(again.has_link)
        self.assertEqual(again.choice_id.name, "Emily Platt")
        self.assertFalse(again.choice_id.linked_to)

    def test_a_same_name_record_linked_elsewhere_is_not_proposed(self):
        twin = self.env["hr.employee"].create({"name": "Emily Platt"})
        self.choose(self.employee).action_apply()
        wizard = self.choose(twin)
        self.assertFalse(wizard.choice_id, "the only 'Emily Platt' is linked to the other one")

    def test_choose_a_project_and_a_client(self):
        wizard = self.choose(self.project)
        self.assertEqual(wizard.choice_id.name, "Cool Cars:Website", "full name, suggested")
        wizard.action_apply()
        self.assertEqual(self.project.qbo_fully_qualified_name, "Cool Cars:Website")
        self.assertTrue(self.project._qbo_ref(REALM_A))
        self.assertTrue(self.project.with_user(self.qbo_user).qbo_mapped)

        self.choose(self.client).action_apply()
        self.assertTrue(self.client._qbo_ref(REALM_A))
        # Contacts are shared between companies, each with its own QuickBooks company.
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.assertIsNone(self.client.with_company(other_company)._qbo_ref(REALM_A))

        self.project.with_user(self.qbo_manager).action_qbo_clear_mapping()
        self.assertFalse(self.project.qbo_customer_id or self.project.qbo_fully_qualified_name)

    def test_a_project_can_be_linked_to_its_client_s_customer_itself(self):
        self.choose(self.client).action_apply()
        own = self.env["project.project"].create(
            {"name": "Cool Cars", "partner_id": self.client.id}
        )
        # The client's customer is among the choices, suggested by its name.
        wizard = self.choose(own)
        self.assertEqual(wizard.choice_id.name, "Cool Cars")
        self.assertEqual(set(wizard.choice_ids.mapped("name")), {"Cool Cars", "Cool Cars:Website"})
        wizard.action_apply()
        self.assertEqual(own.qbo_customer_id, self.client.qbo_customer_id)
        self.assertEqual(own.qbo_fully_qualified_name, "Cool Cars")
        self.assertFalse(own.qbo_project_parent_id)
        # One Odoo project per QuickBooks customer still: a second one is refused.
        other = self.choose(self.project, "Cool Cars")
        with self.assertRaisesRegex(UserError, "already linked to 'Cool Cars'"):
            other.action_apply()

    def test_not_mapped_filter(self):
        Project = self.env["project.project"].with_user(self.qbo_user)
        self.assertIn(self.project, Project.search([("qbo_mapped", "=", False)]))
        self.choose(self.project).action_apply()
        self.assertNotIn(self.project, Project.search([("qbo_mapped", "=", False)]))
        self.assertIn(self.project, Project.search([("qbo_mapped", "=", True)]))
        # Mapped for another QuickBooks company counts as not mapped.
        qbo_write(self.project, {"qbo_realm_id": REALM_B})
        self.assertIn(self.project, Project.search([("qbo_mapped", "=", False)]))
        self.assertFalse(self.project.qbo_mapped)

    def test_only_managers_change_the_mapping(self):
        project = self.project.with_user(self.qbo_user)
        employee = self.employee.with_user(self.qbo_user)
        client = self.client.with_user(self.qbo_user)
        self.assertFalse(project.read(["qbo_customer_id"])[0]["qbo_customer_id"])
        project.name = "Website v2"  # other fields stay editable
        with self.assertRaises(AccessError):
            project.write({"qbo_customer_id": "1", "qbo_realm_id": REALM_A})
        with self.assertRaises(AccessError):
            employee.write({"qbo_id": "1"})
        with self.assertRaises(AccessError):
            client.write({"qbo_customer_id": "1"})
        with self.assertRaises(AccessError):
            project.action_qbo_clear_mapping()
        with self.assertRaises(AccessError):
            employee.action_qbo_choose_mapping()
        with self.assertRaises(AccessError):
            self.env["project.project"].with_user(self.qbo_user).create(
                {"name": "Imported", "qbo_customer_id": "3"}
            )
        # Without the QuickBooks group the fields are not even readable.
        outsider = new_test_user(
            self.env, "qbo_outsider", groups="base.group_user,project.group_project_manager"
        )
        with self.assertRaises(AccessError):
            self.project.with_user(outsider).read(["qbo_customer_id"])
        with self.assertRaises(AccessError):
            self.env["qbo.resync.wizard"].with_user(self.qbo_user).create({}).action_check()

    def test_forms_show_the_mapping(self):
        self.choose(self.project).action_apply()
        with Form(self.project.with_user(self.qbo_user)) as form:
            self.assertEqual(form.qbo_fully_qualified_name, "Cool Cars:Website")
            self.assertTrue(form.qbo_mapped)
        for model in ("hr.employee", "project.project", "res.partner"):
            for user in (self.qbo_user, self.qbo_manager):
                views = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "form"), (False, "list"), (False, "search")])
                )
                self.assertIn("qbo_not_mapped", views["views"]["search"]["arch"], model)

    def test_not_connected_is_a_clear_error(self):
        self.connection.action_disconnect()
        with self.assertRaisesRegex(UserError, "not connected to QuickBooks"):
            self.project.action_qbo_choose_mapping()
        with self.assertRaisesRegex(UserError, "not connected to QuickBooks"):
            self.env["qbo.resync.wizard"].create({}).action_check()
