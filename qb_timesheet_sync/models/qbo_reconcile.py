# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Periodic reconciliation: what happened in QuickBooks to the time
activities Odoo sent. A cron reads, per connected company, the time
activities changed since a watermark (a ``MetaData.LastUpdatedTime``
query, paged by 1,000: CDC does not cover TimeActivity, facts 9.4) and
applies what it sees to the lines. Today: time billed in QuickBooks
(``HasBeenBilled``) locks its line (``qbo_billed``)."""

import logging

from odoo import api, fields, models

from ..qbo import QboError
from .qbo_sender import RECONCILE_MARGIN

_logger = logging.getLogger(__name__)

WATERMARK_PARAM = "qb_timesheet_sync.reconcile_watermark.%s"  # per QuickBooks company
BILLED = "HasBeenBilled"


class QboSyncLog(models.Model):
    _inherit = "qbo.sync.log"

    operation = fields.Selection(
        selection_add=[("reconcile", "Changes seen in QuickBooks")],
        ondelete={"reconcile": "cascade"},
    )


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
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _qbo_reconcile_company(self, company):
        """Read the time activities ``company``'s QuickBooks company changed
        since the watermark and apply them; returns the lines changed."""
        connection = company.sudo()._qbo_connection()
        realm_id = connection.realm_id
        params = self.env["ir.config_parameter"].sudo()
        started = fields.Datetime.now()
        watermark = params.get_param(WATERMARK_PARAM % realm_id)
        since = (
            fields.Datetime.to_datetime(watermark) if watermark else self._qbo_first_since(realm_id)
        )
        changed = self.env["account.analytic.line"]
        if since:
            activities = connection._qbo_client().time_activities_changed_since(
                since - RECONCILE_MARGIN
            )
            changed = self._qbo_apply(company, realm_id, activities)
        params.set_param(WATERMARK_PARAM % realm_id, fields.Datetime.to_string(started))
        return changed

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
    def _qbo_apply(self, company, realm_id, activities, source=None):
        """Apply what QuickBooks says of ``activities`` to their lines; the
        sync log names the ``source`` (the reconciliation, a webhook)."""
        source = source or self.env._("the reconciliation")
        by_id = {str(activity["Id"]): activity for activity in activities}
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("qbo_realm_id", "=", realm_id),
                    ("qbo_time_activity_id", "in", list(by_id)),
                    ("qbo_billed", "=", False),
                ]
            )
        )
        billed = lines.filtered(
            lambda line: by_id[line.qbo_time_activity_id].get("BillableStatus") == BILLED
        )
        if not billed:
            return billed
        for line in billed:
            line._qbo_write_state(
                {
                    "qbo_billed": True,
                    "qbo_sync_token": by_id[line.qbo_time_activity_id].get("SyncToken"),
                }
            )
        log = self.env["qbo.sync.log"]
        log._record(
            company,
            "reconcile",
            self.env._("Changes seen in QuickBooks"),
            self.env._(
                "%(count)s lines were billed in QuickBooks and are now locked (seen by "
                "%(seen_by)s).",
                count=len(billed),
                seen_by=source,
            ),
            realm_id=realm_id,
            lines=[
                {
                    "level": "info",
                    "message": self.env._(
                        "Time activity %(id)s was billed in QuickBooks (seen by %(seen_by)s): "
                        "the line is locked.",
                        id=line.qbo_time_activity_id,
                        seen_by=source,
                    ),
                    "record": line,
                }
                for line in billed
            ],
        )
        return billed
