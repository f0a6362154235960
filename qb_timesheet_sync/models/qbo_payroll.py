# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks Payroll pay types of the employees: read by the resync when the
QuickBooks company has payroll and the company sends payroll items, kept per
employee as ``qbo.payroll.compensation`` (the employee's own compensations,
whose ids ``PayrollItemRef`` carries). The reading itself is the plain-Python
:mod:`..qbo.payroll`."""

from odoo import api, models

from ..qbo import QboError
from ..qbo.lists import EMPLOYEE
from ..qbo.payroll import QboPayrollRefused, has_payroll, read_compensations, resolve_choice
from ..qbo.text import _lt
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
        """Read and store the pay types of ``company``'s QuickBooks employees
        and keep their chosen ones theirs; returns the resync outcomes (one
        line, and one per choice changed). Nothing is read unless the
        company sends payroll items; a refusal is said with its fix, and the
        rest of the resync goes on."""
        if not company.qbo_send_payroll_items:
            return []
        try:
            if not has_payroll(client.company_info()):
                return []
            employees = self._qbo_payroll_employees(company, client.realm_id)
            compensations = read_compensations(client, employees.mapped("qbo_id"))
        except QboPayrollRefused:
            return [self._qbo_line(self._qbo_refused_sentence(), "warning")]
        except QboError as error:
            message = _lt(
                "The employees' pay types could not be read from QuickBooks Payroll: "
                "%(reason)s. The rest of the resync is done.",
                reason=error,
            )
            return [self._qbo_line(message, "warning")]
        stored = self._qbo_store_compensations(company, client.realm_id, employees, compensations)
        pay_types = {c.pay_type_qbo_id for own in compensations.values() for c in own}
        message = _lt(
            "Pay types read from QuickBooks Payroll: %(count)s (employees read: %(employees)s).",
            count=len(pay_types),
            employees=len(employees),
        )
        choices = self._qbo_resolve_choices(client.realm_id, employees, compensations, stored)
        return [self._qbo_line(message, "info"), *choices]

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
            return _lt(
                "Payroll: on (QuickBooks Payroll). Employees' time is sent with the pay type "
                "chosen on each employee: in QuickBooks, give every employee whose time is "
                "sent an hourly pay type (Payroll > Employees, the employee's Pay section); "
                "in Odoo, run 'Check for new users and customers' and choose the pay type on "
                "each employee's QuickBooks tab. Contractors (vendors) need none."
            )
        return _lt(
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
        return _lt(
            "QuickBooks refused to share the employees' pay types: the connection does not "
            "have Intuit's payroll.compensation.read permission. Ask Intuit to approve the app "
            "for this permission, then connect again in Settings; or turn off 'Send payroll "
            "items' in Settings. The rest of the resync is done."
        )

    @api.model
    def _qbo_line(self, message, level, employee=None):
        return outcome(
            PAY_TYPES,
            message,
            record=employee,
            level=level,
            record_name=None if employee else self.env._("Pay types"),
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
    def _qbo_store_compensations(self, company, realm_id, employees, compensations):
        """Keep the compensations read ({employee qbo id: [Compensation]}) of
        ``employees``; those QuickBooks no longer lists are archived. Returns
        {compensation qbo id: qbo.payroll.compensation}."""
        Compensation = self.env["qbo.payroll.compensation"].sudo().with_context(active_test=False)
        known = {
            record.qbo_id: record
            for record in Compensation.search(
                [
                    ("company_id", "=", company.id),
                    ("realm_id", "=", realm_id),
                    ("qbo_id", "!=", False),
                ]
            )
        }
        new_values = []
        for employee in employees:
            for compensation in compensations.get(employee.qbo_id, []):
                values = {
                    "name": compensation.name,
                    "employee_id": employee.id,
                    "pay_type_qbo_id": compensation.pay_type_qbo_id,
                    "type_key": compensation.type_key,
                    "active": True,
                }
                record = known.get(compensation.qbo_id)
                if record is None:
                    new_values.append(
                        {
                            **values,
                            "qbo_id": compensation.qbo_id,
                            "realm_id": realm_id,
                            "company_id": company.id,
                        }
                    )
                elif any(
                    (record[name].id if name == "employee_id" else record[name]) != value
                    for name, value in values.items()
                ):
                    record.write(values)
        stored = {record.qbo_id: record for record in known.values()}
        stored.update({record.qbo_id: record for record in Compensation.create(new_values)})
        seen = {c.qbo_id for own in compensations.values() for c in own}
        # What QuickBooks no longer lists, and what the employees read had in
        # another QuickBooks company, is not theirs any more.
        gone = Compensation.search(
            [
                ("company_id", "=", company.id),
                ("active", "=", True),
                ("qbo_id", "!=", False),
                "|",
                ("realm_id", "=", realm_id),
                ("employee_id", "in", employees.ids),
            ]
        ).filtered(lambda record: record.realm_id != realm_id or record.qbo_id not in seen)
        gone.write({"active": False})
        return stored

    @api.model
    def _qbo_resolve_choices(self, realm_id, employees, compensations, stored):
        """Keep each employee's chosen pay type one of their own active
        compensations: a choice whose compensation is gone, or kept from a
        version that stored the employer's pay type (no QuickBooks id yet),
        follows the employee's compensation of the same pay type, or is
        cleared when they have none. Returns the resync outcomes (one line per
        changed choice)."""
        outcomes = []
        pending = self.env["qbo.payroll.compensation"]
        with qbo_trusted():
            for employee in employees:
                chosen = employee.qbo_payroll_compensation_id
                if not chosen:
                    continue
                same_company = chosen.realm_id == realm_id
                found = resolve_choice(
                    chosen.qbo_id if same_company else None,
                    chosen.pay_type_qbo_id if same_company else None,
                    compensations.get(employee.qbo_id, []),
                )
                if found and found.qbo_id == chosen.qbo_id and same_company:
                    continue
                if chosen._qbo_pending():
                    pending |= chosen
                if found is None:
                    employee.write({"qbo_payroll_compensation_id": False})
                    message = _lt(
                        "The pay type '%(pay_type)s' chosen for %(employee)s is not one of their "
                        "active pay types in QuickBooks Payroll: the choice is cleared, and their "
                        "time is sent without a pay type until a QuickBooks manager chooses one "
                        "on the employee's QuickBooks tab.",
                        pay_type=chosen.name,
                        employee=employee.name,
                    )
                    outcomes.append(self._qbo_line(message, "warning", employee))
                    continue
                employee.write({"qbo_payroll_compensation_id": stored[found.qbo_id].id})
                message = _lt(
                    "The pay type '%(pay_type)s' chosen for %(employee)s is now their own "
                    "compensation in QuickBooks Payroll, which their time is sent with.",
                    pay_type=found.name,
                    employee=employee.name,
                )
                outcomes.append(self._qbo_line(message, "info", employee))
        # A choice kept from the older version is done with once followed.
        still_chosen = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search([("qbo_payroll_compensation_id", "in", pending.ids)])
            .qbo_payroll_compensation_id
        )
        (pending - still_chosen).unlink()
        return outcomes
