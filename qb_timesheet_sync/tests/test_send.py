# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending timesheet lines to the local QuickBooks sandbox: once, and only once,
even after a crash or when two managers send at the same moment."""

import threading
import uuid
from datetime import date, timedelta
from unittest.mock import patch
from urllib.parse import parse_qsl

from odoo import SUPERUSER_ID, api, fields
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..models.qbo_state_guard import qbo_trusted
from ..qbo import QboAuthError, QboClient, QboServerUnavailable, QboTimeout, get_environment
from .common_send import (
    EMILY_ID,
    HOURS_ITEM_ID,
    JORDAN_ID,
    REALM_A,
    WEBSITE_ID,
    QboSendCase,
    qbo_write,
    send_seed,
)
from .test_connection_ui import QboHttpCase


class WorkerCrash(Exception):
    """The Odoo worker dies (killed, out of memory, restarted)."""


def batch_then(exception):
    """QboClient.batch that reaches QuickBooks, then fails with ``exception``
    before the caller sees the answer."""
    real_batch = QboClient.batch

    def batch(client, items):
        real_batch(client, items)
        raise exception

    return patch.object(QboClient, "batch", batch)


@tagged("post_install", "-at_install")
class TestSend(QboSendCase):
    def send_and_crash(self, lines, exception=None):
        """A send whose worker dies after the request reached QuickBooks.

        The test transaction cannot be rolled back without losing the
        journal, which a real crash keeps; the sending transaction wrote
        nothing on the lines before the request left, so the lines are as a
        crash leaves them (see test_journal_survives_a_real_rollback).
        """
        with batch_then(exception or WorkerCrash()):
            try:
                self.send(lines)
            except WorkerCrash:
                return
        self.fail("the send should have crashed")

    # ------------------------------------------------------------------
    # The normal case
    # ------------------------------------------------------------------
    def test_each_line_becomes_one_time_activity(self):
        self.website.qbo_item_ref_id = self.hours_item
        emily_line = self.line()
        jordan_line = self.line(employee_id=self.jordan.id, unit_amount=1.25, name="Logo")
        action = self.send(emily_line | jordan_line)

        activities = {activity["Id"]: activity for activity in self.time_activities()}
        self.assertEqual(len(activities), 2)
        self.assertEqual(
            set(activities), {emily_line.qbo_time_activity_id, jordan_line.qbo_time_activity_id}
        )
        self.assertRecordValues(
            emily_line,
            [
                {
                    "qbo_state": "sent",
                    "qbo_sent": True,
                    "qbo_sync_token": "0",
                    "qbo_realm_id": REALM_A,
                    "qbo_sent_by_id": self.env.user.id,
                    "qbo_sent_duration": 2.0,
                    "qbo_sent_rate": 120.0,
                    "qbo_last_error": False,
                }
            ],
        )
        self.assertTrue(emily_line.qbo_sent_at)
        self.assertEqual(len(emily_line.qbo_request_id), 32)
        self.assertNotEqual(emily_line.qbo_request_id, jordan_line.qbo_request_id)
        activity = activities[emily_line.qbo_time_activity_id]
        self.assertEqual(activity["NameOf"], "Employee")
        self.assertEqual(activity["EmployeeRef"]["value"], EMILY_ID)
        self.assertEqual(activity["CustomerRef"]["value"], WEBSITE_ID)
        self.assertEqual(activity["ItemRef"]["value"], HOURS_ITEM_ID)
        self.assertEqual(activity["TxnDate"], "2026-03-02")
        self.assertEqual((activity["Hours"], activity["Minutes"]), (2, 0))
        self.assertEqual(activity["BillableStatus"], "Billable")
        self.assertEqual(activity["HourlyRate"], 120.0)
        self.assertEqual(activity["Description"], "Design review")
        activity = activities[jordan_line.qbo_time_activity_id]
        self.assertEqual(activity["VendorRef"]["value"], JORDAN_ID)
        self.assertEqual((activity["Hours"], activity["Minutes"]), (1, 15))
        self.assertEqual(jordan_line.qbo_sent_duration, 1.25)

        log = self.last_send_log()
        self.assertRecordValues(
            log,
            [
                {
                    "state": "done",
                    "realm_id": REALM_A,
                    "count_done": 2,
                    "count_refused": 0,
                    "count_failed": 0,
                    "count_remaining": 0,
                }
            ],
        )
        self.assertEqual(
            {(detail.res_id, detail.level) for detail in log.line_ids},
            {(emily_line.id, "info"), (jordan_line.id, "info")},
        )
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("2 lines sent", action["params"]["message"])
        self.assertEqual(action["params"]["links"][0]["url"], f"/odoo/qbo.sync.log/{log.id}")
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertEqual(self.env["qbo.send.attempt"].search_count([]), 2, "the journal")

    def test_a_second_confirm_sends_nothing_new(self):
        line = self.line()
        wizard = self.preview(line)
        wizard.action_confirm()
        time_activity_id = line.qbo_time_activity_id
        action = wizard.action_confirm()
        self.assertEqual(len(self.time_activities()), 1)
        self.assertEqual(line.qbo_time_activity_id, time_activity_id)
        log = self.last_send_log()
        # Skipped, not refused: nothing is wrong with the line, it is in QuickBooks.
        self.assertRecordValues(
            log, [{"state": "done", "count_done": 0, "count_refused": 0, "count_skipped": 1}]
        )
        self.assertFalse(log.line_ids, "no reason to give")
        self.assertIn("1 already sent, skipped (never sent twice).", log.summary)
        self.assertEqual(action["params"]["type"], "success")

    def test_preview_counts_lines_already_sent_apart_from_refused_ones(self):
        unmapped = self.env["hr.employee"].create({"name": "Nora Quinn"})
        sent = self.line() | self.line(unit_amount=1.0)
        self.send(sent)
        refused = self.line(employee_id=unmapped.id) | self.line(unit_amount=0.0)
        new = self.line(unit_amount=3.0)

        wizard = self.preview(sent | refused | new)
        self.assertRecordValues(
            wizard,
            [
                {
                    "count_selected": 5,
                    "count_to_send": 1,
                    "count_to_update": 0,
                    "count_refused": 2,
                    "count_skipped": 2,
                    "hours_to_send": 3.0,
                }
            ],
        )
        self.assertEqual(wizard.refusal_ids.line_id, refused, "a sent line has no reason")
        self.assertEqual(set(sent.mapped("qbo_state")), {"sent"})
        log = self.env["qbo.sync.log"].search([("operation", "=", "preview")], limit=1)
        self.assertEqual(
            log.summary,
            "Preview of 5 timesheet lines: 1 to send, 0 to update, 2 refused, 2 already sent "
            "(skipped). Nothing was sent.",
        )
        self.assertEqual((log.count_refused, log.count_skipped), (2, 2))
        self.assertEqual(log.line_ids.timesheet_id, refused)

        # The send counts them the same way.
        wizard.action_confirm()
        self.assertRecordValues(
            self.last_send_log(),
            [{"count_done": 1, "count_refused": 2, "count_skipped": 2, "count_remaining": 0}],
        )
        self.assertEqual(
            self.last_send_log().line_ids.filtered("timesheet_id").timesheet_id, refused | new
        )

    def test_lines_of_archived_mapped_employees_are_sent(self):
        line = self.line()
        self.emily.active = False
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")

    def test_long_description_is_cut_and_the_cut_noted(self):
        line = self.line(name="x" * 4100)
        self.send(line)
        self.assertEqual(len(self.time_activities()[0]["Description"]), 4000)
        self.assertIn("cut to the 4000 characters", self.last_send_log().line_ids.message)

    def test_a_large_selection_goes_in_batches_of_30(self):
        lines = self.env["account.analytic.line"]
        for day in range(65):
            lines |= self.line(date=date(2026, 1, 1) + timedelta(days=day), unit_amount=0.5)
        batches_before = self.sandbox_stats()["requests"].get("batch", 0)
        self.send(lines)
        self.assertEqual(self.sandbox_stats()["requests"]["batch"] - batches_before, 3)
        self.assertEqual(len(self.time_activities()), 65)
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        self.assertEqual(len(set(lines.mapped("qbo_time_activity_id"))), 65)

    def test_each_company_sends_with_its_own_connection(self):
        other_company = self.env["res.company"].create({"name": "Second Odoo company"})
        self.env.user.company_ids |= other_company
        env = self.env(context={"allowed_company_ids": [self.company.id, other_company.id]})
        employee = env["hr.employee"].create({"name": "Sam Reed", "company_id": other_company.id})
        qbo_write(employee, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        project = env["project.project"].create(
            {"name": "Other site", "company_id": other_company.id, "qbo_hourly_rate": 80.0}
        )
        qbo_write(project, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})
        other_line = env["account.analytic.line"].create(
            {
                "name": "Other work",
                "project_id": project.id,
                "employee_id": employee.id,
                "date": date(2026, 3, 2),
                "unit_amount": 1.0,
            }
        )
        line = self.line()
        action = self.send(line | other_line)
        self.assertEqual(line.qbo_state, "sent")
        # The second company never connected: the same QuickBooks ids mean nothing there.
        # The line is refused with that reason, and still not sent.
        self.assertRecordValues(
            other_line, [{"qbo_state": "refused", "qbo_refusal_code": "not_connected"}]
        )
        self.assertFalse(other_line.qbo_sent)
        logs = self.env["qbo.sync.log"].search([("operation", "=", "send")])
        self.assertEqual(logs.company_id, self.company | other_company)
        other_log = logs.filtered(lambda log: log.company_id == other_company)
        self.assertEqual(other_log.line_ids.qbo_code, "not_connected")
        self.assertEqual(len(action["params"]["links"]), 2)

    # ------------------------------------------------------------------
    # QuickBooks refuses
    # ------------------------------------------------------------------
    def test_a_refused_line_does_not_stop_the_others(self):
        good = self.line()
        inactive_customer = self.line(project_id=self.old_shop.id)
        closed_books = self.line(date=date(2025, 12, 31))
        self.sandbox_settings(BookCloseDate="2025-12-31")
        # Intuit's common-errors page says the closing date cannot be read
        # through the API: QuickBooks then has the last word.
        real_preferences = QboClient.preferences

        def preferences_without_close_date(client):
            preferences = real_preferences(client)
            preferences["AccountingInfoPrefs"].pop("BookCloseDate", None)
            return preferences

        with patch.object(QboClient, "preferences", preferences_without_close_date):
            action = self.send(good | inactive_customer | closed_books)

        self.assertEqual(good.qbo_state, "sent")
        self.assertEqual(len(self.time_activities()), 1)
        self.assertEqual(inactive_customer.qbo_state, "error")
        self.assertIn("made inactive in QuickBooks", inactive_customer.qbo_last_error)
        self.assertEqual(closed_books.qbo_state, "error")
        self.assertIn("books are closed", closed_books.qbo_last_error)
        self.assertTrue(inactive_customer.qbo_intuit_tid and closed_books.qbo_intuit_tid)
        log = self.last_send_log()
        self.assertEqual((log.state, log.count_done, log.count_failed), ("partial", 1, 2))
        errors = log.line_ids.filtered(lambda detail: detail.level == "error")
        self.assertEqual(set(errors.mapped("qbo_code")), {"610", "6210"})
        self.assertTrue(all(errors.mapped("intuit_tid")))
        self.assertEqual(action["params"]["type"], "warning")

        # Once the books are reopened, the refused line goes with a new requestid:
        # the old one would replay the refusal.
        self.sandbox_settings(BookCloseDate=None)
        refused_request_id = closed_books.qbo_request_id
        self.send(closed_books)
        self.assertEqual(closed_books.qbo_state, "sent")
        self.assertNotEqual(closed_books.qbo_request_id, refused_request_id)
        self.assertEqual(len(self.time_activities()), 2)

    def test_closing_date_refuses_before_sending(self):
        line = self.line(date=date(2025, 12, 31))
        self.sandbox_settings(BookCloseDate="2025-12-31")
        self.send(line)
        # Refused before anything left, with the reason; still not sent.
        self.assertRecordValues(
            line, [{"qbo_state": "refused", "qbo_refusal_code": "books_closed"}]
        )
        self.assertFalse(line.qbo_sent)
        log = self.last_send_log()
        self.assertEqual((log.count_refused, log.line_ids.qbo_code), (1, "books_closed"))
        self.assertFalse(self.sandbox_stats()["creates"])

    def test_quickbooks_unreachable_sends_nothing(self):
        line = self.line()
        with patch.object(QboClient, "preferences", side_effect=QboAuthError()):
            action = self.send(line)
        self.assertEqual(line.qbo_state, "not_sent")
        log = self.last_send_log()
        self.assertEqual((log.state, log.count_remaining), ("failed", 1))
        self.assertIn("reconnect", log.summary)
        self.assertEqual(action["params"]["type"], "danger")

    # ------------------------------------------------------------------
    # Never twice: crashes and lost answers
    # ------------------------------------------------------------------
    def check_resend_after_crash(self):
        # Two identical lines: each must get its own time activity back.
        lines = self.line() | self.line() | self.line(employee_id=self.jordan.id)
        self.send_and_crash(lines)
        self.assertEqual(set(lines.mapped("qbo_state")), {"not_sent"})
        self.assertEqual(len(self.time_activities()), 3)
        attempts = self.env["qbo.send.attempt"].search([("line_id", "in", lines.ids)])
        request_ids = {attempt.line_id.id: attempt.request_id for attempt in attempts}
        self.assertEqual(len(request_ids), 3)

        self.send(lines)
        self.assertEqual(len(self.time_activities()), 3, "no second time activity")
        self.assertEqual(self.sandbox_stats()["creates"]["TimeActivity"], 3)
        self.assertEqual(set(lines.mapped("qbo_state")), {"sent"})
        self.assertEqual(
            set(lines.mapped("qbo_time_activity_id")),
            {activity["Id"] for activity in self.time_activities()},
        )
        for line in lines:
            self.assertEqual(line.qbo_request_id, request_ids[line.id])
        log = self.last_send_log()
        self.assertEqual(log.count_done, 3)
        self.assertEqual(len(log.line_ids.filtered(lambda d: "interrupted" in d.message)), 3)

    def test_resend_after_a_crash_with_requestid_replay(self):
        self.sandbox.configure(requestid_mode="replay")
        self.check_resend_after_crash()

    def test_resend_after_a_crash_without_requestid_replay(self):
        self.sandbox.configure(requestid_mode="ignore")
        self.check_resend_after_crash()

    def test_crash_before_the_request_left_resends_with_the_same_requestid(self):
        line = self.line()
        # Not assertRaises: Odoo's rolls back to a savepoint, and the journal
        # entry committed before the crash is what this test looks at.
        crashed = False
        with patch.object(QboClient, "batch", side_effect=WorkerCrash()):
            try:
                self.send(line)
            except WorkerCrash:
                crashed = True
        self.assertTrue(crashed)
        attempt = self.env["qbo.send.attempt"].search([("line_id", "=", line.id)])
        self.assertEqual(len(attempt), 1)
        self.assertFalse(self.time_activities())
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_request_id, attempt.request_id)
        self.assertEqual(len(self.time_activities()), 1)

    def test_replay_covers_a_search_that_misses_the_time_activities(self):
        # Should QuickBooks' search lag behind, the same batch sent again with the
        # same requestids is answered from QuickBooks' memory.
        self.sandbox.configure(requestid_mode="replay")
        lines = self.line() | self.line(unit_amount=1.0)
        self.send_and_crash(lines)
        sender_class = type(self.env["qbo.sender"])
        with patch.object(sender_class, "_qbo_find_time_activities", return_value={}):
            self.send(lines)
        self.assertEqual(self.sandbox_stats()["requestid_replays"], 1)
        self.assertEqual(len(self.time_activities()), 2)
        self.assertEqual(
            set(lines.mapped("qbo_time_activity_id")),
            {activity["Id"] for activity in self.time_activities()},
        )

    def test_lost_answer_is_checked_before_sending_again(self):
        line = self.line()
        with batch_then(QboTimeout()):
            action = self.send(line)
        self.assertEqual(line.qbo_state, "queued")
        self.assertIn("did not answer in time", line.qbo_last_error)
        self.assertEqual(self.last_send_log().count_failed, 1)
        self.assertEqual(action["params"]["type"], "danger")
        request_id = line.qbo_request_id

        # QuickBooks cannot be searched: the line waits rather than risk a double.
        with patch.object(
            QboClient, "time_activities_changed_since", side_effect=QboServerUnavailable()
        ):
            self.send(line)
        self.assertEqual(line.qbo_state, "queued")
        self.assertIn("could not be checked", self.last_send_log().line_ids.message)

        self.sandbox.configure(requestid_mode="ignore")
        self.send(line)
        self.assertEqual(line.qbo_state, "sent")
        self.assertEqual(line.qbo_request_id, request_id)
        self.assertEqual(line.qbo_time_activity_id, self.time_activities()[0]["Id"])
        self.assertEqual(len(self.time_activities()), 1)

    def test_line_edited_after_an_interrupted_send_is_found_and_marked_edited(self):
        line = self.line()
        self.send_and_crash(line)
        line.unit_amount = 3.0
        self.send(line)
        self.assertEqual(line.qbo_state, "edited")
        self.assertEqual(line.qbo_sent_duration, 2.0, "what QuickBooks holds")
        self.assertEqual(len(self.time_activities()), 1)

    # ------------------------------------------------------------------
    # Real transactions: two managers at once, and a real crash
    # ------------------------------------------------------------------
    def committed_fixture(self, line_count):
        """A company of its own with ``line_count`` lines, committed so that
        independent transactions see them; returns (company id, line ids)."""
        connection = self.connection.sudo()
        with db_connect(self.env.cr.dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": f"QBO send {uuid.uuid4().hex[:8]}"})
            env = env(context={"allowed_company_ids": [company.id]})
            env["qbo.connection"].create(
                {
                    "company_id": company.id,
                    "state": "connected",
                    "realm_id": REALM_A,
                    # The test's own grant: valid for the whole test.
                    "access_token": connection.access_token,
                    "access_token_expires_at": connection.access_token_expires_at,
                    "refresh_token": connection.refresh_token,
                }
            )
            with qbo_trusted():  # linked as a resync would link them
                employee = env["hr.employee"].create(
                    {
                        "name": "Emily Platt",
                        "company_id": company.id,
                        "qbo_id": EMILY_ID,
                        "qbo_kind": "Employee",
                        "qbo_realm_id": REALM_A,
                    }
                )
                project = env["project.project"].create(
                    {
                        "name": "Website",
                        "company_id": company.id,
                        "qbo_customer_id": WEBSITE_ID,
                        "qbo_realm_id": REALM_A,
                        "qbo_hourly_rate": 100.0,
                    }
                )
            lines = env["account.analytic.line"].create(
                [
                    {
                        "name": f"Line {number}",
                        "project_id": project.id,
                        "employee_id": employee.id,
                        "date": date(2026, 3, 1) + timedelta(days=number),
                        "unit_amount": 1.0,
                    }
                    for number in range(line_count)
                ]
            )
            cr.commit()  # pylint: disable=unknown-option-value,invalid-commit
            return company.id, lines.ids

    def drop_committed_fixture(self, company_id, line_ids):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute("DELETE FROM account_analytic_line WHERE id = ANY(%s)", [line_ids])
            cr.execute("DELETE FROM qbo_sync_log WHERE company_id = %s", [company_id])
            cr.execute("DELETE FROM qbo_connection WHERE company_id = %s", [company_id])
            cr.commit()  # pylint: disable=unknown-option-value,invalid-commit

    def committed_state(self, line_ids):
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                "SELECT id, qbo_state, qbo_time_activity_id FROM account_analytic_line"
                " WHERE id = ANY(%s)",
                [line_ids],
            )
            lines = {row[0]: row[1:] for row in cr.fetchall()}
            cr.execute("SELECT count(*) FROM qbo_send_attempt WHERE line_id = ANY(%s)", [line_ids])
            return lines, cr.fetchone()[0]

    def independent_sending(self):
        """Patches so that code running in other threads, on real cursors,
        writes its journal in real transactions and finds the sandbox."""
        db_name = self.env.cr.dbname
        environment = get_environment("custom", base_url=self.sandbox.url)
        sender_class = type(self.env["qbo.sender"])
        connection_class = type(self.env["qbo.connection"])
        return (
            patch.object(
                sender_class, "_qbo_journal_cursor", lambda _: db_connect(db_name).cursor()
            ),
            patch.object(connection_class, "_qbo_environment", lambda _: environment),
        )

    def run_workers(self, *targets):
        errors = []

        def guarded(target):
            try:
                target()
            except Exception as error:  # reported by the caller
                errors.append(error)

        threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse([thread for thread in threads if thread.is_alive()], "workers hang")
        return errors

    def test_two_managers_sending_overlapping_selections_at_once(self):
        # QuickBooks answers slowly, so both sends are under way at the same time.
        self.sandbox.configure(batch_latency_ms=300)
        company_id, line_ids = self.committed_fixture(12)
        db_name = self.env.cr.dbname
        barrier = threading.Barrier(2)

        def manager_sends(selection):
            def send():
                with db_connect(db_name).cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
                    barrier.wait(timeout=10)
                    # As an HTTP request does: retried on serialization failures.
                    retrying(
                        lambda: env["account.analytic.line"].browse(selection)._qbo_send(), env
                    )

            return send

        journal_patch, environment_patch = self.independent_sending()
        try:
            with journal_patch, environment_patch:
                errors = self.run_workers(manager_sends(line_ids[:8]), manager_sends(line_ids[4:]))
            self.assertFalse(errors)
            lines, _attempts = self.committed_state(line_ids)
            self.assertEqual({state for state, _id in lines.values()}, {"sent"})
            activities = self.time_activities()
            self.assertEqual(len(activities), 12, "one time activity per line")
            self.assertEqual(
                {activity_id for _state, activity_id in lines.values()},
                {activity["Id"] for activity in activities},
            )
            with db_connect(db_name).cursor() as cr:
                cr.execute(
                    "SELECT sum(count_done), coalesce(sum(count_refused), 0), sum(count_skipped)"
                    " FROM qbo_sync_log WHERE company_id = %s",
                    [company_id],
                )
                # The second send finds them sent: skipped, not refused.
                self.assertEqual(cr.fetchone(), (12, 0, 4), "the 4 shared lines go once")
        finally:
            self.drop_committed_fixture(company_id, line_ids)

    def test_journal_survives_a_real_rollback(self):
        self.sandbox.configure(requestid_mode="ignore")
        company_id, line_ids = self.committed_fixture(3)
        db_name = self.env.cr.dbname

        def send(crash):
            with db_connect(db_name).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
                lines = env["account.analytic.line"].browse(line_ids)
                if crash:
                    with batch_then(WorkerCrash()):
                        lines._qbo_send()
                else:
                    retrying(lines._qbo_send, env)

        journal_patch, environment_patch = self.independent_sending()
        try:
            with journal_patch, environment_patch:
                errors = self.run_workers(lambda: send(crash=True))
                self.assertEqual([type(error) for error in errors], [WorkerCrash])
                lines, attempts = self.committed_state(line_ids)
                self.assertEqual({state for state, _id in lines.values()}, {"not_sent"})
                self.assertEqual(attempts, 3, "committed before the request left")
                self.assertEqual(len(self.time_activities()), 3)

                self.assertFalse(self.run_workers(lambda: send(crash=False)))
            lines, _attempts = self.committed_state(line_ids)
            self.assertEqual({state for state, _id in lines.values()}, {"sent"})
            self.assertEqual(len(self.time_activities()), 3, "no second time activity")
        finally:
            self.drop_committed_fixture(company_id, line_ids)


@tagged("post_install", "-at_install")
class TestSendTour(QboHttpCase):
    """The manager's path, in a real browser."""

    def test_send_tour(self):
        self.sandbox.reset(seed=send_seed())
        callback = dict(parse_qsl(self._authorize()))
        self.connection._qbo_finish_connect(callback["code"], callback["realmId"])
        emily = self.env["hr.employee"].create({"name": "Emily Platt"})
        qbo_write(emily, {"qbo_id": EMILY_ID, "qbo_kind": "Employee", "qbo_realm_id": REALM_A})
        nora = self.env["hr.employee"].create({"name": "Nora Quinn"})
        website = self.env["project.project"].create({"name": "Website", "qbo_hourly_rate": 120.0})
        qbo_write(website, {"qbo_customer_id": WEBSITE_ID, "qbo_realm_id": REALM_A})
        today = fields.Date.context_today(website)
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": name,
                    "employee_id": employee.id,
                    "unit_amount": hours,
                    "project_id": website.id,
                    "date": today,
                }
                for name, employee, hours in (
                    ("Design review", emily, 2.0),
                    ("Design review", emily, 1.0),
                    ("Workshop", nora, 3.0),
                )
            ]
        )

        # Sent before: the "Not sent" filter hides it, which tells the tour
        # the filtered list from the whole one.
        kickoff = self.env["account.analytic.line"].create(
            {
                "name": "Kickoff call",
                "employee_id": emily.id,
                "unit_amount": 1.0,
                "project_id": website.id,
                "date": today,
            }
        )
        qbo_write(
            kickoff,
            {"qbo_state": "sent", "qbo_time_activity_id": "9001", "qbo_realm_id": REALM_A},
        )

        self.start_tour("/odoo/all-timesheets", "qbo_send_tour", login="admin")

        # The line refused by the preview and the send shows it (and is still not sent).
        self.assertEqual(lines.mapped("qbo_state"), ["sent", "sent", "refused"])
        self.assertFalse(lines[2].qbo_sent)
        self.assertEqual(len(self.sandbox.state.records(REALM_A, "TimeActivity")), 2)
