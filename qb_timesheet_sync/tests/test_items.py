# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import requests

from odoo.tests import tagged

from .common import REALM_A, QboCase


@tagged("post_install", "-at_install")
class TestItems(QboCase):
    qbo_connect_realm = REALM_A

    def items(self):
        return (
            self.env["qbo.item"]
            .with_context(active_test=False)
            .search([("company_id", "=", self.company.id)])
        )

    def test_service_items_are_read_from_quickbooks(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_qbo_refresh_items()
        self.assertEqual(action["params"]["message"], "1 service item read from QuickBooks.")
        self.assertEqual(self.items().mapped("name"), ["Hours"])
        self.assertEqual(self.items().realm_id, REALM_A)

    def test_items_gone_from_quickbooks_are_archived_and_come_back(self):
        Item = self.env["qbo.item"]
        Item._qbo_refresh(self.company)
        hours = self.items()
        entities = f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/entities/Item"
        qbo_hours = requests.get(entities, timeout=10).json()[0]
        rows = [{**qbo_hours, "Name": "Hours (renamed)"}, {"Id": "999", "Name": "Travel"}]
        Item._qbo_store(self.company, REALM_A, rows)
        self.assertEqual(hours.name, "Hours (renamed)")
        self.assertEqual(set(self.items().mapped("name")), {"Hours (renamed)", "Travel"})
        Item._qbo_store(self.company, REALM_A, rows[1:])
        self.assertFalse(hours.active, "kept for the projects that use it, but archived")
        self.assertEqual(len(self.items()), 2, "nothing is deleted")
