# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Edits after sending: the time activity of an edited line is updated, the
same Id with the SyncToken of QuickBooks' last answer, by batch, with its
requestid journaled before the request leaves, exactly as a create.

Crash-safe without a search: an update carries the SyncToken it was based
on, so QuickBooks applies it at most once. Sent again after a lost answer,
it is answered from QuickBooks' requestid memory or refused as stale (5010);
QuickBooks' copy is then read again and compared (``qbo/updates.py``):
already holding Odoo's values, it is recorded; holding what Odoo sent last,
the update goes again with the new token; changed by someone in QuickBooks,
the line goes to *conflict* and a manager chooses which version to keep.

A line deleted in QuickBooks (``qbo_reconcile_changes.py``) is sent again,
as a new time activity, only by a QuickBooks manager's choice
(``_qbo_send_again``).
"""

import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..qbo import BatchItem, QboError, QboNotFound, QboStaleObject
from ..qbo.errors import explain_optional_field
from ..qbo.text import render
from ..qbo.updates import (
    ALREADY_DONE,
    BILLED,
    CONFLICT,
    duration_change,
    format_clock,
    minutes_of,
    same_payload,
    stale_outcome,
    update_payload,
)
from .account_analytic_line import TRANSIENT_ERRORS, UNKNOWN_OUTCOME_ERRORS
from .qbo_sender import PendingAttempt
from .qbo_state_guard import qbo_trusted


class QboSender(models.AbstractModel):
    _inherit = "qbo.sender"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    @api.model
    def _qbo_deliver_updates(self, plans, send_context, counts, details):
        """Update the time activities of the edited lines of ``plans``."""
        attempts = self._qbo_pending_updates(plans, send_context.realm_id)
        entries = []
        for plan in plans:
            attempt = attempts.get(plan.line.id)
            # The requestid of an interrupted update is reused only for the
            # same values: QuickBooks would answer it with the old update.
            same = attempt and same_payload(attempt.payload, plan.payload)
            request_id = attempt.request_id if same else uuid.uuid4().hex
            entries.append((plan, plan.line.qbo_sync_token, request_id))
        ours = {
            plan.line.id: [plan.line.qbo_sent_payload, attempts[plan.line.id].payload]
            if plan.line.id in attempts
            else [plan.line.qbo_sent_payload]
            for plan in plans
        }
        stale = self._qbo_send_updates(entries, send_context, counts, details)
        if stale:
            retry = self._qbo_settle_stale(stale, ours, send_context, counts, details)
            # Once more with QuickBooks' new token; stale again means QuickBooks
            # changed meanwhile: the line waits for the next send.
            for plan, request_id in self._qbo_send_updates(retry, send_context, counts, details):
                self._qbo_mark_update_failed(plan, QboStaleObject(), request_id, counts, details)

    @api.model
    def _qbo_pending_updates(self, plans, realm_id):
        """{line id: latest update attempt} of lines whose last update has no
        recorded outcome (see :meth:`_qbo_pending_attempts` for creates)."""
        line_ids = [plan.line.id for plan in plans]
        with self._qbo_journal_cursor() as cr:
            latest = self.env(cr=cr, su=True)["qbo.send.attempt"]._latest_by_line(
                line_ids, realm_id
            )
            # Read before the cursor closes: plain values outlive it.
            attempts = {
                line_id: PendingAttempt(attempt.request_id, attempt.payload, attempt.attempted_at)
                for line_id, attempt in latest.items()
                if attempt.operation == "update"
            }
        requests = {plan.line.id: plan.line.sudo().qbo_request_id for plan in plans}
        return {
            line_id: attempt
            for line_id, attempt in attempts.items()
            if attempt.request_id != requests[line_id]
        }

    @api.model
    def _qbo_send_updates(self, entries, send_context, counts, details):
        """Send ``entries`` [(plan, sync token, request id)] as one journaled
        batch; returns the [(plan, request id)] QuickBooks refused as stale."""
        if not entries:
            return []
        realm_id = send_context.realm_id
        with self._qbo_journal_cursor() as cr:
            self.env(cr=cr, su=True)["qbo.send.attempt"].create(
                [
                    {
                        "line_id": plan.line.id,
                        "realm_id": realm_id,
                        "request_id": request_id,
                        "operation": "update",
                        "payload": plan.payload,
                    }
                    for plan, _token, request_id in entries
                ]
            )
        items = [
            BatchItem(
                "update",
                "TimeActivity",
                update_payload(plan.payload, plan.line.qbo_time_activity_id, token),
                request_id,
                key=plan,
            )
            for plan, token, request_id in entries
        ]
        stale = []
        for result in self.env["qbo.mapping.mixin"]._qbo_send_batch(send_context.client, items):
            plan = result.item.key
            if result.ok:
                self._qbo_mark_updated(plan, result.data, result.item.request_id, send_context)
                counts["done"] += 1
                details.append(self._qbo_updated_detail(plan))
            elif isinstance(result.error, QboStaleObject):
                stale.append((plan, result.item.request_id))
            else:
                error = explain_optional_field(result.error, plan.payload)
                self._qbo_mark_update_failed(plan, error, result.item.request_id, counts, details)
        return stale

    @api.model
    def _qbo_settle_stale(self, stale, ours, send_context, counts, details):
        """Read again the time activities QuickBooks refused as stale
        (``stale``: [(plan, request id)]); returns the entries to send again
        with the new tokens."""
        plans = [plan for plan, _request_id in stale]
        try:
            records = self._qbo_read_time_activities(
                send_context, [plan.line.qbo_time_activity_id for plan in plans]
            )
        except QboError as error:
            for plan, request_id in stale:
                self._qbo_mark_update_failed(plan, error, request_id, counts, details)
            return []
        retry = []
        for plan, request_id in stale:
            record = records.get(plan.line.qbo_time_activity_id)
            if record is None:
                error = QboNotFound(self.env._("The time activity was deleted in QuickBooks."))
                self._qbo_mark_update_failed(plan, error, request_id, counts, details)
                continue
            outcome = stale_outcome(record, plan.payload, ours[plan.line.id])
            if outcome == ALREADY_DONE:
                self._qbo_mark_updated(plan, record, request_id, send_context)
                counts["done"] += 1
                details.append(self._qbo_updated_detail(plan))
            elif outcome == CONFLICT:
                self._qbo_mark_conflict(plan, record, counts, details)
            elif outcome == BILLED:
                self._qbo_mark_billed(plan, record, counts, details)
            else:
                retry.append((plan, record.get("SyncToken"), uuid.uuid4().hex))
        return retry

    @api.model
    def _qbo_read_time_activities(self, send_context, activity_ids):
        """{Id: time activity} of ``activity_ids`` (deleted ones left out)."""
        return send_context.client.time_activities_by_ids(activity_ids)

    # ------------------------------------------------------------------
    # Conflicts: a manager chooses which version to keep
    # ------------------------------------------------------------------
    @api.model
    def _qbo_keep_quickbooks_version(self, lines):
        """Lines in conflict, or changed in QuickBooks, take QuickBooks'
        duration, date and description; QuickBooks is not written. (The
        rest, such as a rate or a customer changed in QuickBooks, stays as
        Odoo has it: QuickBooks' version is accepted with its SyncToken.)"""
        lines = self._qbo_conflict_lines(lines)
        details = []
        for line in lines:
            record = line.sudo().qbo_conflict_payload
            odoo_version = self._qbo_line_version_text(line)
            values = {"unit_amount": minutes_of(record) / 60, "date": record.get("TxnDate")}
            if (record.get("Description") or "") != line._qbo_description():
                values["name"] = record.get("Description") or "/"
            # The addon's own write: not an edit to send back, whatever the
            # company's edit policy (account_analytic_line.py).
            with qbo_trusted():
                line.write(values)
            line._qbo_mark_sent(
                record, record, line.sudo().qbo_request_id, line.sudo().qbo_realm_id
            )
            details.append(
                self.env._(
                    "Odoo had %(odoo)s, now %(qbo)s as in QuickBooks.",
                    odoo=odoo_version,
                    qbo=self._qbo_version_text(record),
                )
            )
        self._qbo_log_choice(
            lines,
            "keep_qbo",
            self.env._("Kept QuickBooks' version"),
            self.env._("QuickBooks' version kept in Odoo."),
            details,
        )
        return self._qbo_choice_notification(lines, self.env._("QuickBooks' version was kept."))

    @api.model
    def _qbo_send_odoo_version(self, lines):
        """Send Odoo's version of lines in conflict over QuickBooks' one.
        Time billed in QuickBooks keeps QuickBooks' version: it is on an invoice."""
        lines = self._qbo_conflict_lines(lines)
        message = self.env._(
            "These lines are billed in QuickBooks (on an invoice): only QuickBooks' "
            "version can be kept."
        )
        billed = lines.filtered(lambda line: line.sudo().qbo_billed)
        if billed == lines:
            raise UserError(message)
        if billed:
            # Left as they are, and said so: never sent over the invoice.
            self._qbo_log_choice(
                billed,
                "send_odoo",
                self.env._("Sent Odoo's version"),
                message,
                [message] * len(billed),
                outcome="refused",
            )
        lines -= billed
        details = []
        for line in lines:
            record = line.sudo().qbo_conflict_payload
            details.append(
                self.env._(
                    "QuickBooks had %(qbo)s; Odoo's version, %(odoo)s, is sent over it.",
                    qbo=self._qbo_version_text(record),
                    odoo=self._qbo_line_version_text(line),
                )
            )
            # QuickBooks' version becomes the one the update replaces.
            line._qbo_write_state(
                {
                    "qbo_state": "edited",
                    "qbo_sync_token": record.get("SyncToken"),
                    "qbo_sent_payload": record,
                    "qbo_sent_duration": minutes_of(record) / 60,
                    "qbo_conflict_payload": False,
                    "qbo_last_error": False,
                }
            )
        self._qbo_log_choice(
            lines,
            "send_odoo",
            self.env._("Sent Odoo's version"),
            self.env._("Odoo's version chosen: sent over QuickBooks' one."),
            details,
        )
        return self._qbo_send(lines)

    @api.model
    def _qbo_conflict_lines(self, lines):
        lines._qbo_check_send_access()
        conflicts = lines.filtered(lambda line: line.qbo_state in ("conflict", "changed"))
        if not conflicts:
            raise UserError(
                self.env._("None of these lines was changed in QuickBooks since it was sent.")
            )
        return conflicts

    @api.model
    def _qbo_version_text(self, record):
        """'4:00 on 2026-03-02, "Design review"': what a version says."""
        return self.env["qbo.reconcile"]._qbo_version_text(record)

    @api.model
    def _qbo_line_version_text(self, line):
        """What Odoo's version of ``line`` says, as :meth:`_qbo_version_text`."""
        hours, minutes = divmod(round(line._qbo_hours() * 60), 60)
        return self._qbo_version_text(
            {
                "Hours": hours,
                "Minutes": minutes,
                "TxnDate": fields.Date.to_string(line.date),
                "Description": line._qbo_description(),
            }
        )

    @api.model
    def _qbo_log_choice(self, lines, operation, name, summary, messages, outcome="done"):
        """The sync log of a manager's choice: one entry per company, one
        detail per line saying what it had and what it has now; every line
        counted as ``outcome`` (done, or refused when nothing was done)."""
        message_of = dict(zip(lines, messages, strict=True))
        for company, company_lines in lines._qbo_by_company().items():
            self.env["qbo.sync.log"]._record(
                company,
                operation,
                name,
                summary,
                realm_id=company._qbo_connection().realm_id,
                lines=[
                    {"level": "info", "message": message_of[line], "record": line}
                    for line in company_lines
                ],
                counts={outcome: len(company_lines)},
            )

    @api.model
    def _qbo_choice_notification(self, lines, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(message)s (%(count)s lines)", message=message, count=len(lines)
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Outcomes, on the line and in the sync log
    # ------------------------------------------------------------------
    @api.model
    def _qbo_mark_updated(self, plan, activity, request_id, send_context):
        line = plan.line
        plan.minutes_before = round((line.qbo_sent_duration or 0) * 60)
        line._qbo_mark_sent(activity, plan.payload, request_id, send_context.realm_id)

    @api.model
    def _qbo_mark_update_failed(self, plan, error, request_id, counts, details):
        """The line stays edited, with the reason; a background edit that
        could not reach QuickBooks stays queued for the next run."""
        line = plan.line
        keep_queued = line.qbo_queue_log_id and isinstance(
            error, (*TRANSIENT_ERRORS, *UNKNOWN_OUTCOME_ERRORS)
        )
        vals = {
            "qbo_state": "queued" if keep_queued else "edited",
            "qbo_last_error": render(error, self.env._),
            "qbo_intuit_tid": error.intuit_tid,
        }
        if request_id and not isinstance(error, UNKNOWN_OUTCOME_ERRORS):
            # A known refusal settles the attempt: the next send gets a new
            # requestid, or QuickBooks would replay this refusal. An unknown
            # outcome keeps it pending, to be read again after a 5010.
            vals["qbo_request_id"] = request_id
        line._qbo_write_state(vals)
        counts["failed"] += 1
        details.append(self.env["qbo.sync.log"]._qbo_error_detail(error, line))

    @api.model
    def _qbo_mark_conflict(self, plan, record, counts, details):
        line = plan.line
        message = self.env._(
            "Time activity %(id)s was changed in QuickBooks since Odoo sent it "
            "(QuickBooks has %(qbo)s, Odoo %(odoo)s): it was not overwritten. Choose which "
            "version to keep.",
            id=line.qbo_time_activity_id,
            qbo=format_clock(minutes_of(record)),
            odoo=format_clock(plan.minutes),
        )
        line._qbo_write_state(
            {
                "qbo_state": "conflict",
                "qbo_conflict_payload": record,
                "qbo_last_error": message,
            }
        )
        counts["failed"] += 1
        details.append({"level": "warning", "message": message, "record": line})

    @api.model
    def _qbo_mark_billed(self, plan, record, counts, details):
        """Billed in QuickBooks since it was sent: the edit is not sent and
        the line is locked (see qbo_reconcile.py). Refused, as the sending
        rules refuse billed lines from now on, not failed: nothing went wrong,
        and no later send plans the update again (``qbo/timesheet_rules.py``)."""
        line = plan.line
        message = self.env._(
            "Time activity %(id)s was billed in QuickBooks since it was sent: the edit was not "
            "sent and the line is locked.",
            id=line.qbo_time_activity_id,
        )
        line._qbo_write_state(
            {
                # A queued edit leaves the queue: its background send may end.
                "qbo_state": "edited",
                "qbo_billed": True,
                "qbo_sync_token": record.get("SyncToken"),
                "qbo_refusal_code": "billed",
                "qbo_last_error": message,
            }
        )
        counts["refused"] += 1
        details.append({"level": "warning", "message": message, "code": "billed", "record": line})

    @api.model
    def _qbo_updated_detail(self, plan):
        return {
            "level": "info",
            "message": self.env._(
                "Updated time activity %(id)s: %(duration)s.",
                id=plan.line.qbo_time_activity_id,
                duration=duration_change(plan.minutes_before, plan.minutes),
            ),
            "record": plan.line,
        }

    @api.model
    def _qbo_send_again(self, lines):
        """Send lines deleted in QuickBooks again, as new time activities:
        a QuickBooks manager's deliberate choice."""
        lines._qbo_check_send_access()
        deleted = lines.filtered(lambda line: line.qbo_state == "deleted")
        if not deleted:
            raise UserError(self.env._("None of these lines was deleted in QuickBooks."))
        for company, company_lines in deleted._qbo_by_company().items():
            self.env["qbo.sync.log"]._record(
                company,
                "send",
                self.env._("Sent again to QuickBooks"),
                self.env._(
                    "%(count)s lines deleted in QuickBooks are sent again as new time activities.",
                    count=len(company_lines),
                ),
                realm_id=company._qbo_connection().realm_id,
                lines=[
                    {
                        "level": "info",
                        "message": self.env._(
                            "Sent again by choice: time activity %(id)s was deleted in "
                            "QuickBooks, a new one is created.",
                            id=line.qbo_time_activity_id,
                        ),
                        "record": line,
                    }
                    for line in company_lines
                ],
            )
        # The line starts over; its last attempt stays settled (same requestid).
        deleted._qbo_write_state(
            {
                "qbo_state": "not_sent",
                "qbo_time_activity_id": False,
                "qbo_sync_token": False,
                "qbo_sent_payload": False,
                "qbo_sent_duration": 0.0,
                "qbo_sent_rate": 0.0,
                "qbo_sent_at": False,
                "qbo_sent_by_id": False,
                "qbo_conflict_payload": False,
                "qbo_last_error": False,
                "qbo_refusal_code": False,
            }
        )
        return self._qbo_send(deleted)
