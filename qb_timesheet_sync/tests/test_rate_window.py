# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import threading
import uuid
from contextlib import ExitStack

from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ..models.qbo_rate_window import IN_FLIGHT_POLL, SharedRealmRateLimiter
from ..qbo import RealmRateLimiter
from .common import REALM_A, QboCase


class WouldWait(Exception):
    """Raised by the fake sleep: the limiter asked to wait ``seconds``."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def refuse_to_wait(seconds):
    raise WouldWait(seconds)


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
        # 20 requests and 5 batches a minute, minus the 5 % margin: 19 and 4.
        numbers = {
            "requests_per_minute": 20,
            "batches_per_minute": 5,
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

        threads = [threading.Thread(target=sender) for _index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
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
            RealmRateLimiter(requests_per_minute=20, batches_per_minute=5, minute_seconds=600),
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
            RealmRateLimiter(requests_per_minute=20, batches_per_minute=3, minute_seconds=600),
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
            RealmRateLimiter(requests_per_minute=20, batches_per_minute=3, minute_seconds=600),
            sleep=refuse_to_wait,
        )
        self.assertFalse(other.reserve_batch(), "another process sees the window full")

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
            window = {
                "request_times": [],
                "batch_times": [],
                "leases": self.window()[2],
                "paused_until": 0.0,
            }
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
