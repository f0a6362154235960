# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks lists the last resync of a company read, kept so the next
one reads only what changed since (change data capture; the rules are in
``qbo/changes.py``), and the resyncs QuickBooks' webhooks asked for.

A resync reads incrementally when it can: it asks QuickBooks for the changes
since the last completed resync (one metered call) and applies them by id to
the kept lists. It reads every list again (a *full* resync) when asked to,
when there is no completed resync yet, when that one is 30 days old or more
(CDC looks back no further), or when QuickBooks answered 1,000 changes (the
most one answer holds, so some may be missing)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..qbo import QboError
from ..qbo.changes import (
    CDC_ENTITIES,
    cdc_usable,
    merge,
    read_since,
)
from ..qbo.hour_details import read_category_lists
from ..qbo.lists import RESYNC_QUERIES, read_resync_lists
from ..qbo.text import _lt, counted, joined

RESYNC_CRON = "qb_timesheet_sync.ir_cron_qbo_resync_requested"
# A webhook's resync waits this long, so the events of one QuickBooks session
# (a customer and its projects renamed one after the other) make one resync.
WEBHOOK_DELAY = timedelta(minutes=2)


class ListsRead:
    """What a resync read: the lists, the categories, and how they were read."""

    def __init__(self, rows, categories, started_at, full, reason, change_count=0):
        self.rows = rows
        self.categories = categories
        self.started_at = started_at
        self.full = full
        self.reason = reason  # why a full read; None for an incremental one
        self.change_count = change_count


class QboResyncLists(models.Model):
    _name = "qbo.resync.lists"
    _description = "QuickBooks lists kept by the last resync"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    realm_id = fields.Char(required=True, readonly=True)
    read_at = fields.Datetime(
        readonly=True, help="When the last completed resync started reading QuickBooks."
    )
    rows = fields.Json(readonly=True)
    resync_requested_at = fields.Datetime(
        readonly=True, help="A webhook told of a changed customer, employee or vendor."
    )

    _sql_constraints = [
        ("company_realm_unique", "UNIQUE(company_id, realm_id)", "One set of lists per company."),
    ]

    @api.model
    def _qbo_for(self, company, realm_id):
        lists = self.sudo().search(
            [("company_id", "=", company.id), ("realm_id", "=", realm_id)], limit=1
        )
        return lists or self.sudo().create({"company_id": company.id, "realm_id": realm_id})

    def _qbo_read(self, client, full=False):
        """The lists a resync applies its rules to (a :class:`ListsRead`):
        these kept lists with the changes since applied, or every list read
        again; raises :class:`QboError` when QuickBooks cannot be read."""
        self.ensure_one()
        kept = self
        started_at = fields.Datetime.now()
        reason = kept._qbo_full_reason(full, started_at)
        if reason is None:
            changes = client.cdc(CDC_ENTITIES, read_since(kept.read_at))
            if changes.capped:
                reason = _lt("QuickBooks had 1,000 changes or more to tell")
            else:
                merged = merge(kept.rows["lists"] | kept.rows["categories"], changes)
                categories = {kind: merged.pop(kind) for kind in kept.rows["categories"]}
                rows = {entity: merged[entity] for entity in RESYNC_QUERIES}
                return ListsRead(rows, categories, started_at, False, None, changes.count)
        rows = read_resync_lists(client)
        categories = read_category_lists(client)  # classes, locations
        return ListsRead(rows, categories, started_at, True, reason)

    def _qbo_full_reason(self, full, now):
        """Why the lists must be read in full, or None when CDC can tell the changes."""
        self.ensure_one()
        if full:
            return _lt("a full resync was asked for")
        if not self.read_at or not self.rows:
            return _lt("no resync completed before")
        if not cdc_usable(self.read_at, now):
            return _lt("the last resync is 30 days old or more")
        return None

    def _qbo_keep(self, read):
        """Keep what ``read`` (a :class:`ListsRead`) read, once the resync applied it."""
        self.ensure_one()
        self.sudo().write(
            {
                "read_at": read.started_at,
                "rows": {"lists": read.rows, "categories": read.categories},
            }
        )

    @api.model
    def _qbo_read_note(self, read, metered_calls):
        """The sentences of the sync log that say how the lists were read."""
        if read.full:
            how = _lt("Full resync (%(reason)s): every list read.", reason=read.reason)
        else:
            how = counted(
                read.change_count,
                _lt(
                    "Incremental resync: %(count)s change read from QuickBooks since the "
                    "last resync."
                ),
                _lt(
                    "Incremental resync: %(count)s changes read from QuickBooks since the "
                    "last resync."
                ),
            )
        return joined(
            how,
            counted(metered_calls, _lt("%(count)s metered call."), _lt("%(count)s metered calls.")),
        )

    # ------------------------------------------------------------------
    # Resyncs asked for by webhooks
    # ------------------------------------------------------------------
    @api.model
    def _qbo_request_resync(self, connection):
        """A customer, employee or vendor of ``connection`` changed in
        QuickBooks: an incremental resync runs shortly, once however many
        events ask for it, when a resync of the company ran before. Returns
        whether one was asked for now."""
        lists = self._qbo_for(connection.company_id, connection.realm_id)
        if not lists.read_at:
            return False  # no resync ran yet: the first one is for a person to start
        if lists.resync_requested_at:
            return False  # one is already on its way
        lists.write({"resync_requested_at": fields.Datetime.now()})
        self.env.ref(RESYNC_CRON).sudo()._trigger(fields.Datetime.now() + WEBHOOK_DELAY)
        return True

    @api.model
    def _qbo_cron_resync_requested(self):
        """Cron: the resyncs webhooks asked for. They follow QuickBooks only
        (nothing is created in QuickBooks); one that cannot run stays asked
        for and is tried again on the next run."""
        for lists in self.sudo().search([("resync_requested_at", "!=", False)]):
            connection = lists.company_id._qbo_connection()
            if connection.state != "connected" or connection.realm_id != lists.realm_id:
                lists.resync_requested_at = False
                continue
            budget = self.env["qbo.read.budget"]
            if not budget._qbo_optional_reads_allowed(lists.company_id):
                continue  # an optional read: stays asked for (qbo_read_budget.py)
            try:
                with self.env.cr.savepoint():
                    _log, counts = (
                        self.env["qbo.resync"]
                        .with_company(lists.company_id)
                        ._qbo_resync(lists.company_id, create_missing=False)
                    )
            except (QboError, UserError):
                continue
            if counts is not None:
                lists.resync_requested_at = False
