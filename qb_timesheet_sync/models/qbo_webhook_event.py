# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Changes made in QuickBooks, told by Intuit's webhooks.

The controller (``controllers/webhook.py``) checks the signature, keeps the
events of the connected QuickBooks companies here, each with the company it
names (one notification may hold several), once each (a duplicate event id,
as a retried notification repeats them, is dropped by a unique index), and
answers at once; events it could not read go to the sync log. A cron then
reads the changed time activities again and applies them as the
reconciliation does (``qbo_reconcile.py``)."""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..qbo import QboError
from ..qbo.text import _lt, counted, joined

_logger = logging.getLogger(__name__)

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
    def _qbo_receive_notification(self, notification):
        """Keep what a :class:`Notification` told and log in the sync log, per
        company, the events it could not read; returns how many events were new."""
        connections = self._qbo_connections_by_realm()
        if notification.ignored:
            _logger.debug(
                "QuickBooks webhook: %s events of entities Odoo does not follow dropped.",
                notification.ignored,
            )
        new = self._qbo_receive(notification.events, connections)
        if notification.unreadable or notification.skipped:
            self._qbo_log_unread(notification, connections)
        return new

    @api.model
    def _qbo_connections_by_realm(self):
        """{realm id: connected connection}, in the order they were created."""
        connections = (
            self.env["qbo.connection"].sudo().search([("state", "=", "connected")], order="id")
        )
        by_realm = {}
        for connection in connections:
            by_realm.setdefault(connection.realm_id, connection)
        return by_realm

    @api.model
    def _qbo_receive(self, events, connections=None):
        """Keep ``events`` (:class:`WebhookEvent`) of connected QuickBooks
        companies, once each; returns how many were new. Events of companies
        nobody connected here are left out: not an error, Intuit's
        subscription is per app (docs/ASSUMPTIONS.md#webhook-several-companies)."""
        if connections is None:
            connections = self._qbo_connections_by_realm()
        ours = [event for event in events if event.realm_id in connections]
        if len(ours) < len(events):
            _logger.info(
                "QuickBooks webhook: %s events of QuickBooks companies not connected here "
                "ignored (%s).",
                len(events) - len(ours),
                ", ".join(sorted({event.realm_id for event in events} - set(connections))),
            )
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
    def _qbo_log_unread(self, notification, connections):
        """One sync log entry per company for what ``notification`` held that
        could not be read. An event names its QuickBooks company; what names
        none (or a body that is not a notification at all) goes to the first
        connected company, since the verifier token is the whole app's."""
        if not connections:
            _logger.info("QuickBooks webhook: unreadable events, and no company is connected.")
            return
        first = next(iter(connections.values()))
        by_connection = {}
        for skipped in notification.skipped:
            connection = connections.get(skipped.realm_id) if skipped.realm_id else first
            if not connection:
                _logger.info(
                    "QuickBooks webhook: an unreadable event of QuickBooks company %s, not "
                    "connected here, ignored.",
                    skipped.realm_id,
                )
                continue
            by_connection.setdefault(connection, []).append(skipped)
        if notification.unreadable:
            by_connection.setdefault(first, [])
        for connection, skipped in by_connection.items():
            company = connection.company_id
            if notification.unreadable:
                summary = _lt(
                    "A notification from QuickBooks could not be read and was ignored: %(reason)s",
                    reason=notification.unreadable,
                )
            else:
                summary = counted(
                    len(skipped),
                    _lt(
                        "%(count)s event of a notification from QuickBooks could not be read and "
                        "was skipped; the others were kept."
                    ),
                    _lt(
                        "%(count)s events of a notification from QuickBooks could not be read and "
                        "were skipped; the others were kept."
                    ),
                )
            summary = joined(
                summary,
                _lt(
                    "The periodic reconciliation still finds the time activities changed in "
                    "QuickBooks."
                ),
            )
            lines = [
                {
                    "level": "warning",
                    "message": _lt(
                        "Event %(event)s skipped: %(reason)s",
                        event=item.event_id or _lt("number %(position)s", position=item.position),
                        reason=item.reason,
                    ),
                    "record_name": item.event_id or False,
                }
                for item in skipped
            ]
            self.env["qbo.sync.log"]._record(
                company,
                "webhook",
                _lt("QuickBooks webhook"),
                summary,
                state="failed" if notification.unreadable else "partial",
                realm_id=connection.realm_id,
                lines=lines,
            )

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
                source=_lt("a webhook"),
                deleted_ids=deleted,
                client=client,
            )
