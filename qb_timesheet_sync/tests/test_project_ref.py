# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time of an Odoo project linked to a QuickBooks project (a
sub-customer marked ``IsProject``) is sent for the project's customer and
linked to the project through ``ProjectRef``, where the QuickBooks company
uses Projects."""

from odoo.tests import tagged

from .common import qbo_write
from .common_send import WEBSITE_ID, QboSendCase, send_seed

COOL_CARS_ID = "21"


def project_seed():
    seed = send_seed()
    (cool_cars,) = [
        customer for customer in seed["realms"][0]["Customer"] if customer["Id"] == COOL_CARS_ID
    ]
    cool_cars["children"][0]["IsProject"] = True
    return seed


@tagged("post_install", "-at_install")
class TestProjectRef(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        return project_seed()

    def test_resync_keeps_the_customer_of_a_quickbooks_project(self):
        self.assertFalse(self.website.qbo_project_parent_id)
        self.env["qbo.resync"]._qbo_run(self.company, False)
        self.assertEqual(self.website.qbo_project_parent_id, COOL_CARS_ID)

    def test_linking_by_hand_keeps_the_customer_of_a_quickbooks_project(self):
        qbo_write(self.website, {"qbo_customer_id": False, "qbo_fully_qualified_name": False})
        action = self.website.action_qbo_choose_mapping()
        wizard = self.env["qbo.map.wizard"].browse(action["res_id"])
        wizard.choice_id = wizard.choice_ids.filtered(lambda c: c.qbo_id == WEBSITE_ID)
        wizard.action_apply()
        self.assertEqual(self.website.qbo_customer_id, WEBSITE_ID)
        self.assertEqual(self.website.qbo_project_parent_id, COOL_CARS_ID)
        # Cleared with the rest of the link.
        self.website.action_qbo_clear_mapping()
        self.assertFalse(self.website.qbo_project_parent_id)

    def test_time_is_the_customers_linked_to_the_project(self):
        qbo_write(self.website, {"qbo_project_parent_id": COOL_CARS_ID})
        line = self.line()
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(activity["CustomerRef"]["value"], COOL_CARS_ID)
        self.assertEqual(activity["ProjectRef"], {"value": WEBSITE_ID})

    def test_project_sent_as_a_sub_customer_when_not_linked(self):
        qbo_write(self.website, {"qbo_project_parent_id": COOL_CARS_ID})
        # The company setting off: the project is the sub-customer it also is.
        self.company.qbo_link_projects = False
        payload = self.plan(self.line()).payload
        self.assertEqual(payload["CustomerRef"], {"value": WEBSITE_ID})
        self.assertNotIn("ProjectRef", payload)
        # The QuickBooks company does not use Projects: the same.
        self.company.qbo_link_projects = True
        self.sandbox_settings(ProjectsEnabled=False)
        line = self.line()
        self.assertNotIn("ProjectRef", self.plan(line).payload)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(activity["CustomerRef"]["value"], WEBSITE_ID)
        self.assertNotIn("ProjectRef", activity)
