# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""How a timesheet line gets to QuickBooks, read from top to bottom.

1. :meth:`QboSender._qbo_send`: the lines a manager confirmed, per company;
   a large selection goes to the background queue (``qbo_send_queue.py``),
   whose runs take the same steps chunk by chunk, the next chunk taken while
   the requests of the previous ones are in flight
   (``qbo_send_queue_pipeline.py``).
2. :meth:`QboSender._qbo_send_company`: one sync log, one sender per
   QuickBooks company (the realm lock), every line locked before anything
   leaves, then chunk after chunk.
3. :meth:`QboSender._qbo_send_chunk`: the plan of each line (refused, or the
   time activity to create, see ``account.analytic.line._qbo_plans``), in
   :meth:`QboSender._qbo_take_chunk`.
4. :meth:`QboSender._qbo_deliver`: the journal committed before the request
   leaves (:meth:`QboSender._qbo_delivery_items`), then the batch requests,
   the answers of the requests that answered together recorded on their
   lines at once (:meth:`QboSender._qbo_record_answers`).
5. Interrupted attempts found in the journal are first looked for in
   QuickBooks (``qbo_sender_recovery.py``), so nothing is sent twice after
   a crash.
"""

import uuid
from collections import Counter

from odoo import api, fields, models
from odoo.sql_db import TestCursor
from odoo.tools import SQL, split_every

from ..qbo import BatchItem, QboError
from ..qbo.delivery import MAX_IN_FLIGHT, deliver_requests_as_completed
from ..qbo.optional_fields import explain_optional_field
from ..qbo.text import Money, _lt, counted, joined, render
from ..qbo.timesheet_rules import format_duration
from ..tools.bulk import insert_rows

# Lines locked and sent together: ten batch requests of 30.
SEND_CHUNK_SIZE = 300
# First key of the realm advisory locks (the second one is the realm's hash),
# so they cannot collide with the locks of other modules.
REALM_LOCK_NAMESPACE = 0x0B05
CLOSE_WIZARD = {"type": "ir.actions.act_window_close"}


class QboSender(models.AbstractModel):
    """Sends timesheet lines to QuickBooks as time activities: once, and only
    once, even after a crash or when two managers send at the same moment."""

    _name = "qbo.sender"
    _description = "QuickBooks sender of timesheets"

    @api.model
    def _qbo_send(self, lines):
        """Send ``lines`` (of any company) and say how it went. A company's
        selection larger than its background threshold is queued for the
        background sender instead."""
        lines._qbo_check_send_access()
        queue = self.env["qbo.send.queue"]
        queue._qbo_wake_sender()
        logs = queued_logs = self.env["qbo.sync.log"]
        totals = Counter(done=0, refused=0, skipped=0, failed=0, remaining=0)
        for company, company_lines in lines._qbo_by_company().items():
            if len(company_lines) > company.sudo().qbo_background_threshold:
                queued_logs |= queue._qbo_queue(company_lines, company)
                continue
            log, counts = self._qbo_send_company(company_lines, company)
            logs |= log
            totals.update(counts)
        if queued_logs and not logs:
            return queue._qbo_queued_notification(queued_logs)
        notification = self._qbo_send_notification(logs | queued_logs, totals)
        if queued_logs:
            notification["params"]["message"] = (
                render(
                    counted(
                        sum(queued_logs.mapped("count_remaining")),
                        _lt("%(count)s line was queued and is being sent in the background."),
                        _lt("%(count)s lines were queued and are being sent in the background."),
                    ),
                    self.env._,
                )
                + " "
                + notification["params"]["message"]
            )
        return notification

    @api.model
    def _qbo_send_company(self, lines, company):
        """Send ``lines`` of ``company`` chunk by chunk, in one sync log;
        returns (log, counts)."""
        log = self.env["qbo.sync.log"]._record(
            company,
            "send",
            _lt("Send timesheets"),
            counted(
                len(lines),
                _lt("Sending %(count)s timesheet line."),
                _lt("Sending %(count)s timesheet lines."),
            ),
            state="running",
            realm_id=company._qbo_connection().realm_id,
        )
        counts = Counter(done=0, refused=0, skipped=0, failed=0)
        failure = send_context = None
        try:
            # One sender per QuickBooks company: wait for a background run to
            # finish its chunk rather than exceed the company's limits together.
            self._qbo_lock_realm(company, wait=True)
            send_context = lines._qbo_send_context(company)
            # Lock every line before the first request leaves, so that a
            # serialization failure (and Odoo's retry) comes before anything
            # was sent rather than between two chunks.
            self._qbo_lock_lines(lines)
            for line_ids in split_every(SEND_CHUNK_SIZE, lines.ids):
                counts.update(self._qbo_send_chunk(lines.browse(line_ids), log, send_context))
        except QboError as error:
            failure = error
            log._add_lines([log._qbo_error_detail(error)])
        counts["remaining"] = len(lines) - sum(
            counts[outcome] for outcome in ("done", "refused", "skipped", "failed")
        )
        log._qbo_add_metered_calls(send_context and send_context.client)
        log._qbo_close(counts, reason=failure)
        return log, counts

    @api.model
    def _qbo_lock_realm(self, company, wait=False):
        """Take the lock of ``company``'s QuickBooks company until the end of
        the transaction: one sender per QuickBooks company, across workers and
        servers, so that two never send the same lines (the rate limits are
        kept by the company's rate window, shared by every process:
        ``qbo.rate.window``). Returns whether it was taken; with ``wait``,
        waits for it."""
        return self._qbo_lock_realm_key(self.env.cr, self._qbo_realm_key(company), wait)

    @api.model
    def _qbo_realm_key(self, company):
        """The name of ``company``'s QuickBooks company lock."""
        return company.sudo()._qbo_connection().realm_id or f"company-{company.id}"

    @api.model
    def _qbo_lock_realm_key(self, cr, realm_key, wait=False):
        """:meth:`_qbo_lock_realm` by the lock's name, in ``cr``."""
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        cr.execute(
            SQL(
                "SELECT %s(%s, hashtext(%s))",
                SQL.identifier(function),
                REALM_LOCK_NAMESPACE,
                realm_key,
            )
        )
        return wait or cr.fetchone()[0]

    @api.model
    def _qbo_realm_wanted(self, company):
        """Whether a transaction waits for ``company``'s QuickBooks company
        lock (a manager's send, see :meth:`_qbo_send_company`)."""
        # PostgreSQL shows the two keys of an advisory lock as classid and
        # objid (unsigned), objsubid 2.
        self.env.cr.execute(
            """
            SELECT EXISTS (
                SELECT FROM pg_locks
                 WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
                   AND classid = %s AND objid = (hashtext(%s)::bigint & 4294967295)::oid
            )
            """,
            [REALM_LOCK_NAMESPACE, self._qbo_realm_key(company)],
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _qbo_lock_lines(self, lines):
        """Lock ``lines`` until the end of the transaction; return those
        locked, leaving out the lines another transaction holds (it is
        sending them). ``NO KEY UPDATE`` still lets the journal refer to them.

        A line changed by a transaction committed since this one started
        raises a serialization failure: Odoo then retries the whole request,
        before anything was sent.
        """
        if not lines:
            return lines
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(lines._table),
                tuple(lines.ids),
            ),
            log_exceptions=False,  # the serialization failure above is expected
        )
        locked_ids = {row[0] for row in self.env.cr.fetchall()}
        locked = lines.filtered(lambda line: line.id in locked_ids)
        # Read what the lines hold now that no one else can change them.
        locked.invalidate_recordset()
        return locked

    @api.model
    def _qbo_send_chunk(self, lines, log, send_context=None):
        """Send ``lines``, all of one company, each at most once.

        The unit of work of a send: the background sender calls it for each
        chunk of its queue (with the queue's ``log``) and commits between
        chunks. The lines stay locked by the current transaction until it
        ends, so a concurrent send skips them. Returns the counts
        ``{"done", "refused", "skipped", "failed"}`` and adds the details to
        ``log``: a line already sent and unchanged is skipped, not refused,
        and needs no detail.
        """
        company = lines.company_id
        company.ensure_one()
        send_context = send_context or lines._qbo_send_context(company)
        counts, details, to_send = self._qbo_take_chunk(lines, log, send_context)
        if to_send:
            self._qbo_deliver(to_send, send_context, counts, details)
        log._add_lines(details)
        return counts

    @api.model
    def _qbo_take_chunk(self, lines, log, send_context):
        """What comes before sending ``lines`` (see :meth:`_qbo_send_chunk`):
        they are locked, their plans made, the refused ones noted and the
        queued ones taken from another background send; returns (counts,
        details, the plans to send)."""
        counts = Counter(done=0, refused=0, skipped=0, failed=0)
        locked = self._qbo_lock_lines(lines)
        details = [
            {
                "level": "warning",
                "message": _lt("Another user is sending this line to QuickBooks right now."),
                "record": line,
            }
            for line in lines - locked
        ]
        counts["refused"] += len(lines) - len(locked)
        # Lines this send takes from a background send still under way.
        taken = locked.filtered(
            lambda line: (
                line.qbo_state == "queued"
                and line.qbo_queue_log_id
                and line.qbo_queue_log_id != log
            )
        )
        to_send = []
        plans = locked._qbo_plans(send_context)
        for plan in plans:
            if not plan.refusal:
                to_send.append(plan)
                continue
            if plan.refusal.skipped:
                counts["skipped"] += 1
                continue
            counts["refused"] += 1
            details.append(log._qbo_refusal_detail(plan.refusal, plan.line))
        # A refused line shows why. A queued line that may not be sent leaves
        # the queue so, or the background sender would take it up again and again.
        locked._qbo_note_refusals(plans)
        self.env["qbo.send.queue"]._qbo_release(taken, log)
        return counts, details, to_send

    def _qbo_journal_cursor(self):
        """Cursor of the send journal: its own transaction, committed before
        a request leaves (tests of concurrency replace it)."""
        return self.env.registry.cursor()

    @api.model
    def _qbo_deliver(self, plans, send_context, counts, details):
        """Create the time activities of ``plans`` in QuickBooks, and update
        those of edited lines (``qbo_sender_update.py``)."""
        items = self._qbo_delivery_items(plans, send_context, counts, details)
        # The answers of each request are recorded as they come, while the
        # next requests are in flight.
        answers = deliver_requests_as_completed(
            send_context.client, items, self._qbo_max_in_flight()
        )
        for results in answers:
            self._qbo_record_answers(results, send_context, counts, details)

    @api.model
    def _qbo_delivery_items(self, plans, send_context, counts, details):
        """The requests that create the time activities of ``plans``
        (:class:`BatchItem`, keyed by their plan), journaled: the updates of
        edited lines are sent first, and the interrupted attempts looked for
        in QuickBooks, recorded on ``counts`` and ``details``."""
        updates = [plan for plan in plans if plan.operation == "update"]
        if updates:
            self._qbo_deliver_updates(updates, send_context, counts, details)
            plans = [plan for plan in plans if plan.operation == "create"]
        realm_id = send_context.realm_id
        pending = self._qbo_pending_attempts(plans, realm_id)
        if pending:
            plans = self._qbo_settle_pending(plans, pending, send_context, counts, details)
        if not plans:
            return []
        request_ids = {
            plan.line.id: pending[plan.line.id].request_id
            if plan.line.id in pending
            else uuid.uuid4().hex
            for plan in plans
        }
        # Committed before the request leaves, so that if this transaction
        # dies the next send knows to look in QuickBooks and reuses the ids.
        # The journal is only ever inserted into (qbo.send.attempt): its
        # rows in one query.
        attempted_at = fields.Datetime.now()
        with self._qbo_journal_cursor() as cr:
            insert_rows(
                self.env(cr=cr, su=True)["qbo.send.attempt"],
                [
                    {
                        "line_id": plan.line.id,
                        "realm_id": realm_id,
                        "request_id": request_ids[plan.line.id],
                        "operation": "create",
                        "payload": plan.payload,
                        "attempted_at": attempted_at,
                    }
                    for plan in plans
                ],
            )
        return [
            BatchItem("create", "TimeActivity", plan.payload, request_ids[plan.line.id], key=plan)
            for plan in plans
        ]

    @api.model
    def _qbo_record_answers(self, results, send_context, counts, details, made=None):
        """Record on its line each of ``results`` (:class:`BatchResult` of the
        items of :meth:`_qbo_delivery_items`, those of the requests that
        answered together): the time activities made in one query, then the
        details added in the order of ``results``. With ``made`` (a list),
        the time activities made are added to it instead, for
        :meth:`_qbo_record_made` before the transaction commits (the
        background sender writes a chunk's in one query)."""
        sent_at = fields.Datetime.now()
        answers = [
            (plan.line, result.data, plan.payload, result.item.request_id, sent_at)
            for result, plan in ((result, result.item.key) for result in results)
            if result.ok
        ]
        if made is None:
            self._qbo_record_made(answers, send_context)
        else:
            made.extend(answers)
        for result in results:
            plan = result.item.key
            if result.ok:
                counts["done"] += 1
                details.append(self._qbo_sent_detail(plan, activity_id=str(result.data["Id"])))
                continue
            # A refusal of a field sent by choice says which, and what to change.
            error = explain_optional_field(result.error, plan.payload)
            plan.line._qbo_mark_failed(error, result.item.request_id)
            counts["failed"] += 1
            details.append(self.env["qbo.sync.log"]._qbo_error_detail(error, plan.line))

    @api.model
    def _qbo_record_made(self, made, send_context):
        """Record the time activities ``made`` ((line, activity, payload,
        request id, when it came) each) on their lines, in one query."""
        if not made:
            return
        # Read with the lines of their chunk (its currency, in one query).
        lines = (
            self.env["account.analytic.line"]
            .browse([line.id for line, *_answer in made])
            .with_prefetch(made[0][0]._prefetch_ids)
        )
        lines._qbo_mark_sent_each([answer for _line, *answer in made], send_context.realm_id)

    @api.model
    def _qbo_max_in_flight(self):
        """Requests sent at once for one delivery. Only HTTP happens in the
        extra threads; the answers are recorded here, in this one. Within a
        test's HTTP request (a test cursor, whose lock that request holds),
        the rate window could not be read from another thread; within a
        test's own transaction, the rate window's cursors would share its
        connection with this thread, which writes the answers meanwhile: one
        at a time."""
        cr = self.env.cr
        if isinstance(cr, TestCursor) or cr is self.env.registry.test_cr:
            return 1
        return MAX_IN_FLIGHT

    # ------------------------------------------------------------------
    # Telling the user
    # ------------------------------------------------------------------
    @api.model
    def _qbo_sent_detail(self, plan, activity_id=None):
        """The detail of a line sent as time activity ``activity_id`` (by
        default, the one recorded on the line)."""
        message = _lt(
            "Sent as time activity %(id)s: %(duration)s.",
            id=activity_id or plan.line.qbo_time_activity_id,
            duration=format_duration(plan.minutes),
        )
        if plan.details.cost_rate:
            # The sync log keeps the cost sent (job costing), in the company's currency.
            currency = plan.line.sudo().company_id.currency_id.name
            message = joined(
                message,
                _lt(
                    "Cost sent: %(cost_rate)s an hour (%(cost)s in all).",
                    cost_rate=Money(plan.details.cost_rate, currency),
                    cost=Money(plan.cost, currency),
                ),
            )
        if plan.details.class_withheld_qbo_id:
            # Intuit: ClassRef needs ClassTrackingPerTxn (docs/ASSUMPTIONS.md#classref-per-line).
            message = joined(
                message,
                _lt(
                    "The class was not sent: QuickBooks takes a class on time only when the "
                    "company assigns classes to each transaction, and this one assigns them to "
                    "each line "
                    "(QuickBooks: Account and settings > Advanced > Track classes)."
                ),
            )
        if plan.description_truncated:
            message = joined(
                message, _lt("The description was cut to the 4000 characters QuickBooks keeps.")
            )
        return {"level": "info", "message": message, "record": plan.line}

    @api.model
    def _qbo_send_notification(self, logs, counts):
        summary, level = logs._qbo_outcome(counts)
        return logs._qbo_notification(render(summary, self.env._), level, next_action=CLOSE_WIZARD)
