# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Changes made in QuickBooks, told by Intuit's webhooks.

The controller (``controllers/webhook.py``) checks the signature, keeps the
events of the connected QuickBooks companies here (a duplicate event id is
dropped by a unique index) and answers at once; a cron then reads the
changed time activities again and applies them as the reconciliation does
(``qbo_reconcile.py``)."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..qbo import QboError

PROCESS_CRON = "qb_timesheet_sync.ir_cron_qbo_webhook"
# Entities whose changes the resync follows.
RESYNC_ENTITIES = ("Customer", "Employee", "Vendor")


class QboWebhookEvent(models.Model):
    _name = "qbo.webhook.event"
    _description = "QuickBooks webhook event"
    _order = "id"
    _log_access = False

    event_id = fields.Char(required=True, readonly=True)
    realm_id = fields.Char(required=True, readonly=True, index=True)
    entity = fields.Char(required=True, readonly=True)
    entity_id = fields.Char(string="QuickBooks id", required=True, readonly=True)
    operation = fields.Char(readonly=True)
    occurred_at = fields.Char(readonly=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )

    _sql_constraints = [
        ("event_id_unique", "UNIQUE(event_id)", "A webhook event is kept once."),
    ]

    @api.model
    def _qbo_receive(self, events):
        """Keep ``events`` (:class:`WebhookEvent`) of connected QuickBooks
        companies, once each; returns how many were new."""
        realms = set(
            self.env["qbo.connection"]
            .sudo()
            .search([("state", "=", "connected")])
            .mapped("realm_id")
        )
        ours = [event for event in events if event.realm_id in realms]
        if not ours:
            return 0
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO qbo_webhook_event
                       (event_id, realm_id, entity, entity_id, operation, occurred_at,
                        received_at, state)
                VALUES %s
                ON CONFLICT (event_id) DO NOTHING
                RETURNING id
                """,
                SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, %s, %s, %s, now() at time zone 'UTC', 'pending')",
                        event.event_id,
                        event.realm_id,
                        event.entity,
                        event.entity_id,
                        event.operation,
                        event.occurred_at,
                    )
                    for event in ours
                ),
            )
        )
        new = len(self.env.cr.fetchall())
        if new:
            self.env.ref(PROCESS_CRON).sudo()._trigger()
        return new

    @api.model
    def _qbo_cron_process(self):
        """Cron: read again what the pending events changed and apply it."""
        pending = self.sudo().search([("state", "=", "pending")])
        for realm_id in set(pending.mapped("realm_id")):
            events = pending.filtered(lambda event, realm_id=realm_id: event.realm_id == realm_id)
            connection = (
                self.env["qbo.connection"]
                .sudo()
                .search([("realm_id", "=", realm_id), ("state", "=", "connected")], limit=1)
            )
            if not connection:
                events.write({"state": "done"})  # disconnected since: nothing to follow
                continue
            try:
                self._qbo_process_realm(connection, events)
            except QboError:
                continue  # the events stay pending: the next run reads them again
            events.write({"state": "done"})

    @api.model
    def _qbo_process_realm(self, connection, events):
        """Time activities changed or deleted: read again and applied. A
        ``deleted`` event is never trusted alone: the id is read again and
        only QuickBooks' *Object Not Found* confirms it (qbo_reconcile_changes.py).
        Customer, employee and vendor events ask for one incremental resync
        of the company a little later (``qbo.resync.lists``)."""
        if any(event.entity in RESYNC_ENTITIES for event in events):
            self.env["qbo.resync.lists"]._qbo_request_resync(connection)
        activity_ids = {event.entity_id for event in events if event.entity == "TimeActivity"}
        if not activity_ids:
            return
        reconcile = self.env["qbo.reconcile"]
        client = connection._qbo_client()
        found, deleted = reconcile._qbo_read_again(client, connection.realm_id, activity_ids)
        if found or deleted:
            reconcile._qbo_apply(
                connection.company_id,
                connection.realm_id,
                list(found.values()),
                source=self.env._("a webhook"),
                deleted_ids=deleted,
                client=client,
            )
