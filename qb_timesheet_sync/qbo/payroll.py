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
# The kind of ``qbo.item`` a pay type is stored as.
PAYROLL = "payroll"
# guess: Intuit's schema pages do not show the root field of the employees'
# compensations; this name (with edges/node) is what public clients send. The
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
class PayType:
    """A pay type of the employer (the PayrollItemRef sent) and its kind."""

    qbo_id: str
    name: str
    type_name: str = ""


def pay_type_from_node(node):
    """The :class:`PayType` of an EmployeeCompensation node.

    guess: ``PayrollItemRef`` names the employer's compensation (the pay type
    several employees share, QuickBooks Time's "payroll item"), not the
    employee's own EmployeeCompensation record; Intuit does not say which.
    """
    employer = node.get("employerCompensation") or {}
    kind = employer.get("type") or {}
    return PayType(
        qbo_id=str(employer["id"]),
        name=employer.get("name") or str(employer["id"]),
        type_name=kind.get("value") or kind.get("key") or "",
    )


def pay_type_values(pay_type):
    """{qbo_id, name, active} of a :class:`PayType`, as ``qbo.item`` keeps it."""
    name = pay_type.name
    if pay_type.type_name and pay_type.type_name.lower() not in name.lower():
        name = f"{name} ({pay_type.type_name})"
    return {"qbo_id": pay_type.qbo_id, "name": name, "active": True}


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


def employee_pay_types(client, employee_id):
    """The active :class:`PayType` list of QuickBooks employee ``employee_id``."""
    answer = client.graphql(
        EMPLOYEE_COMPENSATIONS_QUERY,
        {"filter": {"active": True, "employeeId": str(employee_id)}},
    )
    if not _check_errors(answer, employee_id):
        return []
    connection = (answer.get("data") or {}).get(EMPLOYEE_COMPENSATIONS_FIELD) or {}
    pay_types = []
    for edge in connection.get("edges") or []:
        node = (edge or {}).get("node") or {}
        if node.get("active") is False or not node.get("employerCompensation"):
            continue
        pay_type = pay_type_from_node(node)
        if pay_type not in pay_types:
            pay_types.append(pay_type)
    return pay_types


def read_pay_types(client, employee_ids):
    """{employee id: [PayType]} of the QuickBooks employees ``employee_ids``
    (one metered GraphQL read per employee: the filter takes one employee).
    Raises :class:`QboPayrollRefused` when the scope is missing."""
    return {str(qbo_id): employee_pay_types(client, qbo_id) for qbo_id in employee_ids}


def has_payroll(company_info):
    """Whether the QuickBooks company runs QuickBooks Payroll (CompanyInfo
    ``NameValue`` ``PayrollFeature``, Intuit's CompanyInfo reference)."""
    pairs = {pair.get("Name"): pair.get("Value") for pair in company_info.get("NameValue", [])}
    return str(pairs.get("PayrollFeature", "false")).lower() == "true"
