# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Background sending: large selections and scheduled sends are queued, and
the cron sends the queue chunk by chunk with the same steps as an
interactive send's ``qbo.sender._qbo_send_chunk`` (``qbo_send_queue_cron.py``,
``qbo_send_queue_pipeline.py``)."""

import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..qbo import QboError
from ..qbo.text import _lt, counted, from_data, render
from ..qbo.timesheet_rules import before_cutoff, refusal_for
from .account_analytic_line import SENT_STATES
from .qbo_sender import CLOSE_WIZARD

# Why lines that are not queued are refused, by state (default: already sent).
QUEUE_REFUSALS = {
    "conflict": "conflict",
    "changed": "changed_in_quickbooks",
    "deleted": "deleted_in_quickbooks",
}

_logger = logging.getLogger(__name__)

# The first sending lane (data/ir_cron_data.xml); the lanes are the cron jobs
# whose code is LANE_CODE: the four installed, and any a host adds by
# duplicating one (see QboSendQueue).
SEND_CRON = "qb_timesheet_sync.ir_cron_qbo_send_queued"
LANE_CODE = "model._qbo_cron_send_queued()"
# Lines queued by an interactive send whose answer never came (no background
# send follows them): the scheduled and real-time sends take them up, and the
# sender looks for them in QuickBooks before sending them again
# (qbo.sender._qbo_settle_pending), so they are never sent twice.
ORPHAN_QUEUED_DOMAIN = [("qbo_state", "=", "queued"), ("qbo_queue_log_id", "=", False)]


class QboSendQueue(models.AbstractModel):
    """The queue of the background sender.

    A sync log entry is the job: the lines it queued point to it
    (``qbo_queue_log_id``) while ``qbo_state`` is ``queued``, and its counts
    follow the progress until it is closed and its user notified. Only the
    background sender writes that entry once it is queued: a send that takes
    lines over appends a detail to it instead (:meth:`_qbo_release`).

    Sending lanes: several identical cron jobs (``ir_cron_qbo_send_queued``
    and its siblings, the cron jobs whose code is ``LANE_CODE``), all calling
    ``_qbo_cron_send_queued``. Odoo runs a cron job in one thread at a time,
    whatever the number of servers, but different jobs in different cron
    threads and servers; each lane call serves up to
    ``COMPANIES_PER_LANE`` companies at the same time, each in a thread and
    a transaction of its own (each QuickBooks company has limits of its
    own, so each can reach its own ceiling). Its threads take the companies
    with queued lines, the least recently served first, and skip those
    another lane, server or interactive send holds (the realm lock,
    ``qbo.sender._qbo_lock_realm``): the lanes running on any cron thread of
    any server share the companies without a coordinator, and none is sent
    by two at once. A run of a lane (Odoo calls it again while it reports
    progress) ends when its time budget is spent, a quarter of the server's
    time limit for crons, chunks shrinking near the end so that it ends on
    time: a cron thread runs every ready job one after the other within
    that limit, so several lanes and the other jobs fit. While lines
    remain, the run's end wakes the lanes again, and Odoo's worker model
    decides when and on which server each run goes.
    A process serves no more companies at once than its database
    connections and its memory limit allow (``db_maxconn``,
    ``limit_memory_soft``, see ``qbo_send_queue_cron.py``).
    Queuing wakes every lane (:meth:`_qbo_trigger_lanes`); a lane whose
    companies wait (QuickBooks out of reach, a company held by an
    interactive send) brings the lanes back a minute later. (In tests, a
    call serves its companies one after the other in the cron's thread.)
    """

    _name = "qbo.send.queue"
    _description = "QuickBooks background sending"

    def _register_hook(self):
        super()._register_hook()
        # After a few crashes or timeouts Odoo waits for the cron's full
        # interval: work queued before the (re)start is taken up at once.
        self._qbo_wake_sender()

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    @api.model
    def _qbo_queue(self, lines, company, name=None):
        """Queue ``lines`` of ``company`` for the background sender and wake
        it up; returns the sync log entry that follows the send."""
        lines = lines.sudo()
        log = self.env["qbo.sync.log"]._record(
            company,
            "send",
            name or _lt("Send timesheets in the background"),
            counted(
                len(lines),
                _lt("%(count)s timesheet line queued."),
                _lt("%(count)s timesheet lines queued."),
            ),
            state="running",
            realm_id=company._qbo_connection().realm_id,
        )
        # Edited lines are queued too: the background sender updates them,
        # unless QuickBooks billed them (docs/ASSUMPTIONS.md#billed-time).
        sent = lines.filtered(
            lambda line: (
                (line.qbo_state in SENT_STATES and line.qbo_state != "edited")
                or line.qbo_state == "deleted"
                or line.qbo_billed
            )
        )
        # History before the company's cut-off is refused here, never queued.
        # A line already queued is left to the sender's rules: its last
        # attempt may have reached QuickBooks (qbo.sender._qbo_settle_pending).
        send_from_date = company.sudo().qbo_send_from_date
        cutoff = (lines - sent).filtered(
            lambda line: (
                line.qbo_state != "queued"
                and before_cutoff(line.date, send_from_date, line.qbo_time_activity_id)
            )
        )
        to_queue = lines - sent - cutoff
        # Lines queued again move to this send.
        self._qbo_release(to_queue.filtered(lambda line: line.qbo_state == "queued"), log)
        to_queue._qbo_write_state(
            {
                "qbo_state": "queued",
                "qbo_queue_log_id": log.id,
                "qbo_last_error": False,
                "qbo_refusal_code": False,
            }
        )
        verdicts = {
            line: refusal_for(
                "billed" if line.qbo_billed else QUEUE_REFUSALS.get(line.qbo_state, "already_sent")
            )
            for line in sent
        }
        # Lines already sent and unchanged are skipped, not refused.
        refused = [line for line in sent if not verdicts[line].skipped]
        log._add_lines([log._qbo_refusal_detail(verdicts[line], line) for line in refused])
        if cutoff:
            refusal = refusal_for("before_cutoff", date=send_from_date.isoformat())
            cutoff._qbo_write_state(
                {
                    "qbo_state": "refused",
                    "qbo_refusal_code": refusal.code,
                    "qbo_last_error": refusal.message,
                }
            )
            log._add_lines([log._qbo_refusal_detail(refusal, line) for line in cutoff])
        log.write(
            {
                "count_refused": len(refused) + len(cutoff),
                "count_skipped": len(sent) - len(refused),
                "count_remaining": len(to_queue),
            }
        )
        if to_queue:
            self._qbo_trigger_lanes()
        else:
            self._qbo_finish_queue_log(log)
        return log

    @api.model
    def _qbo_release(self, lines, log):
        """Take ``lines``, queued by background sends, out of them for the
        send of ``log``: each earlier send gets a detail saying how many it
        lost; its background sender counts them as taken over, and closes it
        when none of its lines is queued any more.

        The earlier send's own log entry is never written here: its
        background sender updates it after every chunk, and a transaction
        that began before that chunk was committed (a send waiting for the
        QuickBooks company, see qbo.sender._qbo_lock_realm) cannot update it
        afterwards (Odoo runs REPEATABLE READ): it would fail, after its
        lines were sent. Appending a detail only refers to the entry."""
        taken = lines.sudo().filtered(
            lambda line: line.qbo_queue_log_id and line.qbo_queue_log_id != log
        )
        if not taken:
            return
        by_log = {
            earlier: taken.filtered(lambda line, earlier=earlier: line.qbo_queue_log_id == earlier)
            for earlier in taken.qbo_queue_log_id
        }
        taken._qbo_write_state({"qbo_queue_log_id": False})
        for earlier, earlier_lines in by_log.items():
            earlier._add_lines(
                [
                    {
                        "level": "info",
                        "message": counted(
                            len(earlier_lines),
                            _lt("%(count)s line taken over by the send '%(log)s'."),
                            _lt("%(count)s lines taken over by the send '%(log)s'."),
                            log=from_data(log.name_data) or log.name,
                        ),
                        "moved": len(earlier_lines),
                    }
                ]
            )
        # The background sender counts them once this transaction is committed.
        self._qbo_trigger_lanes()

    @api.model
    def _qbo_queued_notification(self, logs):
        message = render(
            counted(
                sum(logs.mapped("count_remaining")),
                _lt(
                    "%(count)s line is being sent to QuickBooks in the background; you will be "
                    "notified when it is done."
                ),
                _lt(
                    "%(count)s lines are being sent to QuickBooks in the background; you will be "
                    "notified when it is done."
                ),
            ),
            self.env._,
        )
        return logs._qbo_notification(
            message,
            "info",
            sticky=False,
            next_action=CLOSE_WIZARD,
            link_label=_("Follow it in the sync log"),
        )

    @api.model
    def _qbo_send_lanes(self):
        """The sending lanes: the active cron jobs that send the queue."""
        return self.env["ir.cron"].sudo().search([("code", "=", LANE_CODE)])

    @api.model
    def _qbo_trigger_lanes(self, at=None, lanes=None):
        """Wake every sending lane (or ``lanes``), now or ``at`` (a datetime):
        each lane that gets a cron thread takes the companies the others do
        not hold."""
        for lane in self._qbo_send_lanes() if lanes is None else lanes:
            lane._trigger(at)

    @api.model
    def _qbo_wake_sender(self):
        """Trigger the sending lanes that are not already due when lines wait
        in the queue: after a few crashes or timeouts Odoo would otherwise
        wait for their full interval."""
        now = fields.Datetime.now()
        lanes = self._qbo_send_lanes().filtered(lambda lane: lane.nextcall > now)
        if not lanes:
            return
        queued = (
            self.env["account.analytic.line"]
            .sudo()
            .search_count(
                [("qbo_state", "=", "queued"), ("qbo_queue_log_id", "!=", False)], limit=1
            )
        )
        if not queued:
            return
        triggered = (
            self.env["ir.cron.trigger"].sudo().search([("cron_id", "in", lanes.ids)]).cron_id
        )
        self._qbo_trigger_lanes(lanes=lanes - triggered)

    # ------------------------------------------------------------------
    # Scheduled sending
    # ------------------------------------------------------------------
    @api.model
    def _qbo_cron_auto_send(self):
        """Cron: queue, for each company that asks for it, the lines of its
        saved filter that may be sent, every N hours."""
        now = fields.Datetime.now()
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("qbo_auto_send", "=", True), ("qbo_auto_send_filter_id", "!=", False)])
        )
        for company in companies:
            last = company.qbo_auto_send_last
            if last and last + timedelta(hours=company.qbo_auto_send_interval) > now:
                continue
            lines = self._qbo_auto_send_lines(company)
            if lines is None:
                # QuickBooks out of reach or the company not connected: the
                # next hourly run tries again, not the next interval.
                continue
            company.qbo_auto_send_last = now
            if lines:
                self._qbo_queue(lines, company, name=_lt("Scheduled send"))

    @api.model
    def _qbo_auto_send_lines(self, company):
        """The lines of ``company``'s saved filter that would be sent now, or
        None when QuickBooks cannot be read or the company is not connected
        (the lines wait for a later run). Lines refused (not approved yet,
        not mapped...) are left alone, to be taken up by a later run once
        fixed, instead of failing every run; lines before the company's
        cut-off are not even read."""
        domain = company.qbo_auto_send_filter_id._get_eval_domain()
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    *domain,
                    ("company_id", "=", company.id),
                    *company._qbo_cutoff_domain(),
                    "|",
                    # Edited lines: their time activities are updated.
                    ("qbo_state", "in", ("not_sent", "refused", "error", "edited")),
                    "&",
                    *ORPHAN_QUEUED_DOMAIN,
                ],
                order="date, id",
            )
        )
        if not lines:
            return lines
        try:
            send_context = lines._qbo_send_context(company)
        except QboError as error:
            _logger.info("Scheduled QuickBooks send of company %s waits: %s", company.id, error)
            return None
        if not send_context.connected:
            return None
        return lines.browse(
            plan.line.id for plan in lines._qbo_plans(send_context) if not plan.refusal
        )
