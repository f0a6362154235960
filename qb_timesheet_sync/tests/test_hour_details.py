# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The service item, class, location and cost of an hour, from the
one cascade (task, employee, project, company), checked in the plan and at
the sandbox."""

from urllib.parse import parse_qsl

import requests

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import format_amount

from .common import REALM_A, qbo_write
from .common_send import EMILY_ID, HOURS_ITEM_ID, WEBSITE_ID, QboSendCase, send_seed
from .test_connection_ui import QboHttpCase

DESIGN_CLASS_ID = "80"
SUPPORT_CLASS_ID = "81"
CONSULTING_CLASS_ID = "82"
BOSTON_ID = "90"
REMOTE_ID = "91"
PARIS_ID = "92"
TRAVEL_ITEM_ID = "4"


def hour_seed():
    seed = send_seed()
    realm_a = seed["realms"][0]
    realm_a["settings"] = {"ClassTrackingPerTxn": True, "TrackDepartments": True}
    realm_a["Item"].append({"Id": TRAVEL_ITEM_ID, "Name": "Travel", "Type": "Service"})
    realm_a["Class"] = [
        {"Id": DESIGN_CLASS_ID, "Name": "Design"},
        {"Id": SUPPORT_CLASS_ID, "Name": "Support"},
        {"Id": CONSULTING_CLASS_ID, "Name": "Consulting"},
    ]
    realm_a["Department"] = [
        {"Id": BOSTON_ID, "Name": "Boston"},
        {"Id": REMOTE_ID, "Name": "Remote"},
        {"Id": PARIS_ID, "Name": "Paris"},
    ]
    return seed


@tagged("post_install", "-at_install")
class TestHourDetails(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        return hour_seed()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["qbo.item"]

        def listed(kind, name, qbo_id):
            return Item.create(
                {
                    "name": name,
                    "kind": kind,
                    "qbo_id": qbo_id,
                    "realm_id": REALM_A,
                    "company_id": cls.company.id,
                }
            )

        cls.travel_item = listed("item", "Travel", TRAVEL_ITEM_ID)
        cls.design = listed("class", "Design", DESIGN_CLASS_ID)
        cls.support = listed("class", "Support", SUPPORT_CLASS_ID)
        cls.consulting_class = listed("class", "Consulting", CONSULTING_CLASS_ID)
        cls.boston = listed("department", "Boston", BOSTON_ID)
        cls.remote = listed("department", "Remote", REMOTE_ID)
        cls.paris = listed("department", "Paris", PARIS_ID)
        cls.website.qbo_hourly_rate = 120.0
        cls.task = cls.env["project.task"].create(
            {"name": "Travel to client", "project_id": cls.website.id}
        )

    def refs(self, payload):
        return {
            key: (payload.get(key) or {}).get("value")
            for key in ("ItemRef", "ClassRef", "DepartmentRef")
        }

    def test_service_item_most_specific_wins(self):
        line = self.line(task_id=self.task.id)
        steps = [
            # (what is set, the item sent)
            (lambda: self.company.write({"qbo_default_item_ref_id": self.hours_item.id}), "2"),
            (lambda: setattr(self.website, "qbo_item_ref_id", self.consulting_item), "3"),
            (lambda: setattr(self.emily, "qbo_item_ref_id", self.hours_item), "2"),
            (lambda: setattr(self.task, "qbo_item_ref_id", self.travel_item), TRAVEL_ITEM_ID),
        ]
        self.assertNotIn("ItemRef", self.plan(line).payload)
        for set_level, item_id in steps:
            set_level()
            self.assertEqual(self.plan(line).payload["ItemRef"], {"value": item_id})
        # A line of another task of the project falls back to the employee's.
        other = self.line()
        self.assertEqual(self.plan(other).payload["ItemRef"], {"value": "2"})

    def test_class_and_location_most_specific_wins(self):
        line = self.line()
        self.company.write(
            {
                "qbo_default_class_ref_id": self.consulting_class.id,
                "qbo_default_department_ref_id": self.paris.id,
            }
        )
        self.assertEqual(
            self.refs(self.plan(line).payload),
            {"ItemRef": None, "ClassRef": CONSULTING_CLASS_ID, "DepartmentRef": PARIS_ID},
        )
        self.website.write(
            {"qbo_class_ref_id": self.design.id, "qbo_department_ref_id": self.boston.id}
        )
        self.assertEqual(self.refs(self.plan(line).payload)["ClassRef"], DESIGN_CLASS_ID)
        self.assertEqual(self.refs(self.plan(line).payload)["DepartmentRef"], BOSTON_ID)
        self.emily.write({"qbo_class_ref_id": self.support.id})
        payload = self.plan(line).payload
        self.assertEqual(self.refs(payload)["ClassRef"], SUPPORT_CLASS_ID)
        self.assertEqual(self.refs(payload)["DepartmentRef"], BOSTON_ID, "the project's")
        self.emily.write({"qbo_department_ref_id": self.remote.id})
        self.assertEqual(self.refs(self.plan(line).payload)["DepartmentRef"], REMOTE_ID)

    def test_sent_with_class_location_item_and_cost_at_quickbooks(self):
        self.company.write({"qbo_send_cost": True})
        self.emily.hourly_cost = 45.0
        self.website.write(
            {
                "qbo_class_ref_id": self.design.id,
                "qbo_department_ref_id": self.boston.id,
                "qbo_item_ref_id": self.consulting_item.id,
            }
        )
        line = self.line(unit_amount=2.0)
        wizard = self.preview(line)
        self.assertEqual(wizard.amount_to_send, 240.0)
        self.assertEqual(wizard.cost_to_send, 90.0)
        self.assertEqual(wizard.employee_total_ids.cost, 90.0)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        (activity,) = self.time_activities()
        self.assertEqual(activity["ClassRef"], {"value": DESIGN_CLASS_ID, "name": "Design"})
        self.assertEqual(activity["DepartmentRef"], {"value": BOSTON_ID, "name": "Boston"})
        self.assertEqual(activity["ItemRef"]["name"], "Consulting")
        self.assertEqual(activity["CostRate"], 45.0)
        self.assertEqual(activity["HourlyRate"], 120.0)
        detail = self.last_send_log().line_ids.filtered(lambda detail: detail.res_id == line.id)
        # Stored with its currency; shown as the reader's language writes money.
        currency = self.company.currency_id
        self.assertIn(
            f"Cost sent: 45.00 {currency.name} an hour (90.00 {currency.name} in all).",
            detail.message,
        )
        rate, cost = (format_amount(self.env, amount, currency) for amount in (45, 90))
        self.assertIn(
            f"Cost sent: {rate} an hour ({cost} in all).",
            detail.with_context(lang="en_US").message_display,
        )

    def test_no_cost_without_the_company_setting(self):
        self.emily.hourly_cost = 45.0
        plan = self.plan(self.line())
        self.assertNotIn("CostRate", plan.payload)
        self.assertEqual(plan.cost, 0.0)

    def test_missing_required_class_is_refused_with_a_reason(self):
        self.company.qbo_require_class = True
        line = self.line()
        plan = self.plan(line)
        self.assertEqual(plan.refusal.code, "class_required")
        self.assertIn("'Emily Platt'", plan.refusal.message)
        self.send(line)
        # Refused with its reason, and nothing reached QuickBooks.
        self.assertEqual(line.qbo_state, "refused")
        self.assertEqual(line.qbo_refusal_code, "class_required")
        self.assertFalse(self.time_activities())
        self.website.qbo_class_ref_id = self.design
        self.assertFalse(self.plan(line).refusal)
        # A QuickBooks company that does not track classes requires none.
        self.website.qbo_class_ref_id = False
        self.sandbox_settings(ClassTrackingPerTxn=False)
        plan = self.plan(line)
        self.assertFalse(plan.refusal, plan.refusal and plan.refusal.message)

    def test_class_and_location_not_sent_when_quickbooks_does_not_track_them(self):
        self.website.write(
            {"qbo_class_ref_id": self.design.id, "qbo_department_ref_id": self.boston.id}
        )
        self.sandbox_settings(ClassTrackingPerTxn=False, TrackDepartments=False)
        line = self.line()
        payload = self.plan(line).payload
        self.assertNotIn("ClassRef", payload)
        self.assertNotIn("DepartmentRef", payload)
        self.send(line)
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)

    def test_settings_of_another_quickbooks_company_are_not_sent(self):
        self.website.qbo_class_ref_id = self.design
        self.design.sudo().realm_id = "1111"
        self.assertNotIn("ClassRef", self.plan(self.line()).payload)

    def test_resync_reads_the_classes_and_locations_quickbooks_tracks(self):
        Item = self.env["qbo.item"]
        Item.search([("kind", "in", ("class", "department"))]).unlink()
        log = self.env["qbo.resync.wizard"]._qbo_run(self.company, create_missing=False)
        self.assertEqual(log.state, "done", log.summary)
        listed = Item.search([("company_id", "=", self.company.id), ("realm_id", "=", REALM_A)])
        self.assertEqual(
            sorted(listed.filtered(lambda item: item.kind == "class").mapped("name")),
            ["Consulting", "Design", "Support"],
        )
        self.assertEqual(
            sorted(listed.filtered(lambda item: item.kind == "department").mapped("qbo_id")),
            [BOSTON_ID, REMOTE_ID, PARIS_ID],
        )

    def test_only_quickbooks_managers_set_what_an_hour_carries(self):
        user = new_test_user(
            self.env,
            "qbo_hour_user",
            groups="project.group_project_manager,hr.group_hr_user,"
            "qb_timesheet_sync.group_qbo_user",
        )
        for record, field, value in (
            (self.website, "qbo_class_ref_id", self.design),
            (self.emily, "qbo_department_ref_id", self.boston),
            (self.task, "qbo_item_ref_id", self.travel_item),
        ):
            with self.subTest(model=record._name):
                with self.assertRaisesRegex(AccessError, "Only QuickBooks managers"):
                    record.with_user(user).write({field: value.id})


@tagged("post_install", "-at_install")
class TestHourDetailsTour(QboHttpCase):
    """Map a class and a location on a project in the browser, send a line,
    see its class, location, item and cost on the sandbox's page."""

    def test_hour_details_tour(self):
        self.sandbox.reset(seed=hour_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        company = self.env.company
        hours, _design, _boston = self.env["qbo.item"].create(
            [
                {
                    "name": name,
                    "kind": kind,
                    "qbo_id": qbo_id,
                    "realm_id": REALM_A,
                    "company_id": company.id,
                }
                for name, kind, qbo_id in (
                    ("Hours", "item", HOURS_ITEM_ID),
                    ("Design", "class", DESIGN_CLASS_ID),
                    ("Boston", "department", BOSTON_ID),
                )
            ]
        )
        company.write({"qbo_send_cost": True, "qbo_default_item_ref_id": hours.id})
        emily = self.env["hr.employee"].create({"name": "Emily Platt", "hourly_cost": 52.0})
        qbo_write(emily, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        website = self.env["project.project"].create({"name": "Website", "qbo_hourly_rate": 120.0})
        qbo_write(website, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})

        self.start_tour(
            f"/odoo/project.project/{website.id}", "qbo_hour_details_tour", login="admin"
        )

        self.assertEqual(website.qbo_class_ref_id.name, "Design")
        self.assertEqual(website.qbo_department_ref_id.name, "Boston")
        line = self.env["account.analytic.line"].create(
            {
                "name": "Design review",
                "employee_id": emily.id,
                "unit_amount": 2.0,
                "project_id": website.id,
                "date": fields.Date.context_today(website),
            }
        )
        line._qbo_send()
        self.assertEqual(line.qbo_state, "sent", line.qbo_last_error)
        page = requests.get(f"{self.sandbox.url}/_sandbox/", timeout=10).text
        row = next(row for row in page.split("<tr") if "Design review" in row)
        for shown in ("Hours", "Design", "Boston", "52.0"):
            self.assertIn(f"<td>{shown}</td>", row)
