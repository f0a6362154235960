# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The answers of a batch request recorded at once (one query for its lines,
``_qbo_write_states``): each line records what the ORM's ``write()`` would
have, a refused item among them included, and the sync log says it in the
order of the answers."""

from datetime import date, datetime

from odoo import fields
from odoo.tests import tagged

from ..qbo import QboValidationError
from ..qbo.text import _lt
from .common_send import REALM_A, QboSendCase, qbo_write

# The QuickBooks state a send writes, compared between the two ways of writing it.
STATE_FIELDS = [
    "qbo_state",
    "qbo_time_activity_id",
    "qbo_sync_token",
    "qbo_realm_id",
    "qbo_sent_at",
    "qbo_sent_by_id",
    "qbo_sent_duration",
    "qbo_sent_rate",
    "qbo_sent_payload",
    "qbo_conflict_payload",
    "qbo_last_error",
    "qbo_last_error_data",
    "qbo_refusal_code",
    "qbo_intuit_tid",
    "qbo_request_id",
    "qbo_status",
    "qbo_sent",
    "qbo_reason",
]


@tagged("post_install", "-at_install")
class TestSendRecording(QboSendCase):
    def journal(self, line):
        """The last attempt of ``line`` in the send journal."""
        return self.env["qbo.send.attempt"].search([("line_id", "=", line.id)], limit=1)

    def test_a_batch_request_with_one_refused_item_records_each_answer(self):
        first = self.line()
        refused = self.line(project_id=self.old_shop.id, name="Old shop")
        second = self.line(employee_id=self.jordan.id, unit_amount=1.25, name="Logo")
        third = self.line(date=date(2026, 3, 3), unit_amount=0.5, name="Call")
        lines = first | refused | second | third
        batches_before = self.sandbox_stats()["requests"].get("batch", 0)
        self.send(lines)
        # One batch request carried the four lines.
        self.assertEqual(self.sandbox_stats()["requests"]["batch"] - batches_before, 1)

        activities = {activity["Id"]: activity for activity in self.time_activities()}
        self.assertEqual(len(activities), 3, "each line sent once, the refused one not")
        for line, duration in ((first, 2.0), (second, 1.25), (third, 0.5)):
            attempt = self.journal(line)
            activity = activities[line.qbo_time_activity_id]
            self.assertRecordValues(
                line,
                [
                    {
                        "qbo_state": "sent",
                        "qbo_status": "sent",
                        "qbo_sent": True,
                        "qbo_sync_token": activity["SyncToken"],
                        "qbo_realm_id": REALM_A,
                        "qbo_sent_by_id": self.env.user.id,
                        "qbo_sent_duration": duration,
                        "qbo_sent_rate": 120.0,
                        "qbo_conflict_payload": False,
                        "qbo_last_error": False,
                        "qbo_last_error_data": False,
                        "qbo_refusal_code": False,
                        "qbo_intuit_tid": False,
                        # The requestid journaled before the request left.
                        "qbo_request_id": attempt.request_id,
                        "write_uid": self.env.user.id,
                    }
                ],
            )
            self.assertEqual(line.qbo_sent_payload, attempt.payload)
            self.assertEqual(activity["Description"], line.name)
            self.assertTrue(line.qbo_sent_at)
        self.assertEqual(len(set(lines.mapped("qbo_request_id"))), 4)
        self.assertRecordValues(
            refused,
            [
                {
                    "qbo_state": "error",
                    "qbo_sent": False,
                    "qbo_time_activity_id": False,
                    "qbo_request_id": self.journal(refused).request_id,
                }
            ],
        )
        self.assertIn("made inactive in QuickBooks", refused.qbo_last_error)
        self.assertTrue(refused.qbo_intuit_tid)

        log = self.last_send_log()
        self.assertRecordValues(
            log, [{"state": "partial", "count_done": 3, "count_failed": 1, "count_refused": 0}]
        )
        # One detail a line, in the order of the answers (that of the items
        # sent, as journaled), each sent one naming its time activity.
        details = log.line_ids.sorted("id")
        sent_order = sorted(lines, key=lambda line: self.journal(line).id)
        self.assertEqual(
            [(detail.timesheet_id, detail.level) for detail in details],
            [(line, "error" if line == refused else "info") for line in sent_order],
        )
        for detail in details.filtered(lambda detail: detail.level == "info"):
            self.assertIn(
                f"Sent as time activity {detail.timesheet_id.qbo_time_activity_id}:",
                detail.message,
            )

    def test_the_lines_of_a_batch_record_what_a_write_would(self):
        by_write, at_once, other = self.line(), self.line(), self.line(unit_amount=1.0)
        sent_at = datetime(2026, 3, 2, 9, 30)

        def answer(activity_id, request_id):
            return {
                "qbo_state": "sent",
                "qbo_time_activity_id": activity_id,
                "qbo_sync_token": "0",
                "qbo_realm_id": REALM_A,
                "qbo_sent_at": sent_at,
                "qbo_sent_by_id": self.env.uid,
                "qbo_sent_duration": 2.0,
                "qbo_sent_rate": 120.123,  # rounded to the company's currency
                "qbo_sent_payload": {"Hours": 2, "Minutes": 0, "HourlyRate": 120.123},
                "qbo_conflict_payload": False,
                "qbo_last_error": False,
                "qbo_refusal_code": False,
                "qbo_intuit_tid": False,
                "qbo_request_id": request_id,
            }

        by_write._qbo_write_state(answer("501", "r1"))
        (at_once | other)._qbo_write_states([answer("501", "r1"), answer("502", "r2")])
        # Read in the same transaction (the cache knows), then from the database.
        for _source in ("cache", "database"):
            expected = by_write.read(STATE_FIELDS)[0]
            del expected["id"]
            written = at_once.read(STATE_FIELDS)[0]
            del written["id"]
            self.assertEqual(written, expected)
            self.assertEqual(at_once.qbo_sent_rate, 120.12)
            self.assertEqual((other.qbo_time_activity_id, other.qbo_request_id), ("502", "r2"))
            self.env.flush_all()
            self.env.invalidate_all()

    def test_a_refusal_recorded_with_others_keeps_its_sentence(self):
        sent, failed = self.line(), self.line()
        error = QboValidationError(
            _lt("The customer %(name)s was made inactive in QuickBooks.", name="Old Shop"),
            code="610",
        )
        (sent | failed)._qbo_write_states(
            [
                {"qbo_state": "sent", "qbo_time_activity_id": "601"},
                {"qbo_state": "error", "qbo_last_error": error, "qbo_intuit_tid": "tid-1"},
            ]
        )
        by_write = self.line()
        by_write._qbo_write_state(
            {"qbo_state": "error", "qbo_last_error": error, "qbo_intuit_tid": "tid-1"}
        )
        names = ["qbo_state", "qbo_last_error", "qbo_last_error_data", "qbo_reason"]
        self.assertEqual(
            {name: failed[name] for name in names}, {name: by_write[name] for name in names}
        )
        self.assertTrue(failed.qbo_last_error_data, "the sentence is kept")
        self.assertRecordValues(sent, [{"qbo_state": "sent", "qbo_time_activity_id": "601"}])

    def test_a_value_waiting_in_the_cache_does_not_overwrite_the_answer(self):
        line = self.line()
        qbo_write(line, {"qbo_last_error": "Not sent yet", "qbo_state": "error"})
        line._qbo_mark_sent_each([({"Id": "701", "SyncToken": "0"}, {"Hours": 2}, "r7")], REALM_A)
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertRecordValues(
            line,
            [{"qbo_state": "sent", "qbo_last_error": False, "qbo_time_activity_id": "701"}],
        )

    def test_only_quickbooks_state_is_written_at_once_and_nothing_when_refused(self):
        first, second = self.line(), self.line()
        # A field of core's timesheets goes through write() and its rules.
        with self.assertRaises(AssertionError):
            (first | second)._qbo_write_states([{"qbo_state": "sent"}, {"unit_amount": 3.0}])
        # A state that does not exist is refused before anything is written.
        with self.assertRaises(ValueError):
            (first | second)._qbo_write_states([{"qbo_state": "sent"}, {"qbo_state": "lost"}])
        self.env.invalidate_all()
        self.assertEqual((first | second).mapped("qbo_state"), ["not_sent", "not_sent"])
        self.assertEqual((first | second).mapped("unit_amount"), [2.0, 2.0])
        self.assertFalse(fields.Datetime.to_datetime(first.qbo_sent_at))
