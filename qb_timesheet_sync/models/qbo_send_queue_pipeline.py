# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One run of the background sender for one company: chunk after chunk of
its queue, without a pause between two chunks.

QuickBooks lets a company have 10 requests in flight. When it answers
slowly (a second for a create, several for a batch request), those 10
places, not the per-minute limits, bound the lines a minute, so a place
left empty is lost for good. The run keeps them busy: the next chunk is
taken (its lines locked, planned, journaled and handed to the delivery's
threads) while the requests of the previous ones are still in flight, and
each answer is recorded as it comes.

The run's transaction is committed after each chunk's answers are recorded
and before the next chunk is taken; the lines still in flight are locked
again at once by the next transaction. Between the two, the company's lock
keeps every other sender away from them: a cursor of its own holds it for
the whole run. A manager's send that waits for the company makes the run
stop taking chunks, finish those in flight and let go.
"""

import collections
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, models
from odoo.sql_db import TestCursor, db_connect
from odoo.tools import SQL

from ..qbo import QboError
from ..qbo.delivery import Delivery
from ..qbo.text import _lt
from .qbo_send_queue_cron import BACKGROUND_CHUNK_SIZE

# Lines taken and not yet recorded at most: the lines a killed worker
# leaves to look for in QuickBooks, and the rows the run keeps locked. A
# bound on lines, not on chunks: near the end of a run the chunks are small
# (see _qbo_chunk_size), and three of them would leave places in flight
# empty while QuickBooks answers slowly.
MAX_OPEN_LINES = 3 * BACKGROUND_CHUNK_SIZE
# The next chunk is taken when fewer lines than this wait for a request:
# at QuickBooks' ceiling (1,660 lines a minute) half a chunk lasts about
# five seconds, far longer than taking a chunk takes.
LOOKAHEAD = BACKGROUND_CHUNK_SIZE // 2
# Tries to lock again the lines in flight, each after a transaction that
# edited one of them ended (a serialization failure).
RELOCK_TRIES = 20


@dataclass
class _Chunk:
    """Lines of one background send taken together, until their answers
    are recorded."""

    log: models.BaseModel
    lines: models.BaseModel
    counts: collections.Counter
    details: list
    in_flight: int = 0
    gone: set = field(default_factory=set)
    # Time activities made, recorded on their lines in one query before the
    # chunk is counted or the transaction commits (``_Run.record_made``).
    made: list = field(default_factory=list)


class QboSendQueue(models.AbstractModel):
    _inherit = "qbo.send.queue"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    @api.model
    def _qbo_send_queue(self, company, deadline):
        """Send the queued lines of ``company`` until none is left or
        ``deadline`` (a monotonic time) has passed, committing after each
        chunk. Skips the company while another sender holds it. Returns
        (lines settled, whether lines wait for a later run)."""
        with self._qbo_holding_realm(company) as held:
            if not held:
                return 0, True
            return self._qbo_send_queue_pipeline(company, deadline)

    @contextmanager
    def _qbo_holding_realm(self, company):
        """Whether the lock of ``company``'s QuickBooks company was taken,
        held by a connection of its own until the ``with`` block ends (READ
        COMMITTED and idle: it holds no snapshot back). Within a test's
        transaction, by that transaction (whose other cursors share it)."""
        sender = self.env["qbo.sender"]
        if isinstance(self.env.cr, TestCursor):
            yield sender._qbo_lock_realm(company)
            return
        key = sender._qbo_realm_key(company)
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield sender._qbo_lock_realm_key(cr, key)

    @api.model
    def _qbo_send_queue_pipeline(self, company, deadline):
        sender = self.env["qbo.sender"]
        run = _Run(self, company)
        max_in_flight = sender._qbo_max_in_flight()
        # One request at a time (in tests): a chunk after the other.
        lookahead = LOOKAHEAD if max_in_flight > 1 else 0
        taking = True
        try:
            while True:
                if taking and run.wants_chunk(lookahead):
                    if time.monotonic() >= deadline or sender._qbo_realm_wanted(company):
                        taking, run.waiting = False, True
                    else:
                        taking = run.take_chunk(max_in_flight, deadline)
                if run.delivery and run.delivery.outstanding():
                    # Not longer than a request may last, so that a stop is seen.
                    run.record(run.delivery.answered(timeout=1.0))
                taking = run.finish_chunks() and taking
                if not run.chunks and not taking:
                    break
        finally:
            if run.delivery:
                run.delivery.close()
        return run.settled, run.waiting


class _Run:
    """The state of one run of :meth:`QboSendQueue._qbo_send_queue_pipeline`."""

    def __init__(self, queue, company):
        self.queue = queue
        self.env = queue.env
        self.company = company
        self.sender = queue.env["qbo.sender"]
        self.chunks = collections.deque()
        self.by_item = {}  # id of a BatchItem: its chunk
        self.tried_ids = set()
        self.send_context = None
        self.delivery = None
        self.settled = 0
        self.waiting = False
        self.metered = 0  # metered calls of this run already on a log

    def wants_chunk(self, lookahead):
        if sum(len(chunk.lines) for chunk in self.chunks) >= MAX_OPEN_LINES:
            return False
        if not self.chunks:
            return True
        return lookahead > 0 and self.delivery is not None and self.delivery.waiting() < lookahead

    def take_chunk(self, max_in_flight, deadline):
        """Take the next queued lines (fewer near ``deadline``, see
        ``_qbo_chunk_size``) and hand their requests to the delivery;
        returns whether there may be more to take."""
        cr = self.env.cr
        self.commit()
        while True:
            try:
                size = self.queue._qbo_chunk_size(self.company, deadline - time.monotonic())
                log, lines = self.queue._qbo_next_queued_chunk(self.company, self.tried_ids, size)
                if not lines:
                    return False
                self.tried_ids.update(lines.ids)
                log = self.queue._qbo_as_queued_by(log)
                lines = lines.with_env(log.env)
                if self.send_context is None:
                    self.send_context = lines._qbo_send_context(self.company)
                sender = self.sender.with_env(log.env)
                counts, details, to_send = sender._qbo_take_chunk(lines, log, self.send_context)
                chunk = _Chunk(log, lines, counts, details)
                items = (
                    sender._qbo_delivery_items(to_send, self.send_context, counts, details)
                    if to_send
                    else []
                )
                break
            except QboError as error:
                # QuickBooks' settings could not be read: try again later.
                cr.rollback()
                self.lock_open_lines()
                log._add_lines([{"level": "warning", "message": error, "code": error.code}])
                self.commit()
                self.waiting = True
                return False
            except psycopg2.errors.SerializationFailure:
                # A queued line was edited since this transaction began: its
                # lock is refused before anything is sent; start again.
                cr.rollback()
                self.lock_open_lines()
        self.chunks.append(chunk)
        if items:
            if self.delivery is None:
                self.delivery = Delivery(self.send_context.client, max_in_flight)
            for item in items:
                self.by_item[id(item)] = chunk
            chunk.in_flight = len(items)
            self.delivery.submit(items)
        return True

    def record(self, results):
        """Record the answers ``results`` (of the requests that answered since
        the last call), those of each chunk at once (a request may carry the
        lines of two chunks), each chunk's details in the order of ``results``."""
        pending = {}  # id of a chunk: (chunk, its results not yet recorded)
        for result in results:
            chunk = self.by_item.pop(id(result.item))
            chunk.in_flight -= 1
            if result.item.key.line.id in chunk.gone:
                self.record_chunk(*pending.pop(id(chunk), (chunk, [])))
                self.note_gone(chunk, result)
                continue
            pending.setdefault(id(chunk), (chunk, []))[1].append(result)
        for chunk, chunk_results in pending.values():
            self.record_chunk(chunk, chunk_results)

    def record_chunk(self, chunk, results):
        if results:
            self.sender.with_env(chunk.log.env)._qbo_record_answers(
                results, self.send_context, chunk.counts, chunk.details, made=chunk.made
            )

    def record_made(self):
        """Write the time activities made of every chunk on their lines, a
        chunk's in one query: in the transaction that commits them, before
        anything reads them."""
        for chunk in self.chunks:
            if chunk.made:
                made, chunk.made = chunk.made, []
                self.sender.with_env(chunk.log.env)._qbo_record_made(made, self.send_context)

    def note_gone(self, chunk, result):
        """A line deleted in the moment between two transactions of this run."""
        if result.ok:
            chunk.details.append(
                {
                    "level": "warning",
                    "message": _lt(
                        "A timesheet line was deleted while it was being sent: QuickBooks "
                        "made time activity %(id)s for it, which stays in QuickBooks.",
                        id=result.data.get("Id"),
                    ),
                }
            )

    def finish_chunks(self):
        """Count and commit the chunks whose answers are all recorded, the
        oldest first; returns whether to go on taking chunks (not when
        nothing of a chunk got through: QuickBooks is out of reach)."""
        going_on = True
        finished = False
        if self.chunks and not self.chunks[0].in_flight:
            self.record_made()
        while self.chunks and not self.chunks[0].in_flight:
            chunk = self.chunks.popleft()
            chunk.log._add_lines(chunk.details)
            lines = chunk.lines.exists()
            left = lines.filtered(lambda line: line.qbo_state == "queued")
            settled = len(lines) - len(left)
            self.settled += settled
            self.waiting = self.waiting or bool(left)
            self.queue.with_env(chunk.log.env)._qbo_update_queue_log(
                chunk.log, chunk.counts, settled
            )
            if self.send_context:
                self.metered = chunk.log._qbo_add_metered_calls(
                    self.send_context.client, self.metered
                )
            if lines and not settled:
                going_on = False
            finished = True
        if finished:
            # Sent lines are recorded before the next chunk is taken, so a
            # killed worker loses at most the chunks under way.
            self.commit()
        return going_on

    def commit(self):
        """Commit, then lock again the lines of the chunks under way."""
        self.record_made()
        self.env.cr.commit()  # pylint: disable=unknown-option-value,invalid-commit
        # Keep memory flat however many chunks one call sends.
        self.env.invalidate_all()
        self.lock_open_lines()

    def lock_open_lines(self):
        """Lock the lines of the chunks under way in the new transaction
        (the company's lock kept other senders away meanwhile); a line
        deleted meanwhile is noted, its answer will not be recorded."""
        ids = [line_id for chunk in self.chunks for line_id in chunk.lines.ids]
        if not ids:
            return
        cr = self.env.cr
        for tries in range(1, RELOCK_TRIES + 1):
            try:
                cr.execute(
                    SQL(
                        "SELECT id FROM account_analytic_line WHERE id IN %s FOR NO KEY UPDATE",
                        tuple(ids),
                    ),
                    log_exceptions=False,
                )
                break
            except psycopg2.errors.SerializationFailure:
                # Edited by a transaction that ended meanwhile: lock them as
                # they are now.
                cr.rollback()
                if tries == RELOCK_TRIES:
                    raise
        locked = {row[0] for row in cr.fetchall()}
        for chunk in self.chunks:
            chunk.gone.update(set(chunk.lines.ids) - locked)
