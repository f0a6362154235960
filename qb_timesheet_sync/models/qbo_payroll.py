# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks Payroll pay types of the employees: read by the
resync when the QuickBooks company has payroll and the company sends payroll
items, kept as ``qbo.item`` of kind "payroll" and, per employee, in
``hr.employee.qbo_payroll_item_ids``. The reading itself is the plain-Python
:mod:`..qbo.payroll`."""

from odoo import api, models

from ..qbo import QboError
from ..qbo.lists import EMPLOYEE
from ..qbo.payroll import PAYROLL, QboPayrollRefused, has_payroll, read_pay_types
from ..qbo.text import render
from .qbo_resync import outcome
from .qbo_state_guard import qbo_trusted

# The outcome category of the pay types' lines in the resync log: not one of
# the matching counts of the summary.
PAY_TYPES = "pay_types"


class QboPayroll(models.AbstractModel):
    _name = "qbo.payroll"
    _description = "QuickBooks Payroll pay types of the employees"

    @api.model
    def _qbo_resync_pay_types(self, company, client):
        """Read and store the pay types of ``company``'s QuickBooks employees;
        returns the resync outcomes (one line). Nothing is read unless the
        company sends payroll items; a refusal is said with its fix, and the
        rest of the resync goes on."""
        if not company.qbo_send_payroll_items:
            return []
        try:
            if not has_payroll(client.company_info()):
                return []
            employees = self._qbo_payroll_employees(company, client.realm_id)
            pay_types = read_pay_types(client, employees.mapped("qbo_id"))
        except QboPayrollRefused:
            return [self._qbo_line(self._qbo_refused_sentence(), "warning")]
        except QboError as error:
            message = self.env._(
                "The employees' pay types could not be read from QuickBooks Payroll: "
                "%(reason)s. The rest of the resync is done.",
                reason=render(error, self.env._),
            )
            return [self._qbo_line(message, "warning")]
        count = self._qbo_store_pay_types(company, client.realm_id, employees, pay_types)
        message = self.env._(
            "Pay types read from QuickBooks Payroll: %(count)s (employees read: %(employees)s).",
            count=count,
            employees=len(employees),
        )
        return [self._qbo_line(message, "info")]

    @api.model
    def _qbo_test_sentence(self, company):
        """The payroll sentence of Test connection: what a QuickBooks Payroll
        company needs before employees' time is taken: each
        employee has a pay type in QuickBooks, and the time carries it (Send
        payroll items); or the time goes to vendors.
        guess: the QuickBooks menu named (the employee's Pay section of
        Payroll > Employees) is the one of QuickBooks Online Payroll's web
        pages; Intuit's API pages do not name it."""
        if company.sudo().qbo_send_payroll_items:
            return self.env._(
                "Payroll: on (QuickBooks Payroll). Employees' time is sent with the pay type "
                "chosen on each employee: in QuickBooks, give every employee whose time is "
                "sent an hourly pay type (Payroll > Employees, the employee's Pay section); "
                "in Odoo, run 'Check for new users and customers' and choose the pay type on "
                "each employee's QuickBooks tab. Contractors (vendors) need none."
            )
        return self.env._(
            "Payroll: on (QuickBooks Payroll). QuickBooks may refuse employees' time that "
            "carries no pay type. To send it: in QuickBooks, give every employee whose time "
            "is sent an hourly pay type (Payroll > Employees, the employee's Pay section); in "
            "Odoo, turn on 'Send payroll items' in Settings (Intuit must approve the app for "
            "the payroll.compensation.read permission), connect again, run 'Check for new "
            "users and customers' and choose each employee's pay type on their QuickBooks "
            "tab. Or enter these people in QuickBooks as vendors (contractors), whose time "
            "needs no pay type."
        )

    @api.model
    def _qbo_refused_sentence(self):
        return self.env._(
            "QuickBooks refused to share the employees' pay types: the connection does not "
            "have Intuit's payroll.compensation.read permission. Ask Intuit to approve the app "
            "for this permission, then connect again in Settings; or turn off 'Send payroll "
            "items' in Settings. The rest of the resync is done."
        )

    @api.model
    def _qbo_line(self, message, level):
        return outcome(
            PAY_TYPES,
            message,
            level=level,
            record_name=self.env._("Pay types"),
        )

    @api.model
    def _qbo_payroll_employees(self, company, realm_id):
        """The employees of ``company`` linked to QuickBooks employees (not
        vendors) of ``realm_id``."""
        return (
            self.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("qbo_kind", "=", EMPLOYEE),
                    ("qbo_realm_id", "=", realm_id),
                    ("qbo_id", "!=", False),
                ]
            )
        )

    @api.model
    def _qbo_store_pay_types(self, company, realm_id, employees, pay_types):
        """Keep the pay types read ({employee qbo id: [PayType]}) and who has
        them; returns how many pay types there are."""
        unique = {}
        for employee_pay_types in pay_types.values():
            for pay_type in employee_pay_types:
                unique.setdefault(pay_type.qbo_id, pay_type)
        Item = self.env["qbo.item"].sudo()
        Item._qbo_store(company, realm_id, list(unique.values()), kind=PAYROLL)
        items = {
            item.qbo_id: item
            for item in Item.search(
                [
                    ("company_id", "=", company.id),
                    ("realm_id", "=", realm_id),
                    ("kind", "=", PAYROLL),
                ]
            )
        }
        with qbo_trusted():
            for employee in employees:
                own = pay_types.get(employee.qbo_id, [])
                ids = [items[pay_type.qbo_id].id for pay_type in own if pay_type.qbo_id in items]
                if set(ids) != set(employee.qbo_payroll_item_ids.ids):
                    employee.write({"qbo_payroll_item_ids": [(6, 0, ids)]})
        return len(unique)
