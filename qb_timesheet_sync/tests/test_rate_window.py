# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import threading
import uuid
from contextlib import ExitStack

from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ..models.qbo_rate_window import IN_FLIGHT_POLL, SharedRealmRateLimiter, _Window
from ..qbo import RealmRateLimiter
from .common import REALM_A, QboCase


class WouldWait(Exception):
    """Raised by the fake sleep: the limiter asked to wait ``seconds``."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def refuse_to_wait(seconds):
    raise WouldWait(seconds)


def run_threads(target, count):
    """Run ``target`` in ``count`` threads at once; return when all ended."""
    threads = [threading.Thread(target=target) for _index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


@tagged("post_install", "-at_install")
class TestRateWindow(TransactionCase):
    """The rate window of a realm is shared by independent transactions, as
    it is by the workers and servers of a real deployment: each limiter here
    has its own process-local limiter and its own real database cursors."""

    def setUp(self):
        super().setUp()
        self.realm = f"rate-{uuid.uuid4().hex[:12]}"
        self.addCleanup(self._forget_windows)

    def _cursor(self):
        # Real cursors (not the test's): they commit, like other processes do.
        return db_connect(self.env.cr.dbname).cursor()

    def _forget_windows(self):
        with self._cursor() as cr:
            cr.execute("DELETE FROM qbo_rate_window WHERE realm_id LIKE %s", [f"{self.realm}%"])

    def limiter(self, realm=None, **numbers):
        # A "minute" of 10 minutes: nothing leaves the window during a test.
        # 19 requests and 4 batch requests a minute.
        numbers = {
            "requests_per_minute": 19,
            "batches_per_minute": 4,
            "max_in_flight": 50,
            "minute_seconds": 600,
            **numbers,
        }
        return SharedRealmRateLimiter(
            self._cursor,
            realm or self.realm,
            RealmRateLimiter(**numbers),
            sleep=refuse_to_wait,
        )

    def take_until_refused(self, limiter, is_batch=False):
        """Number of requests ``limiter`` let go before asking to wait, and the wait."""
        taken = 0
        while True:
            try:
                with limiter.slot(is_batch):
                    taken += 1
            except WouldWait as wait:
                return taken, wait.seconds

    def window(self, realm=None):
        with self._cursor() as cr:
            cr.execute(
                "SELECT request_times, batch_times, leases, paused_until"
                " FROM qbo_rate_window WHERE realm_id = %s",
                [realm or self.realm],
            )
            return cr.fetchone()

    def test_two_threads_share_one_window(self):
        """Two senders with their own cursors and their own process-local
        limiters together stay within the realm's window."""
        results = []
        barrier = threading.Barrier(2)

        def sender():
            limiter = self.limiter()
            barrier.wait(timeout=30)
            results.append(self.take_until_refused(limiter))

        run_threads(sender, 2)
        self.assertEqual(len(results), 2, "both senders finished")
        self.assertEqual(sum(taken for taken, _wait in results), 19)
        for _taken, wait in results:
            self.assertGreater(wait, 0)
        request_times, _batches, leases, _paused = self.window()
        self.assertEqual(len(request_times), 19)
        self.assertEqual(leases, [], "every request in flight gave its place back")

    def test_a_full_batch_window_is_known_full_until_its_oldest_batch_leaves(self):
        cursors = []

        def counted_cursor():
            cursors.append(1)
            return self._cursor()

        limiter = SharedRealmRateLimiter(
            counted_cursor,
            self.realm,
            RealmRateLimiter(requests_per_minute=19, batches_per_minute=4, minute_seconds=600),
            sleep=refuse_to_wait,
        )
        self.assertEqual(limiter.batch_room(), 4)
        self.assertEqual(self.take_until_refused(limiter, is_batch=True)[0], 4)
        self.assertEqual(limiter.batch_room(), 0)
        asked = len(cursors)
        self.assertEqual(limiter.batch_room(), 0)
        self.assertEqual(len(cursors), asked, "known without asking PostgreSQL again")

    def test_a_batch_request_in_flight_is_counted_once(self):
        """Chosen (reserved) batch requests count against the room until
        they have their turn; then the shared window counts them, not twice."""
        limiter = SharedRealmRateLimiter(
            self._cursor,
            self.realm,
            RealmRateLimiter(requests_per_minute=20, batches_per_minute=2, minute_seconds=600),
            sleep=refuse_to_wait,
        )
        self.assertTrue(limiter.reserve_batch())
        self.assertTrue(limiter.reserve_batch())
        self.assertFalse(limiter.reserve_batch(), "two chosen for a window of two")
        with limiter.slot(is_batch=True):
            self.assertEqual(limiter.batch_room(), 1)
            self.assertFalse(limiter.reserve_batch(), "one in the window, one reserved")
        with limiter.slot(is_batch=True):
            self.assertEqual(limiter.batch_room(), 0)
        other = SharedRealmRateLimiter(
            self._cursor,
            self.realm,
            RealmRateLimiter(requests_per_minute=20, batches_per_minute=2, minute_seconds=600),
            sleep=refuse_to_wait,
        )
        self.assertFalse(other.reserve_batch(), "another process sees the window full")

    def test_a_sending_thread_keeps_one_cursor_for_its_requests(self):
        """Request after request in a sending thread: one cursor for all
        their turns, each turn committed (another process sees it at once),
        the window as exact as with a cursor for each transaction, and the
        connection set back for whoever borrows it next."""
        cursors = []

        def counted_cursor():
            cr = self._cursor()
            cursors.append(cr)
            return cr

        limiter = SharedRealmRateLimiter(
            counted_cursor,
            self.realm,
            RealmRateLimiter(
                requests_per_minute=19, batches_per_minute=4, max_in_flight=50, minute_seconds=600
            ),
            sleep=refuse_to_wait,
        )
        with limiter.sending_thread():
            kept = cursors[0]
            kept.execute("SHOW synchronous_commit")
            self.assertEqual(kept.fetchone()[0], "off", "the window's commits do not wait")
            for number in range(1, 4):
                with limiter.slot(is_batch=True):
                    request_times, batch_times, leases, _paused = self.window()
                    self.assertEqual(len(request_times), number, "committed: seen by others")
                    self.assertEqual(len(batch_times), number)
                    self.assertEqual(len(leases), 1, "this request's place, held")
            self.assertEqual(self.take_until_refused(limiter)[0], 16, "19 requests in all")
            self.assertEqual(len(cursors), 1, "one cursor for every turn and place given back")
            self.assertFalse(kept.closed)
        self.assertTrue(kept.closed, "the connection goes back to the pool with the block")
        request_times, batch_times, leases, _paused = self.window()
        self.assertEqual((len(request_times), len(batch_times), leases), (19, 3, []))
        self.assertEqual(limiter.batch_room(), 1)
        self.assertEqual(len(cursors), 2, "outside the block, a cursor for each transaction")

    def test_a_failed_turn_of_a_sending_thread_leaves_its_cursor_usable(self):
        """A transaction of the kept cursor that fails is rolled back, and the
        next one goes through the same cursor."""
        limiter = self.limiter()
        with limiter.sending_thread():
            with self.assertRaises(WouldWait), limiter._transaction() as cr:
                limiter._lock_window(cr)
                cr.execute(
                    "UPDATE qbo_rate_window SET paused_until = 1e12 WHERE realm_id = %s",
                    [self.realm],
                )
                raise WouldWait(1)
            with limiter.slot():
                pass
        request_times, _batches, _leases, paused_until = self.window()
        self.assertEqual(paused_until, 0, "the failed transaction was rolled back")
        self.assertEqual(len(request_times), 1, "the next turn went through")

    def test_the_window_drops_what_has_left_it_when_a_request_is_recorded(self):
        """Requests and batch requests older than the minute, and leases run
        out, leave the window as the next request is recorded."""
        limiter = self.limiter(minute_seconds=600)
        with self._cursor() as cr:
            cr.execute("SELECT extract(epoch FROM clock_timestamp())::float8")
            now = cr.fetchone()[0]
            cr.execute(
                "INSERT INTO qbo_rate_window"
                " (realm_id, request_times, batch_times, leases, paused_until)"
                " VALUES (%s, %s, %s, %s, 0)",
                [
                    self.realm,
                    json.dumps([now - 700, now - 10]),
                    json.dumps([now - 700, now - 10]),
                    json.dumps([now - 5, now + 50]),
                ],
            )
        with limiter.slot(is_batch=True):
            request_times, batch_times, leases, _paused = self.window()
        self.assertEqual(len(request_times), 2)
        self.assertEqual(request_times[0], now - 10, "the one of 700 s ago left")
        self.assertEqual(len(batch_times), 2)
        self.assertEqual(batch_times[0], now - 10)
        self.assertEqual(len(leases), 2, "the lease run out left; the other stays")
        self.assertEqual(leases[0], now + 50)
        self.assertEqual(self.window()[2], [now + 50], "this request's lease given back alone")

    def test_the_threads_of_a_process_wait_for_the_window_one_at_a_time(self):
        """Ten threads of one process, the window full: one of them at a time
        looks at the window and waits for it to move, not all ten asking
        PostgreSQL again each time it moves."""
        limiter = SharedRealmRateLimiter(
            self._cursor,
            self.realm,
            # 10 in flight; a "minute" of 1.2 s that holds 9 requests.
            RealmRateLimiter(requests_per_minute=9, max_in_flight=10, minute_seconds=1.2),
        )
        take_turn = limiter._take_turn
        looking = {"now": 0, "most": 0, "looks": 0}
        count_lock = threading.Lock()

        def counted_take_turn(is_batch):
            with count_lock:
                looking["now"] += 1
                looking["most"] = max(looking["most"], looking["now"])
            try:
                return take_turn(is_batch)
            finally:
                with count_lock:
                    looking["now"] -= 1

        lock_window = limiter._lock_window

        def counted_lock_window(cr):
            looking["looks"] += 1
            return lock_window(cr)

        limiter._take_turn = counted_take_turn
        limiter._lock_window = counted_lock_window
        barrier = threading.Barrier(10)
        sent = []

        def sender():
            barrier.wait(timeout=30)
            for _index in range(3):
                with limiter.slot():
                    sent.append(1)

        run_threads(sender, 10)
        self.assertEqual(len(sent), 30, "every request went")
        self.assertEqual(looking["most"], 1, "one thread at a time takes its turn")
        # A look for each turn, and one more each time the thread in front
        # had to wait (ten threads would look again each time instead).
        self.assertLessEqual(looking["looks"], 2 * 30)

    def test_a_new_process_finds_the_window_where_the_last_one_left_it(self):
        first = self.limiter()
        self.assertEqual(self.take_until_refused(first, is_batch=True)[0], 4)
        # A restarted server: nothing in its memory, the window in the database.
        restarted = self.limiter()
        taken, wait = self.take_until_refused(restarted, is_batch=True)
        self.assertEqual(taken, 0, "no batch request beyond the minute's four")
        self.assertGreater(wait, 500, "it waits for the first batch to leave the window")
        self.assertEqual(self.take_until_refused(restarted)[0], 15, "19 requests in all")

    def test_realms_have_their_own_windows(self):
        self.assertEqual(self.take_until_refused(self.limiter())[0], 19)
        other = self.limiter(realm=f"{self.realm}-other")
        self.assertEqual(self.take_until_refused(other)[0], 19)

    def test_a_turn_reads_only_the_starts_the_rule_looks_at(self):
        """Of a full minute's starts, a turn reads the n-th latest for each
        limit (and the one before, for the next single request), not them all."""
        limiter = self.limiter()
        self.assertEqual(self.take_until_refused(limiter, is_batch=True)[0], 4)
        self.assertEqual(self.take_until_refused(limiter)[0], 15)
        starts, batch_starts = self.window()[:2]
        with limiter._transaction() as cr:
            now, window = limiter._lock_window(cr)
        self.assertEqual(window.start("requests", 19), starts[0], "the minute's 19th latest")
        self.assertEqual(window.start("requests", 18), starts[1])
        self.assertIsNone(window.start("requests", 50), "fewer than the second's 50")
        self.assertEqual(window.start("batches", 4), batch_starts[0])
        after = window.after_request(now)
        self.assertEqual(after.start("requests", 19), starts[1], "the oldest has gone by then")
        self.assertIsNone(after.start("requests", 50), "20 requests: fewer than the second's 50")
        # The minute is full: the next request waits for its oldest start to leave.
        # The minute's window lasts 612 s: 600 and its margin.
        self.assertAlmostEqual(
            limiter._wait_needed(window, now, is_batch=False),
            starts[0] + limiter.local.window_seconds - now,
        )

    def test_a_pause_after_a_429_holds_back_every_process(self):
        self.limiter().pause_for(300)
        taken, wait = self.take_until_refused(self.limiter())
        self.assertEqual(taken, 0)
        self.assertGreater(wait, 200)

    def test_requests_in_flight_are_bounded_across_processes(self):
        holder, other = self.limiter(max_in_flight=3), self.limiter(max_in_flight=3)
        with ExitStack() as stack:
            for _index in range(3):
                stack.enter_context(holder.slot())
            self.assertEqual(len(self.window()[2]), 3, "three leases held")
            now = self.window()[0][-1]
            _query, positions = other._lock_query
            window = _Window(dict.fromkeys(positions), self.window()[2], 0.0)
            # The only reason to wait is the places held by the other process.
            wait = other._wait_needed(window, now, is_batch=False)
            self.assertGreater(wait, 0)
            self.assertLessEqual(wait, IN_FLIGHT_POLL * other.local.second_seconds)
        self.assertEqual(self.window()[2], [], "places given back when the requests end")


@tagged("post_install", "-at_install")
class TestRateWindowInUse(QboCase):
    qbo_connect_realm = REALM_A

    def test_every_client_of_a_realm_uses_the_shared_window(self):
        client = self.connection._qbo_client()
        self.assertIsInstance(client.rate_limiter, SharedRealmRateLimiter)
        self.assertEqual(client.rate_limiter.realm_id, REALM_A)
        self.connection._qbo_check_company()
        window = self.env["qbo.rate.window"].search([("realm_id", "=", REALM_A)])
        self.assertEqual(
            len(window.request_times),
            3,
            "the connect's CompanyInfo, then CompanyInfo and Preferences",
        )
        self.assertEqual(window.leases, [])
