# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The interrupted attempts of a send: a line whose last request has no
recorded outcome (the answer never came back, or the transaction that sent
it died before recording it) is first looked for in QuickBooks, matched on
what was sent, and sent again only when QuickBooks does not have it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from odoo import api, models

from ..qbo import QboError
from ..qbo.text import _lt
from ..qbo.time_activity import matches_time_activity, payload_fingerprint

# Clock difference allowed between Odoo and QuickBooks when looking for the
# time activities of an interrupted send.
RECONCILE_MARGIN = timedelta(minutes=10)


@dataclass
class PendingAttempt:
    """An earlier attempt of a line whose outcome was never recorded."""

    request_id: str
    payload: dict
    attempted_at: datetime


class QboSender(models.AbstractModel):
    _inherit = "qbo.sender"

    @api.model
    def _qbo_pending_attempts(self, plans, realm_id):
        """{line id: PendingAttempt} for the lines of ``plans`` whose last
        attempt has no recorded outcome: the answer never came back, or the
        transaction that sent it died before recording it.

        Read in a transaction of its own, started after the lines were
        locked, so it sees every attempt committed by an earlier send.
        """
        lines = self.env["account.analytic.line"].browse(plan.line.id for plan in plans).sudo()
        with self._qbo_journal_cursor() as cr:
            latest = self.env(cr=cr, su=True)["qbo.send.attempt"]._latest_by_line(
                lines.ids, realm_id
            )
            attempts = {
                line_id: PendingAttempt(attempt.request_id, attempt.payload, attempt.attempted_at)
                for line_id, attempt in latest.items()
            }
        pending = {}
        for line in lines:
            attempt = attempts.get(line.id)
            settled = attempt is None or (
                line.qbo_request_id == attempt.request_id and line.qbo_state != "queued"
            )
            if not settled:
                pending[line.id] = attempt
        return pending

    @api.model
    def _qbo_settle_pending(self, plans, pending, send_context, counts, details):
        """Look in QuickBooks for the time activities of interrupted attempts
        and record those found; returns the plans still to send."""
        pending_plans = [plan for plan in plans if plan.line.id in pending]
        try:
            found = self._qbo_find_time_activities(send_context, pending_plans, pending)
        except QboError as error:
            # Without knowing whether they reached QuickBooks, sending them
            # again could create a second time activity: leave them for later.
            reason = _lt(
                "An earlier send of this line was interrupted and QuickBooks could not be "
                "checked for it (%(reason)s); it will be checked on the next send.",
                reason=error,
            )
            log = self.env["qbo.sync.log"]
            for plan in pending_plans:
                counts["failed"] += 1
                details.append(log._qbo_error_detail(error, plan.line, message=reason))
            return [plan for plan in plans if plan.line.id not in pending]
        for plan in pending_plans:
            activity = found.get(plan.line.id)
            if not activity:
                continue
            attempt = pending[plan.line.id]
            plan.line._qbo_mark_sent(
                activity,
                attempt.payload,
                attempt.request_id,
                send_context.realm_id,
                edited=payload_fingerprint(attempt.payload) != payload_fingerprint(plan.payload),
            )
            counts["done"] += 1
            details.append(
                {
                    "level": "info",
                    "message": _lt(
                        "Found in QuickBooks as time activity %(id)s, created by an earlier "
                        "send that was interrupted: not sent again.",
                        id=activity["Id"],
                    ),
                    "record": plan.line,
                }
            )
        return [plan for plan in plans if plan.line.id not in found]

    @api.model
    def _qbo_find_time_activities(self, send_context, plans, pending):
        """{line id: time activity} of the pending attempts QuickBooks saved,
        matched on what was sent; a time activity already linked to another
        line is never taken twice."""
        since = min(pending[plan.line.id].attempted_at for plan in plans) - RECONCILE_MARGIN
        activities = send_context.client.time_activities_changed_since(since)
        taken = set(
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("qbo_realm_id", "=", send_context.realm_id),
                    ("qbo_time_activity_id", "in", [str(act["Id"]) for act in activities]),
                ]
            )
            .mapped("qbo_time_activity_id")
        )
        found = {}
        for plan in plans:
            payload = pending[plan.line.id].payload
            for activity in activities:
                activity_id = str(activity["Id"])
                if activity_id not in taken and matches_time_activity(payload, activity):
                    found[plan.line.id] = activity
                    taken.add(activity_id)
                    break
        return found
