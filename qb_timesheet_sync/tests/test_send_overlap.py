# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A manager sends lines that a background send is still working on.

Both sends run in real transactions of their own (REPEATABLE READ, as Odoo
runs every transaction), as an HTTP worker and the cron worker do: the
background sender has sent a chunk and updated its sync log, and has not
committed yet; the manager's send has begun and waits for the QuickBooks
company (the realm lock) to take over the lines still queued. The manager's
send must commit what it delivered, on its first try, and both sync logs
must add up once both sends are over."""

import contextlib
import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..models import qbo_send_queue_cron as queue_module
from ..models import qbo_send_queue_pipeline as pipeline_module
from ..models.qbo_sender import REALM_LOCK_NAMESPACE
from . import test_send
from .common_send import QboSendCase

# Bound of every wait for the other transaction: generous, only a broken
# run comes near it.
WAIT_SECONDS = 60
CHUNK = 4


def log_counts(state="done", **counts):
    """What a sync log entry of a send holds: its state and its counts (0
    unless given)."""
    keys = ("done", "refused", "skipped", "failed", "moved", "remaining")
    return {"state": state, **{key: counts.get(key, 0) for key in keys}}


@tagged("post_install", "-at_install")
class TestSendOverlap(QboSendCase):
    # Committed fixtures and real transactions, as TestSend makes them.
    committed_fixture = test_send.TestSend.committed_fixture
    drop_committed_fixture = test_send.TestSend.drop_committed_fixture
    independent_sending = test_send.TestSend.independent_sending

    def setUp(self):
        super().setUp()
        # QuickBooks does not recognise a requestid sent again: a second
        # send of a line would be a second time activity.
        self.sandbox.configure(requestid_mode="ignore")
        self.db_name = self.env.cr.dbname
        self.company_id, self.line_ids = self.committed_fixture(3 * CHUNK)
        self.addCleanup(self.drop_committed_fixture, self.company_id, self.line_ids)
        with self.real_env() as env:
            env.cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            first_trigger = env.cr.fetchone()[0]
        self.addCleanup(self.forget_triggers, first_trigger)
        for patcher in (
            *self.independent_sending(),
            patch.object(queue_module, "BACKGROUND_CHUNK_SIZE", CHUNK),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    @contextlib.contextmanager
    def real_env(self):
        """An environment on a real cursor of its own (committed when the
        ``with`` block ends), as another Odoo worker has."""
        with db_connect(self.db_name).cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [self.company_id]})

    def forget_triggers(self, first_trigger):
        with self.real_env() as env:
            env.cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [first_trigger])

    def queue_all(self):
        """The lines queued for the background sender; returns the id of
        the background send's log."""
        with self.real_env() as env:
            lines = env["account.analytic.line"].browse(self.line_ids)
            return env["qbo.send.queue"]._qbo_queue(lines, lines.company_id).id

    def run_background_again(self):
        """The background sender's next run, once the manager's send is over."""
        with db_connect(self.db_name).cursor() as cr:
            return self.run_background(cr)

    def run_background(self, cr):
        """One run of the background sender on the company, in ``cr``;
        returns (lines settled, whether lines wait for a later run)."""
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [self.company_id]})
        company = env["res.company"].browse(self.company_id)
        return env["qbo.send.queue"]._qbo_send_queue(company, time.monotonic() + WAIT_SECONDS)

    def sent_in(self, cr):
        """Whether ``cr``'s transaction has sent lines (not committed yet)."""
        cr.flush()
        cr.execute(
            "SELECT count(*) FROM account_analytic_line WHERE id = ANY(%s) AND qbo_state = 'sent'",
            [self.line_ids],
        )
        return bool(cr.fetchone()[0])

    def wait_for(self, condition, what):
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            self.assertLess(time.monotonic(), deadline, f"still waiting for {what}")
            time.sleep(0.05)

    def someone_waits_for_a_lock(self, realm=False):
        """Whether a transaction waits for a lock (``realm``: the lock of a
        QuickBooks company)."""
        with self.real_env() as env:
            env.cr.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
                " AND (NOT %s OR (locktype = 'advisory' AND classid = %s))",
                [realm, REALM_LOCK_NAMESPACE],
            )
            return bool(env.cr.fetchone()[0])

    def overlap(self, taken_ids, sends_at_once=True):
        """The background sender sends its first chunk and holds its
        transaction, its log updated; meanwhile a manager sends ``taken_ids``
        (queued lines): at once, waiting for the QuickBooks company, or (not
        ``sends_at_once``) by queueing them again, which needs no wait. The
        background sender then commits: a manager waiting for the company
        makes it stop there and let go; otherwise it sends its next chunks
        once the manager's request is over (so that the test knows which send
        sends which line). Returns (the manager's notification, the tries its
        request took, the outcome of the background run)."""
        mid_chunk, resume, manager_done = threading.Event(), threading.Event(), threading.Event()
        outcome = {"tries": 0}

        def background():
            with db_connect(self.db_name).cursor() as cr:
                real_commit = cr.commit

                def commit_once_the_manager_waits():
                    if mid_chunk.is_set() or not self.sent_in(cr):
                        return real_commit()
                    cr.flush()  # the chunk's log update reaches the database
                    mid_chunk.set()
                    if not resume.wait(WAIT_SECONDS):
                        raise TimeoutError("the manager's send never came")
                    real_commit()
                    # Between two chunks: a manager's request that does not
                    # wait for the company ends first.
                    if not sends_at_once and not manager_done.wait(WAIT_SECONDS):
                        raise TimeoutError("the manager's send never ended")
                    return None

                with (
                    patch.object(cr, "commit", commit_once_the_manager_waits),
                    # One chunk at a time, so that the next ones are still queued.
                    patch.object(pipeline_module, "MAX_OPEN_LINES", 1),
                ):
                    outcome["background"] = self.run_background(cr)

        def manager():
            try:
                with self.real_env() as env:
                    lines = env["account.analytic.line"].browse(taken_ids)

                    def send():
                        outcome["tries"] += 1
                        return lines._qbo_send()

                    # As an HTTP request does: tried again after a serialization failure.
                    outcome["notification"] = retrying(send, env)
            finally:
                manager_done.set()

        errors = []

        def guarded(target):
            try:
                target()
            except Exception as error:  # reported below
                errors.append(error)

        background_thread = threading.Thread(target=guarded, args=(background,))
        background_thread.start()
        self.wait_for(mid_chunk.is_set, "the background chunk")
        manager_thread = threading.Thread(target=guarded, args=(manager,))
        manager_thread.start()
        try:
            if sends_at_once:
                self.wait_for(
                    lambda: self.someone_waits_for_a_lock(realm=True), "the manager's send to wait"
                )
            else:
                self.wait_for(
                    lambda: manager_done.is_set() or self.someone_waits_for_a_lock(),
                    "the manager's send to end or wait",
                )
        finally:
            resume.set()
        background_thread.join(WAIT_SECONDS)
        manager_thread.join(WAIT_SECONDS)
        self.assertFalse(background_thread.is_alive() or manager_thread.is_alive(), "hung")
        self.assertFalse(errors)
        return outcome["notification"], outcome["tries"], outcome["background"]

    def committed(self, log_ids):
        """(lines {id: (state, time activity id)}, logs {id: values}), as
        committed."""
        with self.real_env() as env:
            env.cr.execute(
                "SELECT id, qbo_state, qbo_time_activity_id FROM account_analytic_line"
                " WHERE id = ANY(%s)",
                [self.line_ids],
            )
            lines = {row[0]: row[1:] for row in env.cr.fetchall()}
            logs = {
                log.id: {
                    "state": log.state,
                    **log._qbo_counts(),
                    "details": log.line_ids.mapped("message"),
                }
                for log in env["qbo.sync.log"].browse(log_ids)
            }
            return lines, logs

    def manager_log_id(self, background_log_id):
        with self.real_env() as env:
            return (
                env["qbo.sync.log"]
                .search(
                    [
                        ("company_id", "=", self.company_id),
                        ("operation", "=", "send"),
                        ("id", "!=", background_log_id),
                    ]
                )
                .ensure_one()
                .id
            )

    def assert_each_line_sent_once(self, lines):
        self.assertEqual({state for state, _activity in lines.values()}, {"sent"})
        activities = self.time_activities()
        self.assertEqual(len(activities), len(self.line_ids), "one time activity per line")
        self.assertEqual(
            {activity for _state, activity in lines.values()},
            {activity["Id"] for activity in activities},
        )

    def test_a_manager_takes_over_lines_a_background_send_is_working_on(self):
        background_log_id = self.queue_all()
        taken_ids = self.line_ids[2 * CHUNK :]

        notification, tries, background = self.overlap(taken_ids)
        self.assertEqual(tries, 1, "the manager's send commits on its first try")
        self.assertEqual(notification["params"]["type"], "success")
        # The background sender let the manager's send go first; its next
        # run sends the rest.
        self.assertEqual(background, (CHUNK, True))
        self.assertEqual(self.run_background_again(), (CHUNK, False))
        manager_log_id = self.manager_log_id(background_log_id)
        lines, logs = self.committed([background_log_id, manager_log_id])
        self.assert_each_line_sent_once(lines)
        self.assertFalse(
            [text for text in logs[manager_log_id].pop("details") if "interrupted" in text],
            "sent once, not found again after a failed try",
        )
        del logs[background_log_id]["details"]
        self.assertEqual(
            logs,
            {
                background_log_id: log_counts(done=2 * CHUNK, moved=len(taken_ids)),
                manager_log_id: log_counts(done=len(taken_ids)),
            },
        )

    def test_a_manager_takes_over_the_last_lines_of_a_background_send(self):
        background_log_id = self.queue_all()
        taken_ids = self.line_ids[CHUNK:]

        _notification, tries, background = self.overlap(taken_ids)
        self.assertEqual(tries, 1, "the manager's send commits on its first try")
        # Nothing was left to send: the background sender counts and closes
        # its send when the cron comes back.
        self.assertEqual(background, (CHUNK, True))
        self.assertEqual(self.run_background_again(), (0, False))
        with self.real_env() as env:
            self.assertEqual(env["qbo.sync.log"].browse(background_log_id).state, "running")
        with self.real_env() as env:
            env["qbo.send.queue"]._qbo_close_emptied_queue_logs()
        manager_log_id = self.manager_log_id(background_log_id)
        lines, logs = self.committed([background_log_id, manager_log_id])
        self.assert_each_line_sent_once(lines)
        self.assertEqual(
            {key: logs[manager_log_id][key] for key in ("state", "done")},
            {"state": "done", "done": len(taken_ids)},
        )
        background_log = logs[background_log_id]
        del background_log["details"]
        self.assertEqual(
            background_log,
            log_counts(done=CHUNK, moved=len(taken_ids)),
        )

    def test_a_manager_queues_again_lines_a_background_send_is_working_on(self):
        background_log_id = self.queue_all()
        with self.real_env() as env:
            env["res.company"].browse(self.company_id).qbo_background_threshold = 2
        taken_ids = self.line_ids[2 * CHUNK :]

        notification, tries, background = self.overlap(taken_ids, sends_at_once=False)
        self.assertEqual(tries, 1, "the manager's request commits on its first try")
        self.assertIn("background", notification["params"]["message"])
        # The background sender goes on with both sends, the earlier one first.
        self.assertEqual(background, (3 * CHUNK, False))
        manager_log_id = self.manager_log_id(background_log_id)
        lines, logs = self.committed([background_log_id, manager_log_id])
        self.assert_each_line_sent_once(lines)
        for log in logs.values():
            del log["details"]
        self.assertEqual(
            logs,
            {
                background_log_id: log_counts(done=2 * CHUNK, moved=len(taken_ids)),
                manager_log_id: log_counts(done=len(taken_ids)),
            },
        )

    def test_a_line_the_background_sender_just_sent_is_not_sent_again(self):
        background_log_id = self.queue_all()
        # The last line of the background sender's chunk, and all those after it.
        taken_ids = self.line_ids[CHUNK - 1 :]

        notification, tries, background = self.overlap(taken_ids)
        # The first try cannot lock the line sent meanwhile: it stops before
        # any request leaves, and its retry sees the line sent.
        self.assertEqual(tries, 2)
        # The line sent meanwhile is skipped (already sent), not refused.
        self.assertEqual(notification["params"]["type"], "success")
        self.assertEqual(background, (CHUNK, True))
        self.assertEqual(self.run_background_again(), (0, False))
        with self.real_env() as env:
            env.cr.execute(
                "SELECT count(*) FROM qbo_send_attempt WHERE line_id = ANY(%s)", [self.line_ids]
            )
            self.assertEqual(env.cr.fetchone()[0], len(self.line_ids), "one attempt per line")
            env["qbo.send.queue"]._qbo_close_emptied_queue_logs()
        manager_log_id = self.manager_log_id(background_log_id)
        lines, logs = self.committed([background_log_id, manager_log_id])
        self.assert_each_line_sent_once(lines)
        for log in logs.values():
            del log["details"]
        self.assertEqual(
            logs,
            {
                background_log_id: log_counts(done=CHUNK, moved=len(taken_ids) - 1),
                manager_log_id: log_counts(done=len(taken_ids) - 1, skipped=1),
            },
        )
