# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, api, fields, models

from ..qbo.text import render


class QboSendWizard(models.TransientModel):
    """Preview of a send: what will go to QuickBooks, and what will not and
    why. Nothing is sent before :meth:`action_confirm`."""

    _name = "qbo.send.wizard"
    _description = "Send timesheets to QuickBooks"

    line_ids = fields.Many2many("account.analytic.line", string="Selected lines", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    count_selected = fields.Integer(string="Selected", readonly=True)
    count_to_send = fields.Integer(string="To send", readonly=True)
    count_refused = fields.Integer(string="Not sent", readonly=True)
    hours_to_send = fields.Float(string="Hours to send", readonly=True)
    amount_to_send = fields.Monetary(string="Billable amount", readonly=True)
    warning = fields.Text(readonly=True)
    send_in_background = fields.Boolean(
        readonly=True, help="The selection is larger than the company's background threshold."
    )
    employee_total_ids = fields.One2many(
        "qbo.send.wizard.total",
        "wizard_id",
        string="Per employee",
        domain=[("group", "=", "employee")],
        readonly=True,
    )
    customer_total_ids = fields.One2many(
        "qbo.send.wizard.total",
        "wizard_id",
        string="Per customer",
        domain=[("group", "=", "customer")],
        readonly=True,
    )
    refusal_ids = fields.One2many(
        "qbo.send.wizard.refusal", "wizard_id", string="Lines not sent", readonly=True
    )

    @api.model
    def _qbo_open_for(self, lines):
        wizard = self.create(self._qbo_preview_values(lines))
        return {
            "type": "ir.actions.act_window",
            "name": _("Send to QuickBooks"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _qbo_preview_values(self, lines):
        """Evaluate ``lines`` as a send would, reading QuickBooks' settings
        but writing nothing anywhere."""
        totals = {}
        refusals = []
        warnings = []
        send_in_background = False
        for company, company_lines in lines._qbo_by_company().items():
            send_in_background |= len(company_lines) > company.sudo().qbo_background_threshold
            send_context = lines._qbo_send_context(company, preview=True)
            if send_context.warning:
                warnings.append(send_context.warning)
            for plan in company_lines._qbo_plans(send_context):
                if plan.refusal:
                    refusals.append(
                        Command.create(
                            {
                                "line_id": plan.line.id,
                                "reason": render(plan.refusal.message, self.env._),
                            }
                        )
                    )
                    continue
                self._qbo_add_to_totals(totals, plan, company)
        employee_totals = [total for total in totals.values() if total["group"] == "employee"]
        currencies = lines.company_id.currency_id
        return {
            "line_ids": [Command.set(lines.ids)],
            "currency_id": currencies.id if len(currencies) == 1 else False,
            "count_selected": len(lines),
            "count_to_send": sum(total["line_count"] for total in employee_totals),
            "count_refused": len(refusals),
            "hours_to_send": sum(total["hours"] for total in employee_totals),
            "amount_to_send": sum(total["amount"] for total in employee_totals),
            "warning": "\n".join(warnings) or False,
            "send_in_background": send_in_background,
            "employee_total_ids": [
                Command.create(total)
                for total in sorted(employee_totals, key=lambda total: total["name"] or "")
            ],
            "customer_total_ids": [
                Command.create(total)
                for total in sorted(
                    (total for total in totals.values() if total["group"] == "customer"),
                    key=lambda total: total["name"] or "",
                )
            ],
            "refusal_ids": refusals,
        }

    @api.model
    def _qbo_add_to_totals(self, totals, plan, company):
        """Count a line to send in the totals of its employee and its customer."""
        line = plan.line
        project = line.project_id
        groups = (
            ("employee", line.employee_id.id, line.employee_id.name),
            ("customer", project.id, project.qbo_fully_qualified_name or project.display_name),
        )
        for group, key, name in groups:
            total = totals.setdefault(
                (group, key),
                {
                    "group": group,
                    "name": name,
                    "currency_id": company.currency_id.id,
                    "line_count": 0,
                    "hours": 0.0,
                    "amount": 0.0,
                },
            )
            total["line_count"] += 1
            total["hours"] += plan.hours
            total["amount"] += plan.amount

    def action_confirm(self):
        self.ensure_one()
        return self.line_ids._qbo_send()


class QboSendWizardTotal(models.TransientModel):
    _name = "qbo.send.wizard.total"
    _description = "Send to QuickBooks: total per employee or customer"
    _order = "name"

    wizard_id = fields.Many2one("qbo.send.wizard", required=True, ondelete="cascade")
    group = fields.Selection([("employee", "Employee"), ("customer", "Customer")], required=True)
    name = fields.Char()
    line_count = fields.Integer(string="Lines")
    hours = fields.Float()
    currency_id = fields.Many2one("res.currency")
    amount = fields.Monetary(string="Billable amount")


class QboSendWizardRefusal(models.TransientModel):
    _name = "qbo.send.wizard.refusal"
    _description = "Send to QuickBooks: line not sent"
    _order = "id"

    wizard_id = fields.Many2one("qbo.send.wizard", required=True, ondelete="cascade")
    line_id = fields.Many2one("account.analytic.line", required=True, ondelete="cascade")
    date = fields.Date(related="line_id.date")
    employee_id = fields.Many2one(related="line_id.employee_id")
    project_id = fields.Many2one(related="line_id.project_id")
    unit_amount = fields.Float(related="line_id.unit_amount", string="Duration")
    reason = fields.Text()
