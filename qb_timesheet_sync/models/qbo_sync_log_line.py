# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools.sql import create_index

from ..tools.text import value_formats
from .qbo_sync_log import shown


class QboSyncLogLine(models.Model):
    _name = "qbo.sync.log.line"
    _inherit = ["qbo.append.only"]
    _description = "QuickBooks sync log detail"
    _order = "id"

    log_id = fields.Many2one("qbo.sync.log", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="log_id.company_id", store=True)
    level = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("error", "Error")],
        default="info",
        required=True,
    )
    message = fields.Text(
        string="Message (English)",
        required=True,
        help="In English when written with its sentence (message_data); searches find it.",
    )
    # The sentence and its values, shown in each reader's language.
    message_data = fields.Json(readonly=True)
    message_display = fields.Text(string="Message", compute="_compute_message_display")
    res_model = fields.Char(string="Record model")
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    record_name = fields.Char(string="Record name")
    timesheet_id = fields.Many2one(
        "account.analytic.line",
        string="Timesheet line",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    employee_id = fields.Many2one("hr.employee", readonly=True)
    timesheet_date = fields.Date(string="Date", readonly=True)
    duration = fields.Float(readonly=True, help="Of the timesheet line, in hours.")
    qbo_code = fields.Char(string="QuickBooks code")
    intuit_tid = fields.Char(string="Intuit transaction id")
    count_moved = fields.Integer(
        string="Lines taken over",
        readonly=True,
        help="Queued lines of this send that another send took over at this point.",
    )

    @api.depends_context("lang")
    @api.depends("message", "message_data")
    def _compute_message_display(self):
        formats = value_formats(self.env)
        for line in self:
            line.message_display = shown(line.message_data, line.message, line.env, formats)

    def init(self):
        # The background sender sums the lines taken over from its send
        # after every chunk: those details are few among many.
        create_index(
            self.env.cr,
            "qbo_sync_log_line_moved_index",
            self._table,
            ["log_id"],
            where="count_moved > 0",
        )

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
