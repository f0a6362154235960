# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid
from datetime import date
from urllib.parse import parse_qs, urlparse

import requests

from odoo.tests import HttpCase, tagged

from .common import REALM_A, REALM_B, QboCase, base_seed, forget_process_state, qbo_sandbox
from .screenshots import QboScreenshots

SETTINGS_PATH = "/odoo/action-qb_timesheet_sync.action_qbo_settings"


def resync_seed():
    """Realm A: a five-level customer tree, QuickBooks projects, inactive
    records, look-alike names; realm B: another company with one employee."""
    return {
        "realms": [
            {
                "realm_id": REALM_A,
                "company_name": "Test Company A",
                "Employee": [
                    {
                        "GivenName": "Emily",
                        "FamilyName": "Platt",
                        "PrimaryEmailAddr": {"Address": "emily@example.com"},
                    },
                    # No e-mail in QuickBooks.
                    {"GivenName": "Dana", "FamilyName": "Cruz"},
                    {
                        "GivenName": "Oliver",
                        "FamilyName": "Grant",
                        "PrimaryEmailAddr": {"Address": "oliver.qbo@example.com"},
                    },
                    {"GivenName": "Ian", "FamilyName": "Stale", "Active": False},
                    {"GivenName": "Alex", "FamilyName": "Kim"},
                    {
                        "GivenName": "Chris",
                        "FamilyName": "Bell",
                        "PrimaryEmailAddr": {"Address": "bell@example.com"},
                    },
                    {
                        "GivenName": "Christopher",
                        "FamilyName": "Bell",
                        "PrimaryEmailAddr": {"Address": "bell@example.com"},
                    },
                    {"GivenName": "Unused", "FamilyName": "Person"},
                ],
                "Vendor": [{"DisplayName": "Riley Stone", "Vendor1099": True}],
                "Customer": [
                    {
                        "DisplayName": "Acme",
                        "children": [
                            {
                                "DisplayName": "Acme East",
                                "children": [
                                    {
                                        "DisplayName": "Acme East Web",
                                        "children": [
                                            {
                                                "DisplayName": "Web Phase 1",
                                                "children": [{"DisplayName": "Phase 1 QA"}],
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                    },
                    {
                        "DisplayName": "Cool Cars",
                        "children": [
                            {"DisplayName": "Website", "IsProject": True},
                            {"DisplayName": "Mobile App"},
                            {"DisplayName": "Old Site", "Active": False},
                        ],
                    },
                    {"DisplayName": "Beta Co", "children": [{"DisplayName": "Beta Portal"}]},
                    {"DisplayName": "Solo Customer"},
                    {"DisplayName": "Blue Harbor"},
                    {"DisplayName": "Inactive Corp", "Active": False},
                ],
            },
            {
                "realm_id": REALM_B,
                "company_name": "Test Company B",
                "Employee": [{"GivenName": "Emily", "FamilyName": "Platt"}],
                "Customer": [{"DisplayName": "Solo Customer"}],
            },
        ]
    }


class ResyncCase(QboCase):
    qbo_connect_realm = REALM_A

    @classmethod
    def qbo_seed(cls):
        return resync_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Employee = cls.env["hr.employee"]
        cls.Project = cls.env["project.project"]
        cls.Partner = cls.env["res.partner"]
        employee = cls.Employee.create
        cls.emily = employee({"name": "emily   PLATT"})
        cls.dana = employee({"name": "Dana Cruz"})
        cls.oliver = employee({"name": "Oliver G.", "work_email": "Oliver.QBO@example.com"})
        cls.ian = employee({"name": "Ian Stale"})
        cls.alex_1 = employee({"name": "Alex Kim"})
        cls.alex_2 = employee({"name": "Alex Kim"})
        cls.bell = employee({"name": "C. Bell", "work_email": "bell@example.com"})
        cls.riley = employee({"name": "Riley Stone", "employee_type": "freelance"})
        cls.nina = employee({"name": "Nina Odoo", "work_email": "nina@example.com"})
        cls.harbor = employee({"name": "Blue Harbor", "employee_type": "contractor"})
        cls.acme = cls.Partner.create({"name": "ACME", "is_company": True})
        cls.cool_cars = cls.Partner.create({"name": "Cool Cars", "is_company": True})
        cls.beta = cls.Partner.create({"name": "Beta Co", "is_company": True})
        cls.greenfield = cls.Partner.create({"name": "Greenfield Ltd", "is_company": True})
        project = cls.Project.create
        cls.website = project({"name": "website", "partner_id": cls.cool_cars.id})
        cls.mobile_no_client = project({"name": "Mobile App"})
        cls.odoo_only = project({"name": "Odoo Only Project", "partner_id": cls.cool_cars.id})
        cls.riley_project = project({"name": "Riley Stone"})
        cls.beta_portals = project({"name": "Beta Portal", "partner_id": cls.beta.id}) | project(
            {"name": "beta portal", "partner_id": cls.beta.id}
        )
        cls.greenfield_build = project(
            {"name": "Greenfield Build", "partner_id": cls.greenfield.id}
        )

    def resync(self, create_missing=False, company=None):
        wizard = self.env["qbo.resync.wizard"]._qbo_run(
            company or self.company, create_missing=create_missing
        )
        self.assertEqual(wizard.state, "done", wizard.summary)
        return wizard

    def qbo_entities(self, entity, realm_id=REALM_A):
        response = requests.get(
            f"{self.sandbox.url}/_sandbox/realms/{realm_id}/entities/{entity}", timeout=10
        )
        response.raise_for_status()
        return response.json()

    def qbo_customer(self, display_name):
        return next(
            row for row in self.qbo_entities("Customer") if row["DisplayName"] == display_name
        )

    def qbo_update(self, entity, display_name, **changes):
        """Change a QuickBooks record the way a QuickBooks user would."""
        client = self.connection._qbo_client()
        row = next(row for row in self.qbo_entities(entity) if row["DisplayName"] == display_name)
        payload = {"Id": row["Id"], "SyncToken": row["SyncToken"], **changes}
        return client.update(entity, payload, uuid.uuid4().hex, sparse=True)

    def project_named(self, name):
        return self.Project.with_context(active_test=False).search([("name", "=", name)])

    def client_named(self, name):
        return self.Partner.search([("name", "=", name), ("is_company", "=", True)])

    def messages(self, wizard, records=None):
        lines = wizard.line_ids
        if records is not None:
            lines = lines.filtered(
                lambda line: line.res_model == records._name and line.res_id in records.ids
            )
        return "\n".join(lines.mapped("message"))


@tagged("post_install", "-at_install")
class TestResyncPeople(ResyncCase):
    def test_people_rules(self):
        wizard = self.resync()
        self.assertEqual(self.emily._qbo_ref(REALM_A)[0], "Employee", "case and spaces")
        self.assertEqual(self.emily.qbo_display_name, "Emily Platt")
        self.assertTrue(self.dana._qbo_ref(REALM_A), "a QuickBooks person without e-mail")
        self.assertEqual(self.oliver.qbo_display_name, "Oliver Grant", "matched by e-mail")
        self.assertIn("e-mail", self.messages(wizard, self.oliver))
        self.assertEqual(self.riley.qbo_kind, "Vendor", "a freelancer is a vendor")
        self.assertEqual(self.riley.qbo_realm_id, REALM_A)
        # Two Odoo employees with the same name: neither gets the person.
        for alex in self.alex_1 | self.alex_2:
            self.assertFalse(alex.qbo_id)
            self.assertIn("Alex Kim", self.messages(wizard, alex))
        # Two QuickBooks people with the same e-mail: never guessed.
        self.assertFalse(self.bell.qbo_id)
        self.assertIn("bell@example.com", self.messages(wizard, self.bell))
        # Inactive in QuickBooks: matched and flagged, the employee stays active.
        self.assertTrue(self.ian._qbo_ref(REALM_A))
        self.assertTrue(self.ian.active)
        self.assertIn("inactive", self.messages(wizard, self.ian))
        self.assertTrue(self.ian.qbo_inactive, "its time is refused before QuickBooks is asked")
        # Alex Kim twice, C. Bell, and the two Beta Portal projects (one line).
        self.assertEqual(wizard.count_ambiguous, 4)
        self.assertEqual(wizard.count_inactive, 1)
        # Only in Odoo, and nothing created in QuickBooks without the setting.
        self.assertFalse(self.nina.qbo_id)
        self.assertIn("No QuickBooks employee or vendor", self.messages(wizard, self.nina))
        self.assertEqual(wizard.count_created_qbo, 0)

    def test_second_run_changes_nothing(self):
        first = self.resync()
        mapped = {employee: employee.qbo_id for employee in self.Employee.search([])}
        second = self.resync()
        self.assertEqual({employee: employee.qbo_id for employee in mapped}, mapped)
        self.assertEqual(
            second.count_matched,
            first.count_matched + first.count_created_odoo + first.count_created_qbo,
        )
        self.assertEqual(second.count_created_odoo + second.count_created_qbo, 0)
        self.assertNotIn("Matched by name", self.messages(second))

    def test_rename_in_quickbooks_follows_the_id(self):
        self.resync()
        qbo_id = self.dana.qbo_id
        self.qbo_update("Employee", "Dana Cruz", DisplayName="Dana Cruz-Lopez")
        wizard = self.resync()
        self.assertEqual(self.dana.qbo_id, qbo_id)
        self.assertEqual(self.dana.qbo_display_name, "Dana Cruz-Lopez")
        self.assertIn("Renamed in QuickBooks", self.messages(wizard, self.dana))

    def test_create_missing_people_in_quickbooks(self):
        wizard = self.resync(create_missing=True)
        self.assertEqual(self.nina.qbo_kind, "Employee")
        created = next(
            row for row in self.qbo_entities("Employee") if row["Id"] == self.nina.qbo_id
        )
        self.assertEqual(created["DisplayName"], "Nina Odoo")
        self.assertEqual(created["PrimaryEmailAddr"]["Address"], "nina@example.com")
        self.assertIn(
            "Created in QuickBooks (employee 'Nina Odoo').", self.messages(wizard, self.nina)
        )
        # A contractor named like a QuickBooks customer: the sentence says what to rename.
        self.assertFalse(self.harbor.qbo_id)
        self.assertIn(
            "A QuickBooks customer is already named 'Blue Harbor': rename the Odoo employee",
            self.messages(wizard, self.harbor),
        )
        # Ambiguous people are never created.
        self.assertFalse(self.alex_1.qbo_id or self.alex_2.qbo_id)
        employees_in_qbo = len(self.qbo_entities("Employee"))
        again = self.resync(create_missing=True)
        self.assertEqual(again.count_created_qbo, 0)
        self.assertEqual(len(self.qbo_entities("Employee")), employees_in_qbo)

    def test_contractor_is_created_as_vendor(self):
        self.harbor.name = "Harbor Freelance"
        self.resync(create_missing=True)
        self.assertEqual(self.harbor.qbo_kind, "Vendor")
        vendor_names = [row["DisplayName"] for row in self.qbo_entities("Vendor")]
        self.assertIn("Harbor Freelance", vendor_names)

    def test_archived_employee_keeps_its_link_and_is_not_matched_anew(self):
        self.resync()
        self.dana.action_archive()
        self.nina.action_archive()
        self.nina.name = "Unused Person"
        wizard = self.resync(create_missing=True)
        self.assertTrue(self.dana._qbo_ref(REALM_A))
        self.assertFalse(self.nina.qbo_id)
        self.assertFalse(self.messages(wizard, self.nina))


@tagged("post_install", "-at_install")
class TestResyncCustomers(ResyncCase):
    def test_customer_tree_rules(self):
        wizard = self.resync()
        # A customer with sub-customers is a client; a linked one by name (case).
        self.assertEqual(self.acme.qbo_customer_id, self.qbo_customer("Acme")["Id"])
        self.assertFalse(self.project_named("Acme"), "a client, not a project")
        # In the middle of the tree: a client and a project of the same name,
        # whose client is the parent customer's client.
        for name, parent in (
            ("Acme East", self.acme),
            ("Acme East Web", self.client_named("Acme East")),
            ("Web Phase 1", self.client_named("Acme East Web")),
        ):
            client = self.client_named(name)
            project = self.project_named(name)
            self.assertEqual(len(client), 1, name)
            self.assertEqual(len(project), 1, name)
            self.assertEqual(client.qbo_customer_id, project.qbo_customer_id)
            self.assertEqual(project.partner_id, parent, name)
        # A leaf five levels down: a project of the fourth-level client.
        leaf = self.project_named("Phase 1 QA")
        self.assertEqual(leaf.partner_id, self.client_named("Web Phase 1"))
        self.assertEqual(
            leaf.qbo_fully_qualified_name, "Acme:Acme East:Acme East Web:Web Phase 1:Phase 1 QA"
        )
        self.assertEqual(leaf.company_id, self.company)
        # A QuickBooks project is a sub-customer: the existing Odoo project of
        # the right client is linked (name differs only by case).
        self.assertEqual(self.website.qbo_customer_id, self.qbo_customer("Website")["Id"])
        self.assertEqual(self.website.qbo_fully_qualified_name, "Cool Cars:Website")
        # Same name but another client: not linked, a project is created.
        self.assertFalse(self.mobile_no_client.qbo_customer_id)
        mobile = self.project_named("Mobile App") - self.mobile_no_client
        self.assertEqual(mobile.partner_id, self.cool_cars)
        # A top-level customer without sub-customers: a project without client.
        solo = self.project_named("Solo Customer")
        self.assertTrue(solo.qbo_customer_id)
        self.assertFalse(solo.partner_id)
        self.assertFalse(self.client_named("Solo Customer"))
        # Inactive customers create nothing.
        self.assertFalse(self.project_named("Old Site") | self.project_named("Inactive Corp"))
        # Two Odoo projects of the same client and name: reported, not guessed.
        self.assertFalse(any(self.beta_portals.mapped("qbo_customer_id")))
        self.assertFalse(self.project_named("Beta Portal") - self.beta_portals)
        self.assertIn("Several Odoo projects", self.messages(wizard))
        self.assertNotIn("has no QuickBooks customer", self.messages(wizard, self.beta_portals))
        # Only in Odoo: reported.
        self.assertIn(
            "The Odoo project 'Odoo Only Project' has no QuickBooks customer",
            self.messages(wizard, self.odoo_only),
        )
        created_project = self.project_named("Phase 1 QA")
        line = wizard.line_ids.filtered(
            lambda line: line.res_model == "project.project" and line.res_id == created_project.id
        )
        self.assertEqual(line.action_open_record()["res_id"], created_project.id)
        log = wizard.log_id
        self.assertEqual((log.operation, log.realm_id, log.state), ("resync", REALM_A, "done"))

    def test_second_run_creates_nothing(self):
        self.resync()
        projects = self.Project.with_context(active_test=False).search_count([])
        partners = self.Partner.with_context(active_test=False).search_count([])
        wizard = self.resync()
        self.assertEqual(wizard.count_created_odoo, 0)
        self.assertEqual(self.Project.with_context(active_test=False).search_count([]), projects)
        self.assertEqual(self.Partner.with_context(active_test=False).search_count([]), partners)
        self.assertFalse(
            wizard.line_ids.filtered(lambda line: line.level == "info" and line.res_id),
            "a second run links and creates nothing",
        )

    def test_renames_reparents_and_inactivations_follow_the_id(self):
        self.resync()
        qa = self.project_named("Phase 1 QA")
        qa.name = "QA work"  # renamed on purpose in Odoo
        mobile = self.project_named("Mobile App") - self.mobile_no_client
        solo = self.project_named("Solo Customer")
        self.qbo_update("Customer", "Website", DisplayName="Website 2026")
        self.qbo_update("Customer", "Phase 1 QA", DisplayName="Phase One QA")
        self.qbo_update("Customer", "Acme", DisplayName="Acme Corporation")
        self.qbo_update(
            "Customer", "Mobile App", ParentRef={"value": self.qbo_customer("Beta Co")["Id"]}
        )
        self.qbo_update("Customer", "Solo Customer", Active=False)
        projects_before = self.Project.with_context(active_test=False).search_count([])

        wizard = self.resync()
        self.assertEqual(wizard.count_created_odoo, 0)
        self.assertEqual(
            self.Project.with_context(active_test=False).search_count([]), projects_before
        )
        # Names that agreed keep agreeing; a name changed in Odoo is kept and reported.
        self.assertEqual(self.website.name, "Website 2026")
        self.assertEqual(self.website.qbo_fully_qualified_name, "Cool Cars:Website 2026")
        self.assertEqual(qa.name, "QA work")
        self.assertIn("Phase One QA", qa.qbo_fully_qualified_name)
        self.assertIn("rename one of them", self.messages(wizard, qa))
        # A renamed client keeps its Odoo name (contacts are shared) and its link.
        self.assertEqual(self.acme.name, "ACME")
        self.assertTrue(self.acme._qbo_ref(REALM_A))
        self.assertIn("Acme Corporation", self.messages(wizard, self.acme))
        # Re-parented: the project gets its new client.
        self.assertEqual(mobile.partner_id, self.beta)
        self.assertEqual(mobile.qbo_fully_qualified_name, "Beta Co:Mobile App")
        # Inactive: archived, never deleted.
        self.assertTrue(solo.exists())
        self.assertFalse(solo.active)
        self.assertIn("is archived", self.messages(wizard, solo))

    def test_create_missing_customers_in_quickbooks(self):
        wizard = self.resync(create_missing=True)
        # A project of a client QuickBooks knows: a sub-customer of it.
        created = self.qbo_customer("Odoo Only Project")
        self.assertEqual(created["ParentRef"]["value"], self.cool_cars.qbo_customer_id)
        self.assertEqual(self.odoo_only.qbo_customer_id, created["Id"])
        self.assertEqual(self.odoo_only.qbo_fully_qualified_name, "Cool Cars:Odoo Only Project")
        # A client QuickBooks does not know is created first.
        client = self.qbo_customer("Greenfield Ltd")
        self.assertEqual(self.greenfield.qbo_customer_id, client["Id"])
        build = self.qbo_customer("Greenfield Build")
        self.assertEqual(build["ParentRef"]["value"], client["Id"])
        # Names QuickBooks would refuse: the sentence says what to rename.
        self.assertIn(
            "A QuickBooks vendor is already named 'Riley Stone': rename the Odoo project",
            self.messages(wizard, self.riley_project),
        )
        self.assertIn(
            "A QuickBooks customer is already named 'Mobile App'",
            self.messages(wizard, self.mobile_no_client),
        )
        self.assertFalse(self.riley_project.qbo_customer_id)
        # The next run sees them in QuickBooks and changes nothing.
        customers = len(self.qbo_entities("Customer"))
        again = self.resync(create_missing=True)
        self.assertEqual(again.count_created_odoo + again.count_created_qbo, 0)
        self.assertEqual(len(self.qbo_entities("Customer")), customers)
        self.assertEqual(self.client_named("Greenfield Ltd"), self.greenfield)

    def test_refused_creation_is_reported_with_the_quickbooks_sentence(self):
        # Another user takes the name in QuickBooks between the read and the create.
        client = self.connection._qbo_client()
        original_batch = type(client).batch

        def batch_after_rival(client_self, items):
            if any(item.payload.get("DisplayName") == "Odoo Only Project" for item in items):
                client_self.create("Vendor", {"DisplayName": "Odoo Only Project"}, None)
            return original_batch(client_self, items)

        self.patch(type(client), "batch", batch_after_rival)
        wizard = self.resync(create_missing=True)
        self.assertFalse(self.odoo_only.qbo_customer_id)
        self.assertIn(
            "already has a customer, vendor or employee with this name",
            (self.messages(wizard, self.odoo_only)),
        )
        self.assertEqual(wizard.log_id.state, "partial")
        self.assertEqual(wizard.count_failed, 1)


def own_project_seed():
    """The resync seed and three customers time is logged against directly:
    Globex Ltd and Umbrella without sub-customers, Initech with one."""
    seed = resync_seed()
    seed["realms"][0]["Customer"] += [
        {"DisplayName": "Globex Ltd"},
        {"DisplayName": "Initech", "children": [{"DisplayName": "Initech Web"}]},
        {"DisplayName": "Umbrella"},
    ]
    return seed


@tagged("post_install", "-at_install")
class TestResyncOwnProject(ResyncCase):
    """A client's project named like the client is the QuickBooks customer itself."""

    @classmethod
    def qbo_seed(cls):
        return own_project_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.Partner.create
        cls.globex = client({"name": "Globex Ltd", "is_company": True})
        cls.initech = client({"name": "Initech", "is_company": True})
        cls.umbrella = client({"name": "Umbrella", "is_company": True})
        project = cls.Project.create
        cls.globex_own = project({"name": "GLOBEX ltd", "partner_id": cls.globex.id})
        cls.globex_consulting = project({"name": "Globex Consulting", "partner_id": cls.globex.id})
        cls.initech_own = project({"name": "Initech", "partner_id": cls.initech.id})
        cls.initech_web = project({"name": "Initech Web", "partner_id": cls.initech.id})
        cls.umbrella_research = project({"name": "Research", "partner_id": cls.umbrella.id})

    def qbo_customers_named(self, display_name):
        return [row for row in self.qbo_entities("Customer") if row["DisplayName"] == display_name]

    def test_a_project_named_like_its_client_is_linked_to_the_customer_itself(self):
        wizard = self.resync()
        globex_id = self.qbo_customer("Globex Ltd")["Id"]
        # Linked to the customer, as its client is: no second project.
        self.assertEqual(self.globex_own.qbo_customer_id, globex_id)
        self.assertEqual(self.globex_own.qbo_fully_qualified_name, "Globex Ltd")
        self.assertFalse(self.globex_own.qbo_project_parent_id)
        self.assertEqual(self.globex_own.partner_id, self.globex)
        self.assertEqual(self.globex._qbo_ref(REALM_A), globex_id)
        self.assertEqual(
            self.Project.search([("qbo_customer_id", "=", globex_id)]), self.globex_own
        )
        self.assertIn("linked to the customer itself", self.messages(wizard, self.globex_own))
        self.assertFalse(self.globex_consulting.qbo_customer_id)
        # A customer with sub-customers, none of that name: the same.
        initech_id = self.qbo_customer("Initech")["Id"]
        self.assertEqual(self.initech_own.qbo_customer_id, initech_id)
        self.assertEqual(self.initech._qbo_ref(REALM_A), initech_id)
        self.assertEqual(self.initech_web.qbo_fully_qualified_name, "Initech:Initech Web")
        # A client without the project: linked, and the project is created under it.
        umbrella_id = self.qbo_customer("Umbrella")["Id"]
        self.assertEqual(self.umbrella._qbo_ref(REALM_A), umbrella_id)
        umbrella_own = self.project_named("Umbrella")
        self.assertEqual(umbrella_own.qbo_customer_id, umbrella_id)
        self.assertEqual(umbrella_own.partner_id, self.umbrella)
        # Without a namesake client nothing changes: a project without client.
        self.assertFalse(self.project_named("Solo Customer").partner_id)

        # The next run changes and reports nothing about them.
        projects = self.Project.with_context(active_test=False).search_count([])
        again = self.resync()
        self.assertEqual(again.count_created_odoo, 0)
        self.assertEqual(self.Project.with_context(active_test=False).search_count([]), projects)
        own = self.globex_own | self.initech_own | umbrella_own
        self.assertFalse(self.messages(again, own))
        self.assertFalse(self.messages(again, self.globex | self.initech | self.umbrella))
        self.assertEqual(own.partner_id, self.globex | self.initech | self.umbrella)

    def test_creating_missing_records_makes_no_sub_customer_of_that_name(self):
        wizard = self.resync(create_missing=True)
        globex_id = self.qbo_customer("Globex Ltd")["Id"]
        self.assertEqual(len(self.qbo_customers_named("Globex Ltd")), 1)
        self.assertEqual(len(self.qbo_customers_named("Initech")), 1)
        self.assertEqual(self.globex_own.qbo_customer_id, globex_id)
        # The client's other projects are its sub-customers.
        consulting = self.qbo_customer("Globex Consulting")
        self.assertEqual(consulting["ParentRef"]["value"], globex_id)
        self.assertEqual(self.globex_consulting.qbo_customer_id, consulting["Id"])
        research = self.qbo_customer("Research")
        self.assertEqual(research["ParentRef"]["value"], self.qbo_customer("Umbrella")["Id"])
        clients = self.globex | self.initech | self.umbrella
        self.assertNotIn("Created in QuickBooks", self.messages(wizard, clients))
        self.assertEqual(len(clients.mapped("qbo_customer_id")), 3)

        # Globex has a sub-customer now: its own project keeps its link, unreported.
        customers = len(self.qbo_entities("Customer"))
        again = self.resync(create_missing=True)
        self.assertEqual(again.count_created_odoo + again.count_created_qbo, 0)
        self.assertEqual(len(self.qbo_entities("Customer")), customers)
        self.assertEqual(self.globex_own.qbo_customer_id, globex_id)
        self.assertEqual(self.globex_own.partner_id, self.globex)
        self.assertFalse(self.messages(again, self.globex_own))

    def test_time_of_the_project_is_sent_for_the_customer_itself(self):
        self.resync()
        self.company.write({"qbo_approved_only": False, "qbo_default_hourly_rate": 100.0})
        line = self.env["account.analytic.line"].create(
            {
                "name": "Audit",
                "project_id": self.globex_own.id,
                "employee_id": self.emily.id,
                "date": date(2026, 3, 2),
                "unit_amount": 1.5,
            }
        )
        action = line.action_qbo_send_preview()
        self.env[action["res_model"]].browse(action["res_id"]).action_confirm()
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        activity = next(
            row
            for row in self.qbo_entities("TimeActivity")
            if row["Id"] == line.qbo_time_activity_id
        )
        self.assertEqual(activity["CustomerRef"]["value"], self.qbo_customer("Globex Ltd")["Id"])
        self.assertNotIn("ProjectRef", activity)

    def test_the_preview_matches_without_creating(self):
        wizard = self.env["qbo.resync.wizard"].create({"company_id": self.company.id})
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview", wizard.preview_error)
        lines = wizard.preview_line_ids.filtered(
            lambda line: line.res_model == "project.project" and line.res_id == self.globex_own.id
        )
        self.assertEqual(lines.mapped("action"), ["match"])
        self.assertFalse(
            wizard.preview_line_ids.filtered(
                lambda line: line.action == "create_odoo" and line.record_name == "Globex Ltd"
            )
        )
        self.assertFalse(self.globex_own.qbo_customer_id)


@tagged("post_install", "-at_install")
class TestResyncPreview(ResyncCase):
    def preview(self, create_missing=False):
        wizard = self.env["qbo.resync.wizard"].create(
            {"company_id": self.company.id, "create_missing": create_missing}
        )
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview", wizard.preview_error)
        return wizard

    def planned(self, wizard, action):
        return wizard.preview_line_ids.filtered(lambda line: line.action == action)

    def test_the_preview_writes_nothing_and_says_what_apply_does(self):
        projects, partners = self.Project.search_count([]), self.Partner.search_count([])
        logs = self.env["qbo.sync.log"].search_count([])
        customers = len(self.qbo_entities("Customer"))
        wizard = self.preview()
        self.assertEqual(self.Project.search_count([]), projects)
        self.assertEqual(self.Partner.search_count([]), partners)
        self.assertEqual(self.env["qbo.sync.log"].search_count([]), logs)
        self.assertEqual(len(self.qbo_entities("Customer")), customers)
        self.assertFalse(self.emily.qbo_id)
        self.assertFalse(self.website.qbo_customer_id)
        # Per record: the action and the rule that decided.
        matched = self.planned(wizard, "match")
        self.assertIn(
            self.emily.id,
            matched.filtered(lambda line: line.res_model == "hr.employee").mapped("res_id"),
        )
        self.assertTrue(all(matched.mapped("message")))
        created = self.planned(wizard, "create_odoo")
        self.assertTrue(created)
        self.assertFalse(any(created.mapped("res_id")), "nothing created exists yet")
        self.assertIn(self.odoo_only.id, self.planned(wizard, "unmatched").mapped("res_id"))

        wizard.action_check()
        self.assertEqual(wizard.state, "done")
        self.assertTrue(self.emily.qbo_id)
        self.assertEqual(wizard.count_created_odoo, len(created))

    def test_the_preview_and_the_report_use_the_same_words_and_numbers(self):
        wizard = self.preview()
        labels = dict(wizard.preview_line_ids._fields["action"].selection)
        planned = {action: len(self.planned(wizard, action)) for action in labels}
        wizard.action_check()
        report = {
            "match": wizard.count_matched,
            "create_odoo": wizard.count_created_odoo,
            "update": wizard.count_updated,
            "unmatched": wizard.count_unmatched,
            "ambiguous": wizard.count_ambiguous,
            "inactive": wizard.count_inactive,
            "failed": wizard.count_failed,
        }
        for action, count in report.items():
            with self.subTest(action=action):
                self.assertEqual(planned[action], count)
                field = {"match": "count_matched"}.get(action, f"count_{action}")
                if action in ("unmatched", "ambiguous", "inactive", "failed", "match"):
                    self.assertEqual(labels[action], wizard._fields[field].string)
        self.assertTrue(wizard.count_unmatched, "the Odoo-only records")
        # The sync log says "Not matched" as the preview did, and refuses nothing.
        self.assertIn(f"Not matched: {wizard.count_unmatched}.", wizard.log_id.summary)
        self.assertEqual(wizard.log_id.count_refused, 0)
        self.assertEqual(
            wizard.log_id.count_done,
            wizard.count_matched + wizard.count_created_odoo + wizard.count_created_qbo,
        )

        # Checked again: the links made are counted as matched, said unchanged.
        again = self.preview()
        emily = again.preview_line_ids.filtered(
            lambda line: (line.res_model, line.res_id) == ("hr.employee", self.emily.id)
        )
        self.assertRecordValues(emily, [{"action": "match", "unchanged": True}])
        self.assertIn("existing link", emily.message)
        self.assertTrue(again.preview_line_ids[-1].unchanged, "unchanged links listed last")

    def test_the_preview_names_what_would_be_created_in_quickbooks(self):
        customers = len(self.qbo_entities("Customer"))
        wizard = self.preview(create_missing=True)
        self.assertIn(self.odoo_only.id, self.planned(wizard, "create_qbo").mapped("res_id"))
        self.assertIn(self.nina.id, self.planned(wizard, "create_qbo").mapped("res_id"))
        self.assertEqual(len(self.qbo_entities("Customer")), customers)
        self.assertFalse(self.nina.qbo_id)

    def test_one_click_resync_when_the_preview_is_turned_off(self):
        self.company.qbo_resync_preview = False
        action = self.env["res.config.settings"].create({}).action_qbo_resync()
        wizard = self.env["qbo.resync.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.state, "done")
        self.assertTrue(self.emily.qbo_id)


@tagged("post_install", "-at_install")
class TestResyncRealms(ResyncCase):
    def test_mappings_of_another_quickbooks_company_are_not_used(self):
        self.resync()
        solo = self.project_named("Solo Customer")
        self.assertEqual(solo._qbo_ref(REALM_A), solo.qbo_customer_id)
        self.qbo_connect(self.connection, REALM_B)
        self.assertIsNone(self.emily._qbo_ref(REALM_B))
        self.assertIsNone(self.dana._qbo_ref(REALM_B))
        self.assertIsNone(solo._qbo_ref(REALM_B))
        self.assertIsNone(self.cool_cars._qbo_ref(REALM_B))
        self.assertFalse(self.Employee.search([("qbo_mapped", "=", True)]))

        self.resync()
        self.assertEqual(self.emily.qbo_realm_id, REALM_B)
        self.assertEqual(self.emily._qbo_ref(REALM_B), ("Employee", self.emily.qbo_id))
        self.assertIsNone(self.emily._qbo_ref(REALM_A), "the link of A was replaced")
        self.assertEqual(solo._qbo_ref(REALM_B), self.qbo_entities("Customer", REALM_B)[0]["Id"])
        self.assertIsNone(self.dana._qbo_ref(REALM_B), "Dana is not in company B")
        self.assertEqual(self.Employee.search([("qbo_mapped", "=", True)]), self.emily)

    def test_resync_from_settings_and_failed_read(self):
        settings = self.env["res.config.settings"].create({"qbo_create_missing": True})
        action = settings.action_qbo_resync()
        self.assertTrue(self.company.qbo_create_missing)
        wizard = self.env["qbo.resync.wizard"].browse(action["res_id"])
        # Settings show the preview first; Apply writes.
        self.assertEqual((wizard.state, wizard.create_missing), ("preview", True))
        self.assertFalse(self.nina.qbo_id)
        wizard.action_check()
        self.assertEqual((wizard.state, wizard.create_missing), ("done", True))
        self.assertTrue(self.nina.qbo_id)

        self.sandbox.configure(fail_rate=1.0)
        self.patch(type(self.connection._qbo_client()), "_backoff", lambda client, attempt: 0)
        wizard = self.env["qbo.resync.wizard"].create({"company_id": self.company.id})
        wizard.action_check()
        self.assertEqual(wizard.state, "failed")
        self.assertEqual(wizard.log_id.state, "failed")
        self.assertIn("QuickBooks lists could not be read", wizard.summary)


@tagged("post_install", "-at_install")
class TestResyncQueries(QboCase):
    """A resync reads and writes in bulk: the number of SQL queries does not
    grow with the number of QuickBooks and Odoo records."""

    qbo_connect_realm = REALM_A
    CLIENTS = 30
    PROJECTS_PER_CLIENT = 8
    EMPLOYEES = 80

    @classmethod
    def qbo_seed(cls):
        customers = [
            {
                "DisplayName": f"Client {client}",
                "children": [
                    {"DisplayName": f"Project {client}-{project}"}
                    for project in range(cls.PROJECTS_PER_CLIENT)
                ],
            }
            for client in range(cls.CLIENTS)
        ]
        employees = [
            {"GivenName": "Person", "FamilyName": str(number)} for number in range(cls.EMPLOYEES)
        ]
        return {
            "realms": [
                {
                    "realm_id": REALM_A,
                    "company_name": "Test Company A",
                    "Employee": employees,
                    "Customer": customers,
                }
            ]
        }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["hr.employee"].create(
            [{"name": f"Person {number}"} for number in range(cls.EMPLOYEES)]
        )
        # Half of the projects exist in Odoo already, under their client.
        for client in range(0, cls.CLIENTS, 2):
            partner = cls.env["res.partner"].create(
                {"name": f"Client {client}", "is_company": True}
            )
            cls.env["project.project"].create(
                [
                    {"name": f"Project {client}-{project}", "partner_id": partner.id}
                    for project in range(cls.PROJECTS_PER_CLIENT)
                ]
            )

    def count_queries(self, function):
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        result = function()
        self.env.flush_all()
        return self.env.cr.sql_log_count - start, result

    def test_query_count_does_not_grow_with_records(self):
        records = self.CLIENTS * (self.PROJECTS_PER_CLIENT + 1) + self.EMPLOYEES
        new_clients = self.CLIENTS // 2
        new_projects = new_clients * self.PROJECTS_PER_CLIENT
        Wizard = self.env["qbo.resync.wizard"]
        first_count, first = self.count_queries(lambda: Wizard._qbo_run(self.company))
        self.assertEqual(first.count_created_odoo, new_clients + new_projects, first.summary)
        second_count, second = self.count_queries(lambda: Wizard._qbo_run(self.company))
        self.assertEqual(second.count_created_odoo, 0)
        self.assertEqual(second.count_matched, records)

        # Odoo itself spends a few queries per new project (its mail alias and
        # analytic account): measure that cost and leave it out.
        partner = self.env["res.partner"].create({"name": "Reference", "is_company": True})
        core_count, _projects = self.count_queries(
            lambda: self.env["project.project"].create(
                [
                    {"name": f"Reference {number}", "partner_id": partner.id}
                    for number in range(new_projects)
                ]
            )
        )
        # Far below the ~350 records: no query per record in the resync (the
        # lists kept for the next, incremental, resync cost a few).
        self.assertLess(first_count - core_count, 66, f"{first_count} - {core_count} queries")
        self.assertLess(second_count, 40, f"second resync: {second_count} queries")


@tagged("post_install", "-at_install")
class TestResyncTour(QboScreenshots, HttpCase):
    """Settings → Check for new users and customers → the report → a created
    project and its QuickBooks mapping, in a real browser."""

    def test_resync_tour(self):
        sandbox = qbo_sandbox()
        sandbox.configure(auto_approve=True, requestid_mode="replay", fail_rate=0.0)
        sandbox.reset(seed=base_seed())
        forget_process_state()
        QboCase.qbo_set_params(self.env, sandbox.url)
        connection = self.env.company._qbo_connection().with_user(self.env.ref("base.user_admin"))
        answer = requests.get(
            connection.action_connect()["url"],
            params={"realm_id": REALM_A},
            allow_redirects=False,
            timeout=10,
        )
        callback = parse_qs(urlparse(answer.headers["Location"]).query)
        connection._qbo_finish_connect(callback["code"][0], callback["realmId"][0])

        self.start_tour(SETTINGS_PATH, "qbo_resync_tour", login="admin")
        project = self.env["project.project"].search([("name", "=", "Website")])
        self.assertEqual(project.qbo_fully_qualified_name, "Cool Cars:Website")
        self.assertEqual(project.partner_id.name, "Cool Cars")
