# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..qbo.lists import EMPLOYEE, VENDOR, people_from_rows, person_payload
from ..qbo.people import AMBIGUOUS, MATCHED, OdooPerson, match_people
from ..qbo.suggestions import Candidate
from ..qbo.text import _lt
from .qbo_resync import Report, outcome

# Employee types that are usually QuickBooks vendors rather than employees.
CONTRACTOR_TYPES = ("contractor", "freelance")


class HrEmployee(models.Model):
    _name = "hr.employee"
    _inherit = ["hr.employee", "qbo.mapping.mixin", "qbo.hour.details.mixin"]

    _qbo_id_field = "qbo_id"
    _qbo_kind_field = "qbo_kind"
    _qbo_name_field = "qbo_display_name"
    _qbo_odoo_kind = "employee"
    _qbo_mapping_fields = frozenset(
        {"qbo_id", "qbo_kind", "qbo_display_name", "qbo_realm_id", "qbo_inactive"}
    )
    # The billing rate is HR's to set; every other qbo_ field is the link.
    _qbo_user_fields = frozenset(
        {
            "qbo_billing_rate",
            "qbo_item_ref_id",
            "qbo_class_ref_id",
            "qbo_department_ref_id",
            "qbo_payroll_compensation_id",
        }
    )
    # What the employee's hours carry in QuickBooks (item, class, location, pay type).
    _qbo_manager_fields = frozenset(
        {
            "qbo_item_ref_id",
            "qbo_class_ref_id",
            "qbo_department_ref_id",
            "qbo_payroll_compensation_id",
        }
    )
    _qbo_link_key_columns = ("company_id", "qbo_kind")

    qbo_id = fields.Char(
        string="QuickBooks ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="qb_timesheet_sync.group_qbo_user",
    )
    qbo_kind = fields.Selection(
        [(EMPLOYEE, "Employee"), (VENDOR, "Vendor (contractor)")],
        string="QuickBooks list",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="Time is sent to QuickBooks in the name of this employee or vendor.",
    )
    qbo_display_name = fields.Char(
        string="QuickBooks name",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
    )
    # QuickBooks refuses new time for an inactive name
    # (docs/ASSUMPTIONS.md#inactive-person-reactivated): the sending rules refuse its
    # lines before asking. Kept up to date by each resync.
    qbo_inactive = fields.Boolean(
        string="Inactive in QuickBooks",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="The QuickBooks employee or vendor linked is inactive: QuickBooks accepts no new "
        "time for it until it is reactivated there.",
    )
    # Billing in QuickBooks (see account.analytic.line._qbo_plans).
    qbo_billing_rate = fields.Monetary(
        string="Billing rate in QuickBooks",
        currency_field="currency_id",
        copy=False,
        groups="hr.group_hr_user",
        help="Hourly rate of this employee's billable time when the project sets none.",
    )
    # What this employee's hours carry: fields of qbo_hour_details_mixin.py,
    # their help here (the cascade: models/qbo_hour_details.py).
    qbo_item_ref_id = fields.Many2one(
        help="Service item of this employee's time, unless the task has one; above the "
        "project's and the company's.",
    )
    qbo_class_ref_id = fields.Many2one(
        help="Class of this employee's time, above the project's and the company's.",
    )
    qbo_department_ref_id = fields.Many2one(
        help="Location of this employee's time, above the project's and the company's.",
    )
    # QuickBooks Payroll (see models/qbo_payroll.py). The compensations
    # QuickBooks gives this employee are QuickBooks state (read by the
    # resync); the one their time is sent with is a manager's choice.
    qbo_payroll_compensation_ids = fields.One2many(
        "qbo.payroll.compensation",
        "employee_id",
        string="QuickBooks pay types",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="This employee's active pay types (compensations) in QuickBooks Payroll, as last "
        "read by 'Check for new users and customers'.",
    )
    qbo_payroll_compensation_id = fields.Many2one(
        "qbo.payroll.compensation",
        string="QuickBooks pay type",
        check_company=True,
        copy=False,
        domain="[('employee_id', '=', id)]",
        groups="qb_timesheet_sync.group_qbo_user",
        help="Pay type of this employee's time, one of their own compensations in QuickBooks "
        "Payroll, so it feeds payroll. Sent only when 'Send payroll items' is on in Settings, "
        "and only for time sent in the name of a QuickBooks employee (never a vendor).",
    )

    def _qbo_company(self):
        self.ensure_one()
        return self.company_id

    def _qbo_is_contractor(self):
        self.ensure_one()
        return self.sudo().employee_type in CONTRACTOR_TYPES

    # ------------------------------------------------------------------
    # Resync
    # ------------------------------------------------------------------
    @api.model
    def _qbo_resync_people(self, company, client, qbo_rows, qbo_names, create_missing):
        """Match the employees of ``company`` with the QuickBooks employees and
        vendors in ``qbo_rows`` ({"Employee": rows, "Vendor": rows}), and create
        in QuickBooks those that exist only in Odoo when ``create_missing``.

        ``qbo_names`` (normalized name -> [(kind, name)]) gets the names created.
        Returns the outcomes (see ``outcome()``).
        """
        realm_id = client.realm_id
        qbo_people = people_from_rows(qbo_rows)
        # Archived employees keep their link (their lines can still be sent)
        # but are never matched anew.
        employees = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
            .filtered(lambda employee: employee.active or employee._qbo_ref(realm_id))
        )
        already_mapped = {
            employee.id: employee._qbo_ref(realm_id)
            for employee in employees
            if employee._qbo_ref(realm_id)
        }
        odoo_people = [
            OdooPerson(
                key=employee.id,
                name=employee.name,
                email=employee.work_email,
                is_contractor=employee._qbo_is_contractor(),
            )
            for employee in employees
        ]
        matches = match_people(odoo_people, qbo_people, already_mapped)
        employee_by_id = {employee.id: employee.sudo(False) for employee in employees}

        outcomes = []
        values_by_employee = {}
        missing_ids = []
        for match in matches:
            employee = employee_by_id[match.key]
            if match.status == MATCHED:
                outcomes += employee._qbo_apply_person_match(
                    match, realm_id, match.key in already_mapped, values_by_employee
                )
            elif match.reason_code == "no_match" and create_missing:
                missing_ids.append(employee.id)
            elif match.reason_code == "no_match":
                outcomes.append(employee._qbo_unmatched_outcome(match, qbo_people))
            else:
                category = Report.AMBIGUOUS if match.status == AMBIGUOUS else Report.UNMATCHED
                creatable = match.reason_code == "no_match"
                outcomes.append(
                    outcome(category, match.reason, employee, level="warning", creatable=creatable)
                )
        self._qbo_write_each(values_by_employee)
        if missing_ids:
            outcomes += self.browse(missing_ids)._qbo_create_in_quickbooks(
                client, company, qbo_names
            )
        return outcomes

    def _qbo_unmatched_outcome(self, match, qbo_people):
        """The report line of an employee no QuickBooks person matched, with
        the ranked suggestions; nothing is linked."""
        self.ensure_one()
        # Inactive people are suggested too, said inactive: never linked here.
        suggestions = self.env["qbo.suggestion"]._qbo_suggest(
            self.name,
            [
                Candidate(person.ref, person.display_name, person.email, active=person.active)
                for person in qbo_people
            ],
            email=self.work_email,
        )
        return outcome(
            Report.UNMATCHED,
            match.reason,
            self,
            level="warning",
            creatable=True,
            suggestions=self.env["qbo.suggestion"]._qbo_report_values(suggestions),
        )

    def _qbo_apply_person_match(self, match, realm_id, kept, values_by_employee):
        """Outcomes of a match; queues the values to write in ``values_by_employee``."""
        self.ensure_one()
        qbo = match.qbo
        # An inactive person's reason already says it is matched: one line.
        outcomes = [outcome(Report.MATCHED, match.reason, self, logged=not kept and qbo.active)]
        if not kept:
            values_by_employee[self] = self._qbo_link_values(
                realm_id, qbo.qbo_id, name=qbo.display_name, kind=qbo.kind, active=qbo.active
            )
        elif self.qbo_inactive != (not qbo.active):
            values_by_employee[self] = {"qbo_inactive": not qbo.active}
        if kept and self.qbo_display_name != qbo.display_name:
            values_by_employee.setdefault(self, {})["qbo_display_name"] = qbo.display_name
            outcomes.append(
                outcome(
                    Report.UPDATED,
                    _lt(
                        "Renamed in QuickBooks from '%(old)s' to '%(new)s': the link follows "
                        "the QuickBooks record.",
                        old=self.qbo_display_name,
                        new=qbo.display_name,
                    ),
                    self,
                )
            )
        if not qbo.active:
            outcomes.append(outcome(Report.INACTIVE, match.reason, self, level="warning"))
        return outcomes

    def _qbo_link_values(self, realm_id, qbo_id, name=None, kind=None, active=True):
        """A link also says whether the QuickBooks person is ``active``."""
        values = super()._qbo_link_values(realm_id, qbo_id, name=name, kind=kind)
        values["qbo_inactive"] = not active
        return values

    def _qbo_new_record(self, company, realm_id, display_name):
        """A contractor becomes a QuickBooks vendor, anyone else an employee."""
        self.ensure_one()
        kind = VENDOR if self._qbo_is_contractor() else EMPLOYEE
        return kind, person_payload(display_name, self.work_email)
