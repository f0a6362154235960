# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Deleting a sent line, when the company asks for it (``qbo_delete_policy``):
the time activity is deleted in QuickBooks too, crash-safe.

The line's deletion records a :class:`QboTimeDeletion` in the same
transaction: both are committed together, or neither is. A cron then
deletes the time activities in QuickBooks by batch, with the requestid kept
on the record; until QuickBooks confirms, the record stays *pending*
(visible in its list and in the sync log). Sent again after a crash, a
delete is answered from QuickBooks' requestid memory or refused because the
time activity is already deleted (610): both confirm it, so a deletion is
never lost and never made twice.
"""

import uuid

from odoo import api, fields, models

from ..qbo import BatchItem, QboError, QboNotFound, QboStaleObject
from ..qbo.text import _lt, counted, joined, render
from ..qbo.timesheet_rules import format_duration
from .account_analytic_line import TRANSIENT_ERRORS, UNKNOWN_OUTCOME_ERRORS

DELETE_CRON = "qb_timesheet_sync.ir_cron_qbo_delete"
DELETE_CHUNK = 300


class QboTimeDeletion(models.Model):
    _name = "qbo.time.deletion"
    _description = "Time activity to delete in QuickBooks"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    realm_id = fields.Char(required=True, readonly=True)
    time_activity_id = fields.Char(string="QuickBooks time activity", required=True, readonly=True)
    sync_token = fields.Char(readonly=True)
    request_id = fields.Char(string="QuickBooks request ID", required=True, readonly=True)
    name = fields.Char(string="Timesheet line", readonly=True)
    user_id = fields.Many2one("res.users", string="Deleted by", readonly=True)
    # The deleted line, as it was: its sync log tells who, when, how long.
    employee_id = fields.Many2one("hr.employee", string="Employee", readonly=True)
    date = fields.Date(readonly=True)
    duration = fields.Float(readonly=True, help="Of the deleted line, in hours.")
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Deleted in QuickBooks"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    last_error = fields.Text(string="QuickBooks error", readonly=True)
    done_at = fields.Datetime(string="Confirmed on", readonly=True)

    @api.model
    def _qbo_action_open(self):
        """The list of deletions: the last 30 days, and only the pending ones
        when some still wait for QuickBooks."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "qb_timesheet_sync.action_qbo_time_deletion"
        )
        if self.search_count([("state", "=", "pending")], limit=1):
            action["context"] = {"search_default_pending": 1}
        return action

    @api.model
    def _qbo_record_deletions(self, lines):
        """Record the deletion of sent ``lines`` (in the transaction that
        deletes them) and wake the cron up."""
        lines = lines.sudo()
        hour = self.env.ref("uom.product_uom_hour")
        vals_list = []
        for line in lines:
            hours = line._qbo_hours(hour)
            vals_list.append(
                {
                    "company_id": line.company_id.id,
                    "realm_id": line.qbo_realm_id,
                    "time_activity_id": line.qbo_time_activity_id,
                    "sync_token": line.qbo_sync_token,
                    "request_id": uuid.uuid4().hex,
                    "name": f"{line.employee_id.name} · {line.date} · "
                    f"{format_duration(round(hours * 60))} · {line.project_id.display_name}",
                    "user_id": self.env.uid,
                    "employee_id": line.employee_id.id,
                    "date": line.date,
                    "duration": hours,
                }
            )
        self.sudo().create(vals_list)
        self.env.ref(DELETE_CRON).sudo()._trigger()

    @api.model
    def _qbo_cron_delete(self):
        """Cron: delete the pending time activities, company by company."""
        pending = self.sudo().search([("state", "=", "pending")])
        for company in pending.company_id:
            company_pending = pending.filtered(
                lambda deletion, company=company: deletion.company_id == company
            )
            self._qbo_delete_company(company, company_pending)

    @api.model
    def _qbo_delete_company(self, company, deletions):
        connection = company.sudo()._qbo_connection()
        if connection.state != "connected":
            return
        deletions = deletions.filtered(lambda deletion: deletion.realm_id == connection.realm_id)
        client = connection._qbo_client()
        details = []
        for start in range(0, len(deletions), DELETE_CHUNK):
            chunk = deletions[start : start + DELETE_CHUNK]
            stale = self._qbo_send_deletes(client, chunk, details)
            if stale:
                self._qbo_refresh_tokens(client, stale, details)
                self._qbo_send_deletes(
                    client, stale.filtered(lambda d: d.state == "pending"), details
                )
        # One entry per person who deleted: the cron works on their behalf.
        by_user = {}
        for deletion, level, reason in details:
            by_user.setdefault(deletion.user_id, []).append((deletion, level, reason))
        for user, outcomes in by_user.items():
            counts = {
                "done": sum(deletion.state == "done" for deletion, _level, _reason in outcomes),
                "failed": sum(deletion.state == "failed" for deletion, _level, _reason in outcomes),
            }
            self.env["qbo.sync.log"]._record(
                company,
                "delete",
                _lt("Delete in QuickBooks"),
                self._qbo_summary(counts),
                realm_id=connection.realm_id,
                lines=[self._qbo_detail(*outcome) for outcome in outcomes],
                user=user,
                counts=counts,
            )

    @api.model
    def _qbo_summary(self, counts):
        """The summary of a run's ``counts`` ({"done", "failed"}) in the sync log."""
        return joined(
            counted(
                counts["done"],
                _lt(
                    "%(count)s time activity of a timesheet line deleted in Odoo was deleted "
                    "in QuickBooks."
                ),
                _lt(
                    "%(count)s time activities of timesheet lines deleted in Odoo were deleted "
                    "in QuickBooks."
                ),
            ),
            counts["failed"]
            and counted(
                counts["failed"],
                _lt("%(count)s time activity could not be deleted."),
                _lt("%(count)s time activities could not be deleted."),
            ),
        )

    @api.model
    def _qbo_send_deletes(self, client, deletions, details):
        """Delete ``deletions`` in one journaled batch; returns those QuickBooks
        refused as stale."""
        items = [
            BatchItem(
                "delete",
                "TimeActivity",
                {"Id": deletion.time_activity_id, "SyncToken": deletion.sync_token or "0"},
                deletion.request_id,
                key=deletion,
            )
            for deletion in deletions
        ]
        stale = self.browse()
        for result in self.env["qbo.mapping.mixin"]._qbo_send_batch(client, items):
            deletion = result.item.key
            error = result.error
            if result.ok or isinstance(error, QboNotFound):
                # Deleted now, or by the lost answer of an earlier try.
                deletion.write({"state": "done", "done_at": fields.Datetime.now()})
                details.append((deletion, "info", None))
            elif isinstance(error, QboStaleObject):
                stale |= deletion
            elif isinstance(error, (*TRANSIENT_ERRORS, *UNKNOWN_OUTCOME_ERRORS)):
                deletion.write({"last_error": str(error)})  # stays pending: next run
            else:
                deletion.write({"state": "failed", "last_error": str(error)})
                details.append((deletion, "error", error))
        return stale

    @api.model
    def _qbo_refresh_tokens(self, client, deletions, details):
        """Changed in QuickBooks since it was sent: delete the newest version,
        unless QuickBooks has billed it (then it stays, with the reason)."""
        try:
            records = client.time_activities_by_ids(deletions.mapped("time_activity_id"))
        except QboError as error:
            deletions.write({"last_error": str(error)})
            return
        for deletion in deletions:
            record = records.get(deletion.time_activity_id)
            if record is None:
                deletion.write({"state": "done", "done_at": fields.Datetime.now()})
                details.append((deletion, "info", None))
            elif record.get("BillableStatus") == "HasBeenBilled":
                reason = _lt(
                    "QuickBooks billed this time since it was sent: it was not deleted "
                    "there. Remove it from the invoice in QuickBooks first."
                )
                deletion.write({"state": "failed", "last_error": render(reason, self.env._)})
                details.append((deletion, "error", reason))
            else:
                deletion.write({"sync_token": record.get("SyncToken")})

    @api.model
    def _qbo_detail(self, deletion, level, reason=None):
        """The sync log detail of ``deletion``'s outcome (``reason``: why it
        failed, a sentence or an error, else its last error as written)."""
        return {
            "level": level,
            "message": self._qbo_detail_message(deletion, reason),
            "record_name": deletion.name,
            "employee_id": deletion.employee_id.id,
            "timesheet_date": deletion.date,
            "duration": deletion.duration,
        }

    @api.model
    def _qbo_detail_message(self, deletion, reason=None):
        if deletion.state == "done":
            return _lt(
                "Time activity %(id)s deleted in QuickBooks (%(line)s).",
                id=deletion.time_activity_id,
                line=deletion.name,
            )
        return _lt(
            "Time activity %(id)s could not be deleted in QuickBooks (%(line)s): %(reason)s",
            id=deletion.time_activity_id,
            line=deletion.name,
            reason=reason or deletion.last_error,
        )
