# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Attempts younger than this may belong to a send still running.
KEEP_RECENT_ATTEMPTS = timedelta(days=1)


class QboSendAttempt(models.Model):
    """Journal of the time activities on their way to QuickBooks.

    A row is committed, in its own transaction, before the request that
    creates the time activity leaves, while the line itself stays locked by the
    sending transaction until the answer is recorded. So when that transaction
    dies (crash, timeout, worker killed), the row survives and tells the next
    send to look in QuickBooks first and to reuse the same ``requestid``.

    Rows are only ever inserted: the sending transaction cannot see (nor
    change) rows committed after it started. An attempt is settled once the
    line records its ``qbo_request_id`` with a known outcome (sent or refused);
    settled rows are removed by the autovacuum.
    """

    _name = "qbo.send.attempt"
    _description = "QuickBooks send attempt"
    _order = "id desc"
    _log_access = False

    line_id = fields.Many2one(
        "account.analytic.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    realm_id = fields.Char(required=True, readonly=True)
    request_id = fields.Char(required=True, readonly=True)
    operation = fields.Selection(
        [("create", "Create"), ("update", "Update")],
        required=True,
        readonly=True,
        default="create",
    )
    payload = fields.Json(required=True, readonly=True)
    attempted_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    @api.model
    def _latest_by_line(self, line_ids, realm_id):
        """{line id: latest attempt} of ``line_ids`` in QuickBooks company ``realm_id``."""
        attempts = self.search(
            [("line_id", "in", list(line_ids)), ("realm_id", "=", realm_id)], order="id desc"
        )
        latest = {}
        for attempt in attempts:
            latest.setdefault(attempt.line_id.id, attempt)
        return latest

    @api.autovacuum
    def _gc_settled_attempts(self):
        """Forget attempts that are settled or superseded by a later one."""
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM qbo_send_attempt attempt
                 USING account_analytic_line line
                 WHERE attempt.line_id = line.id
                   AND attempt.attempted_at < %(before)s
                   AND (
                        (line.qbo_request_id = attempt.request_id
                         AND line.qbo_state IN ('sent', 'edited', 'conflict', 'changed',
                                                'deleted', 'error'))
                        OR EXISTS (SELECT 1 FROM qbo_send_attempt later
                                    WHERE later.line_id = attempt.line_id
                                      AND later.id > attempt.id)
                   )
                """,
                before=fields.Datetime.now() - KEEP_RECENT_ATTEMPTS,
            )
        )
