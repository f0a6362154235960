# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A line a QuickBooks manager keeps out of QuickBooks (set from Failures to
fix, models/qbo_failure_group.py): every preview and send refuses it."""

from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    # QuickBooks state (qbo.state.guard): written by action_qbo_skip only.
    qbo_skip = fields.Boolean(
        string="Not to send to QuickBooks",
        readonly=True,
        copy=False,
        help="A QuickBooks manager marked the line as not to send: it is never sent.",
    )

    def action_qbo_unskip(self):
        """Let these lines be sent again: the next preview or send judges them."""
        self._qbo_check_send_access()
        self.filtered("qbo_skip")._qbo_write_state(
            {
                "qbo_skip": False,
                "qbo_state": "not_sent",
                "qbo_refusal_code": False,
                "qbo_last_error": False,
            }
        )
        return True
