# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Failures to fix in a real browser: an employee not linked to QuickBooks is
linked from its group, then the group's line is sent again (screenshot
``failures`` when QBTS_SCREENSHOTS is set)."""

from urllib.parse import parse_qsl

from odoo import fields
from odoo.tests import tagged

from ..models.qbo_reconcile import WATERMARK_PARAM
from .common import REALM_A
from .common_send import EMILY_ID, WEBSITE_ID, qbo_write, send_seed
from .test_connection_ui import QboHttpCase


@tagged("post_install", "-at_install")
class TestFailureFixTour(QboHttpCase):
    def test_failure_fix_tour(self):
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM % REALM_A, fields.Datetime.to_string(fields.Datetime.now())
        )
        self.connection._qbo_overview_cron_records().write(
            {"active": True, "lastcall": fields.Datetime.now()}
        )
        # Emily is not linked in Odoo; QuickBooks has an employee of her name.
        emily = self.env["hr.employee"].create({"name": "Emily Platt"})
        website = self.env["project.project"].create({"name": "Website", "qbo_hourly_rate": 120.0})
        qbo_write(website, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})
        line = self.env["account.analytic.line"].create(
            {
                "name": "Unlinked design review",
                "employee_id": emily.id,
                "unit_amount": 3.0,
                "project_id": website.id,
                "date": fields.Date.context_today(website),
            }
        )
        qbo_write(line, {"qbo_state": "refused", "qbo_refusal_code": "employee_not_mapped"})

        self.start_tour("/odoo/timesheets", "qbo_failure_fix_tour", login="admin", timeout=240)

        self.env.invalidate_all()
        self.assertEqual(emily.qbo_id, EMILY_ID)
        self.assertEqual(line.qbo_state, "sent")
        self.assertTrue(line.qbo_time_activity_id)
        activities = self.sandbox.state.records(REALM_A, "TimeActivity")
        self.assertEqual(len(activities), 1)
        self.assertEqual(str(activities[0]["Id"]), line.qbo_time_activity_id)
        self.assertEqual(activities[0]["EmployeeRef"]["value"], EMILY_ID)
