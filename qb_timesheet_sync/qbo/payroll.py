# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pay types (QuickBooks Payroll compensations) of the employees, so their
time feeds payroll the way QuickBooks Time does.

Plain Python on purpose (no ``odoo`` import). What Intuit documents:

- ``TimeActivity.PayrollItemRef``: "Specifies how much the employee should be
  paid for doing the work specified by the Compensation Id. Query the
  EmployeeCompensation resource to determine the appropriate
  PayrollCompensation object for an employee. This field is available only for
  a closed group of developers." (developer.intuit.com, TimeActivity
  reference). Only for an employee's time (``NameOf=Employee``).
- Its value is the employee's own compensation: the ``id`` of a
  ``payrollEmployeeCompensations`` node, not ``employerCompensation.id``
  (IntuitDeveloper/SampleApp-PayrollCompensation-NodeJS ``pages/index.html``,
  SampleApp-EmployeeCompensation-DotNet ``wwwroot/js/setup-wizard.js``;
  docs/ASSUMPTIONS.md#payrollitemref-compensation-id).
- Pay types are read through the GraphQL API (``POST
  https://qb.api.intuit.com/graphql``, JSON ``{query, variables}``) with the
  restricted scope ``payroll.compensation.read``, which Intuit grants on
  request; "The Payroll Employee Compensation API is currently not available
  in sandbox" (developer.intuit.com .../workflows/track-time/get-started).
- EmployeeCompensation ``{id, active, employerCompensation {id, name, type {key,
  value, description}}}``, filtered by ``Payroll_EmployeeCompensationsFilter
  {active: Boolean!, employeeId: ID}``
  (intuitdeveloper.github.io/intuit-api/docs/schema-entities/employeeCompensation).
- Error types AUTHENTICATION_ERROR "Unauthorized", AUTHORIZATION_ERROR
  "Forbidden" (developer.intuit.com .../manage-payroll/payroll-errors).
"""

from dataclasses import dataclass

from .errors import QboError
from .text import _lt

PAYROLL_SCOPE = "payroll.compensation.read"
# The root field of the employees' compensations, as Intuit's samples send it
# (IntuitDeveloper/SampleApp-PayrollCompensation-PHP Payroll/graphql/payroll.graphql,
# SampleApp-EmployeeCompensation-DotNet Controllers/SetupController.cs). The
# local sandbox (tests/qbo_sandbox/payroll.py) answers the same name.
EMPLOYEE_COMPENSATIONS_FIELD = "payrollEmployeeCompensations"
EMPLOYEE_COMPENSATIONS_QUERY = (
    "query getEmployeeCompensations($filter: Payroll_EmployeeCompensationsFilter!) { "
    f"{EMPLOYEE_COMPENSATIONS_FIELD}(filter: $filter) {{ edges {{ node {{ id active "
    "employerCompensation { id name type { key value description } } } } } } }"
)
# Refusals of the token rather than of the request: the scope is missing.
REFUSED_TYPES = ("AUTHORIZATION_ERROR", "AUTHENTICATION_ERROR", "PERMISSION_DENIED")
# "Could not find any employee with RealmId ExternalEmployeeId": an employee
# QuickBooks Payroll does not know (not on payroll): no pay type, no error.
UNKNOWN_EMPLOYEE_TEXT = "could not find any employee"


class QboPayrollRefused(QboError):
    """QuickBooks refused to share the pay types (scope not granted)."""

    default_message = _lt(
        "QuickBooks refused to share the employees' pay types: the connection does not have "
        "Intuit's payroll.compensation.read permission."
    )


@dataclass(frozen=True)
class Compensation:
    """One compensation of one employee (an EmployeeCompensation node).

    ``qbo_id`` is the node's own ``id``, the value of ``PayrollItemRef``
    (docs/ASSUMPTIONS.md#payrollitemref-compensation-id); the employer's pay
    type it applies (``employerCompensation``: the same for every employee who
    has it) is ``pay_type_qbo_id``, ``pay_type_name`` and ``type_key`` (such as
    ``OVERTIME``)."""

    qbo_id: str
    pay_type_qbo_id: str
    pay_type_name: str
    type_key: str = ""

    @property
    def name(self):
        """The pay type's name, with its kind when the name does not say it:
        "Regular pay (hourly)", "Overtime Pay"."""
        kind = self.type_key.replace("_", " ").lower()
        if kind and kind not in self.pay_type_name.lower():
            return f"{self.pay_type_name} ({kind})"
        return self.pay_type_name


def compensation_from_node(node):
    """The :class:`Compensation` of an EmployeeCompensation node."""
    employer = node.get("employerCompensation") or {}
    kind = employer.get("type") or {}
    pay_type_id = str(employer["id"])
    return Compensation(
        qbo_id=str(node["id"]),
        pay_type_qbo_id=pay_type_id,
        pay_type_name=employer.get("name") or pay_type_id,
        type_key=str(kind.get("key") or kind.get("value") or ""),
    )


def resolve_choice(chosen_qbo_id, chosen_pay_type_id, compensations):
    """The :class:`Compensation` of ``compensations`` (an employee's active
    ones) that a choice stands for: the chosen compensation itself while the
    employee still has it, else the employee's compensation of the same
    employer pay type (a choice kept from a version that stored the employer's
    pay type id, or a compensation QuickBooks replaced); None when the
    employee has neither."""
    if chosen_qbo_id:
        for compensation in compensations:
            if compensation.qbo_id == str(chosen_qbo_id):
                return compensation
    if chosen_pay_type_id:
        for compensation in compensations:
            if compensation.pay_type_qbo_id == str(chosen_pay_type_id):
                return compensation
    return None


def _check_errors(answer, employee_id):
    """Raise the :class:`QboError` of a GraphQL answer's ``errors``; return
    False when the employee is unknown to payroll (no pay types)."""
    errors = answer.get("errors") or []
    if not errors:
        return True
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "")
    extensions = first.get("extensions") or {}
    error_type = str(extensions.get("errorType") or extensions.get("classification") or "")
    code = str(extensions.get("errorCode") or extensions.get("code") or error_type)
    if error_type in REFUSED_TYPES or code in REFUSED_TYPES or message == "Forbidden":
        raise QboPayrollRefused(code=code, detail=message)
    if UNKNOWN_EMPLOYEE_TEXT in message.lower():
        return False
    raise QboError(
        _lt(
            "QuickBooks could not list the pay types of employee %(employee)s: %(reason)s",
            employee=employee_id,
            reason=message or code,
        ),
        code=code,
        detail=message,
    )


def employee_compensations(client, employee_id):
    """The active :class:`Compensation` list of QuickBooks employee ``employee_id``."""
    answer = client.graphql(
        EMPLOYEE_COMPENSATIONS_QUERY,
        {"filter": {"active": True, "employeeId": str(employee_id)}},
    )
    if not _check_errors(answer, employee_id):
        return []
    connection = (answer.get("data") or {}).get(EMPLOYEE_COMPENSATIONS_FIELD) or {}
    compensations = []
    for edge in connection.get("edges") or []:
        node = (edge or {}).get("node") or {}
        if (
            node.get("active") is False
            or not node.get("id")
            or not node.get("employerCompensation")
        ):
            continue
        compensation = compensation_from_node(node)
        if compensation not in compensations:
            compensations.append(compensation)
    return compensations


def read_compensations(client, employee_ids):
    """{employee id: [Compensation]} of the QuickBooks employees ``employee_ids``
    (one metered GraphQL read per employee: the filter takes one employee).
    Raises :class:`QboPayrollRefused` when the scope is missing."""
    return {str(qbo_id): employee_compensations(client, qbo_id) for qbo_id in employee_ids}


def has_payroll(company_info):
    """Whether the QuickBooks company runs QuickBooks Payroll (CompanyInfo
    ``NameValue`` ``PayrollFeature``, Intuit's CompanyInfo reference)."""
    pairs = {pair.get("Name"): pair.get("Value") for pair in company_info.get("NameValue", [])}
    return str(pairs.get("PayrollFeature", "false")).lower() == "true"
