# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The send crons moved from account.analytic.line to qbo.send.queue; their
records are ``noupdate``, so an upgrade does not follow the data file."""

from odoo import SUPERUSER_ID, api

CRONS = ("qb_timesheet_sync.ir_cron_qbo_send_queued", "qb_timesheet_sync.ir_cron_qbo_auto_send")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    model = env["ir.model"]._get("qbo.send.queue")
    for xmlid in CRONS:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron and cron.model_id != model:
            cron.model_id = model
