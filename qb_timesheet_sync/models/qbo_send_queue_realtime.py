# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real-time mode ("send as soon as sendable"): in a company that asks for
it, new lines that pass the sending rules and edits of sent lines are queued
for the background sender by themselves.

Saving a line only wakes a cron up (nothing reaches QuickBooks from the
user's transaction); the cron looks at the lines written since its last run,
keeps those that may be sent, and queues them as a background send does.
This file holds that cron; saving a line wakes it
(``account_analytic_line_realtime.py``), and so does a connection made again
(``qbo_connection_realtime.py``).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression

from ..qbo import QboError
from ..qbo.text import _lt, in_english
from .qbo_send_queue import ORPHAN_QUEUED_DOMAIN

_logger = logging.getLogger(__name__)

REALTIME_CRON = "qb_timesheet_sync.ir_cron_qbo_send_realtime"
# Lines written by a transaction still running when the cron looked are taken
# up by the next run: each run looks this far before its last one.
REALTIME_OVERLAP = timedelta(minutes=10)
# States of the lines the real-time mode sends: new, failed, edited after sending.
REALTIME_STATES = ("not_sent", "error", "edited")
# Lines each run takes up however long ago they were written: refused only
# because the company was not connected (it is again), and lines an
# interactive send left queued without an answer. So after a disconnection
# the backlog is caught up without anyone clicking Send.
REALTIME_CATCH_UP_DOMAIN = [
    "|",
    "&",
    ("qbo_state", "=", "refused"),
    ("qbo_refusal_code", "=", "not_connected"),
    "&",
    *ORPHAN_QUEUED_DOMAIN,
]


class QboSendQueue(models.AbstractModel):
    _inherit = "qbo.send.queue"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    @api.model
    def _qbo_cron_send_realtime(self):
        """Cron: queue the lines written since the last run that may be sent,
        for each company in real-time mode."""
        companies = self.env["res.company"].sudo().search([("qbo_send_when_sendable", "=", True)])
        for company in companies:
            self._qbo_send_realtime(company)

    @api.model
    def _qbo_send_realtime(self, company):
        now = fields.Datetime.now()
        if company._qbo_connection().state != "connected":
            # The watermark stays: once connected again, the next run (woken
            # by the connection, see qbo_connection_realtime.py) takes up what was written.
            return
        recent = [("qbo_state", "in", REALTIME_STATES)]
        if company.qbo_realtime_last:
            recent.append(("write_date", ">=", company.qbo_realtime_last - REALTIME_OVERLAP))
        domain = expression.AND(
            [
                # Billed time is never sent again (docs/ASSUMPTIONS.md#billed-time).
                [("company_id", "=", company.id), ("qbo_billed", "=", False)],
                # History before the company's cut-off is not even read.
                company._qbo_cutoff_domain(),
                expression.OR([recent, REALTIME_CATCH_UP_DOMAIN]),
            ]
        )
        lines = self.env["account.analytic.line"].sudo().search(domain, order="date, id")
        if lines:
            try:
                send_context = lines._qbo_send_context(company)
            except QboError as error:
                # The watermark stays: the next run looks at these lines again.
                _logger.info("Real-time QuickBooks send of company %s waits: %s", company.id, error)
                return
            sendable = lines.browse()
            plans = lines._qbo_plans(send_context)
            # A line refused while the company was not connected, and still
            # refused now it is, shows its reason of today (and is no longer
            # taken up by each run).
            lines._qbo_note_refusals(
                [plan for plan in plans if plan.refusal and plan.line.qbo_state == "refused"]
            )
            for plan in plans:
                if not plan.refusal:
                    sendable |= plan.line
                elif plan.line.qbo_state == "edited":
                    # An edit that makes a sent line unsendable keeps its reason
                    # on the line; new lines not sendable yet wait for later.
                    if plan.line.qbo_last_error != in_english(plan.refusal.message):
                        plan.line._qbo_write_state({"qbo_last_error": plan.refusal.message})
            if sendable:
                self._qbo_queue(sendable, company, name=_lt("Sent as soon as sendable"))
        company.qbo_realtime_last = now
