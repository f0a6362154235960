# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One rate window per QuickBooks company, shared by every Odoo process.

QuickBooks' limits are per company (realm): 500 requests and 40 batch
requests a minute, 10 requests a second, 10 in flight (Intuit's limits, see
docs/ASSUMPTIONS.md#rate-limits).
Each Odoo worker, cron thread and server paces its requests with the same
window, kept in PostgreSQL: one row per realm, taken with ``SELECT ... FOR
UPDATE`` in a short transaction of its own before each request. A restart or
a handover between workers finds the window where the last one left it, so it
never bursts into a 429.
"""

import json
import logging
import threading
import time
from contextlib import contextmanager, suppress

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.sql_db import Cursor

from ..qbo.ratelimit import BatchReservations, window_checks, window_wait

_logger = logging.getLogger(__name__)

# A request in flight holds a lease on one of the realm's in-flight places
# until it ends. A process that dies mid-request never gives its lease back:
# it runs out after the request timeout, capped at half the limiter's minute
# (30 s), so a restarted server waits at most that long for the dead one's
# places.
MAX_LEASE_SECONDS = 60.0
# How often a request waiting for an in-flight place looks again, in
# "seconds" of the limiter (a tenth of a second in production).
IN_FLIGHT_POLL = 0.1


class QboRateWindow(models.Model):
    """The recent requests of one QuickBooks company, for every Odoo process.

    Written only by :class:`SharedRealmRateLimiter`, in raw SQL under the
    row's lock; times are PostgreSQL's clock (seconds since the epoch), the
    one clock all the servers share.
    """

    _name = "qbo.rate.window"
    _description = "QuickBooks rate window of a company"
    _log_access = False

    realm_id = fields.Char(required=True, readonly=True)
    request_times = fields.Json(readonly=True, help="Start of the requests of the last minute.")
    batch_times = fields.Json(readonly=True, help="Start of the batch requests of the last minute.")
    leases = fields.Json(readonly=True, help="End of the leases of the requests in flight.")
    paused_until = fields.Float(readonly=True, help="No request before this time (after a 429).")

    _sql_constraints = [
        ("realm_unique", "unique(realm_id)", "One rate window per QuickBooks company."),
    ]

    @api.model
    def _qbo_limiter(self, realm_id, local_limiter, timeout=MAX_LEASE_SECONDS):
        """The limiter of ``realm_id`` shared through this table, with the
        numbers (and the in-process bound on requests in flight) of
        ``local_limiter`` (a :class:`~..qbo.ratelimit.RealmRateLimiter`)."""
        return SharedRealmRateLimiter(
            self.env.registry.cursor,
            realm_id,
            local_limiter,
            lease_seconds=timeout,
        )


class SharedRealmRateLimiter:
    """Same interface as :class:`~..qbo.ratelimit.RealmRateLimiter` (``slot``,
    ``pause_for``, ``minute_seconds``), so the QuickBooks client is unchanged;
    the window lives in the ``qbo_rate_window`` row of the realm.

    ``cursor_factory()`` returns a new cursor (its own transaction, committed
    when its ``with`` block ends); ``sleep`` can be replaced by a fake.
    """

    def __init__(
        self,
        cursor_factory,
        realm_id,
        local,
        lease_seconds=MAX_LEASE_SECONDS,
        sleep=None,
    ):
        self.realm_id = str(realm_id)
        self.local = local
        self.minute_seconds = local.minute_seconds
        self.lease_seconds = min(lease_seconds, MAX_LEASE_SECONDS, local.minute_seconds / 2)
        self._cursor_factory = cursor_factory
        self._sleep = sleep or time.sleep
        self._batches_full_until = 0.0  # see batch_room
        self._reservations = BatchReservations(local.window_seconds)
        self._kept = threading.local()  # see sending_thread
        self._turns = {False: threading.Lock(), True: threading.Lock()}  # see slot
        self._next_turn = 0.0  # time.monotonic() of the next possible turn (_take_turn)
        self._lock_query = self._window_query(local)

    def __repr__(self):
        return f"SharedRealmRateLimiter(realm_id={self.realm_id!r})"

    @contextmanager
    def sending_thread(self):
        """While the block runs, this thread sends request after request
        (``qbo/delivery.py``): its transactions on the window go through one
        cursor of its own, committed after each, instead of a cursor borrowed
        from the pool for each (which costs PostgreSQL a round trip to reset
        the connection, and this process the CPU of a new cursor). The
        connection is held until the block ends, idle between the
        transactions."""
        if getattr(self._kept, "cursor", None) is not None:
            yield
            return
        cr = self._window_cursor()
        if isinstance(cr, Cursor):
            # For the session, not for each transaction (see _transaction);
            # undone when the block ends, as Odoo's pool would undo it anyway.
            cr.execute("SET synchronous_commit TO OFF")
            cr.commit()
        self._kept.cursor = cr
        try:
            yield
        finally:
            self._kept.cursor = None
            with suppress(psycopg2.Error):
                cr.rollback()
                if isinstance(cr, Cursor):
                    cr.execute("RESET synchronous_commit")
                    cr.commit()
            cr.close()

    @contextmanager
    def slot(self, is_batch=False):
        """Block until one more request may go, and hold its place while it runs."""
        # The process's own bound first: its threads queue here, not in SQL.
        # Then they take their turns one at a time (a batch request apart
        # from single ones, which do not wait for the batch window): one
        # thread waits for the window to move while the others wait for it
        # here, instead of each asking PostgreSQL again whenever it moves.
        with self.local._in_flight:
            with self._turns[is_batch]:
                lease = self._take_turn(is_batch)
            if is_batch:
                # Counted in the window from now on, not as a reservation.
                self._reservations.counted()
            try:
                yield
            finally:
                self._give_back(lease)

    def pause_for(self, seconds):
        """Hold back every request of this realm, from every process, for ``seconds``."""
        with self._transaction() as cr:
            now, _window = self._lock_window(cr)
            cr.execute(
                "UPDATE qbo_rate_window SET paused_until = greatest(paused_until, %s)"
                " WHERE realm_id = %s",
                [now + seconds, self.realm_id],
            )

    def batch_room(self):
        """How many batch requests the realm's window has room for now (read
        without the lock: a hint for choosing between a batch and singles).
        A full window stays full at least until its oldest batch request
        leaves it (other processes can only fill it more): until then, the
        answer is known without asking PostgreSQL."""
        if time.monotonic() < self._batches_full_until:
            return 0
        with self._transaction(write=False) as cr:
            cr.execute(
                """
                SELECT count(*), min(moment) + %s - extract(epoch FROM clock_timestamp())
                  FROM (SELECT batch.moment::text::float8 AS moment
                          FROM qbo_rate_window,
                               jsonb_array_elements(batch_times) AS batch(moment)
                         WHERE realm_id = %s) AS batches
                 WHERE moment > extract(epoch FROM clock_timestamp()) - %s
                """,
                [self.local.window_seconds, self.realm_id, self.local.window_seconds],
            )
            count, oldest_leaves_in = cr.fetchone()
        room = self.local.batches_per_minute - count
        if room <= 0 and oldest_leaves_in:
            self._batches_full_until = time.monotonic() + oldest_leaves_in
        return room

    def reserve_batch(self, force=False):
        """Whether one more batch request may be chosen now (see
        :class:`~..qbo.ratelimit.BatchReservations`)."""
        return self._reservations.reserve(self.batch_room, force)

    def _take_turn(self, is_batch):
        """Record this request in the window when it may go; returns its lease.

        A turn leaves the window as this process last saw it: until the
        moment that window lets the next request go, asking PostgreSQL is of
        no use (other processes can only fill it more), so the next turn
        waits for that moment first. Sending at the limit, each request then
        takes one look at the window, not one to learn how long to wait and
        another after waiting."""
        while True:
            early = self._next_turn - time.monotonic()
            if early > 0:
                self._sleep(early)
            with self._transaction() as cr:
                now, window = self._lock_window(cr)
                wait = self._wait_needed(window, now, is_batch)
                if wait <= 0:
                    lease = now + self.lease_seconds
                    self._record(cr, now, lease, is_batch)
                    # A single request's wait: a batch request may wait longer.
                    next_wait = self._window_wait(window.after_request(now), now, is_batch=False)
                    self._next_turn = time.monotonic() + next_wait
                    return lease
            self._sleep(wait)

    def _wait_needed(self, window, now, is_batch):
        limits = self.local
        window.leases = [end for end in window.leases if end > now]
        wait = self._window_wait(window, now, is_batch)
        if wait <= 0 and len(window.leases) >= limits.max_in_flight:
            # Full: another process's request ends first (or its lease runs out).
            wait = min(IN_FLIGHT_POLL * limits.second_seconds, min(window.leases) - now)
        return wait

    def _window_wait(self, window, now, is_batch):
        """Seconds until ``window`` (:class:`_Window`) lets a request go after
        ``now``: its pause and its sliding windows, not the places in flight,
        which free up whenever a request ends."""
        return max(
            window.paused_until - now,
            window_wait(self.local, window.start, now, is_batch),
        )

    def _give_back(self, lease):
        """Take ``lease`` out of the window, in one statement: the row is
        locked by the UPDATE itself, and the lease is found by its JSON text,
        which is how it was written (a float turned into PostgreSQL's numeric
        type directly would keep fewer digits)."""
        lease_json = json.dumps(lease)
        try:
            with self._transaction() as cr:
                cr.execute(
                    """
                    UPDATE qbo_rate_window
                       SET leases = leases - (
                               SELECT (lease.position - 1)::int
                                 FROM jsonb_array_elements(leases)
                                      WITH ORDINALITY AS lease(moment, position)
                                WHERE lease.moment = %s::jsonb
                                LIMIT 1)
                     WHERE realm_id = %s AND leases @> %s::jsonb
                    """,
                    [lease_json, self.realm_id, f"[{lease_json}]"],
                )
        except psycopg2.Error as error:
            # The lease runs out on its own; the request itself went well.
            _logger.info("QuickBooks rate window of %s not updated: %s", self.realm_id, error)

    @contextmanager
    def _transaction(self, write=True):
        """A cursor in a transaction of its own on the window, committed when
        the block ends (rolled back if it raises): the thread's kept cursor
        (:meth:`sending_thread`, set so for its whole session) or a new one.
        A ``write`` transaction commits without waiting for the disk: two of
        them for each request, and if PostgreSQL itself stopped before the
        last ones reached the disk, the window would forget requests of its
        last moments, which costs at worst an answer 429 (waited out as every
        429 is)."""
        kept = getattr(self._kept, "cursor", None)
        if kept is None:
            with self._window_cursor() as cr:
                if write and isinstance(cr, Cursor):
                    cr.execute("SET LOCAL synchronous_commit TO OFF")
                yield cr
            return
        try:
            yield kept
        except BaseException:
            kept.rollback()
            raise
        kept.commit()

    def _window_cursor(self):
        """A cursor of its own, in READ COMMITTED: after waiting for the row's
        lock it reads the row as the last holder left it (Odoo's REPEATABLE
        READ would refuse with a serialization failure). A test cursor shares
        the test's transaction and keeps its level."""
        cr = self._cursor_factory()
        if isinstance(cr, Cursor):
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        return cr

    @staticmethod
    def _window_query(limits):
        """The query of :meth:`_lock_window` for ``limits`` (the numbers of a
        :class:`~..qbo.ratelimit.RealmRateLimiter`), and the starts it reads:
        of the hundreds a minute's window holds, only those the rule of the
        windows looks at (``window_wait``), for the next request and for a
        single one after it (:meth:`_Window.after_request`). Reading them all would
        cost more CPU, to decode them from JSON, than the rest of a turn."""
        wanted = [(kind, n) for kind, n, _seconds in window_checks(limits, is_batch=True)]
        wanted += [
            ("requests", n - 1)
            for kind, n, _seconds in window_checks(limits, is_batch=False)
            if kind == "requests" and n > 1
        ]
        positions = list(dict.fromkeys(wanted))
        columns = {"requests": "request_times", "batches": "batch_times"}
        starts = ", ".join(f"({columns[kind]} -> {-n})::float8" for kind, n in positions)
        query = f"""
            SELECT extract(epoch FROM clock_timestamp())::float8, leases, paused_until, {starts}
              FROM qbo_rate_window
             WHERE realm_id = %s
               FOR UPDATE
        """
        return query, positions

    def _lock_window(self, cr):
        """(now, :class:`_Window`) of the realm, its row locked until ``cr`` ends."""
        query, positions = self._lock_query
        cr.execute(query, [self.realm_id])
        row = cr.fetchone()
        if row is None:
            cr.execute(
                """
                INSERT INTO qbo_rate_window
                       (realm_id, request_times, batch_times, leases, paused_until)
                VALUES (%s, '[]', '[]', '[]', 0)
                ON CONFLICT (realm_id) DO NOTHING
                """,
                [self.realm_id],
            )
            cr.execute(query, [self.realm_id])
            row = cr.fetchone()
        now, leases, paused_until, *starts = row
        return now, _Window(dict(zip(positions, starts, strict=True)), leases or [], paused_until)

    def _record(self, cr, now, lease, is_batch):
        """Add a request starting at ``now`` and its ``lease`` to the window,
        and leave out what has left it (the starts older than the minute, the
        leases run out), in SQL: the arrays are neither read nor written out
        again from Python, which would cost more CPU than the rest of the
        request's turn."""
        moment = json.dumps([now])
        cr.execute(
            """
            UPDATE qbo_rate_window
               SET request_times = jsonb_path_query_array(
                       request_times, '$[*] ? (@ > $start)', %(bounds)s) || %(moment)s::jsonb,
                   batch_times = jsonb_path_query_array(
                       batch_times, '$[*] ? (@ > $start)', %(bounds)s) || %(batch)s::jsonb,
                   leases = jsonb_path_query_array(
                       leases, '$[*] ? (@ > $now)', %(bounds)s) || %(lease)s::jsonb
             WHERE realm_id = %(realm)s
            """,
            {
                "bounds": json.dumps({"start": now - self.local.window_seconds, "now": now}),
                "moment": moment,
                "batch": moment if is_batch else "[]",
                "lease": json.dumps([lease]),
                "realm": self.realm_id,
            },
        )


class _Window:
    """What a turn reads of a realm's window (:meth:`SharedRealmRateLimiter._lock_window`):
    the starts of the requests the rule of the windows looks at, the ends of
    the leases of the requests in flight, and the pause after a 429."""

    def __init__(self, latest, leases, paused_until):
        self._latest = latest  # {(kind, n): start of the n-th latest, or None}
        self.leases = leases
        self.paused_until = paused_until or 0.0

    def start(self, kind, n):
        """The start of the n-th latest request of ``kind`` (see ``window_wait``)."""
        return self._latest[kind, n]

    def after_request(self, now):
        """This window once a request started at ``now``, as a single request
        looks at it (its batch requests left out): its n-th latest start is
        the (n - 1)-th latest before it."""
        latest = {
            ("requests", n): now if n == 1 else self._latest["requests", n - 1]
            for kind, n in self._latest
            if kind == "requests" and (n == 1 or ("requests", n - 1) in self._latest)
        }
        return _Window(latest, self.leases, self.paused_until)
