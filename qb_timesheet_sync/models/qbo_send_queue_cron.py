# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The cron of the background sender: it sends the queues (see
``qbo_send_queue.py``) chunk by chunk, company by company or several at the
same time, and keeps each background send's log up to date."""

import logging
import threading
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, config

from .qbo_send_queue import SEND_CRON

_logger = logging.getLogger(__name__)

# Lines the background sender locks, sends and commits together: ten batch
# requests of 30, as many as QuickBooks lets be in flight, so that a minute's
# batch requests leave within a second or two and the rest of the minute's
# requests (single creates, at 10 a second) have the time they need. (With
# 90 lines, three batches at a time took a third of each minute and left
# 7 of the 10 places empty.) A killed worker leaves at most one chunk to
# look for in QuickBooks; a run ends at most one chunk after its time is up
# (300 single creates: 30 s at 10 a second).
BACKGROUND_CHUNK_SIZE = 300
# Longest run of the background sender per cron call; shorter when the
# server's cron time limit asks (see _qbo_cron_time_budget).
BACKGROUND_MAX_SECONDS = 300
# Companies whose queues one cron call sends at the same time, each in a
# thread and a transaction of its own: Odoo runs a cron job in one thread at
# a time (on all servers together), and each QuickBooks company has limits
# of its own. Each uses up to 12 database connections (its transaction, the
# journal, the rate window of each request in flight).
MAX_PARALLEL_COMPANIES = 3
# When a run leaves lines waiting (QuickBooks unreachable, realm busy).
BACKGROUND_RETRY_DELAY = timedelta(minutes=1)


class QboSendQueue(models.AbstractModel):
    _inherit = "qbo.send.queue"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _qbo_cron_send_queued(self):
        """Cron: send the queue of one QuickBooks company (see the class)."""
        deadline = time.monotonic() + self._qbo_cron_time_budget()
        # The sender works in transactions of its own.
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            self.env(cr=cr)[self._name]._qbo_close_emptied_queue_logs()
        done = 0
        waiting = False
        company_ids = self._qbo_companies_to_serve()
        if len(company_ids) > 1 and not self.env.registry.in_test_mode():
            outcomes = self._qbo_send_queues_in_parallel(
                company_ids[:MAX_PARALLEL_COMPANIES], deadline
            )
            done = sum(settled for settled, _waiting in outcomes)
            waiting = any(company_waiting for _settled, company_waiting in outcomes)
            company_ids = []
        for company_id in company_ids:
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
    def _qbo_send_queues_in_parallel(self, company_ids, deadline):
        """Send the queues of ``company_ids`` at the same time, each in a
        thread and a transaction of its own (each QuickBooks company has its
        own limits, so each can reach its own ceiling); returns the outcome
        of each (see :meth:`_qbo_send_queue_in_own_transaction`)."""
        outcomes = {}
        parent = threading.current_thread()

        def serve(company_id):
            current = threading.current_thread()
            # What Odoo's logging and profiling read from the cron's thread.
            for name in ("dbname", "uid"):
                if hasattr(parent, name):
                    setattr(current, name, getattr(parent, name))
            try:
                outcomes[company_id] = self._qbo_send_queue_in_own_transaction(company_id, deadline)
            except Exception:
                _logger.exception("Background send of company %s failed", company_id)
                outcomes[company_id] = (0, True)

        threads = [
            threading.Thread(target=serve, args=(company_id,), name=f"qbo-company-{company_id}")
            for company_id in company_ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [outcomes[company_id] for company_id in company_ids]

    @api.model
    def _qbo_send_queue_in_own_transaction(self, company_id, deadline):
        """Send the queue of one company in a transaction of its own, apart
        from the cron's; returns (lines settled, whether lines wait for later)."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            company = env["res.company"].browse(company_id)
            return env[self._name]._qbo_send_queue(company, deadline)

    @api.model
    def _qbo_next_queued_chunk(self, company, exclude_ids):
        """(log, lines): the next queued lines of ``company``, of its oldest
        background send, the oldest first (by date, then id: after an outage
        the backlog reaches QuickBooks in the order it was worked), locked
        for this transaction; lines locked by another transaction and
        ``exclude_ids`` are left out."""
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
                 ORDER BY date, id
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
    # The job's log: written by the background sender alone
    # ------------------------------------------------------------------
    @api.model
    def _qbo_as_queued_by(self, log):
        """``log`` as the user who queued the send: its lines are sent by
        them, as an interactive send is, and logged in their language (not
        the cron's)."""
        user = log.user_id or self.env.user
        return log.with_user(user).with_context(lang=user.lang).sudo()

    @api.model
    def _qbo_update_queue_log(self, log, counts, settled):
        """Add a chunk's outcome to the background send ``log``: ``counts`` as
        ``qbo.sender._qbo_send_chunk`` returns them, ``settled`` the lines that
        left the queue; the lines still queued and those other sends took
        over are counted afresh. Closes the log when none of its lines is
        queued any more."""
        queued = (
            self.env["account.analytic.line"]
            .sudo()
            .search_count([("qbo_queue_log_id", "=", log.id), ("qbo_state", "=", "queued")])
        )
        done, refused = counts.get("done", 0), counts.get("refused", 0)
        skipped = counts.get("skipped", 0)
        log.write(
            {
                "count_done": log.count_done + done,
                "count_refused": log.count_refused + refused,
                "count_skipped": log.count_skipped + skipped,
                # Lines still queued (outcome unknown, QuickBooks out of reach)
                # are counted once they settle.
                "count_failed": log.count_failed + settled - done - refused - skipped,
                "count_moved": log._qbo_moved_count(),
                "count_remaining": queued,
            }
        )
        if not queued:
            self._qbo_finish_queue_log(log)

    @api.model
    def _qbo_close_emptied_queue_logs(self):
        """Count and close the background sends whose last queued lines
        other sends took over (see ``_qbo_release``): their sender had
        nothing left to send, so it did not close them."""
        self.env["account.analytic.line"].flush_model(["qbo_queue_log_id", "qbo_state"])
        self.env["qbo.sync.log"].flush_model(["operation", "state"])
        self.env.cr.execute(
            """
            SELECT log.id FROM qbo_sync_log log
             WHERE log.operation = 'send'
               AND log.state = 'running'
               AND EXISTS (
                   SELECT FROM qbo_sync_log_line detail
                    WHERE detail.log_id = log.id AND detail.count_moved > 0
               )
               AND NOT EXISTS (
                   SELECT FROM account_analytic_line line
                    WHERE line.qbo_queue_log_id = log.id AND line.qbo_state = 'queued'
               )
             ORDER BY log.id
            """
        )
        for (log_id,) in self.env.cr.fetchall():
            log = self._qbo_as_queued_by(self.env["qbo.sync.log"].sudo().browse(log_id))
            self.with_env(log.env)._qbo_update_queue_log(log, {}, 0)

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
                    log=log.display_name,
                ),
                "type": level,
                "sticky": level != "success",
            },
        )
