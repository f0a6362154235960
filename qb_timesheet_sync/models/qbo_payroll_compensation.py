# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class QboPayrollCompensation(models.Model):
    """A QuickBooks Payroll compensation of one employee, as last read from
    QuickBooks (see models/qbo_payroll.py).

    Its QuickBooks id is the employee's own compensation (the
    ``payrollEmployeeCompensations`` node ``id``), which a TimeActivity
    carries as ``PayrollItemRef``; the employer's pay type it applies is kept
    beside it, so a choice can follow the pay type when QuickBooks gives the
    employee a new compensation of it
    (docs/ASSUMPTIONS.md#payrollitemref-compensation-id).

    A record without a QuickBooks id is a choice kept from version 18.0.1.1.0,
    which stored the employer's pay type: its time is held back until the
    next 'Check for new users and customers' finds the employee's own
    compensation of that pay type (migrations/18.0.1.2.0).
    """

    _name = "qbo.payroll.compensation"
    _description = "QuickBooks Payroll compensation of an employee"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    employee_id = fields.Many2one(
        "hr.employee",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    qbo_id = fields.Char(string="QuickBooks ID", readonly=True, index=True)
    pay_type_qbo_id = fields.Char(string="QuickBooks pay type ID", readonly=True)
    type_key = fields.Char(string="Kind of pay", readonly=True)
    realm_id = fields.Char(string="QuickBooks company ID", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    active = fields.Boolean(default=True, readonly=True)

    _sql_constraints = [
        (
            "qbo_id_uniq",
            "unique(company_id, realm_id, qbo_id)",
            "A QuickBooks Payroll compensation is listed once per company.",
        ),
    ]

    def _compute_display_name(self):
        for compensation in self:
            name = compensation.name
            compensation.display_name = name if compensation.active else f"{name} (inactive)"

    def _qbo_ref(self, realm_id):
        """The ``PayrollItemRef`` value to send, or None when the compensation
        belongs to another QuickBooks company than ``realm_id`` or is still
        to be found (a choice kept from an older version)."""
        self.ensure_one()
        return (self.realm_id == realm_id and self.qbo_id) or None

    def _qbo_pending(self):
        """Whether this choice still waits for the employee's own compensation
        (kept from a version that stored the employer's pay type id)."""
        self.ensure_one()
        return not self.qbo_id
