# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The cron of the background sender: each sending lane (see
``qbo_send_queue.py``) sends the queues of several companies at the same
time, chunk by chunk, and keeps each background send's log up to date."""

import logging
import resource
import threading
import time
import weakref
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, config

from ..qbo import limiter_for

_logger = logging.getLogger(__name__)

# Lines the background sender locks, sends and commits together: ten batch
# requests of 30, as many as QuickBooks lets be in flight, so that a minute's
# batch requests leave within a second or two and the rest of the minute's
# requests (single creates, at 10 a second) have the time they need. (With
# 90 lines, three batches at a time took a third of each minute and left
# 7 of the 10 places empty.) A killed worker leaves at most one chunk to
# look for in QuickBooks. Near the end of a run a chunk is smaller: what the
# company takes in the time left (see _qbo_chunk_size).
BACKGROUND_CHUNK_SIZE = 300
# The smallest chunk: one batch request.
MIN_CHUNK_SIZE = 30
# Longest run of a lane; shorter when the server's cron time limit asks (see
# _qbo_cron_time_budget).
BACKGROUND_MAX_SECONDS = 300
# Longest wait of a run for its companies' last chunks after its time is
# up, and the share of the cron time limit it may take: the run then ends,
# and the chunks still under way end in their threads (none starts another).
BACKGROUND_MAX_GRACE_SECONDS = 60
# Companies one lane call sends at the same time, each in a thread and a
# transaction of its own; a system parameter may change it (a host with many
# companies and few cron threads). Four lanes are installed: with the two
# cron threads of Odoo's default on each of two servers, up to 40 companies
# at once, if the servers' connections allow (below).
COMPANIES_PER_LANE = 10
COMPANIES_PER_LANE_PARAM = "qb_timesheet_sync.companies_per_lane"
# Database connections one company's sender holds at most at once: its
# transaction, the one holding the company's lock for the run
# (qbo_send_queue_pipeline.py), the journal's, and one per request in flight
# (10) waiting for the company's rate window (models/qbo_rate_window.py).
CONNECTIONS_PER_COMPANY = 13
# Connections of a server's pool (db_maxconn) left to everything else: the
# HTTP requests of a threaded server, the cron threads' own cursors, the
# lanes' short transactions. A server sends at most
# (db_maxconn - CONNECTIONS_KEPT) // CONNECTIONS_PER_COMPANY companies at
# once, all its lanes together (Odoo's pool raises when it is full).
CONNECTIONS_KEPT = 16
# Threads of one company's sender: its own and one per request in flight
# (qbo/delivery.py). Each reserves a stack (the process's stack limit,
# 8 MiB by default) in the virtual memory Odoo measures against
# limit_memory_soft: a server sends at most
# (limit_memory_soft - MEMORY_KEPT) // (THREADS_PER_COMPANY x stack)
# companies at once, or Odoo would restart it (threaded server) or recycle
# it (cron worker) while it sends.
THREADS_PER_COMPANY = 11
# Virtual memory of a server left to everything but its lanes: an idle
# threaded server measured 0.3 GiB (code, registry, malloc arenas), the rest
# is room for its HTTP threads and caches. Ten companies added 0.9 GiB.
MEMORY_KEPT = 768 * 1024 * 1024
# When a run leaves lines waiting (QuickBooks unreachable, realm busy).
BACKGROUND_RETRY_DELAY = timedelta(minutes=1)
# Only one lane at a time closes the background sends whose lines were all
# taken over (two would update the same logs); key of its advisory lock.
CLOSE_LOGS_LOCK = 4739012


