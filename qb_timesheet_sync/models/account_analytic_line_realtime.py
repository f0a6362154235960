# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real-time mode: saving a line wakes the real-time sender up
(``qbo_send_queue_realtime.py``)."""

from odoo import api, models

from .qbo_send_queue_realtime import REALTIME_CRON


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._qbo_wake_realtime()
        return lines

    def write(self, vals):
        result = super().write(vals)
        # The addon's own state writes (qbo_ fields) do not wake it up.
        if any(not name.startswith("qbo_") for name in vals):
            self._qbo_wake_realtime()
        return result

    def _qbo_wake_realtime(self):
        """Wake the real-time sender once per transaction, if a company of
        these lines is in real-time mode."""
        data = self.env.cr.precommit.data
        if data.get("qbo_realtime_woken") or not self:
            return
        if not any(self.sudo().company_id.mapped("qbo_send_when_sendable")):
            return
        data["qbo_realtime_woken"] = True
        self.env.ref(REALTIME_CRON).sudo()._trigger()
