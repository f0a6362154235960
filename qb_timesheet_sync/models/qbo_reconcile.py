# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Periodic reconciliation: what happened in QuickBooks to the time
activities Odoo sent. A cron reads, per connected company, the time
activities changed since a watermark (a ``MetaData.LastUpdatedTime``
query, paged by 1,000: CDC does not cover TimeActivity, see
docs/ASSUMPTIONS.md#cdc-excludes-timeactivity) and
applies what it sees to the lines: time billed in QuickBooks
(``HasBeenBilled``) locks its line (``qbo_billed``); a time activity
changed or deleted in QuickBooks puts its line in the *changed* or
*deleted* state (``qbo_reconcile_changes.py``). Query by LastUpdatedTime
cannot see deletions: a daily sweep reads the sent ids again."""

import logging

from odoo import api, fields, models

from ..qbo import QboError
from ..qbo.text import _lt, counted, joined
from .qbo_sender_recovery import RECONCILE_MARGIN

_logger = logging.getLogger(__name__)

WATERMARK_PARAM = "qb_timesheet_sync.reconcile_watermark.%s"  # per QuickBooks company
# When the sent time activities were last read again, looking for deletions.
SWEEP_PARAM = "qb_timesheet_sync.reconcile_sweep.%s"  # per QuickBooks company
# Metered reads of the runs that found nothing, told by the next entry.
UNLOGGED_CALLS_PARAM = "qb_timesheet_sync.reconcile_unlogged_calls.%s"  # per QuickBooks company
BILLED = "HasBeenBilled"


class QboReconcile(models.AbstractModel):
    _name = "qbo.reconcile"
    _description = "QuickBooks reconciliation of sent timesheets"

    @api.model
    def _qbo_cron_reconcile(self):
        """Cron: reconcile every connected company, each in its own transaction."""
        connections = self.env["qbo.connection"].sudo().search([("state", "=", "connected")])
        for company in connections.company_id:
            try:
                self._qbo_reconcile_company(company)
            except QboError as error:
                # The watermark stays: the next run reads the same changes.
                _logger.info("QuickBooks reconciliation of company %s waits: %s", company.id, error)
                self.env.cr.rollback()
                continue
            self.env.cr.commit()  # pylint: disable=unknown-option-value,invalid-commit

    @api.model
    def _qbo_reconcile_company(self, company, sweep=None):
        """Read the time activities ``company``'s QuickBooks company changed
        since the watermark and apply them; once a day (or when ``sweep`` is
        True), also look for the sent ones deleted in QuickBooks (see
        :meth:`_qbo_sweep_read`), all in one sync log entry with the metered
        reads of the run. Returns the lines changed."""
        connection = company.sudo()._qbo_connection()
        realm_id = connection.realm_id
        params = self.env["ir.config_parameter"].sudo()
        started = fields.Datetime.now()
        watermark = params.get_param(WATERMARK_PARAM % realm_id)
        since = (
            fields.Datetime.to_datetime(watermark) if watermark else self._qbo_first_since(realm_id)
        )
        client = connection._qbo_client()
        activities, deleted_ids = [], set()
        if since:
            activities = client.time_activities_changed_since(since - RECONCILE_MARGIN)
        swept = sweep or (sweep is None and self._qbo_sweep_due(realm_id, started))
        if swept:
            found, deleted_ids = self._qbo_sweep_read(realm_id, client)
            # One version per time activity: the sweep's, read last.
            activities = list({**{str(a["Id"]): a for a in activities}, **found}.values())
            params.set_param(SWEEP_PARAM % realm_id, fields.Datetime.to_string(started))
        params.set_param(WATERMARK_PARAM % realm_id, fields.Datetime.to_string(started))
        unlogged = int(params.get_param(UNLOGGED_CALLS_PARAM % realm_id) or 0)
        touched = self._qbo_apply(
            company,
            realm_id,
            activities,
            deleted_ids=deleted_ids,
            client=client,
            unlogged_calls=unlogged,
        )
        made = client.metered_calls["CorePlus"]
        if not touched and swept:
            # Once a day even when nothing changed: every metered read is
            # told in the sync log, the quiet hourly runs' too.
            log = self.env["qbo.sync.log"]._record(
                company,
                "reconcile",
                _lt("Changes seen in QuickBooks"),
                counted(
                    unlogged + made,
                    _lt(
                        "No change seen in QuickBooks. The reconciliation made %(count)s metered "
                        "call since its last entry."
                    ),
                    _lt(
                        "No change seen in QuickBooks. The reconciliation made %(count)s metered "
                        "calls since its last entry."
                    ),
                ),
                realm_id=realm_id,
            )
            log.sudo().count_metered_calls = unlogged + made
        unlogged = 0 if touched or swept else unlogged + made
        params.set_param(UNLOGGED_CALLS_PARAM % realm_id, str(unlogged))
        return touched

    @api.model
    def _qbo_first_since(self, realm_id):
        """Without a watermark: since the first line sent to ``realm_id``."""
        first = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [("qbo_realm_id", "=", realm_id), ("qbo_time_activity_id", "!=", False)],
                order="qbo_sent_at",
                limit=1,
            )
        )
        return first.qbo_sent_at or None

    @api.model
    def _qbo_apply(
        self,
        company,
        realm_id,
        activities,
        source=None,
        deleted_ids=(),
        client=None,
        unlogged_calls=0,
    ):
        """Apply what QuickBooks says of ``activities`` (and of the time
        activities ``deleted_ids``, confirmed deleted) to their lines, in one
        sync log entry naming the ``source`` (the reconciliation, a webhook)
        that counts the metered calls of ``client`` and ``unlogged_calls``
        (earlier runs that found nothing); returns the lines that changed
        state."""
        source = source or _lt("the reconciliation")
        by_id = {str(activity["Id"]): activity for activity in activities}
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("qbo_realm_id", "=", realm_id),
                    ("qbo_time_activity_id", "in", list(by_id)),
                    ("qbo_billed", "=", False),
                    ("qbo_state", "!=", "deleted"),
                ]
            )
        )
        billed = lines.filtered(
            lambda line: by_id[line.qbo_time_activity_id].get("BillableStatus") == BILLED
        )
        for line in billed:
            line._qbo_write_state(
                {
                    "qbo_billed": True,
                    "qbo_sync_token": by_id[line.qbo_time_activity_id].get("SyncToken"),
                }
            )
        details = [
            {
                "level": "info",
                "message": _lt(
                    "Time activity %(id)s was billed in QuickBooks (seen by %(seen_by)s): "
                    "the line is locked.",
                    id=line.qbo_time_activity_id,
                    seen_by=source,
                ),
                "record": line,
            }
            for line in billed
        ]
        # Billed time may also have been changed before it was billed: shown too.
        changed, changed_details = self._qbo_apply_changes(lines, by_id, source)
        deleted, deleted_details = self._qbo_apply_deletions(realm_id, deleted_ids, source)
        touched = billed | changed | deleted
        if not touched:
            return touched
        log = self.env["qbo.sync.log"]._record(
            company,
            "reconcile",
            _lt("Changes seen in QuickBooks"),
            self._qbo_summary(billed, changed, deleted, source),
            realm_id=realm_id,
            lines=details + changed_details + deleted_details,
        )
        if client is not None:
            log._qbo_add_metered_calls(client)
        if unlogged_calls:
            log.sudo().count_metered_calls += unlogged_calls
        return touched

    @api.model
    def _qbo_summary(self, billed, changed, deleted, source):
        parts = []
        if billed:
            parts.append(
                counted(
                    len(billed),
                    _lt("%(count)s line was billed in QuickBooks and is now locked."),
                    _lt("%(count)s lines were billed in QuickBooks and are now locked."),
                )
            )
        if changed:
            parts.append(
                counted(
                    len(changed),
                    _lt(
                        "%(count)s line was changed in QuickBooks: it waits for a QuickBooks "
                        "manager to choose which version to keep."
                    ),
                    _lt(
                        "%(count)s lines were changed in QuickBooks: they wait for a QuickBooks "
                        "manager to choose which version to keep."
                    ),
                )
            )
        if deleted:
            parts.append(
                counted(
                    len(deleted),
                    _lt(
                        "%(count)s line was deleted in QuickBooks: it is sent again only "
                        "deliberately."
                    ),
                    _lt(
                        "%(count)s lines were deleted in QuickBooks: they are sent again only "
                        "deliberately."
                    ),
                )
            )
        parts.append(_lt("Seen by %(seen_by)s.", seen_by=source))
        return joined(*parts)
