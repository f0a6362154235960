# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..qbo import BatchItem
from ..qbo.mapping import AMBIGUOUS as PERSON_AMBIGUOUS
from ..qbo.mapping import (
    EMPLOYEE,
    MATCHED,
    VENDOR,
    OdooPerson,
    QboPerson,
    check_new_qbo_name,
    clean_display_name,
    match_people,
    normalize_name,
)
from .qbo_mapping_mixin import (
    AMBIGUOUS,
    CREATED_QBO,
    FAILED,
    INACTIVE,
    UNMATCHED,
    UPDATED,
    outcome,
)
from .qbo_mapping_mixin import MATCHED as MATCHED_OUTCOME

# Employee types that are usually QuickBooks vendors rather than employees.
CONTRACTOR_TYPES = ("contractor", "freelance")
# QuickBooks limit of GivenName and FamilyName (facts 3.3).
NAME_PART_MAX = 100


class HrEmployee(models.Model):
    _name = "hr.employee"
    _inherit = ["hr.employee", "qbo.mapping.mixin"]

    _qbo_id_field = "qbo_id"
    _qbo_mapping_fields = frozenset({"qbo_id", "qbo_kind", "qbo_display_name", "qbo_realm_id"})
    # The billing rate is HR's to set; every other qbo_ field is the link.
    _qbo_user_fields = frozenset({"qbo_billing_rate"})
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
    # Billing in QuickBooks (see account.analytic.line._qbo_plans).
    qbo_billing_rate = fields.Monetary(
        string="Billing rate in QuickBooks",
        currency_field="currency_id",
        copy=False,
        groups="hr.group_hr_user",
        help="Hourly rate of this employee's billable time when the project sets none.",
    )

    def _qbo_person_ref(self, realm_id):
        """(kind, QuickBooks id) of this employee in QuickBooks company
        ``realm_id``, or None when it is not mapped there."""
        self.ensure_one()
        if not self.qbo_id or not self.qbo_kind or self.qbo_realm_id != str(realm_id):
            return None
        return (self.qbo_kind, self.qbo_id)

    def _qbo_company(self):
        self.ensure_one()
        return self.company_id

    def _qbo_mapping_values(self, realm_id, choice):
        return {
            "qbo_id": choice.qbo_id,
            "qbo_kind": choice.kind,
            "qbo_display_name": choice.name,
            "qbo_realm_id": realm_id,
        }

    def _qbo_same_link_domain(self, realm_id, choice):
        return [*super()._qbo_same_link_domain(realm_id, choice), ("qbo_kind", "=", choice.kind)]

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
        qbo_people = [
            QboPerson(
                qbo_id=str(row["Id"]),
                kind=kind,
                display_name=row.get("DisplayName") or "",
                email=(row.get("PrimaryEmailAddr") or {}).get("Address"),
                active=row.get("Active", True),
            )
            for kind in (EMPLOYEE, VENDOR)
            for row in qbo_rows[kind]
        ]
        # Archived employees keep their link (their lines can still be sent)
        # but are never matched anew.
        employees = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
            .filtered(lambda employee: employee.active or employee._qbo_person_ref(realm_id))
        )
        already_mapped = {
            employee.id: employee._qbo_person_ref(realm_id)
            for employee in employees
            if employee._qbo_person_ref(realm_id)
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
            else:
                category = AMBIGUOUS if match.status == PERSON_AMBIGUOUS else UNMATCHED
                outcomes.append(outcome(category, match.reason, employee, level="warning"))
        self._qbo_write_each(values_by_employee)
        if missing_ids:
            outcomes += self.browse(missing_ids)._qbo_create_in_quickbooks(client, qbo_names)
        return outcomes

    def _qbo_apply_person_match(self, match, realm_id, kept, values_by_employee):
        """Outcomes of a match; queues the values to write in ``values_by_employee``."""
        self.ensure_one()
        qbo = match.qbo
        values = {
            "qbo_id": qbo.qbo_id,
            "qbo_kind": qbo.kind,
            "qbo_display_name": qbo.display_name,
            "qbo_realm_id": realm_id,
        }
        # An inactive person's reason already says it is matched: one line.
        outcomes = [outcome(MATCHED_OUTCOME, match.reason, self, logged=not kept and qbo.active)]
        if not kept:
            values_by_employee[self] = values
        elif self.qbo_display_name != qbo.display_name:
            values_by_employee[self] = {"qbo_display_name": qbo.display_name}
            outcomes.append(
                outcome(
                    UPDATED,
                    self.env._(
                        "Renamed in QuickBooks from '%(old)s' to '%(new)s': the link follows "
                        "the QuickBooks record.",
                        old=self.qbo_display_name,
                        new=qbo.display_name,
                    ),
                    self,
                )
            )
        if not qbo.active:
            outcomes.append(outcome(INACTIVE, match.reason, self, level="warning"))
        return outcomes

    def _qbo_create_in_quickbooks(self, client, qbo_names):
        """Create these employees in QuickBooks (contractors as vendors) and
        link them; names QuickBooks would refuse are reported instead."""
        realm_id = client.realm_id
        outcomes = []
        items = []
        for employee in self:
            problem = check_new_qbo_name(
                employee.name,
                qbo_names.get(normalize_name(clean_display_name(employee.name)), []),
                odoo_kind="employee",
            )
            if problem:
                outcomes.append(outcome(UNMATCHED, problem.message, employee, level="warning"))
                continue
            kind = VENDOR if employee._qbo_is_contractor() else EMPLOYEE
            name = clean_display_name(employee.name)
            qbo_names.setdefault(normalize_name(name), []).append((kind, name))
            items.append(
                BatchItem(
                    "create",
                    kind,
                    employee._qbo_person_payload(name),
                    self._qbo_request_id(realm_id, employee, name),
                    key=employee,
                )
            )
        values_by_employee = {}
        for result in self._qbo_send_batch(client, items):
            employee = result.item.key
            if not result.ok:
                outcomes.append(
                    outcome(
                        FAILED,
                        self.env._(
                            "'%(name)s' could not be created in QuickBooks: %(reason)s",
                            name=employee.name,
                            reason=str(result.error),
                        ),
                        employee,
                        level="error",
                    )
                )
                continue
            values_by_employee[employee] = {
                "qbo_id": str(result.data["Id"]),
                "qbo_kind": result.item.entity,
                "qbo_display_name": result.data.get("DisplayName")
                or result.item.payload["DisplayName"],
                "qbo_realm_id": realm_id,
            }
            outcomes.append(
                outcome(
                    CREATED_QBO,
                    self.env._(
                        "Created in QuickBooks as the %(kind)s '%(name)s'.",
                        kind=result.item.entity.lower(),
                        name=values_by_employee[employee]["qbo_display_name"],
                    ),
                    employee,
                )
            )
        self._qbo_write_each(values_by_employee)
        return outcomes

    def _qbo_person_payload(self, display_name):
        """QuickBooks Employee/Vendor body; the employee rules need a given or
        family name (facts 3.3), split here from the display name."""
        self.ensure_one()
        given_name, _sep, family_name = display_name.rpartition(" ")
        if not given_name:
            given_name, family_name = family_name, ""
        payload = {"DisplayName": display_name, "GivenName": given_name[:NAME_PART_MAX]}
        if family_name:
            payload["FamilyName"] = family_name[:NAME_PART_MAX]
        if self.work_email:
            payload["PrimaryEmailAddr"] = {"Address": self.work_email}
        return payload
