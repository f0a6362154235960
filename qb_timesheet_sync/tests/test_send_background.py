# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Large sends go to the background: queued, sent by the cron in committed
chunks at QuickBooks' pace, one sender per QuickBooks company, and nothing
lost or doubled when QuickBooks fails, throttles, times out or the worker
dies."""

import contextlib
from collections import Counter
from datetime import date, timedelta
from unittest.mock import patch

import requests

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tests.common import _super_send

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

from ..models import qbo_connection as connection_module
from ..models import qbo_send_queue_cron as queue_module
from ..models import qbo_sender as sender_module
from ..qbo import QboBusy, QboClient, QboConnectionError, QboTimeout, RealmRateLimiter
from ..qbo.preferences_cache import PREFERENCES
from .common import REALM_B, qbo_write
from .common_send import REALM_A, QboSendCase, send_seed
from .test_send import WorkerCrash, batch_then

JOHN_ID = "41"  # QuickBooks employee of company B
B_CUSTOMER_ID = "31"


@tagged("post_install", "-at_install")
class TestSendBackground(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.qbo_background_threshold = 5
        cls.cron = cls.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")

    @classmethod
    def qbo_seed(cls):
        seed = send_seed()
        realm_b = seed["realms"][1]
        realm_b["Employee"][0]["Id"] = JOHN_ID
        realm_b["Customer"] = [{"Id": B_CUSTOMER_ID, "DisplayName": "B Co"}]
        return seed

    def setUp(self):
        super().setUp()
        # A "minute" of 0.2 s, so that waiting after a 429 stays short.
        limiter = RealmRateLimiter(minute_seconds=0.2)
        limiter_patch = patch.object(connection_module, "limiter_for", return_value=limiter)
        limiter_patch.start()
        self.addCleanup(limiter_patch.stop)

    def lines(self, count, **values):
        return self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Line {number}",
                    "project_id": self.website.id,
                    "employee_id": self.emily.id,
                    "date": date(2026, 3, 1) + timedelta(days=number % 28),
                    "unit_amount": 1.0 + number % 4 / 4,
                    **values,
                }
                for number in range(count)
            ]
        )

    def run_cron(self):
        """One call of the cron, as the cron worker makes it; returns its progress."""
        cron, progress = self.cron._add_progress()
        try:
            self.env["qbo.send.queue"].with_context(**cron.env.context)._qbo_cron_send_queued()
        finally:
            # The sender wrote in transactions of its own.
            self.env.invalidate_all()
        return progress

    def run_cron_job(self):
        """One run of the cron job, as the cron worker makes it (see
        ``ir.cron._run_job``): calls again while a call reports lines done
        and lines remaining, up to ten calls; returns the progress of the
        run (done summed over the calls, remaining after the last one)."""
        job_progress = progress = self.run_cron()
        for _call in range(MAX_BATCH_PER_CRON_JOB - 1):
            if not (progress.done and progress.remaining):
                break
            progress = self.run_cron()
            job_progress.write(
                {"done": job_progress.done + progress.done, "remaining": progress.remaining}
            )
        return job_progress

    def run_cron_and_die(self):
        """A cron call whose worker dies: what it committed stays, the rest
        is rolled back. (Not ``assertRaises``: in Odoo tests it rolls back
        what the block did.)"""
        try:
            self.run_cron()
        except WorkerCrash:
            return
        self.fail("the worker should have died")

    def run_cron_killed_after_the_request(self):
        """A cron call whose worker is killed once QuickBooks got the
        request. In tests the journal's transaction is nested in the worker's
        and a rollback would take it too: nothing is rolled back here, which
        leaves the lines as a killed worker does (it wrote nothing on them
        before the request left, see TestSend.test_journal_survives_a_real_rollback)."""
        queue_class = type(self.env["qbo.send.queue"])

        def in_test_transaction(queue, company_id, deadline):
            return queue._qbo_send_queue(queue.env["res.company"].browse(company_id), deadline)

        with (
            patch.object(queue_class, "_qbo_send_queue_in_own_transaction", in_test_transaction),
            patch.object(self.env.cr, "commit", lambda: None),
            patch.object(self.env.cr, "rollback", lambda: None),
            batch_then(WorkerCrash()),
        ):
            self.run_cron_and_die()

    @contextlib.contextmanager
    def chunks_of_six_expiring_the_token(self, chunks):
        """Chunks of 6 lines; QuickBooks expires the access token after the
        first one. ``chunks`` gets the counts of each chunk."""
        queue_class = type(self.env["qbo.send.queue"])
        real_update = queue_class._qbo_update_queue_log

        def update_then_expire(queue, log, counts, settled):
            # Called once the answers of a chunk are recorded.
            real_update(queue, log, counts, settled)
            if not chunks:
                requests.post(
                    f"{self.sandbox.url}/_sandbox/realms/{REALM_A}/expire-access-tokens",
                    timeout=10,
                ).raise_for_status()
            chunks.append(counts)

        with (
            patch.object(queue_module, "BACKGROUND_CHUNK_SIZE", 6),
            patch.object(queue_class, "_qbo_update_queue_log", update_then_expire),
        ):
            yield

    def assert_sent_once(self, lines):
        """Every line sent, each as its own time activity, none twice."""
        activities = self.time_activities()
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        self.assertEqual(len(activities), len(lines), "one time activity per line")
        self.assertEqual(
            set(lines.mapped("qbo_time_activity_id")), {activity["Id"] for activity in activities}
        )

    def queued_log(self, lines):
        return lines.qbo_queue_log_id.ensure_one()

    # ------------------------------------------------------------------
    # Queuing and the cron
    # ------------------------------------------------------------------
    def test_large_selection_is_queued_then_sent_by_the_cron(self):
        lines = self.lines(12)
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        preview = self.preview(lines)
        self.assertTrue(preview.send_in_background, "the preview says so")
        action = preview.action_confirm()

        log = self.queued_log(lines)
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(action["params"]["links"][0]["url"], f"/odoo/qbo.sync.log/{log.id}")
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.assertRecordValues(log, [{"state": "running", "count_remaining": 12}])
        self.assertFalse(self.time_activities(), "nothing leaves before the cron runs")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers_before + 1,
            "the cron is woken up",
        )
        self.assertEqual(self.cron.code, "model._qbo_cron_send_queued()")

        progress = self.run_cron()
        self.assertRecordValues(progress, [{"done": 12, "remaining": 0}])
        self.assert_sent_once(lines)
        self.assertEqual(set(lines.mapped("qbo_sent_by_id")), {self.env.user})
        self.assertRecordValues(
            log,
            [
                {
                    "state": "done",
                    "count_done": 12,
                    "count_refused": 0,
                    "count_failed": 0,
                    "count_remaining": 0,
                }
            ],
        )
        notification = self.env["bus.bus"].search(
            [("message", "like", "Background send finished")], order="id desc", limit=1
        )
        self.assertTrue(notification, "the user is told when it ends")

    def test_a_batch_with_a_line_quickbooks_refuses_records_the_others(self):
        """The answers of a batch request, one of them a refusal: each line
        records its own, as an interactive send records them."""
        lines = self.lines(8)
        refused = lines[3]
        refused.project_id = self.old_shop
        self.send(lines)
        log = self.queued_log(lines)
        self.run_cron()

        sent = lines - refused
        self.assert_sent_once(sent)
        attempts = self.env["qbo.send.attempt"].search([("line_id", "in", lines.ids)])
        request_ids = {attempt.line_id: attempt.request_id for attempt in attempts}
        for line in sent:
            self.assertRecordValues(
                line,
                [
                    {
                        "qbo_state": "sent",
                        "qbo_request_id": request_ids[line],
                        "qbo_sent_by_id": self.env.user.id,
                        "qbo_last_error": False,
                    }
                ],
            )
            self.assertEqual(
                line.qbo_sent_payload,
                attempts.filtered(lambda attempt, line=line: attempt.line_id == line).payload,
            )
            self.assertTrue(line.qbo_sent_at)
        self.assertRecordValues(
            refused,
            [
                {
                    "qbo_state": "error",
                    "qbo_time_activity_id": False,
                    "qbo_request_id": request_ids[refused],
                }
            ],
        )
        self.assertIn("made inactive in QuickBooks", refused.qbo_last_error)
        self.assertRecordValues(log, [{"count_done": 7, "count_failed": 1, "count_remaining": 0}])
        details = log.line_ids.filtered("timesheet_id")
        self.assertEqual(details.timesheet_id, lines)
        errors = details.filtered(lambda detail: detail.level == "error")
        self.assertEqual(errors.timesheet_id, refused)

    def test_small_selection_is_still_sent_at_once(self):
        lines = self.lines(5)
        preview = self.preview(lines)
        self.assertFalse(preview.send_in_background)
        preview.action_confirm()
        self.assert_sent_once(lines)
        self.assertFalse(lines.qbo_queue_log_id)

    def test_chunks_are_committed_one_by_one(self):
        lines = self.lines(12)
        self.send(lines)
        real_batch = QboClient.batch
        calls = Counter()

        def batch_dying_third(client, items):
            calls["batch"] += 1
            if calls["batch"] == 3:
                raise WorkerCrash()
            return real_batch(client, items)

        with (
            patch.object(queue_module, "BACKGROUND_CHUNK_SIZE", 5),
            patch.object(QboClient, "batch", batch_dying_third),
        ):
            self.run_cron_and_die()
        self.assertEqual(lines[:10].mapped("qbo_state"), ["sent"] * 10, "two chunks committed")
        self.assertEqual(lines[10:].mapped("qbo_state"), ["queued"] * 2)
        self.assertEqual(self.queued_log(lines).count_done, 10)

        self.run_cron()
        self.assert_sent_once(lines)
        self.assertEqual(self.sandbox_stats()["requests"]["batch"], 3, "5 + 5 + 2 lines")

    def test_a_run_stops_when_its_time_is_up(self):
        lines = self.lines(12)
        self.send(lines)
        queue_class = type(self.env["qbo.send.queue"])
        with patch.object(queue_class, "_qbo_cron_time_budget", return_value=0):
            progress = self.run_cron()
        self.assertRecordValues(progress, [{"done": 0, "remaining": 12}])
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.run_cron()
        self.assert_sent_once(lines)

    def test_refused_queued_lines_leave_the_queue_with_the_reason(self):
        lines = self.lines(6)
        unmapped = self.env["hr.employee"].create({"name": "Nobody Mapped"})
        lines[0].employee_id = unmapped
        already_sent = self.lines(1)
        self.send(already_sent)
        self.send(lines | already_sent)
        log = self.queued_log(lines)

        self.run_cron()
        # Refused by the sending rules, with its reason: not a QuickBooks failure.
        self.assertEqual(lines[0].qbo_state, "refused")
        self.assertEqual(lines[0].qbo_refusal_code, "employee_not_mapped")
        self.assertIn("Nobody Mapped", lines[0].qbo_last_error)
        self.assert_sent_once(lines[1:] | already_sent)
        # The line already sent is skipped, not refused.
        self.assertRecordValues(
            log,
            [
                {
                    "state": "partial",
                    "count_done": 5,
                    "count_refused": 1,
                    "count_skipped": 1,
                    "count_failed": 0,
                    "count_remaining": 0,
                }
            ],
        )

    def test_lines_taken_by_a_later_send_leave_the_queue_counted(self):
        lines = self.lines(12)
        self.send(lines)
        log = self.queued_log(lines)
        # A manager sends three of the queued lines at once, before the cron runs.
        taken = lines[:3]
        self.send(taken)
        self.assertEqual(set(taken.mapped("qbo_state")), {"sent"})
        self.assertFalse(taken.qbo_queue_log_id, "they left the background send")
        # Its entry is left to its background sender, which counts them.
        self.assertRecordValues(
            log, [{"state": "running", "count_moved": 0, "count_remaining": 12}]
        )
        self.assertIn(self.last_send_log().name, log.line_ids[-1].message)
        self.assertEqual(log.line_ids[-1].count_moved, 3)

        self.run_cron()
        self.assert_sent_once(lines)
        self.assertRecordValues(
            log,
            [
                {
                    "state": "done",
                    "count_done": 9,
                    "count_refused": 0,
                    "count_failed": 0,
                    "count_moved": 3,
                    "count_remaining": 0,
                }
            ],
        )
        self.assertIn("3 taken over", log.summary)

    def test_a_send_whose_lines_were_all_taken_over_is_closed_by_the_cron(self):
        lines = self.lines(12)
        self.send(lines[:6])
        earlier = self.queued_log(lines[:6])
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        triggers.unlink()
        # The same lines and more, queued again: the new send takes them over.
        self.send(lines)
        later = self.queued_log(lines)
        self.assertNotEqual(later, earlier)
        self.assertEqual(earlier.state, "running", "left to its background sender")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]),
            "the cron is woken up",
        )

        self.run_cron()
        self.assert_sent_once(lines)
        self.assertRecordValues(
            earlier,
            [
                {
                    "state": "done",
                    "count_done": 0,
                    "count_refused": 0,
                    "count_failed": 0,
                    "count_moved": 6,
                    "count_remaining": 0,
                }
            ],
        )
        self.assertIn("6 taken over", earlier.summary)
        self.assertRecordValues(later, [{"state": "done", "count_done": 12, "count_moved": 0}])

    def test_sending_wakes_the_cron_when_lines_wait_in_the_queue(self):
        lines = self.lines(6)
        self.send(lines)
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        triggers.unlink()
        # As after a few timeouts: the cron waits for its next interval.
        self.cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
        self.send(self.line())
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]),
            "the cron is woken up",
        )

    def test_each_quickbooks_company_is_sent_by_one_sender_at_a_time(self):
        lines = self.lines(6)
        self.send(lines)
        # Another worker (here, another connection) holds the company.
        with db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [sender_module.REALM_LOCK_NAMESPACE, REALM_A],
            )
            progress = self.run_cron()
            other_worker.rollback()
        self.assertRecordValues(progress, [{"done": 0, "remaining": 6}])
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.cron.id), ("call_at", ">", fields.Datetime.now())]
            ),
            "the cron comes back soon",
        )
        self.run_cron()
        self.assert_sent_once(lines)

    def test_different_quickbooks_companies_are_sent_in_the_same_run(self):
        company_b = self.env["res.company"].create(
            {"name": "Company B", "qbo_background_threshold": 1}
        )
        self.env.user.company_ids |= company_b
        self.qbo_connect(company_b._qbo_connection(), REALM_B)
        employee_b = self.env["hr.employee"].create(
            {"name": "John Doe", "company_id": company_b.id}
        )
        qbo_write(employee_b, {"qbo_id": JOHN_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_B})
        project_b = self.env["project.project"].create(
            {"name": "B Co", "company_id": company_b.id, "qbo_hourly_rate": 80.0}
        )
        qbo_write(project_b, {"qbo_customer_id": B_CUSTOMER_ID, "qbo_realm_id": REALM_B})
        lines_a = self.lines(6)
        lines_b = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"B {number}",
                    "project_id": project_b.id,
                    "employee_id": employee_b.id,
                    "date": date(2026, 3, 2),
                    "unit_amount": 1.0,
                    "company_id": company_b.id,
                }
                for number in range(3)
            ]
        )
        self.send(lines_a | lines_b)
        self.assertEqual(len(lines_a.qbo_queue_log_id | lines_b.qbo_queue_log_id), 2)

        # One company per call: the cron worker calls again in the same run.
        progress = self.run_cron_job()
        self.assertRecordValues(progress, [{"done": 9, "remaining": 0}])
        self.assert_sent_once(lines_a)
        self.assertEqual(set(lines_b.mapped("qbo_state")), {"sent"})
        self.assertEqual(len(self.time_activities(REALM_B)), 3)

    # ------------------------------------------------------------------
    # Faults: each ends with every line sent exactly once
    # ------------------------------------------------------------------
    def test_worker_killed_mid_chunk_is_reconciled_without_requestid_replay(self):
        self.sandbox.configure(requestid_mode="ignore")
        lines = self.lines(8)
        self.send(lines)
        self.run_cron_killed_after_the_request()
        self.assertEqual(len(self.time_activities()), 8, "QuickBooks saved them")
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})

        self.run_cron()
        self.assert_sent_once(lines)
        log = self.queued_log(lines)
        self.assertRecordValues(log, [{"state": "done", "count_done": 8}])
        self.assertEqual(len(log.line_ids.filtered(lambda d: "interrupted" in d.message)), 8)

    def test_lost_answers_stay_queued_and_are_found_next_run(self):
        self.sandbox.configure(requestid_mode="ignore")
        lines = self.lines(6)
        self.send(lines)
        with batch_then(QboTimeout()):
            progress = self.run_cron()
        self.assertRecordValues(progress, [{"done": 0, "remaining": 6}])
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.assertEqual(self.queued_log(lines).state, "running")

        self.run_cron()
        self.assert_sent_once(lines)
        self.assertEqual(self.queued_log(lines).count_done, 6)

    def test_responses_slower_than_the_client_timeout(self):
        # QuickBooks saves the time activities, then answers after the
        # client has given up (QuickBooks' settings are read before, in time).
        lines = self.lines(6)
        self.send(lines)
        self.addCleanup(self.sandbox.configure, slow_after_commit_ms=0, slow_rate=0.0)
        line_class = type(lines)
        real_send_context = line_class._qbo_send_context

        def send_context_then_slow(model, company, preview=False):
            send_context = real_send_context(model, company, preview=preview)
            self.sandbox.configure(slow_after_commit_ms=800, slow_rate=1.0)
            return send_context

        with (
            patch.object(line_class, "_qbo_send_context", send_context_then_slow),
            patch.object(connection_module, "API_TIMEOUT", 0.3),
            # Odoo's test harness raises timeouts under 10 s to 10 s.
            patch("requests.Session.send", _super_send),
        ):
            self.run_cron()
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.assertIn("did not answer in time", lines[0].qbo_last_error)
        self.assertEqual(len(self.time_activities()), 6, "QuickBooks saved them")

        self.sandbox.configure(slow_after_commit_ms=0, slow_rate=0.0)
        self.run_cron()
        self.assert_sent_once(lines)

    def test_quickbooks_out_of_reach_keeps_the_lines_queued(self):
        lines = self.lines(6)
        self.send(lines)
        real_batch = QboClient.batch

        def refused(client, items):
            raise QboConnectionError()

        with patch.object(QboClient, "batch", refused):
            self.run_cron()
        self.assertEqual(set(lines.mapped("qbo_state")), {"queued"})
        self.assertIn("connect", lines[0].qbo_last_error)

        with patch.object(QboClient, "batch", real_batch):
            self.run_cron()
        self.assert_sent_once(lines)

    def test_server_errors_and_throttling_are_waited_out(self):
        # One request in five fails (500/503), and the company's limits are
        # far lower than the client believes: 429 answers come in bursts.
        self.sandbox.configure(
            fail_rate=0.2, random_seed=7, minute_seconds=1.0, batches_per_minute=1
        )
        self.addCleanup(self.sandbox.configure, minute_seconds=60.0, batches_per_minute=40)
        lines = self.lines(40)
        self.send(lines)
        with (
            patch.object(queue_module, "BACKGROUND_CHUNK_SIZE", 10),
            patch.object(QboClient, "_backoff", lambda client, attempt: 0.01),
        ):
            for _run in range(5):
                if not self.run_cron().remaining:
                    break
        stats = self.sandbox_stats()
        self.assertTrue(stats["throttled"], "QuickBooks did throttle")
        self.assertTrue(sum(stats["injected_faults"].values()), "QuickBooks did fail")
        self.assert_sent_once(lines)

    def test_access_token_expiring_mid_send(self):
        lines = self.lines(12)
        self.send(lines)
        chunks = []
        refreshes_before = self.sandbox_stats()["token_grants"].get("refresh_token", 0)
        with self.chunks_of_six_expiring_the_token(chunks):
            self.run_cron()
        self.assertEqual(len(chunks), 2)
        self.assertEqual(
            self.sandbox_stats()["token_grants"]["refresh_token"], refreshes_before + 1
        )
        self.assert_sent_once(lines)

    def test_tokens_busy_in_another_worker_keep_the_lines_queued(self):
        """The access token expires mid-send and another worker holds the
        tokens past the wait: the lines wait for the next run, none fails."""
        lines = self.lines(12)
        self.send(lines)
        log = self.queued_log(lines)
        chunks = []
        with (
            self.chunks_of_six_expiring_the_token(chunks),
            patch.object(type(self.connection), "_qbo_refresh_access_token", side_effect=QboBusy()),
        ):
            self.run_cron()
        self.assertEqual(len(chunks), 2)
        self.assertEqual(Counter(lines.mapped("qbo_state")), Counter(sent=6, queued=6))
        waiting = lines.filtered(lambda line: line.qbo_state == "queued")
        self.assertIn("another Odoo worker", waiting[0].qbo_last_error)
        self.assertEqual((log.count_done, log.count_failed, log.count_remaining), (6, 0, 6))

        self.run_cron()
        self.assert_sent_once(lines)
        self.assertEqual((log.state, log.count_done, log.count_failed), ("done", 12, 0))

    # ------------------------------------------------------------------
    # Scheduled sending
    # ------------------------------------------------------------------
    def test_scheduled_send_queues_the_lines_of_the_saved_filter(self):
        saved_filter = self.env["ir.filters"].create(
            {
                "name": "Billable, older than a day",
                "model_id": "account.analytic.line",
                "domain": "[('qbo_billable', '=', True), ('date', '<', "
                "(context_today() - datetime.timedelta(days=1)).strftime('%Y-%m-%d'))]",
            }
        )
        self.company.write(
            {
                "qbo_auto_send": True,
                "qbo_auto_send_interval": 6,
                "qbo_auto_send_filter_id": saved_filter.id,
            }
        )
        to_send = self.lines(3)
        today = self.lines(1, date=fields.Date.context_today(self.env.user))
        unmapped = self.lines(1, employee_id=self.env["hr.employee"].create({"name": "X"}).id)

        self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(set(to_send.mapped("qbo_state")), {"queued"})
        self.assertEqual(today.qbo_state, "not_sent", "not matched by the filter")
        self.assertEqual(unmapped.qbo_state, "not_sent", "refused lines wait to be fixed")
        self.assertEqual(self.company.qbo_auto_send_last.date(), fields.Date.today())
        self.run_cron()
        self.assert_sent_once(to_send)

        # Not again before the interval has passed.
        later = self.lines(1)
        self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(later.qbo_state, "not_sent")
        self.company.qbo_auto_send_last -= timedelta(hours=7)
        self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(later.qbo_state, "queued")

    # ------------------------------------------------------------------
    # The company's cut-off date
    # ------------------------------------------------------------------
    def test_the_queue_refuses_lines_before_the_cutoff(self):
        self.company.qbo_send_from_date = date(2026, 3, 10)
        lines = self.lines(12)  # 1 to 12 March
        old = lines.filtered(lambda line: line.date < date(2026, 3, 10))
        log = self.env["qbo.send.queue"]._qbo_queue(lines, self.company)
        self.assertEqual(len(old), 9)
        self.assertEqual(set(old.mapped("qbo_state")), {"refused"})
        self.assertEqual(set(old.mapped("qbo_refusal_code")), {"before_cutoff"})
        self.assertIn("Dated before 2026-03-10", old[0].qbo_last_error)
        self.assertFalse(old.qbo_queue_log_id, "never queued")
        self.assertEqual((log.count_refused, log.count_remaining), (9, 3))
        self.assertEqual(
            set(log.line_ids.filtered("qbo_code").mapped("qbo_code")), {"before_cutoff"}
        )
        self.run_cron()
        self.assert_sent_once(lines - old)
        self.assertEqual(set(old.mapped("qbo_state")), {"refused"})
        self.assertEqual(log.state, "partial")

    def test_scheduled_send_does_not_read_lines_before_the_cutoff(self):
        saved_filter = self.env["ir.filters"].create(
            {"name": "All", "model_id": "account.analytic.line", "domain": "[]"}
        )
        self.company.write(
            {
                "qbo_auto_send": True,
                "qbo_auto_send_filter_id": saved_filter.id,
                "qbo_send_from_date": date(2026, 3, 10),
            }
        )
        lines = self.lines(12)
        old = lines.filtered(lambda line: line.date < date(2026, 3, 10))
        self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(set((lines - old).mapped("qbo_state")), {"queued"})
        self.assertEqual(set(old.mapped("qbo_state")), {"not_sent"}, "left alone")
        self.assertFalse(any(old.mapped("qbo_last_error")))
        log = self.queued_log(lines - old)
        self.assertEqual((log.count_refused, log.count_remaining), (0, 3))
        self.run_cron()
        self.assert_sent_once(lines - old)

    def test_scheduled_send_waits_for_quickbooks_and_takes_up_unanswered_lines(self):
        """QuickBooks out of reach: the next hourly run tries again, not the
        next interval; a line an interactive send left without an answer is
        taken up too, looked for in QuickBooks first, never sent twice."""
        saved_filter = self.env["ir.filters"].create(
            {"name": "All", "model_id": "account.analytic.line", "domain": "[]"}
        )
        self.company.write(
            {
                "qbo_auto_send": True,
                "qbo_auto_send_interval": 24,
                "qbo_auto_send_filter_id": saved_filter.id,
            }
        )
        # An interactive send whose answer was lost: QuickBooks saved it.
        self.sandbox.configure(requestid_mode="ignore")
        unanswered = self.lines(1)
        with batch_then(QboTimeout()):
            self.send(unanswered)
        self.assertEqual(unanswered.qbo_state, "queued")
        self.assertFalse(unanswered.qbo_queue_log_id)
        self.assertEqual(len(self.time_activities()), 1)
        waiting = self.lines(2, date=date(2026, 3, 20))
        PREFERENCES.clear()  # read again, as after a few minutes
        with patch.object(QboClient, "preferences", side_effect=QboConnectionError()):
            self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(set(waiting.mapped("qbo_state")), {"not_sent"})
        self.assertFalse(self.company.qbo_auto_send_last, "the next hourly run tries again")
        self.env["qbo.send.queue"]._qbo_cron_auto_send()
        self.assertEqual(set((unanswered | waiting).mapped("qbo_state")), {"queued"})
        self.run_cron()
        self.assert_sent_once(unanswered | waiting)
