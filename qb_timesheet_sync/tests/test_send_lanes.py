# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending lanes: several identical cron jobs send the queue of many
QuickBooks companies, each lane call several companies at once, the least
recently served first; lanes share the companies through the realm lock, so
no company is sent by two at once and none is left out."""

import logging
import threading
import time
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace
from unittest.mock import patch

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import config

from ..models import qbo_connection as connection_module
from ..models import qbo_send_queue_cron as queue_module
from ..models import qbo_send_queue_pipeline as pipeline_module
from ..models import qbo_sender as sender_module
from ..qbo import RealmRateLimiter
from .common import REALM_B, qbo_write
from .common_send import REALM_A, QboSendCase, send_seed

REALM_C = "9130350000000003"
# QuickBooks employee and customer of companies B and C.
PEOPLE = {REALM_B: ("41", "31"), REALM_C: ("61", "32")}
# Bound of the waits of the threaded test: only a broken run comes near it.
WAIT_SECONDS = 60


@tagged("post_install", "-at_install")
class TestSendLanes(QboSendCase):
    @classmethod
    def qbo_seed(cls):
        seed = send_seed()
        realm_b = seed["realms"][1]
        realm_b["Employee"][0]["Id"] = PEOPLE[REALM_B][0]
        realm_b["Customer"] = [{"Id": PEOPLE[REALM_B][1], "DisplayName": "B Co"}]
        seed["realms"].append(
            {
                "realm_id": REALM_C,
                "company_name": "Test Company C",
                "Employee": [{"Id": PEOPLE[REALM_C][0], "GivenName": "Ann", "FamilyName": "Lee"}],
                "Customer": [{"Id": PEOPLE[REALM_C][1], "DisplayName": "C Co"}],
            }
        )
        return seed

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lanes = cls.env["qbo.send.queue"]._qbo_send_lanes()
        cls.first_lane = cls.env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")

    def setUp(self):
        super().setUp()
        # A "minute" of 0.2 s, so that waiting after a 429 stays short.
        limiter = RealmRateLimiter(minute_seconds=0.2)
        limiter_patch = patch.object(connection_module, "limiter_for", return_value=limiter)
        limiter_patch.start()
        self.addCleanup(limiter_patch.stop)
        self.companies = {REALM_A: self.company}
        self.projects = {REALM_A: (self.emily, self.website)}
        for realm_id, name in ((REALM_B, "Company B"), (REALM_C, "Company C")):
            company = self.env["res.company"].create({"name": name})
            self.env.user.company_ids |= company
            self.qbo_connect(company._qbo_connection(), realm_id)
            employee_id, customer_id = PEOPLE[realm_id]
            employee = self.env["hr.employee"].create(
                {"name": f"{name} employee", "company_id": company.id}
            )
            qbo_write(
                employee, {"qbo_id": employee_id, "qbo_kind": "Employee", "qbo_realm_id": realm_id}
            )
            project = self.env["project.project"].create(
                {"name": f"{name} project", "company_id": company.id, "qbo_hourly_rate": 80.0}
            )
            qbo_write(project, {"qbo_customer_id": customer_id, "qbo_realm_id": realm_id})
            self.companies[realm_id] = company
            self.projects[realm_id] = (employee, project)

    def queue(self, realm_id, count):
        """Queue ``count`` new lines of the company of ``realm_id``."""
        employee, project = self.projects[realm_id]
        company = self.companies[realm_id]
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Line {number}",
                    "project_id": project.id,
                    "employee_id": employee.id,
                    "company_id": company.id,
                    "date": date(2026, 3, 1) + timedelta(days=number % 28),
                    "unit_amount": 1.0 + number % 4 / 4,
                }
                for number in range(count)
            ]
        )
        self.env["qbo.send.queue"]._qbo_queue(lines, company)
        return lines

    def run_lane(self, lane):
        """One call of the sending lane ``lane``, as the cron worker makes it;
        returns its progress."""
        lane, progress = lane._add_progress()
        try:
            self.env["qbo.send.queue"].with_context(**lane.env.context)._qbo_cron_send_queued()
        finally:
            # The sender wrote in transactions of its own.
            self.env.invalidate_all()
        return progress

    def assert_sent_once(self, lines_by_realm):
        """Every line sent, each as its own time activity of its company's
        QuickBooks company, none twice."""
        for realm_id, lines in lines_by_realm.items():
            activity_ids = [activity["Id"] for activity in self.time_activities(realm_id)]
            self.assertEqual(set(lines.mapped("qbo_state")), {"sent"}, realm_id)
            self.assertEqual(
                len(activity_ids), len(lines), f"one time activity per line of {realm_id}"
            )
            self.assertEqual(set(lines.mapped("qbo_time_activity_id")), set(activity_ids))

    def now(self):
        return fields.Datetime.now()

    def served_in_order(self):
        """Patch that records the companies a lane call serves, in order."""
        served = []
        queue_class = type(self.env["qbo.send.queue"])
        real_serve = queue_class._qbo_send_queue_in_own_transaction

        def recording(queue, company_id, deadline):
            served.append(company_id)
            return real_serve(queue, company_id, deadline)

        return served, patch.object(queue_class, "_qbo_send_queue_in_own_transaction", recording)

    # ------------------------------------------------------------------
    # The lanes and how they are woken
    # ------------------------------------------------------------------
    def test_four_lanes_call_the_same_sender(self):
        self.assertEqual(len(self.lanes), 4)
        self.assertIn(self.first_lane, self.lanes)
        self.assertEqual(set(self.lanes.mapped("code")), {"model._qbo_cron_send_queued()"})
        self.assertEqual(
            sorted(self.lanes.mapped("name")),
            [f"QuickBooks: send queued timesheets (lane {number})" for number in range(1, 5)],
        )

    def test_queuing_wakes_every_lane(self):
        # A host may add a lane by duplicating one.
        extra_lane = self.first_lane.copy()
        lanes = self.lanes | extra_lane
        self.assertEqual(self.env["qbo.send.queue"]._qbo_send_lanes(), lanes)
        self.env["ir.cron.trigger"].search([("cron_id", "in", lanes.ids)]).unlink()
        self.queue(REALM_A, 2)
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", lanes.ids)])
        self.assertEqual(triggers.cron_id, lanes, "each lane is woken up")
        self.assertEqual(len(triggers), len(lanes), "once each")

    def test_sending_wakes_the_lanes_that_wait_for_their_interval(self):
        self.queue(REALM_A, 2)
        self.env["ir.cron.trigger"].search([("cron_id", "in", self.lanes.ids)]).unlink()
        # As after a few timeouts: the lanes wait for their next interval.
        self.lanes.nextcall = fields.Datetime.now() + timedelta(hours=1)
        due_lane = self.lanes[0]
        due_lane.nextcall = fields.Datetime.now() - timedelta(minutes=1)
        self.env["qbo.send.queue"]._qbo_wake_sender()
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", self.lanes.ids)])
        self.assertEqual(triggers.cron_id, self.lanes - due_lane, "the due lane runs anyway")
        self.env["qbo.send.queue"]._qbo_wake_sender()
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "in", self.lanes.ids)]),
            len(triggers),
            "a lane already woken up is not woken again",
        )

    # ------------------------------------------------------------------
    # Serving the companies
    # ------------------------------------------------------------------
    def test_a_lane_serves_several_companies_in_one_call(self):
        lines = {REALM_A: self.queue(REALM_A, 6), REALM_B: self.queue(REALM_B, 3)}
        lines[REALM_C] = self.queue(REALM_C, 4)
        progress = self.run_lane(self.lanes[1])
        self.assertRecordValues(progress, [{"done": 13, "remaining": 0}])
        self.assert_sent_once(lines)
        for realm_lines in lines.values():
            self.assertEqual(realm_lines.qbo_queue_log_id.state, "done")

    def test_lanes_leave_the_companies_another_lane_holds(self):
        lines = {realm_id: self.queue(realm_id, 4) for realm_id in (REALM_A, REALM_B, REALM_C)}
        # Another lane (here, another connection: another transaction, as a
        # lane's thread on another cron thread or server) sends company B.
        with db_connect(self.env.cr.dbname).cursor() as other_lane:
            other_lane.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [sender_module.REALM_LOCK_NAMESPACE, REALM_B],
            )
            progress = self.run_lane(self.lanes[0])
            self.assertRecordValues(progress, [{"done": 8, "remaining": 4}])
            self.assert_sent_once({REALM_A: lines[REALM_A], REALM_C: lines[REALM_C]})
            self.assertEqual(set(lines[REALM_B].mapped("qbo_state")), {"queued"})
            self.assertFalse(self.time_activities(REALM_B), "left to the lane that holds it")

            # A lane that finds every company held sends nothing, and the
            # lanes come back a minute later.
            self.env["ir.cron.trigger"].search([("cron_id", "in", self.lanes.ids)]).unlink()
            progress = self.run_lane(self.lanes[2])
            self.assertRecordValues(progress, [{"done": 0, "remaining": 4}])
            later = self.env["ir.cron.trigger"].search(
                [("cron_id", "in", self.lanes.ids), ("call_at", ">", fields.Datetime.now())]
            )
            self.assertEqual(later.cron_id, self.lanes)
            other_lane.rollback()
        # The other lane let go (here, without sending): the next call sends it.
        progress = self.run_lane(self.lanes[3])
        self.assertRecordValues(progress, [{"done": 4, "remaining": 0}])
        self.assert_sent_once(lines)

    def test_the_least_recently_served_company_goes_first(self):
        lines = {realm_id: self.queue(realm_id, 3) for realm_id in (REALM_A, REALM_B, REALM_C)}
        queue = self.env["qbo.send.queue"]
        self.env.flush_all()
        # When each company's background send was last written to: B, then C, then A.
        for realm_id, hours in ((REALM_B, 3), (REALM_C, 2), (REALM_A, 1)):
            self.env.cr.execute(
                "UPDATE qbo_sync_log SET write_date = now() at time zone 'UTC' - %s * interval '1h'"
                " WHERE id = %s",
                [hours, lines[realm_id].qbo_queue_log_id.id],
            )
        company_ids = [self.companies[realm_id].id for realm_id in (REALM_B, REALM_C, REALM_A)]
        self.assertEqual(queue._qbo_companies_to_serve(), company_ids)

        # A lane call whose time is up after the first company: B only.
        clock = {"offset": 0.0}
        queue_class = type(queue)
        real_serve = queue_class._qbo_send_queue_in_own_transaction
        served = []

        def serve_then_time_is_up(model, company_id, deadline):
            served.append(company_id)
            outcome = real_serve(model, company_id, deadline)
            clock["offset"] = 10**6
            return outcome

        fake_time = SimpleNamespace(monotonic=lambda: time.monotonic() + clock["offset"])
        with (
            patch.object(queue_module, "time", fake_time),
            patch.object(queue_class, "_qbo_send_queue_in_own_transaction", serve_then_time_is_up),
        ):
            progress = self.run_lane(self.lanes[0])
        self.assertRecordValues(progress, [{"done": 3, "remaining": 6}])
        self.assertEqual(served, company_ids[:1])
        self.assert_sent_once({REALM_B: lines[REALM_B]})

        # B was served last: the next call starts with C, then A.
        served, recording = self.served_in_order()
        with recording:
            progress = self.run_lane(self.lanes[0])
        self.assertEqual(served, company_ids[1:])
        self.assertRecordValues(progress, [{"done": 6, "remaining": 0}])
        self.assert_sent_once(lines)

    def test_two_lanes_at_the_same_time_split_the_companies(self):
        """Two lane calls in two threads, each with a pool of three threads,
        over six companies whose senders take the realm lock in transactions
        of their own (real connections, as on two cron threads): each company
        is sent by one sender, once, and a lane sends several at once. Also
        no more companies at once than the server's connections allow."""
        company_ids = list(range(1, 7))
        queued = dict.fromkeys(company_ids, 10)
        sent = []
        held = set()
        twice = []
        most_held = [0]
        state_lock = threading.Lock()
        two_held = threading.Event()
        dbname = self.env.cr.dbname

        def fake_send_queue(queue, company_id, deadline):
            # The lock a company's sender takes (qbo.sender._qbo_lock_realm).
            with db_connect(dbname).cursor() as cr:
                cr.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    [sender_module.REALM_LOCK_NAMESPACE, company_id],
                )
                if not cr.fetchone()[0]:
                    return 0, True
                with state_lock:
                    if company_id in held:
                        twice.append(company_id)
                    held.add(company_id)
                    most_held[0] = max(most_held[0], len(held))
                    if len(held) > 1:
                        two_held.set()
                # Sending, until another company is sent at the same time.
                two_held.wait(WAIT_SECONDS)
                with state_lock:
                    held.discard(company_id)
                    lines = queued.pop(company_id, 0)
                    if lines:
                        sent.append((threading.current_thread().name, company_id))
                cr.rollback()
            return lines, False

        queue = self.env["qbo.send.queue"]
        queue_class = type(queue)
        outcomes = {}
        slots = queue_module.CompanySlots()

        def lane(name):
            deadline = time.monotonic() + WAIT_SECONDS
            outcomes[name] = queue._qbo_serve_lane(company_ids, deadline)

        with (
            patch.object(queue_class, "_qbo_send_queue_in_own_transaction", fake_send_queue),
            patch.object(queue_class, "_qbo_lane_in_threads", return_value=True),
            patch.object(queue_class, "_qbo_companies_per_lane", return_value=3),
            patch.object(queue_module, "COMPANY_SLOTS", slots),
            patch.dict(config.options, {"db_maxconn": 64}),
        ):
            lanes = [threading.Thread(target=lane, args=(name,)) for name in ("one", "two")]
            for thread in lanes:
                thread.start()
            for thread in lanes:
                thread.join(2 * WAIT_SECONDS)
        self.assertFalse(twice, "one sender per company at a time")
        self.assertFalse(queued, "every company was sent")
        self.assertEqual(sorted(company for _thread, company in sent), company_ids, "each once")
        self.assertEqual(
            sum(settled for outcome in outcomes.values() for settled, _waiting in outcome), 60
        )
        self.assertGreater(most_held[0], 1, "several companies at once")
        # (64 - 16) // 13 = 3 companies at once on this server, both lanes together.
        self.assertLessEqual(most_held[0], 3)

    def test_a_server_sends_as_many_companies_as_its_connections_allow(self):
        slots = queue_module.CompanySlots()
        eight_mib_stacks = patch.object(
            queue_module.resource, "getrlimit", return_value=(8 * 1024 * 1024, -1)
        )
        with eight_mib_stacks, patch.dict(config.options, {"db_maxconn": 64}):
            self.assertEqual(slots.limit(), 3, "(64 - 16) // 13")
            # logging.INFO: Odoo gives the name "INFO" to a level of its own (25).
            with self.assertLogs(queue_module.__name__, logging.INFO) as logs:
                self.assertEqual(slots.take(10), 3)
            self.assertIn("raise db_maxconn", logs.output[0])
            self.assertEqual(slots.take(10), 0, "all taken")
            slots.give_back()
            self.assertEqual(slots.take(10), 1)
        with eight_mib_stacks, patch.dict(config.options, {"db_maxconn": 400}):
            # Memory: (2 GiB - 768 MiB) // (11 threads x 8 MiB) = 14.
            self.assertEqual(slots.limit(), 14)
            with patch.dict(config.options, {"limit_memory_soft": 0}):
                self.assertEqual(slots.limit(), 29, "(400 - 16) // 13")
        with eight_mib_stacks, patch.dict(config.options, {"db_maxconn": 8}):
            self.assertEqual(slots.limit(), 1, "always one")

    def test_a_run_ends_on_time_and_wakes_the_lanes(self):
        """The cron worker calls a lane again while it reports progress: the
        run spends its time budget once, the last chunks shrink to what the
        company takes in the time left, and the run's end wakes the lanes
        for what is left."""
        queue = self.env["qbo.send.queue"]
        lines = self.queue(REALM_A, 12)
        self.assertEqual(queue._qbo_chunk_size(self.company, 3600), 300)
        # 10 s at QuickBooks' slowest: (500 - 40) single creates in 61.2 s.
        self.assertEqual(queue._qbo_chunk_size(self.company, 10), 75)
        self.assertEqual(queue._qbo_chunk_size(self.company, 0), 30, "one batch at least")

        clock = {"offset": 0.0}
        fake_time = SimpleNamespace(monotonic=lambda: time.monotonic() + clock["offset"])
        lane = self.lanes[0].with_context(cron_id=self.lanes[0].id)
        self.addCleanup(queue_module.RUN_DEADLINES.pop, self.env.cr, None)
        queue_class = type(queue)
        real_update = queue_class._qbo_update_queue_log

        def update_then_time_is_up(model, log, counts, settled):
            real_update(model, log, counts, settled)
            clock["offset"] = 10**6

        five_lines_a_chunk = patch.object(
            queue_class, "_qbo_chunk_size", lambda model, company, seconds: 5
        )
        with (
            patch.object(queue_module, "time", fake_time),
            patch.object(pipeline_module, "time", fake_time),
            five_lines_a_chunk,
        ):
            with patch.object(queue_class, "_qbo_update_queue_log", update_then_time_is_up):
                progress = self.run_lane(lane)
            self.assertRecordValues(progress, [{"done": 5, "remaining": 7}])
            triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", self.lanes.ids)])
            self.assertEqual(triggers.cron_id, self.lanes, "the lanes are woken for the rest")
            self.assertFalse(triggers.filtered(lambda trigger: trigger.call_at > self.now()))
            triggers.unlink()
            # The worker's next call of the same run: its time is spent.
            progress = self.run_lane(lane)
            self.assertRecordValues(progress, [{"done": 0, "remaining": 0}])
            self.assertFalse(
                self.env["ir.cron.trigger"].search([("cron_id", "in", self.lanes.ids)]),
                "the run's last call already woke them",
            )
            # A new run (the worker's new cursor) has a budget of its own.
            clock["offset"] = 0.0
            with self.registry.cursor() as run_cr:
                new_run, progress = lane.with_env(lane.env(cr=run_cr))._add_progress()
                queue.with_env(new_run.env)._qbo_cron_send_queued()
                self.assertRecordValues(progress, [{"done": 7, "remaining": 0}])
        self.env.invalidate_all()
        self.assert_sent_once({REALM_A: lines})

    def test_small_chunks_near_the_end_keep_the_places_busy(self):
        """The chunks under way are bounded by their lines, not by their
        number: near the end of a run each chunk holds one batch, and the
        run takes as many as keep requests waiting for a place in flight."""
        run = pipeline_module._Run(self.env["qbo.send.queue"], self.company)
        waiting = {"items": 0}
        run.delivery = SimpleNamespace(waiting=lambda: waiting["items"])
        Line = self.env["account.analytic.line"]

        def chunk(size):
            return pipeline_module._Chunk(None, Line.browse(range(1, size + 1)), Counter(), [])

        lookahead = pipeline_module.LOOKAHEAD
        self.assertTrue(run.wants_chunk(lookahead), "none under way")
        run.chunks.extend(chunk(queue_module.MIN_CHUNK_SIZE) for _index in range(10))
        self.assertTrue(run.wants_chunk(lookahead), "ten chunks of one batch: room for more")
        waiting["items"] = lookahead
        self.assertFalse(run.wants_chunk(lookahead), "enough lines wait for a request")
        waiting["items"] = 0
        self.assertFalse(run.wants_chunk(0), "one request at a time: a chunk after the other")
        run.chunks.clear()
        run.chunks.extend(chunk(queue_module.BACKGROUND_CHUNK_SIZE) for _index in range(3))
        self.assertEqual(
            sum(len(open_chunk.lines) for open_chunk in run.chunks),
            pipeline_module.MAX_OPEN_LINES,
        )
        self.assertFalse(run.wants_chunk(lookahead), "as many lines under way as a run may lock")

    def test_companies_per_lane_is_a_system_parameter(self):
        queue = self.env["qbo.send.queue"]
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(queue._qbo_companies_per_lane(), queue_module.COMPANIES_PER_LANE)
        params.set_param(queue_module.COMPANIES_PER_LANE_PARAM, "25")
        self.assertEqual(queue._qbo_companies_per_lane(), 25)
        params.set_param(queue_module.COMPANIES_PER_LANE_PARAM, "0")
        self.assertEqual(queue._qbo_companies_per_lane(), 1)
