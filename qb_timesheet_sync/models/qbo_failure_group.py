# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Failures to fix: the refused and failed timesheet lines, one row per
company and reason, each with the action that fixes the reason and one click
that sends the group's lines again once fixed."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..qbo.timesheet_rules import REASONS, message

QBO_MANAGER = "qb_timesheet_sync.group_qbo_manager"
# The states of the lines to fix: refused by the rules, or by QuickBooks.
FAILED_STATES = ("refused", "error")
# A failed line has no refusal code: QuickBooks itself turned it down.
FAILED = "failed"
REASON_CODES = [*REASONS.items(), (FAILED, "Failed in QuickBooks")]
# The fix each reason calls for (every group also offers Resend and Mark as
# not to send).
LINK_EMPLOYEE = ("employee_not_mapped", "employee_other_company")
LINK_PROJECT = ("project_not_mapped", "project_other_company")
# The employee or project may exist only in Odoo: the resync creates it.
CREATE_MISSING = ("employee_not_mapped", "project_not_mapped")
SET_RATE = ("no_rate",)


class QboFailureGroup(models.Model):
    """One row per company and reason of the lines a preview or a send
    refused, or QuickBooks failed (a SQL view of account.analytic.line)."""

    _name = "qbo.failure.group"
    _description = "QuickBooks failures to fix"
    _auto = False
    _order = "line_count desc, oldest_date"
    _rec_name = "reason_code"
    # What the view reads of the lines: flushed before each search.
    _depends = {
        "account.analytic.line": [
            "company_id",
            "date",
            "project_id",
            "qbo_refusal_code",
            "qbo_skip",
            "qbo_state",
            "write_date",
        ]
    }

    company_id = fields.Many2one("res.company", readonly=True)
    reason_code = fields.Selection(REASON_CODES, string="Reason", readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    oldest_date = fields.Date(string="Oldest line", readonly=True)
    last_change = fields.Datetime(string="Last refused", readonly=True)
    fix_link_employee = fields.Boolean(compute="_compute_fixes")
    fix_link_project = fields.Boolean(compute="_compute_fixes")
    fix_create_missing = fields.Boolean(compute="_compute_fixes")
    fix_set_rate = fields.Boolean(compute="_compute_fixes")

    @property
    def _table_query(self):
        # A stable id per (company, reason): the row survives a refresh
        # while its lines change.
        codes = SQL(", ").join(
            SQL("(%s, %s)", code, index) for index, (code, _label) in enumerate(REASON_CODES)
        )
        return SQL(
            """
            SELECT line.company_id * %(width)s + code.position AS id,
                   line.company_id AS company_id,
                   code.code AS reason_code,
                   COUNT(*) AS line_count,
                   MIN(line.date) AS oldest_date,
                   MAX(line.write_date) AS last_change
              FROM account_analytic_line line
              JOIN (VALUES %(codes)s) AS code(code, position)
                ON code.code = COALESCE(line.qbo_refusal_code, %(failed)s)
             WHERE line.qbo_state IN %(states)s
               AND line.project_id IS NOT NULL
               AND NOT COALESCE(line.qbo_skip, FALSE)
          GROUP BY line.company_id, code.code, code.position
            """,
            width=len(REASON_CODES) + 1,
            codes=codes,
            failed=FAILED,
            states=FAILED_STATES,
        )

    @api.depends("reason_code")
    def _compute_fixes(self):
        for group in self:
            group.fix_link_employee = group.reason_code in LINK_EMPLOYEE
            group.fix_link_project = group.reason_code in LINK_PROJECT
            group.fix_create_missing = group.reason_code in CREATE_MISSING
            group.fix_set_rate = group.reason_code in SET_RATE

    # ------------------------------------------------------------------
    # The lines of a group
    # ------------------------------------------------------------------
    def _qbo_lines(self):
        """The lines of these groups that the user may read, oldest first."""
        domains = []
        for group in self:
            code = group.reason_code
            domains.append(
                [
                    ("company_id", "=", group.company_id.id),
                    ("qbo_state", "in", FAILED_STATES),
                    ("project_id", "!=", False),
                    ("qbo_skip", "=", False),
                    ("qbo_refusal_code", "=", False if code == FAILED else code),
                ]
            )
        if not domains:
            return self.env["account.analytic.line"]
        domain = ["|"] * (len(domains) - 1) + [leaf for domain in domains for leaf in domain]
        return self.env["account.analytic.line"].search(domain, order="date, id")

    def _qbo_check_manager(self):
        if not self.env.user.has_group(QBO_MANAGER):
            raise AccessError(self.env._("Only QuickBooks managers may fix refused timesheets."))

    def _qbo_one_lines(self):
        self._qbo_check_manager()
        self.ensure_one()
        lines = self._qbo_lines()
        if not lines:
            raise UserError(
                self.env._("These lines were fixed or sent meanwhile: reload the list.")
            )
        return lines

    @api.model
    def _qbo_open_records(self, records, name):
        """The form of the one record, or the list of several."""
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": records._name,
            "target": "current",
        }
        if len(records) == 1:
            return dict(action, res_id=records.id, view_mode="form", views=[(False, "form")])
        return dict(
            action,
            domain=[("id", "in", records.ids)],
            view_mode="list,form",
            views=[(False, "list"), (False, "form")],
        )

    # ------------------------------------------------------------------
    # Fixes
    # ------------------------------------------------------------------
    def action_qbo_link_employee(self):
        """Link the employees of the group: the link wizard (its suggestions
        first) for one employee, the list of several, each with its *Choose
        in QuickBooks* button."""
        lines = self._qbo_one_lines()
        employees = lines.employee_id
        if len(employees) == 1:
            return employees.action_qbo_choose_mapping()
        return self._qbo_open_records(employees, self.env._("Employees to link"))

    def action_qbo_link_project(self):
        """Link the projects of the group, as ``action_qbo_link_employee``."""
        lines = self._qbo_one_lines()
        projects = lines.project_id
        if len(projects) == 1:
            return projects.action_qbo_choose_mapping()
        return self._qbo_open_records(projects, self.env._("Projects to link"))

    def action_qbo_create_missing(self):
        """The resync that creates in QuickBooks the employees, clients and
        projects that exist only in Odoo, previewed before it runs."""
        self._qbo_one_lines()
        wizard = self.env["qbo.resync.wizard"].create(
            {"company_id": self.company_id.id, "create_missing": True}
        )
        return wizard._qbo_reopen()

    def action_qbo_set_rate(self):
        """The hourly rates of the group's employees on its projects, with
        the one project and employee filled in for a new rate."""
        lines = self._qbo_one_lines()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "qb_timesheet_sync.action_qbo_project_rate"
        )
        context = {}
        if len(lines.project_id) == 1:
            context["default_project_id"] = lines.project_id.id
        if len(lines.employee_id) == 1:
            context["default_employee_id"] = lines.employee_id.id
        action.update(
            domain=[("project_id", "in", lines.project_id.ids)],
            context=context,
        )
        return action

    def action_qbo_resend(self):
        """Preview the send of the group's lines again; nothing leaves before
        it is confirmed."""
        return self._qbo_one_lines().action_qbo_send_preview()

    def action_qbo_skip(self):
        """Keep the group's lines out of QuickBooks: they leave this list and
        every later send refuses them (``not_to_send``)."""
        lines = self._qbo_one_lines()
        lines._qbo_check_send_access()
        lines._qbo_write_state(
            {
                "qbo_skip": True,
                "qbo_state": "refused",
                "qbo_refusal_code": "not_to_send",
                "qbo_last_error": message("not_to_send"),
            }
        )
        return {"type": "ir.actions.client", "tag": "soft_reload"}