class CompanySlots:
    """Companies this process sends at the same time, all its lanes
    together, within what its database connections and its memory limit
    allow."""

    def __init__(self):
        self._lock = threading.Lock()
        self._used = 0
        self._told = False

    @staticmethod
    def limit():
        by_connections = (config["db_maxconn"] - CONNECTIONS_KEPT) // CONNECTIONS_PER_COMPANY
        limit = by_connections
        memory = config["limit_memory_soft"]
        if memory:
            stack = resource.getrlimit(resource.RLIMIT_STACK)[0]
            if stack == resource.RLIM_INFINITY or stack <= 0:
                stack = 8 * 1024 * 1024
            limit = min(limit, (memory - MEMORY_KEPT) // (THREADS_PER_COMPANY * stack))
        return max(1, limit)

    def take(self, wanted):
        """Take up to ``wanted`` slots; returns how many were taken."""
        limit = self.limit()
        with self._lock:
            taken = max(0, min(wanted, limit - self._used))
            self._used += taken
            told, self._told = self._told, self._told or taken < wanted
        if taken < wanted and not told:
            _logger.info(
                "QuickBooks background send: this server sends %s companies at once"
                " (db_maxconn %s, up to %s connections a company; limit_memory_soft %s MiB);"
                " raise db_maxconn (and limit_memory_soft) to send more at once.",
                limit,
                config["db_maxconn"],
                CONNECTIONS_PER_COMPANY,
                config["limit_memory_soft"] // (1024 * 1024),
            )
        return taken

    def give_back(self):
        with self._lock:
            self._used -= 1


COMPANY_SLOTS = CompanySlots()
# When the runs of the lanes in this process end, by the cron worker's
# cursor of each run (ir.cron._run_job opens one per run and calls the lane
# again while it reports progress): a run spends its time budget once,
# however many calls it takes.
RUN_DEADLINES = weakref.WeakKeyDictionary()
RUN_DEADLINES_LOCK = threading.Lock()


class QboSendQueue(models.AbstractModel):
    _inherit = "qbo.send.queue"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # The cron of each lane
    # ------------------------------------------------------------------
    @api.model
    def _qbo_cron_send_queued(self):
        """Cron of each sending lane: send the queues of the companies no
        other lane holds, several at once, until the run's time budget is
        spent (see the class); then wake the lanes again for what is left:
        a new run, on whichever cron thread of whichever server is free,
        within fresh time limits."""
        deadline, called_before = self._qbo_run_deadline()
        if called_before and time.monotonic() >= deadline:
            # Odoo calls again after the run's last call (which woke the
            # lanes): the run ends here.
            return
        # The sender works in transactions of its own.
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            self.env(cr=cr)[self._name]._qbo_close_emptied_queue_logs()
        outcomes = []
        if time.monotonic() < deadline:
            outcomes = self._qbo_serve_lane(self._qbo_companies_to_serve(), deadline)
        done = sum(settled for settled, _waiting in outcomes)
        waiting = any(company_waiting for _settled, company_waiting in outcomes)
        remaining = self._qbo_queued_count()
        if remaining and time.monotonic() >= deadline:
            # The run's time is spent: the lanes come back at once, in new
            # runs within fresh time limits.
            self._qbo_trigger_lanes()
        elif waiting and not done:
            # QuickBooks out of reach or the companies busy: the cron would
            # see no progress and wait for its next interval, come back sooner.
            self._qbo_trigger_lanes(fields.Datetime.now() + BACKGROUND_RETRY_DELAY)
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
    def _qbo_run_deadline(self):
        """(when this run of the lane stops sending, a monotonic time: its
        time budget after its first call, and on a threaded server early
        enough for the cron thread's pass over the ready jobs to end within
        the time limit; whether the run was called before). Called outside
        the cron worker, as tests do: this call's budget."""
        now = time.monotonic()
        budget = self._qbo_cron_time_budget()
        if not self.env.context.get("cron_id"):
            return now + budget, False
        with RUN_DEADLINES_LOCK:
            deadline = RUN_DEADLINES.get(self.env.cr)
            if deadline is not None:
                return deadline, True
            deadline = now + budget
            limit = self._qbo_cron_time_limit()
            # Set by Odoo's threaded server when the pass began (a cron
            # worker process is limited the same way, but does not say).
            pass_started = getattr(threading.current_thread(), "start_time", None)
            if limit and pass_started:
                pass_left = pass_started + limit - time.time()
                deadline = min(deadline, now + pass_left - 2 * self._qbo_cron_grace())
            RUN_DEADLINES[self.env.cr] = deadline
            return deadline, False

    @api.model
    def _qbo_cron_time_limit(self):
        """The server's time limit of a cron pass, in seconds (0: none)."""
        limit = config["limit_time_real_cron"]
        if limit is None or limit < 0:
            limit = config["limit_time_real"]
        return limit or 0

    @api.model
    def _qbo_cron_time_budget(self):
        """Seconds one run of a lane may spend sending. The cron thread (or
        worker) of a run runs every job ready at the time, one after the
        other, within the server's time limit for crons
        (limit_time_real_cron, else limit_time_real): a quarter of it, so
        that two lanes (with their grace, :meth:`_qbo_cron_grace`) and the
        other jobs fit."""
        limit = self._qbo_cron_time_limit()
        if not limit:
            return BACKGROUND_MAX_SECONDS
        return min(BACKGROUND_MAX_SECONDS, limit / 4)

    @api.model
    def _qbo_cron_grace(self):
        """Seconds a run waits at most for its last chunks once its time is
        up: a sixth of the cron time limit."""
        limit = self._qbo_cron_time_limit()
        if not limit:
            return BACKGROUND_MAX_GRACE_SECONDS
        return min(BACKGROUND_MAX_GRACE_SECONDS, limit / 6)

    @api.model
    def _qbo_companies_per_lane(self):
        """Companies one lane call sends at the same time (at least one)."""
        value = self.env["ir.config_parameter"].sudo().get_param(COMPANIES_PER_LANE_PARAM)
        try:
            return max(1, int(value)) if value else COMPANIES_PER_LANE
        except ValueError:
            _logger.warning(
                "System parameter %s is not a number (%r): %s companies per lane.",
                COMPANIES_PER_LANE_PARAM,
                value,
                COMPANIES_PER_LANE,
            )
            return COMPANIES_PER_LANE

    @api.model
    def _qbo_serve_lane(self, company_ids, deadline):
        """Send the queues of ``company_ids`` (the least recently served
        first) until ``deadline`` (a monotonic time), with a pool of threads:
        each takes the next company, sends its queue in a transaction of its
        own (:meth:`_qbo_send_queue_in_own_transaction`; a company another
        sender holds is left at once), then takes the next one. Returns the
        outcome of each company tried, as that method does.

        In tests the companies are served one after the other in the
        calling thread (a test's cursors share one transaction)."""
        outcomes = []
        pending = iter(company_ids)
        pending_lock = threading.Lock()

        def serve_companies(keep_going=False):
            while time.monotonic() < deadline:
                with pending_lock:
                    company_id = next(pending, None)
                if company_id is None:
                    return
                try:
                    outcome = self._qbo_send_queue_in_own_transaction(company_id, deadline)
                except Exception:
                    if not keep_going:
                        raise
                    _logger.exception("Background send of company %s failed", company_id)
                    outcome = (0, True)
                outcomes.append(outcome)

        if not self._qbo_lane_in_threads():
            serve_companies()
            return outcomes
        wanted = min(self._qbo_companies_per_lane(), len(company_ids))
        taken = COMPANY_SLOTS.take(wanted)
        parent = threading.current_thread()

        def serve_in_thread():
            current = threading.current_thread()
            # What Odoo's logging and profiling read from the cron's thread.
            for name in ("dbname", "uid"):
                if hasattr(parent, name):
                    setattr(current, name, getattr(parent, name))
            try:
                serve_companies(keep_going=True)
            finally:
                COMPANY_SLOTS.give_back()

        threads = [
            threading.Thread(target=serve_in_thread, name=f"qbo-send-{number}")
            for number in range(taken)
        ]
        for thread in threads:
            thread.start()
        # A chunk under way when the time is up may take long (its company's
        # minute used up, a loaded machine): past the grace, the run ends
        # and the chunk ends in its thread, which takes no other.
        grace = self._qbo_cron_grace()
        for thread in threads:
            thread.join(max(0.0, deadline + grace - time.monotonic()))
        if taken < wanted and not outcomes:
            # The server's connections are all taken: the companies wait.
            outcomes.append((0, True))
        return outcomes

    @api.model
    def _qbo_lane_in_threads(self):
        """Whether a lane serves its companies in threads of its own: not in
        tests, whose cursors share one transaction."""
        return not self.env.registry.in_test_mode()

    @api.model
    def _qbo_send_queue_in_own_transaction(self, company_id, deadline):
        """Send the queue of one company in a transaction of its own, apart
        from the cron's; returns (lines settled, whether lines wait for later)."""
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            company = env["res.company"].browse(company_id)
            return env[self._name]._qbo_send_queue(company, deadline)

    @api.model
    def _qbo_chunk_size(self, company, seconds):
        """Lines of the next chunk of ``company`` when ``seconds`` are left
        to the run: as many as its QuickBooks company takes in that time at
        the slowest, single creates only (its batch window full), so that
        the run ends near its deadline; at least one batch, at most
        ``BACKGROUND_CHUNK_SIZE``."""
        limits = limiter_for(company.sudo()._qbo_connection().realm_id)
        per_second = (
            limits.requests_per_minute - limits.batches_per_minute
        ) / limits.window_seconds
        lines = max(MIN_CHUNK_SIZE, int(seconds * per_second))
        return min(BACKGROUND_CHUNK_SIZE, lines)

    @api.model
    def _qbo_next_queued_chunk(self, company, exclude_ids, size=None):
        """(log, lines): the next queued lines of ``company`` (at most
        ``size``, by default ``BACKGROUND_CHUNK_SIZE``), of its oldest
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
                limit=size or BACKGROUND_CHUNK_SIZE,
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
        nothing left to send, so it did not close them. One lane at a time
        (two would update the same logs): the others leave it to that one."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [CLOSE_LOGS_LOCK])
        if not self.env.cr.fetchone()[0]:
            return
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
