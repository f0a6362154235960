# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Real-time mode: a connection made again wakes the real-time sender up
(``qbo_send_queue_realtime.py``)."""

from odoo import models

from .qbo_send_queue_realtime import REALTIME_CRON


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    def _qbo_finish_connect(self, code, realm_id):
        """Once connected again, catch up at once what waited meanwhile:
        wake the real-time mode and the background sender."""
        summary = super()._qbo_finish_connect(code, realm_id)
        if self.sudo().company_id.qbo_send_when_sendable:
            self.env.ref(REALTIME_CRON).sudo()._trigger()
        self.env["qbo.send.queue"]._qbo_wake_sender()
        return summary
