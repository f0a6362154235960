# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending lanes: the send cron became the first of four identical lanes
(models/qbo_send_queue.py). The upgrade creates the three new ones from the
data file (a ``noupdate`` record that is missing is created); the first
keeps its record, whose name an upgrade does not follow: it is renamed here,
unless someone renamed it."""

from odoo import SUPERUSER_ID, api

FIRST_LANE = "qb_timesheet_sync.ir_cron_qbo_send_queued"
OLD_NAME = "QuickBooks: send queued timesheets"
NEW_NAME = "QuickBooks: send queued timesheets (lane 1)"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    cron = env.ref(FIRST_LANE, raise_if_not_found=False)
    if cron and cron.with_context(lang="en_US").name == OLD_NAME:
        cron.with_context(lang="en_US").name = NEW_NAME
