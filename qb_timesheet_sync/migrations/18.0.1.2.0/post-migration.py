# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pay types: 18.0.1.1.0 kept the employer's pay types (``qbo.item`` of kind
"payroll") and sent an employer pay type id as ``PayrollItemRef``; QuickBooks
takes the employee's own compensation id there
(docs/ASSUMPTIONS.md#payrollitemref-compensation-id).

Each employee's choice is kept as a ``qbo.payroll.compensation`` without a
QuickBooks id: the pay type's name and id, nothing that is sent. Their time
is held back (a per-line reason says to run 'Check for new users and
customers') until that resync finds the employee's own compensation of the
same pay type, or clears the choice and says so (models/qbo_payroll.py). The
old column and pay types are read here, before Odoo drops what the models no
longer declare."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from odoo.addons.qb_timesheet_sync.models.qbo_state_guard import qbo_trusted

_logger = logging.getLogger(__name__)

OLD_CHOICE_COLUMN = "qbo_payroll_item_ref_id"
OLD_KIND = "payroll"
# The employees' pay types of 18.0.1.1.0 (a many2many Odoo keeps once its
# field is gone).
OLD_RELATION = "hr_employee_qbo_payroll_item_rel"


def migrate(cr, version):
    if not column_exists(cr, "hr_employee", OLD_CHOICE_COLUMN):
        return
    cr.execute(
        SQL(
            """
            SELECT employee.id, item.qbo_id, item.name, item.realm_id, item.company_id
              FROM hr_employee employee
              JOIN qbo_item item ON item.id = employee.%s
             WHERE item.kind = %s
            """,
            SQL.identifier(OLD_CHOICE_COLUMN),
            OLD_KIND,
        )
    )
    rows = cr.fetchall()
    env = api.Environment(cr, SUPERUSER_ID, {})
    Employee = env["hr.employee"].with_context(active_test=False)
    with qbo_trusted():
        for employee_id, pay_type_id, name, realm_id, company_id in rows:
            kept = env["qbo.payroll.compensation"].create(
                {
                    "name": name,
                    "employee_id": employee_id,
                    "pay_type_qbo_id": pay_type_id,
                    "realm_id": realm_id,
                    "company_id": company_id,
                }
            )
            Employee.browse(employee_id).write({"qbo_payroll_compensation_id": kept.id})
    cr.execute(SQL("UPDATE hr_employee SET %s = NULL", SQL.identifier(OLD_CHOICE_COLUMN)))
    cr.execute("DELETE FROM qbo_item WHERE kind = %s", [OLD_KIND])
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(OLD_RELATION)))
    cr.execute("DELETE FROM ir_model_relation WHERE name = %s", [OLD_RELATION])
    if rows:
        _logger.info(
            "QuickBooks pay types: %s employee choices kept by name; their time waits for the "
            "next 'Check for new users and customers' to find each employee's own compensation.",
            len(rows),
        )
