# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fixtures of the sending tests: a company connected to QuickBooks company A,
employees and projects mapped to the records of the seed below."""

from datetime import date

import requests

from .common import REALM_A, QboCase, base_seed, qbo_write

EMILY_ID = "55"  # QuickBooks employee
JORDAN_ID = "70"  # QuickBooks vendor (contractor)
WEBSITE_ID = "22"  # sub-customer "Cool Cars:Website"
OLD_SHOP_ID = "23"  # inactive customer
HOURS_ITEM_ID = "2"
CONSULTING_ITEM_ID = "3"


def send_seed():
    seed = base_seed()
    realm_a = seed["realms"][0]
    realm_a.update(
        {
            "Employee": [
                {
                    "Id": EMILY_ID,
                    "GivenName": "Emily",
                    "FamilyName": "Platt",
                    "DisplayName": "Emily Platt",
                }
            ],
            "Vendor": [{"Id": JORDAN_ID, "DisplayName": "Jordan Blake"}],
            "Item": [
                {"Id": HOURS_ITEM_ID, "Name": "Hours", "Type": "Service"},
                {"Id": CONSULTING_ITEM_ID, "Name": "Consulting", "Type": "Service"},
            ],
            "Customer": [
                {
                    "Id": "21",
                    "DisplayName": "Cool Cars",
                    "children": [{"Id": WEBSITE_ID, "DisplayName": "Website"}],
                },
                {"Id": OLD_SHOP_ID, "DisplayName": "Old Shop", "Active": False},
            ],
        }
    )
    return seed


class QboSendCase(QboCase):
    qbo_connect_realm = REALM_A

    @classmethod
    def qbo_seed(cls):
        return send_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "qbo_default_hourly_rate": 0.0,
                "qbo_default_item_ref_id": False,
                "qbo_rounding_step": "none",
                "qbo_rounding_method": "up",
                "qbo_send_non_billable": False,
                "qbo_approved_only": True,
                "qbo_edit_policy": "mark",
            }
        )
        cls.emily = cls.env["hr.employee"].create({"name": "Emily Platt"})
        qbo_write(cls.emily, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        cls.jordan = cls.env["hr.employee"].create({"name": "Jordan Blake"})
        qbo_write(cls.jordan, {"qbo_id": JORDAN_ID, "qbo_kind": "Vendor", "qbo_realm_id": REALM_A})
        cls.cool_cars = cls.env["res.partner"].create({"name": "Cool Cars", "is_company": True})
        cls.website = cls.env["project.project"].create(
            {"name": "Website", "partner_id": cls.cool_cars.id, "qbo_hourly_rate": 120.0}
        )
        qbo_write(
            cls.website,
            {
                "qbo_customer_id": WEBSITE_ID,
                "qbo_fully_qualified_name": "Cool Cars:Website",
                "qbo_realm_id": REALM_A,
            },
        )
        cls.old_shop = cls.env["project.project"].create(
            {"name": "Old Shop", "qbo_hourly_rate": 90.0}
        )
        qbo_write(
            cls.old_shop,
            {
                "qbo_customer_id": OLD_SHOP_ID,
                "qbo_fully_qualified_name": "Old Shop",
                "qbo_realm_id": REALM_A,
            },
        )
        cls.hours_item, cls.consulting_item = cls.env["qbo.item"].create(
            [
                {"name": name, "qbo_id": qbo_id, "realm_id": REALM_A, "company_id": cls.company.id}
                for name, qbo_id in (("Hours", HOURS_ITEM_ID), ("Consulting", CONSULTING_ITEM_ID))
            ]
        )

    def line(self, **values):
        """A timesheet line: Emily, 2 hours on Website on 2026-03-02 unless told."""
        values = {
            "name": "Design review",
            "project_id": self.website.id,
            "employee_id": self.emily.id,
            "date": date(2026, 3, 2),
            "unit_amount": 2.0,
            **values,
        }
        return self.env["account.analytic.line"].create(values)

    def bill(self, line):
        """A QuickBooks user puts the time of ``line`` on an invoice."""
        self.bill_time_activity(line.qbo_time_activity_id)

    def bill_time_activity(self, activity_id):
        """A QuickBooks user puts the time activity ``activity_id`` on an invoice."""
        requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/time-activities/{activity_id}/bill",
            timeout=10,
        ).raise_for_status()

    def preview(self, lines):
        action = lines.action_qbo_send_preview()
        return self.env[action["res_model"]].browse(action["res_id"])

    def send(self, lines):
        """Preview then confirm; returns the notification action."""
        return self.preview(lines).action_confirm()

    def plan(self, line):
        """How ``line`` would be sent right now."""
        send_context = line._qbo_send_context(line.company_id, preview=True)
        return line._qbo_plans(send_context)[0]

    def sandbox_settings(self, realm_id=REALM_A, **settings):
        response = requests.post(
            f"{self.sandbox.url}/_sandbox/realms/{realm_id}/settings", json=settings, timeout=10
        )
        response.raise_for_status()

    def time_activities(self, realm_id=REALM_A):
        """The time activities QuickBooks company ``realm_id`` holds (deleted ones left out)."""
        return [
            record
            for record in self.sandbox.state.records(realm_id, "TimeActivity")
            if record.get("status") != "Deleted"
        ]

    def last_send_log(self):
        return self.env["qbo.sync.log"].search([("operation", "=", "send")], limit=1)
