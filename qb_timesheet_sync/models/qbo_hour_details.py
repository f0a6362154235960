# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What each timesheet line carries to QuickBooks besides who, when and how
long: service item, class, location and cost. The cascade itself is the
plain-Python :func:`~..qbo.hour_details.resolve_details`; this model only
gathers the settings of the task, the employee, the project and the company,
for the QuickBooks company the lines go to."""

from odoo import api, models

from ..qbo.hour_details import CLASS, DEPARTMENT, ITEM, hour_details
from ..qbo.lists import EMPLOYEE

# The setting fields of each level, per kind (a task only has a service item).
LEVEL_FIELDS = {
    "task": {ITEM: "qbo_item_ref_id"},
    "employee": {
        ITEM: "qbo_item_ref_id",
        CLASS: "qbo_class_ref_id",
        DEPARTMENT: "qbo_department_ref_id",
    },
    "project": {
        ITEM: "qbo_item_ref_id",
        CLASS: "qbo_class_ref_id",
        DEPARTMENT: "qbo_department_ref_id",
    },
    "company": {
        ITEM: "qbo_default_item_ref_id",
        CLASS: "qbo_default_class_ref_id",
        DEPARTMENT: "qbo_default_department_ref_id",
    },
}


class QboHourDetails(models.AbstractModel):
    _name = "qbo.hour.details"
    _description = "What QuickBooks knows about an hour: service item, class, location, cost"

    @api.model
    def _qbo_details_finder(self, lines, send_context):
        """A function giving the :class:`HourDetails` of a line of ``lines``
        (sudo, all of ``send_context.company``) from the ids of its task,
        employee and project; the settings are read in a constant number of
        queries."""
        company = send_context.company.sudo()
        realm_id = send_context.realm_id
        lines.task_id.fetch(["qbo_item_ref_id"])
        lines.employee_id.fetch(
            [*LEVEL_FIELDS["employee"].values(), "hourly_cost", "qbo_payroll_compensation_id"]
        )
        lines.project_id.fetch(list(LEVEL_FIELDS["project"].values()))
        (
            lines.task_id.qbo_item_ref_id
            | lines.employee_id.qbo_item_ref_id
            | lines.employee_id.qbo_class_ref_id
            | lines.employee_id.qbo_department_ref_id
            | lines.project_id.qbo_item_ref_id
            | lines.project_id.qbo_class_ref_id
            | lines.project_id.qbo_department_ref_id
        ).fetch(["qbo_id", "realm_id"])
        lines.employee_id.qbo_payroll_compensation_id.fetch(["qbo_id", "realm_id", "name"])
        company_settings = self._qbo_level_settings("company", company, realm_id)
        # Lines of one task, employee and project carry the same details:
        # found once per combination (a year has a few hundred of them).
        found = {}

        def details_of(task_id, employee_id, project_id):
            key = (task_id, employee_id, project_id)
            if key not in found:
                task = lines.task_id.browse(task_id)
                employee = lines.employee_id.browse(employee_id)
                project = lines.project_id.browse(project_id)
                settings = {
                    "task": self._qbo_level_settings("task", task, realm_id),
                    "employee": self._qbo_level_settings("employee", employee, realm_id),
                    "project": self._qbo_level_settings("project", project, realm_id),
                    "company": company_settings,
                }
                payroll_item, payroll_pending = self._qbo_payroll_item(employee, company, realm_id)
                found[key] = hour_details(
                    settings,
                    send_context.tracking,
                    hourly_cost=employee.hourly_cost,
                    send_cost=company.qbo_send_cost,
                    payroll_item=payroll_item,
                    payroll_pending=payroll_pending,
                )
            return found[key]

        return details_of

    @api.model
    def _qbo_payroll_item(self, employee, company, realm_id):
        """(``PayrollItemRef`` value, name of a pay type still to be found)
        of ``employee``'s time: the employee's own compensation, only when the
        company sends payroll items and the time goes to a QuickBooks employee
        (a vendor's time never carries one). A choice kept from a version that
        stored the employer's pay type is not sent: its name holds the time
        back until the resync finds the employee's compensation."""
        compensation = employee.qbo_payroll_compensation_id
        if not (company.qbo_send_payroll_items and compensation and employee.qbo_kind == EMPLOYEE):
            return None, ""
        if compensation._qbo_pending():
            return None, compensation.name
        return compensation._qbo_ref(realm_id), ""

    @api.model
    def _qbo_level_settings(self, level, record, realm_id):
        """{kind: QuickBooks id} set on ``record`` (a task, employee, project
        or company), for ``realm_id`` only."""
        if not record:
            return {}
        settings = {}
        for kind, field in LEVEL_FIELDS[level].items():
            ref = record[field]
            settings[kind] = ref._qbo_ref(realm_id) if ref else None
        return settings
