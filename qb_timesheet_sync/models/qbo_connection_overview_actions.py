# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the buttons of the QuickBooks overview's cards open: the overview
itself, the lines each count counts, the failures to fix, the hours sent
and the failures over time (the cards: ``qbo_connection_overview.py``)."""

from odoo import _, api, models

from .qbo_connection_overview import WORK_KINDS

FAILURE_GROUPS_ACTION = "qb_timesheet_sync.action_qbo_failure_groups"
TIMESHEET_LIST_VIEW = "hr_timesheet.hr_timesheet_line_tree"
HOURS_GRAPH_VIEW = "qb_timesheet_sync.account_analytic_line_view_graph_qbo_overview"
HOURS_PIVOT_VIEW = "qb_timesheet_sync.account_analytic_line_view_pivot_qbo_overview"
FAILURES_GRAPH_VIEW = "qb_timesheet_sync.qbo_sync_log_view_graph_qbo_overview"


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    @api.model
    def action_qbo_overview(self):
        """The overview: a card for each company selected, its connection
        made on first use."""
        for company in self.env.companies:
            company._qbo_connection()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "qb_timesheet_sync.action_qbo_overview_cards"
        )
        return action

    def action_qbo_overview_lines(self):
        """The lines a count of the card counts (``qbo_overview`` in the context)."""
        self.ensure_one()
        kind = self.env.context.get("qbo_overview")
        if kind not in WORK_KINDS:
            kind = "queued"
        names = {
            "queued": _("Queued for QuickBooks"),
            "sent_today": _("Sent to QuickBooks today"),
            "sent_week": _("Sent to QuickBooks this week"),
            "refused": _("Refused by the QuickBooks rules"),
            "failed": _("Failed to reach QuickBooks"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": names[kind],
            "res_model": "account.analytic.line",
            "views": [(self.env.ref(TIMESHEET_LIST_VIEW).id, "list"), (False, "form")],
            "domain": [("company_id", "=", self.company_id.id), *self._qbo_overview_domain(kind)],
            "context": {"create": False},
        }

    def action_qbo_overview_failures(self):
        """The failures by reason, with their fixes, where the addon has that
        screen; else the failed lines."""
        self.ensure_one()
        if self.env.ref(FAILURE_GROUPS_ACTION, raise_if_not_found=False):
            action = self.env["ir.actions.act_window"]._for_xml_id(FAILURE_GROUPS_ACTION)
            action["context"] = {"allowed_company_ids": [self.company_id.id]}
            return action
        return self.with_context(qbo_overview="failed").action_qbo_overview_lines()

    def action_qbo_overview_hours(self):
        """Hours sent per week and client."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Hours sent to QuickBooks"),
            "res_model": "account.analytic.line",
            "view_mode": "graph,pivot",
            "views": [
                (self.env.ref(HOURS_GRAPH_VIEW).id, "graph"),
                (self.env.ref(HOURS_PIVOT_VIEW).id, "pivot"),
            ],
            "domain": [
                ("company_id", "=", self.company_id.id),
                ("qbo_time_activity_id", "!=", False),
                ("qbo_sent_at", "!=", False),
            ],
            "context": {"create": False},
        }

    def action_qbo_overview_failure_history(self):
        """Lines refused and failed per week, from the sync log."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("QuickBooks failures over time"),
            "res_model": "qbo.sync.log",
            "view_mode": "graph,list",
            "views": [(self.env.ref(FAILURES_GRAPH_VIEW).id, "graph"), (False, "list")],
            "domain": [
                ("company_id", "=", self.company_id.id),
                "|",
                ("count_failed", ">", 0),
                ("count_refused", ">", 0),
            ],
            "context": {"create": False},
        }
