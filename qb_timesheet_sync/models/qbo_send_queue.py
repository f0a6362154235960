# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Background sending: large selections and scheduled sends are queued, and
the cron sends the queue chunk by chunk with the same
``qbo.sender._qbo_send_chunk`` as an interactive send."""

import logging
import time
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import SQL, config

from ..qbo import QboError
from ..qbo.text import render
from ..qbo.timesheet_rules import refusal_for
from .account_analytic_line import SENT_STATES
from .qbo_sender import CLOSE_WIZARD

# Why lines that are not queued are refused, by state (default: already sent).
QUEUE_REFUSALS = {
    "conflict": "conflict",
    "changed": "changed_in_quickbooks",
    "deleted": "deleted_in_quickbooks",
}

_logger = logging.getLogger(__name__)

# Lines the background sender locks, sends and commits together: three batch
# requests, so that a run stops soon after its time is up and a killed worker
# leaves little to reconcile.
BACKGROUND_CHUNK_SIZE = 90
# Longest run of the background sender per cron call; shorter when the
# server's cron time limit asks (see _qbo_cron_time_budget).
BACKGROUND_MAX_SECONDS = 300
# When a run leaves lines waiting (QuickBooks unreachable, realm busy).
BACKGROUND_RETRY_DELAY = timedelta(minutes=1)
SEND_CRON = "qb_timesheet_sync.ir_cron_qbo_send_queued"


class QboSendQueue(models.AbstractModel):
    """The queue of the background sender.

    A sync log entry is the job: the lines it queued point to it
    (``qbo_queue_log_id``) while ``qbo_state`` is ``queued``, and its counts
    follow the progress until it is closed and its user notified.

    One cron (``ir_cron_qbo_send_queued``), one QuickBooks company per call,
    no thread of its own: a call serves the company whose background send was
    served least recently, among those no other sender holds and that get
    lines through, until its time budget is spent; it then reports its
    progress over all companies. While lines remain, Odoo's cron worker calls
    again (up to ten calls a job, then the job is rescheduled at once), so the
    next company is served by the next call, and Odoo's worker model decides
    when and where each call runs. Companies are thus sent one after the
    other, never two in parallel: each QuickBooks company has its own rate
    window, and a company that waits (QuickBooks out of reach, its company
    held by an interactive send) brings the cron back a minute later.
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
            name or _("Send timesheets in the background"),
            _("%(count)s timesheet lines queued.", count=len(lines)),
            state="running",
            realm_id=company._qbo_connection().realm_id,
        )
        # Edited lines are queued too: the background sender updates them.
        sent = lines.filtered(
            lambda line: (
                (line.qbo_state in SENT_STATES and line.qbo_state != "edited")
                or line.qbo_state == "deleted"
            )
        )
        to_queue = lines - sent
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
        log._add_lines(
            [
                log._qbo_refusal_detail(
                    refusal_for(QUEUE_REFUSALS.get(line.qbo_state, "already_sent")), line
                )
                for line in sent
            ]
        )
        log.write({"count_refused": len(sent), "count_remaining": len(to_queue)})
        if to_queue:
            self.env.ref(SEND_CRON)._trigger()
        else:
            self._qbo_finish_queue_log(log)
        return log

    @api.model
    def _qbo_release(self, lines, log):
        """Take ``lines``, queued by background sends, out of them for the
        send of ``log``: each earlier send counts them as taken over, and ends
        when none of its lines is queued any more."""
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
                        "message": _(
                            "%(count)s lines taken over by the send '%(log)s'.",
                            count=len(earlier_lines),
                            log=log.name,
                        ),
                    }
                ]
            )
            earlier.write({"count_moved": earlier.count_moved + len(earlier_lines)})
            if earlier.state == "running":
                self._qbo_update_queue_log(earlier, {}, 0)

    @api.model
    def _qbo_queued_notification(self, logs):
        message = _(
            "%(count)s lines are being sent to QuickBooks in the background; you will be "
            "notified when it is done.",
            count=sum(logs.mapped("count_remaining")),
        )
        return logs._qbo_notification(
            message,
            "info",
            sticky=False,
            next_action=CLOSE_WIZARD,
            link_label=_("Follow it in the sync log"),
        )

    @api.model
    def _qbo_wake_sender(self):
        """Trigger the send cron when lines wait in the queue and it is not
        already due: after a few crashes or timeouts Odoo would otherwise
        wait for its full interval."""
        cron = self.env.ref(SEND_CRON, raise_if_not_found=False)
        if not cron or cron.sudo().nextcall <= fields.Datetime.now():
            return
        queued = (
            self.env["account.analytic.line"]
            .sudo()
            .search_count(
                [("qbo_state", "=", "queued"), ("qbo_queue_log_id", "!=", False)], limit=1
            )
        )
        triggered = (
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)], limit=1)
        )
        if queued and not triggered:
            cron._trigger()

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _qbo_cron_send_queued(self):
        """Cron: send the queue of one QuickBooks company (see the class)."""
        deadline = time.monotonic() + self._qbo_cron_time_budget()
        # The sender works in transactions of its own.
        self.env.flush_all()
        done = 0
        waiting = False
        for company_id in self._qbo_companies_to_serve():
            settled, company_waiting = self._qbo_send_queue_in_own_transaction(company_id, deadline)
            done += settled
            waiting = waiting or company_waiting
            if settled or time.monotonic() >= deadline:
                break
        remaining = self._qbo_queued_count()
        if waiting and not done:
            # QuickBooks out of reach or the company busy: the cron would see
            # no progress and wait for its next interval, come back sooner.
            self.env.ref(SEND_CRON)._trigger(fields.Datetime.now() + BACKGROUND_RETRY_DELAY)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _qbo_companies_to_serve(self):
        """Ids of the companies with queued lines, the least recently served
        first (its oldest running background send was written to first),
        read in a transaction of its own so that it sees what the sender
        committed."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                SELECT line.company_id FROM account_analytic_line line
                  JOIN qbo_sync_log log ON log.id = line.qbo_queue_log_id
                 WHERE line.qbo_state = 'queued'
                 GROUP BY line.company_id
                 ORDER BY min(log.write_date), line.company_id
                """
            )
            return [row[0] for row in cr.fetchall()]

    @api.model
    def _qbo_queued_count(self):
        """Lines queued for the background sender, read in a transaction of
        its own."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM account_analytic_line"
                " WHERE qbo_state = 'queued' AND qbo_queue_log_id IS NOT NULL"
            )
            return cr.fetchone()[0]

    @api.model
    def _qbo_cron_time_budget(self):
        """Seconds one cron call may spend sending: the cron runs up to ten
        calls in a row, all within the server's time limit for a cron job."""
        limit = config["limit_time_real_cron"]
        if limit is None or limit < 0:
            limit = config["limit_time_real"]
        if not limit:
            return BACKGROUND_MAX_SECONDS
        return min(BACKGROUND_MAX_SECONDS, limit / 12)

    @api.model
    def _qbo_send_queue_in_own_transaction(self, company_id, deadline):
        """Send the queue of one company in a transaction of its own, apart
        from the cron's; returns (lines settled, whether lines wait for later)."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            company = env["res.company"].browse(company_id)
            return env[self._name]._qbo_send_queue(company, deadline)

    @api.model
    def _qbo_send_queue(self, company, deadline):
        """Send the queued lines of ``company`` chunk by chunk, committing
        after each, until none is left or ``deadline`` (a monotonic time) has
        passed. Skips the company while another sender holds it. Returns
        (lines settled, whether lines wait for a later run)."""
        cr = self.env.cr
        sender = self.env["qbo.sender"]
        settled = 0
        tried_ids = set()
        waiting = False
        send_context = None
        metered = 0  # metered calls of this run already on a log
        while time.monotonic() < deadline:
            if not sender._qbo_lock_realm(company):
                return settled, True
            try:
                log, lines = self._qbo_next_queued_chunk(company, tried_ids)
                if not lines:
                    cr.rollback()
                    return settled, waiting
                tried_ids.update(lines.ids)
                # Sent by the user who queued the send, as an interactive send
                # is, and logged in their language (not the cron's).
                user = log.user_id or self.env.user
                log = log.with_user(user).with_context(lang=user.lang).sudo()
                lines = lines.with_env(log.env)
                if send_context is None:
                    send_context = lines._qbo_send_context(company)
                counts = sender.with_env(lines.env)._qbo_send_chunk(lines, log, send_context)
            except QboError as error:
                # QuickBooks' settings could not be read: try again later.
                cr.rollback()
                log._add_lines(
                    [{"level": "warning", "message": render(error, log.env._), "code": error.code}]
                )
                cr.commit()  # pylint: disable=invalid-commit
                return settled, True
            except psycopg2.errors.SerializationFailure:
                # A queued line was edited since this transaction began: its
                # lock is refused before anything is sent; start again.
                cr.rollback()
                continue
            left = lines.filtered(lambda line: line.qbo_state == "queued")
            settled += len(lines) - len(left)
            waiting = waiting or bool(left)
            self.with_env(log.env)._qbo_update_queue_log(log, counts, len(lines) - len(left))
            metered = log._qbo_add_metered_calls(send_context.client, metered)
            # Sent lines are recorded before the next chunk leaves, so a killed
            # worker loses at most the chunk under way (reconciled next time).
            cr.commit()  # pylint: disable=invalid-commit
            # Keep memory flat however many chunks one call sends.
            self.env.invalidate_all()
            if len(left) == len(lines):
                # Nothing got through: QuickBooks is out of reach for now.
                return settled, True
        return settled, True

    @api.model
    def _qbo_next_queued_chunk(self, company, exclude_ids):
        """(log, lines): the next queued lines of ``company``, of its oldest
        background send, locked for this transaction; lines locked by another
        transaction and ``exclude_ids`` are left out."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id, qbo_queue_log_id FROM account_analytic_line
                 WHERE company_id = %(company)s
                   AND qbo_state = 'queued'
                   AND qbo_queue_log_id = (
                       SELECT min(qbo_queue_log_id) FROM account_analytic_line
                        WHERE company_id = %(company)s
                          AND qbo_state = 'queued'
                          AND qbo_queue_log_id IS NOT NULL
                          AND NOT (id = ANY(%(exclude)s))
                   )
                   AND NOT (id = ANY(%(exclude)s))
                 ORDER BY id
                 LIMIT %(limit)s
                 FOR NO KEY UPDATE SKIP LOCKED
                """,
                company=company.id,
                exclude=list(exclude_ids),
                limit=BACKGROUND_CHUNK_SIZE,
            ),
            # A serialization failure is expected (and retried): not an error to log.
            log_exceptions=False,
        )
        rows = self.env.cr.fetchall()
        lines = self.env["account.analytic.line"]
        if not rows:
            return self.env["qbo.sync.log"], lines
        log = self.env["qbo.sync.log"].sudo().browse(rows[0][1])
        return log, lines.browse(row[0] for row in rows)

    # ------------------------------------------------------------------
    # The job's log
    # ------------------------------------------------------------------
    @api.model
    def _qbo_update_queue_log(self, log, counts, settled):
        """Add a chunk's outcome to the background send ``log``: ``counts`` as
        ``qbo.sender._qbo_send_chunk`` returns them, ``settled`` the lines that
        left the queue. Closes the log when none of its lines is queued any more."""
        queued = (
            self.env["account.analytic.line"]
            .sudo()
            .search_count([("qbo_queue_log_id", "=", log.id), ("qbo_state", "=", "queued")])
        )
        done, refused = counts.get("done", 0), counts.get("refused", 0)
        log.write(
            {
                "count_done": log.count_done + done,
                "count_refused": log.count_refused + refused,
                # Lines still queued (outcome unknown, QuickBooks out of reach)
                # are counted once they settle.
                "count_failed": log.count_failed + settled - done - refused,
                "count_remaining": queued,
            }
        )
        if not queued:
            self._qbo_finish_queue_log(log)

    @api.model
    def _qbo_finish_queue_log(self, log):
        """Close a background send and tell the user who queued it."""
        summary, level = log._qbo_close(log._qbo_counts())
        log.user_id._bus_send(
            "simple_notification",
            {
                "title": _("QuickBooks"),
                "message": _(
                    "Background send finished: %(summary)s See the sync log '%(log)s'.",
                    summary=summary,
                    log=log.name,
                ),
                "type": level,
                "sticky": level != "success",
            },
        )

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
            company.qbo_auto_send_last = now
            lines = self._qbo_auto_send_lines(company)
            if lines:
                self._qbo_queue(lines, company, name=_("Scheduled send"))

    @api.model
    def _qbo_auto_send_lines(self, company):
        """The lines of ``company``'s saved filter that would be sent now.
        Lines refused (not approved yet, not mapped...) are left alone, to be
        taken up by a later run once fixed, instead of failing every run."""
        domain = company.qbo_auto_send_filter_id._get_eval_domain()
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    *domain,
                    ("company_id", "=", company.id),
                    # Edited lines: their time activities are updated.
                    ("qbo_state", "in", ("not_sent", "refused", "error", "edited")),
                ]
            )
        )
        if not lines:
            return lines
        try:
            send_context = lines._qbo_send_context(company)
        except QboError as error:
            _logger.info("Scheduled QuickBooks send of company %s skipped: %s", company.id, error)
            return lines.browse()
        return lines.browse(
            plan.line.id for plan in lines._qbo_plans(send_context) if not plan.refusal
        )
