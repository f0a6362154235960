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

What a QuickBooks manager chooses for a line in conflict, changed or deleted
in QuickBooks is in ``qbo_sender_choice.py``.
"""

import uuid

from odoo import api, models

from ..qbo import BatchItem, QboError, QboNotFound, QboStaleObject
from ..qbo.optional_fields import explain_optional_field
from ..qbo.text import _lt
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
from .qbo_sender_recovery import PendingAttempt


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
            "qbo_last_error": error,
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
        message = _lt(
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
        message = _lt(
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
            "message": _lt(
                "Updated time activity %(id)s: %(duration)s.",
                id=plan.line.qbo_time_activity_id,
                duration=duration_change(plan.minutes_before, plan.minutes),
            ),
            "record": plan.line,
        }
