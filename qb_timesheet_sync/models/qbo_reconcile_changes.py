# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Time activities changed or deleted in QuickBooks after Odoo sent them.

*Changed*: QuickBooks' copy no longer says what Odoo sent last (compared on
content, ``qbo/updates.py``: a SyncToken that moved with the same values is
not a change, only the new token is kept). The line goes to *changed in
QuickBooks* (or to the existing *conflict* when it was also edited in Odoo),
keeps QuickBooks' version in ``qbo_conflict_payload`` and its sentence in
``qbo_last_error``, and the senders refuse it until a QuickBooks manager
chooses: keep QuickBooks' version (the line takes its duration, date and
description, ``qbo_sender_choice.py``) or send Odoo's over it.

*Deleted*: a webhook's ``deleted`` event is never trusted alone: the id is
read again, and only QuickBooks' *Object Not Found* confirms it. Queries by
LastUpdatedTime cannot see deletions, so once a day the reconciliation reads
the ids of the sent lines that can still change again (``Id IN``, 250 a
query; unbilled, within a look-back window, plus a rolling share of the
older ones: ``qbo_read_budget.py``) and those QuickBooks no longer returns
are deleted. The line goes to *deleted in
QuickBooks*; the senders refuse it, and only a QuickBooks manager's *Send
again* sends it, as a new time activity, through the normal journaled create.
"""

from datetime import timedelta

from odoo import api, fields, models

from ..qbo import QboNotFound
from ..qbo.text import _lt
from ..qbo.updates import format_clock, minutes_of, same_content
from .account_analytic_line import SENT_STATES
from .qbo_reconcile import SWEEP_PARAM

# The deletion sweep reads every sent id again: metered calls, once a day.
SWEEP_INTERVAL = timedelta(days=1)


class QboReconcile(models.AbstractModel):
    _inherit = "qbo.reconcile"

    @api.model
    def _qbo_sweep_due(self, realm_id, now):
        """Once a day, and not while the app's month is past the stop
        threshold of its read budget: the sweep is an optional read."""
        last = self.env["ir.config_parameter"].sudo().get_param(SWEEP_PARAM % realm_id)
        if last and fields.Datetime.to_datetime(last) + SWEEP_INTERVAL > now:
            return False
        connection = (
            self.env["qbo.connection"]
            .sudo()
            .search([("realm_id", "=", realm_id), ("state", "=", "connected")], limit=1)
        )
        return self.env["qbo.read.budget"]._qbo_optional_reads_allowed(connection.company_id, now)

    @api.model
    def _qbo_sweep_read(self, realm_id, client):
        """({Id: time activity}, ids deleted): the sent time activities of
        ``realm_id`` that can still change read again; those QuickBooks no
        longer has were deleted there. What the others say is applied too (a change a lost webhook
        did not tell)."""
        # Bounded: the lines that can still change (qbo_read_budget.py).
        lines = self.env["qbo.read.budget"]._qbo_sweep_lines(realm_id, SENT_STATES)
        activity_ids = set(lines.mapped("qbo_time_activity_id"))
        if not activity_ids:
            return {}, set()
        found = client.time_activities_by_ids(activity_ids)
        return found, activity_ids - set(found)

    @api.model
    def _qbo_read_again(self, client, realm_id, activity_ids):
        """({Id: time activity}, ids confirmed deleted) of those of
        ``activity_ids`` that Odoo sent to ``realm_id`` (others cost no
        call): one query for the
        lot, then a read of each id the query left out, whose *Object Not
        Found* (610) alone confirms the deletion."""
        ours = set(
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("qbo_realm_id", "=", realm_id),
                    ("qbo_time_activity_id", "in", list(activity_ids)),
                    # Lines already seen deleted cost no read again.
                    ("qbo_state", "in", (*SENT_STATES, "queued")),
                ]
            )
            .mapped("qbo_time_activity_id")
        )
        if not ours:
            return {}, set()
        found = client.time_activities_by_ids(ours)
        deleted = set()
        for activity_id in sorted(ours - set(found)):
            try:
                found[activity_id] = client.read("TimeActivity", activity_id)
            except QboNotFound:
                deleted.add(activity_id)
        return found, deleted

    # ------------------------------------------------------------------
    # Changed in QuickBooks
    # ------------------------------------------------------------------
    @api.model
    def _qbo_apply_changes(self, lines, by_id, source):
        """(lines whose state changed, sync log details) for ``lines`` whose
        time activities QuickBooks says are ``by_id``."""
        touched = lines.browse()
        details = []
        candidates = []
        for line in lines:
            record = by_id[line.qbo_time_activity_id]
            if line.qbo_state == "queued":
                continue  # an edit on its way: its sender compares (qbo_sender_update.py)
            if not line.qbo_sent_payload or same_content(record, line.qbo_sent_payload):
                vals = {}
                if record.get("SyncToken") != line.qbo_sync_token:
                    vals["qbo_sync_token"] = record.get("SyncToken")
                if line.qbo_state == "changed":
                    # Set back in QuickBooks to what Odoo sent: nothing to choose.
                    vals.update(qbo_state="sent", qbo_conflict_payload=False, qbo_last_error=False)
                    touched |= line
                    details.append(self._qbo_back_detail(line, source))
                if vals:
                    line._qbo_write_state(vals)
                continue
            known = line.qbo_conflict_payload
            if line.qbo_state in ("changed", "conflict") and known:
                if known.get("SyncToken") != record.get("SyncToken"):
                    # Changed again: the newest version is the one to choose from.
                    line._qbo_write_state(
                        {"qbo_conflict_payload": record, "qbo_sync_token": record.get("SyncToken")}
                    )
                continue
            candidates.append(line)
        ours = self._qbo_updates_in_flight(candidates, by_id)
        for line in candidates:
            if line.id in ours:
                continue
            record = by_id[line.qbo_time_activity_id]
            conflict = line.qbo_state in ("edited", "conflict")
            message = self._qbo_changed_message(line, record, source, conflict)
            line._qbo_write_state(
                {
                    "qbo_state": "conflict" if conflict else "changed",
                    "qbo_conflict_payload": record,
                    "qbo_sync_token": record.get("SyncToken"),
                    "qbo_last_error": message,
                }
            )
            touched |= line
            details.append({"level": "warning", "message": message, "record": line})
        return touched, details

    @api.model
    def _qbo_updates_in_flight(self, lines, by_id):
        """Ids of ``lines`` whose last update, not recorded yet, is what
        QuickBooks has: Odoo's own change, not someone else's."""
        if not lines:
            return set()
        line_ids = [line.id for line in lines]
        ours = set()
        Attempt = self.env["qbo.send.attempt"].sudo()
        for realm_id in {line.qbo_realm_id for line in lines}:
            for line_id, attempt in Attempt._latest_by_line(line_ids, realm_id).items():
                line = self.env["account.analytic.line"].browse(line_id).sudo()
                record = by_id.get(line.qbo_time_activity_id)
                if (
                    attempt.operation == "update"
                    and attempt.request_id != line.qbo_request_id
                    and record
                    and same_content(record, attempt.payload)
                ):
                    ours.add(line_id)
        return ours

    @api.model
    def _qbo_changed_message(self, line, record, source, conflict):
        sent = line.qbo_sent_payload or {}
        values = {
            "id": line.qbo_time_activity_id,
            "seen_by": source,
            "qbo": self._qbo_version_text(record),
            "sent": self._qbo_version_text(sent),
        }
        if conflict:
            return _lt(
                "Time activity %(id)s was changed in QuickBooks (seen by %(seen_by)s) and the "
                "line was edited in Odoo: QuickBooks has %(qbo)s, Odoo sent %(sent)s. Choose which "
                "version to keep.",
                **values,
            )
        return _lt(
            "Time activity %(id)s was changed in QuickBooks (seen by %(seen_by)s): QuickBooks has "
            "%(qbo)s, Odoo sent %(sent)s. Keep QuickBooks' version or send Odoo's.",
            **values,
        )

    @api.model
    def _qbo_version_text(self, record):
        """'04:00 on 2026-03-02, "Design review"': what a version says."""
        values = {"duration": format_clock(minutes_of(record)), "date": record.get("TxnDate")}
        if record.get("Description"):
            return _lt(
                '%(duration)s on %(date)s, "%(description)s"',
                description=record["Description"],
                **values,
            )
        return _lt("%(duration)s on %(date)s", **values)

    @api.model
    def _qbo_back_detail(self, line, source):
        return {
            "level": "info",
            "message": _lt(
                "Time activity %(id)s holds again what Odoo sent (seen by %(seen_by)s): the line "
                "is sent.",
                id=line.qbo_time_activity_id,
                seen_by=source,
            ),
            "record": line,
        }

    # ------------------------------------------------------------------
    # Deleted in QuickBooks
    # ------------------------------------------------------------------
    @api.model
    def _qbo_apply_deletions(self, realm_id, deleted_ids, source):
        """(lines marked deleted, sync log details) for the time activities
        ``deleted_ids``, confirmed deleted in QuickBooks ``realm_id``."""
        Line = self.env["account.analytic.line"]
        if not deleted_ids:
            return Line, []
        # A queued edit is left to its sender, which gets QuickBooks' 610.
        lines = Line.sudo().search(
            [
                ("qbo_realm_id", "=", realm_id),
                ("qbo_time_activity_id", "in", list(deleted_ids)),
                ("qbo_state", "in", SENT_STATES),
            ]
        )
        details = []
        for line in lines:
            message = _lt(
                "Time activity %(id)s was deleted in QuickBooks (seen by %(seen_by)s): the line "
                "is not sent again unless a QuickBooks manager chooses 'Send again to QuickBooks'.",
                id=line.qbo_time_activity_id,
                seen_by=source,
            )
            line._qbo_write_state(
                {
                    "qbo_state": "deleted",
                    "qbo_sync_token": False,
                    "qbo_conflict_payload": False,
                    "qbo_billed": False,
                    "qbo_last_error": message,
                }
            )
            details.append({"level": "warning", "message": message, "record": line})
        return lines, details
