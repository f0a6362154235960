# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, api, fields, models
from odoo.tools.misc import format_amount

from ..qbo.text import _lt, counted
from ..qbo.updates import duration_change, signed_clock
from ..tools.bulk import insert_rows


class QboSendWizard(models.TransientModel):
    """Preview of a send: what will go to QuickBooks, and what will not and
    why. Nothing is sent before :meth:`action_confirm`."""

    _name = "qbo.send.wizard"
    _description = "Send timesheets to QuickBooks"

    # The ids of the selection: a year of timesheets is 100,000 rows of a
    # many2many table (2 s to write), one value here (milliseconds).
    selected_line_ids = fields.Json(string="Selection (line ids)", readonly=True)
    line_ids = fields.Many2many(
        "account.analytic.line", string="Selected lines", compute="_compute_line_ids"
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    count_selected = fields.Integer(string="Selected", readonly=True)
    count_to_send = fields.Integer(string="To send", readonly=True)
    count_refused = fields.Integer(string="Refused", readonly=True)
    # Already in QuickBooks and unchanged: left alone (never sent twice), not refused.
    count_skipped = fields.Integer(string="Already sent (skipped)", readonly=True)
    hours_to_send = fields.Float(string="Hours to send", readonly=True)
    amount_to_send = fields.Monetary(string="Billable amount", readonly=True)
    cost_to_send = fields.Monetary(
        string="Cost", readonly=True, help="Hours sent times the employees' hourly cost."
    )
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
        "qbo.send.wizard.refusal", "wizard_id", string="Refused lines", readonly=True
    )
    # Edited lines: updates of the time activities they already have.
    count_to_update = fields.Integer(string="To update", readonly=True)
    hours_to_update = fields.Char(
        string="Hours changed",
        readonly=True,
        help="What the updates add to (or take from) the hours QuickBooks has.",
    )
    amount_to_update = fields.Monetary(
        string="Amount changed",
        readonly=True,
        help="What the updates add to (or take from) the billable amount QuickBooks has.",
    )
    update_ids = fields.One2many(
        "qbo.send.wizard.update", "wizard_id", string="Lines to update", readonly=True
    )

    @api.model
    def _qbo_open_for(self, lines):
        wizard = self.create({"count_selected": len(lines), "selected_line_ids": lines.ids})
        wizard._qbo_prepare(lines)
        return wizard._qbo_form_action()

    @api.depends("selected_line_ids")
    def _compute_line_ids(self):
        Line = self.env["account.analytic.line"].with_context(active_test=False)
        for wizard in self:
            # One query for any number (browse().exists() takes one per 1,000).
            ids = wizard.selected_line_ids or []
            wizard.line_ids = Line.search([("id", "in", ids)]) if ids else Line

    def _qbo_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Send to QuickBooks"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _qbo_prepare(self, lines):
        """Work out the preview of ``lines``, the selection (see
        qbo_send_wizard_background.py for the selections too large to wait
        for)."""
        self._qbo_fill(lines)

    def _qbo_fill(self, lines):
        """Evaluate ``lines`` and write what the preview shows."""
        self.ensure_one()
        values, refusals, updates = self._qbo_preview_values(lines)
        self.write(values)
        # A year of timesheets gives tens of thousands of rows: one query each.
        insert_rows(
            self.env["qbo.send.wizard.refusal"],
            [dict(refusal, wizard_id=self.id) for refusal in refusals],
        )
        insert_rows(
            self.env["qbo.send.wizard.update"],
            [dict(update, wizard_id=self.id) for update in updates],
        )

    @api.model
    def _qbo_preview_values(self, lines):
        """Evaluate ``lines`` as a send would, reading QuickBooks' settings.
        Nothing goes to QuickBooks; each refused line keeps its reason, and the
        sync log keeps a trace of the preview. Returns the wizard's values,
        and the values of its refusal and update rows. Lines already sent
        and unchanged are counted apart (skipped), never as refused."""
        totals = {}
        refusals = []
        updates = []
        skipped = 0
        # What the updates change in QuickBooks: minutes and billable amount.
        update_minutes = update_amount = 0
        warnings = []
        send_in_background = False
        for company, company_lines in lines._qbo_by_company().items():
            send_in_background |= len(company_lines) > company.sudo().qbo_background_threshold
            send_context = lines._qbo_send_context(company, preview=True)
            if send_context.warning:
                warnings.append(send_context.warning)
            plans = company_lines._qbo_plans(send_context)
            for plan in plans:
                if plan.refusal and plan.refusal.skipped:
                    skipped += 1
                    continue
                if plan.refusal:
                    refusals.append(
                        {
                            "line_id": plan.line.id,
                            "reason": plan.reason,
                        }
                    )
                    continue
                if plan.operation == "update":
                    updates.append(self._qbo_update_values(plan, company))
                    before_minutes, before_amount = self._qbo_sent_before(plan)
                    update_minutes += plan.minutes - before_minutes
                    update_amount += plan.amount - before_amount
                    continue
                self._qbo_add_to_totals(totals, plan, company)
            company_lines._qbo_note_refusals(plans)
            self._qbo_log_preview(company, plans, send_context)
        employee_totals = [total for total in totals.values() if total["group"] == "employee"]
        currencies = lines.company_id.currency_id
        values = {
            "currency_id": currencies.id if len(currencies) == 1 else False,
            "count_selected": len(lines),
            "count_to_send": sum(total["line_count"] for total in employee_totals),
            "count_refused": len(refusals),
            "count_skipped": skipped,
            "hours_to_send": sum(total["hours"] for total in employee_totals),
            "amount_to_send": sum(total["amount"] for total in employee_totals),
            "cost_to_send": sum(total["cost"] for total in employee_totals),
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
            "count_to_update": len(updates),
            "hours_to_update": signed_clock(update_minutes) if updates else False,
            "amount_to_update": update_amount,
        }
        return values, refusals, updates

    @api.model
    def _qbo_sent_before(self, plan):
        """(minutes, billable amount) QuickBooks has of an edited line, as
        Odoo last sent it."""
        line = plan.line.sudo()
        minutes = round((line.qbo_sent_duration or 0) * 60)
        return minutes, (line.qbo_sent_duration or 0) * (line.qbo_sent_rate or 0)

    @api.model
    def _qbo_update_values(self, plan, company):
        """What QuickBooks has now (as Odoo last sent it) and what it will get."""
        line = plan.line.sudo()
        currency = company.currency_id
        before_minutes, before_amount = self._qbo_sent_before(plan)
        change = duration_change(before_minutes, plan.minutes)
        amounts = (
            format_amount(self.env, before_amount, currency),
            format_amount(self.env, plan.amount, currency),
        )
        if amounts[0] != amounts[1]:
            change += ", " + " → ".join(amounts)
        elif plan.amount:
            change += ", " + amounts[1]
        return {
            "line_id": line.id,
            "time_activity": line.qbo_time_activity_id,
            "change": change,
        }

    @api.model
    def _qbo_log_preview(self, company, plans, send_context):
        """The trace of a preview in the sync log: how many lines would go,
        and why each refused one would not (those already sent are only
        counted)."""
        Log = self.env["qbo.sync.log"]
        refused = [plan for plan in plans if plan.refusal and not plan.refusal.skipped]
        skipped = sum(1 for plan in plans if plan.refusal and plan.refusal.skipped)
        to_update = sum(1 for plan in plans if not plan.refusal and plan.operation == "update")
        log = Log._record(
            company,
            "preview",
            _lt("Send preview"),
            counted(
                len(plans),
                _lt(
                    "Preview of %(count)s timesheet line: %(to_send)s to send, %(to_update)s to "
                    "update, %(refused)s refused, %(skipped)s already sent (skipped). Nothing was "
                    "sent."
                ),
                _lt(
                    "Preview of %(count)s timesheet lines: %(to_send)s to send, %(to_update)s to "
                    "update, %(refused)s refused, %(skipped)s already sent (skipped). Nothing was "
                    "sent."
                ),
                to_send=len(plans) - len(refused) - skipped - to_update,
                to_update=to_update,
                refused=len(refused),
                skipped=skipped,
            ),
            realm_id=send_context.realm_id,
            lines=[Log._qbo_refusal_detail(plan.refusal, plan.line) for plan in refused],
        )
        log.sudo().write({"count_refused": len(refused), "count_skipped": skipped})

    @api.model
    def _qbo_add_to_totals(self, totals, plan, company):
        """Count a line to send in the totals of its employee and its customer."""
        for group, record in (("employee", plan.employee), ("customer", plan.project)):
            total = totals.get((group, record.id))
            if total is None:
                if group == "employee":
                    name = record.name
                else:
                    name = record.qbo_fully_qualified_name or record.display_name
                total = totals[group, record.id] = {
                    "group": group,
                    "name": name,
                    "currency_id": company.currency_id.id,
                    "line_count": 0,
                    "hours": 0.0,
                    "amount": 0.0,
                    "cost": 0.0,
                }
            total["line_count"] += 1
            total["hours"] += plan.hours
            total["amount"] += plan.amount
            total["cost"] += plan.cost

    def action_confirm(self):
        self.ensure_one()
        return self.line_ids._qbo_send()
