# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the sync log says after sending, in a real browser: the
Administrator deletes a sent line (qbo_delete_tour), the background job
deletes its time activity in QuickBooks, a line changed in QuickBooks is
settled by keeping QuickBooks' version (qbo_conflict_tour), then the sync log
names both entries by what happened and by whom (qbo_sync_log_tour)."""

import uuid
from urllib.parse import parse_qsl

from odoo.tests import tagged

from ..models.qbo_time_deletion import DELETE_CRON
from .common import REALM_A, forget_process_state
from .common_send import send_seed
from .test_connection_ui import QboHttpCase


@tagged("post_install", "-at_install")
class TestSyncLogTour(QboHttpCase):
    def test_sync_log_tour(self):
        self.sandbox.reset(seed=send_seed())
        forget_process_state()
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        self.env.company.qbo_delete_policy = "delete"
        admin = self.env.ref("base.user_admin")
        Log = self.env["qbo.sync.log"]

        # A sent line the Administrator deletes in Odoo; the job deletes its
        # time activity in QuickBooks, as OdooBot.
        deleted = self.qbo_design_review_line()
        employee, project, day = deleted.employee_id, deleted.project_id, deleted.date
        deleted.with_user(admin)._qbo_send()
        self.assertEqual(deleted.qbo_state, "sent")
        activity_id = deleted.qbo_time_activity_id
        self.start_tour("/odoo/all-timesheets", "qbo_delete_tour", login="admin", timeout=180)
        self.assertFalse(deleted.exists())
        self.env.ref(DELETE_CRON).method_direct_trigger()
        self.assertFalse(self.time_activities())

        # A line of the same hours, changed in QuickBooks, settled by keeping
        # QuickBooks' version.
        changed = self.env["account.analytic.line"].create(
            {
                "name": "Design review",
                "employee_id": employee.id,
                "project_id": project.id,
                "unit_amount": 5.0,
                "date": day,
            }
        )
        changed.with_user(admin)._qbo_send()
        self.assertEqual(changed.qbo_state, "sent")
        client = self.env.company._qbo_connection()._qbo_client()
        (activity,) = self.time_activities()
        body = {k: v for k, v in activity.items() if k not in ("domain", "sparse", "MetaData")}
        client.update("TimeActivity", {**body, "Hours": 6}, uuid.uuid4().hex)
        self.env["qbo.reconcile"]._qbo_reconcile_company(self.env.company)
        self.assertEqual(changed.qbo_state, "changed")
        self.start_tour("/odoo/all-timesheets", "qbo_conflict_tour", login="admin")
        self.assertRecordValues(changed, [{"qbo_state": "sent", "unit_amount": 6.0}])

        self.start_tour("/odoo/timesheets", "qbo_sync_log_tour", login="admin", timeout=180)
        (deletion,) = Log.search([("operation", "=", "delete")])
        self.assertEqual(deletion.user_id, admin)
        self.assertIn(activity_id, deletion.line_ids.message)
        (kept,) = Log.search([("operation", "=", "keep_qbo")])
        self.assertEqual(kept.user_id, admin)
        self.assertFalse(Log.search([("operation", "=", "send"), ("user_id", "!=", admin.id)]))

    def time_activities(self):
        """The time activities QuickBooks holds (deleted ones left out)."""
        return [
            record
            for record in self.sandbox.state.records(REALM_A, "TimeActivity")
            if record.get("status") != "Deleted"
        ]
