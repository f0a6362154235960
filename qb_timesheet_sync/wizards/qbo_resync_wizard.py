# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models

from ..models.qbo_resync import Report
from ..qbo import QboError
from ..qbo.text import render

# Named as the resync's report counts them (the wizard's count_* fields and
# the sync log summary, ``models/qbo_resync.py::_qbo_record``), so that a
# preview's lines add up to its report.
PREVIEW_ACTIONS = [
    ("match", "Matched"),
    ("create_odoo", "Create in Odoo"),
    ("create_qbo", "Create in QuickBooks"),
    ("update", "Update"),
    ("unmatched", "Not matched"),
    ("ambiguous", "Ambiguous"),
    ("inactive", "Inactive in QuickBooks"),
    ("failed", "Failed"),
]


class QboResyncWizard(models.TransientModel):
    """Check for new users and customers: show what a resync will do, run it
    on *Apply*, and show its report."""

    _name = "qbo.resync.wizard"
    _description = "QuickBooks resync"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    create_missing = fields.Boolean(
        string="Create missing records in QuickBooks",
        compute="_compute_create_missing",
        store=True,
        readonly=False,
        help="Also create in QuickBooks the employees, clients and projects that exist only "
        "in Odoo.",
    )
    full_resync = fields.Boolean(
        string="Full resync",
        help="Read every QuickBooks list again. Otherwise only what changed in QuickBooks "
        "since the last resync is read (one call), when QuickBooks can tell it.",
    )
    state = fields.Selection(
        [("draft", "Ready"), ("preview", "Preview"), ("done", "Done"), ("failed", "Failed")],
        default="draft",
        required=True,
        readonly=True,
    )
    log_id = fields.Many2one("qbo.sync.log", string="Sync log", readonly=True)
    summary = fields.Text(related="log_id.summary_display")
    line_ids = fields.One2many(related="log_id.line_ids")
    count_matched = fields.Integer(string="Matched", readonly=True)
    count_created_odoo = fields.Integer(string="Created in Odoo", readonly=True)
    count_created_qbo = fields.Integer(string="Created in QuickBooks", readonly=True)
    count_updated = fields.Integer(string="Updated", readonly=True)
    count_unmatched = fields.Integer(string="Not matched", readonly=True)
    count_ambiguous = fields.Integer(string="Ambiguous", readonly=True)
    count_inactive = fields.Integer(string="Inactive in QuickBooks", readonly=True)
    count_failed = fields.Integer(string="Failed", readonly=True)

    preview_line_ids = fields.One2many(
        "qbo.resync.wizard.line", "wizard_id", string="What the resync will do", readonly=True
    )
    preview_error = fields.Text(readonly=True)

    @api.depends("company_id")
    def _compute_create_missing(self):
        for wizard in self:
            wizard.create_missing = wizard.company_id.qbo_create_missing

    def action_preview(self):
        """Show what a resync will do, per record, writing nothing."""
        self.ensure_one()
        try:
            planned = self.env["qbo.resync"]._qbo_preview(
                self.company_id, self.create_missing, self.full_resync
            )
        except QboError as error:
            self.write(
                {
                    "state": "failed",
                    "preview_error": self.env._(
                        "QuickBooks lists could not be read: %(reason)s",
                        reason=render(error, self.env._),
                    ),
                }
            )
            return self._qbo_reopen()
        order = [action for action, _label in PREVIEW_ACTIONS]
        # What changes first; the links already there last.
        planned.sort(
            key=lambda line: (
                line["unchanged"],
                order.index(line["action"]),
                line["record_name"] or "",
            )
        )
        self.write(
            {
                "state": "preview",
                "preview_line_ids": [Command.clear()] + [Command.create(line) for line in planned],
            }
        )
        return self._qbo_reopen()

    def action_check(self):
        """Run a resync (see ``qbo.resync``) and show its report."""
        self.ensure_one()
        log, counts = self.env["qbo.resync"]._qbo_run(
            self.company_id, self.create_missing, self.full_resync
        )
        values = {"state": "failed" if counts is None else "done", "log_id": log.id}
        if counts is not None:
            values.update({f"count_{category}": counts[category] for category in Report.ALL})
        self.write(values)
        return self._qbo_reopen()

    def action_create_missing(self):
        """Run again, this time creating in QuickBooks what exists only in Odoo."""
        self.ensure_one()
        wizard = self.create(
            {
                "company_id": self.company_id.id,
                "create_missing": True,
                "full_resync": self.full_resync,
            }
        )
        return wizard.action_check()

    def _qbo_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Check for new users and customers"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            # As action_qbo_resync_wizard: the preview's columns read in full.
            "context": {"dialog_size": "extra-large"},
        }

    @api.model
    def _qbo_run(self, company, create_missing=None, full=False):
        """Run a resync of ``company`` (for settings and scripts); returns the wizard."""
        values = {"company_id": company.id, "full_resync": full}
        if create_missing is not None:
            values["create_missing"] = create_missing
        wizard = self.create(values)
        wizard.action_check()
        return wizard
