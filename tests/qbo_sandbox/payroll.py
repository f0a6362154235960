"""Payroll pay types (compensations) of the sandbox, and the GraphQL endpoint
that reads them.

What Intuit documents:

- ``TimeActivity.PayrollItemRef``: "Specifies how much the employee should be
  paid for doing the work specified by the Compensation Id. Query the
  EmployeeCompensation resource to determine the appropriate
  PayrollCompensation object for an employee. This field is available only for
  a closed group of developers." (developer.intuit.com, TimeActivity reference).
- Pay types are read through the GraphQL API (``POST
  https://qb.api.intuit.com/graphql``, JSON ``{query, variables}``) with the
  restricted scope ``payroll.compensation.read``; "The Payroll Employee
  Compensation API is currently not available in sandbox" (developer.intuit.com
  .../track-time/get-started).
- EmployeeCompensation ``{id, active, employerCompensation {id, name, type {key,
  value, description}}}``, filter ``Payroll_EmployeeCompensationsFilter {active:
  Boolean!, employeeId: ID}``; the employer's list through ``payrollEmployerInfo
  { employerCompensations { edges { node {...} } } }``
  (intuitdeveloper.github.io/intuit-api/docs/schema-entities/employeeCompensation).
- Payroll error types and messages (AUTHENTICATION_ERROR "Unauthorized",
  AUTHORIZATION_ERROR "Forbidden", INVALID_REQUEST "Could not find any employee
  with RealmId ExternalEmployeeId", INVALID_REQUEST "Unable to find companyId
  for realmId=") come from developer.intuit.com .../manage-payroll/payroll-errors.

Data per realm (``realm.payroll``, plain JSON):
``{"employer": {id: {"id", "name", "type": {key, value, description}}},
"employees": {employee_id: [{"id", "employer_id", "active"}]}}``.

Seed (key ``PayrollCompensation`` of a realm seed, loaded after the employees)::

    {"Id": "700", "Name": "Regular pay", "Type": "HOURLY",
     "employees": ["Emily Platt", "55"], "inactive_employees": ["Bob Brown"]}

Employees are named by Id or DisplayName.
"""

import json
import re

from . import faults

SCOPE = "payroll.compensation.read"
# guess: the root field of the employees' compensations is not in Intuit's
# published schema pages; this name (with edges/node) is what public clients
# send. One constant, the client's qbo/payroll.py uses the same name.
EMPLOYEE_COMPENSATIONS_FIELD = "payrollEmployeeCompensations"
EMPLOYER_INFO_FIELD = "payrollEmployerInfo"
# guess: the type keys; Intuit documents key/value/description, not the values.
PAY_TYPES = {
    "HOURLY": ("Hourly", "Hourly pay"),
    "SALARY": ("Salary", "Salary pay"),
    "OVERTIME": ("Overtime", "Overtime pay"),
    "DOUBLE_OVERTIME": ("Double overtime", "Double overtime pay"),
    "SICK": ("Sick pay", "Paid sick time"),
    "VACATION": ("Vacation pay", "Paid vacation time"),
}
_ROOT_FIELDS = re.compile(rf"\b({EMPLOYEE_COMPENSATIONS_FIELD}|{EMPLOYER_INFO_FIELD})\b")


def empty():
    return {"employer": {}, "employees": {}}


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


def load_seed(realm, compensations):
    """Add the pay types of a realm seed (format in the module docstring)."""
    for entry in compensations:
        employer_id = realm.allocate_id(entry.get("Id"))
        key = entry.get("Type", "HOURLY")
        if key not in PAY_TYPES:
            raise ValueError(f"unknown pay type {key}; one of {', '.join(PAY_TYPES)}")
        value, description = PAY_TYPES[key]
        realm.payroll["employer"][employer_id] = {
            "id": employer_id,
            "name": entry["Name"],
            "type": {"key": key, "value": value, "description": description},
        }
        for names, active in (
            (entry.get("employees", []), True),
            (entry.get("inactive_employees", []), False),
        ):
            for name in names:
                employee_id = _employee_id(realm, name)
                realm.payroll["employees"].setdefault(employee_id, []).append(
                    {"id": realm.allocate_id(), "employer_id": employer_id, "active": active}
                )


def _employee_id(realm, name):
    employees = realm.records["Employee"]
    if str(name) in employees:
        return str(name)
    for record in employees.values():
        if record.get("DisplayName") == name:
            return record["Id"]
    raise ValueError(f"unknown employee {name} in PayrollCompensation")


# ---------------------------------------------------------------------------
# TimeActivity.PayrollItemRef
# ---------------------------------------------------------------------------


def check_payroll_item_ref(realm, record):
    """``PayrollItemRef`` of a time activity: only in a payroll company, only for
    an employee's time, and an active pay type of that employee.

    guess: the reference value is the employer's compensation id (the pay type,
    shared by the employees who have it: QuickBooks Time's "payroll item"), not
    the id of the employee's EmployeeCompensation record.
    guess: the fault codes. Intuit documents none for PayrollItemRef; a company
    without payroll answers like an unsupported property (2010), a vendor's time
    like a bad reference (2500), a pay type the employee does not have (or no
    longer has) like an inactive reference (610).
    """
    ref = record.get("PayrollItemRef")
    if not ref:
        return
    if not realm.payroll_enabled():
        raise faults.invalid_property(
            "PayrollItemRef (the company has no payroll)", "PayrollItemRef"
        )
    value = str(ref.get("value") or "") if isinstance(ref, dict) else ""
    if record.get("NameOf") != "Employee":
        raise faults.invalid_reference("PayrollItem", value, "PayrollItemRef")
    pay_type = realm.payroll["employer"].get(value)
    if pay_type is None:
        raise faults.invalid_reference("PayrollItem", value, "PayrollItemRef")
    employee_id = str((record.get("EmployeeRef") or {}).get("value") or "")
    own = realm.payroll["employees"].get(employee_id, [])
    if not any(entry["employer_id"] == value and entry["active"] for entry in own):
        raise faults.inactive_reference("PayrollItemRef")
    record["PayrollItemRef"] = {"value": value, "name": pay_type["name"]}


# ---------------------------------------------------------------------------
# GraphQL
# ---------------------------------------------------------------------------


class GraphQLError(Exception):
    """A GraphQL service error, answered with HTTP 200 and an ``errors`` list.

    guess: the shape ``{"data": null, "errors": [{"message", "extensions":
    {"errorType", "errorCode"}}]}`` (GraphQL's own error shape; Intuit's tables
    give the type, code and message, not the JSON)."""

    def __init__(self, error_type, message, code=None):
        super().__init__(message)
        self.error_type = error_type
        self.code = code or error_type
        self.message = message

    def body(self):
        error = {"errorType": self.error_type, "errorCode": self.code}
        return {"data": None, "errors": [{"message": self.message, "extensions": error}]}


def gateway_error_body(fault):
    """A gateway 401/403 of the GraphQL host (developer.intuit.com, "Fix
    GraphQL errors": ``{"code", "type", "message", "detail", "moreInfo"}``)."""
    code = "AuthenticationFailed" if fault.status == 401 else "AuthorizationFailed"
    return {
        "code": code,
        "type": "INPUT",
        "message": None,
        "detail": fault.detail,
        "moreInfo": None,
    }


def token_realm(state, authorization_header):
    """The realm an access token was issued for ("" when unknown): the GraphQL
    API has no realm in its URL, the token names the company."""
    header = authorization_header or ""
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    entry = state.access_tokens.get(token)
    return (entry or {}).get("realm_id") or ""


def handle(realm, token_scope, body):
    """The JSON answer of one GraphQL request of an authenticated token."""
    try:
        request = json.loads(body.decode("utf-8") or "{}")
        query = request.get("query") or ""
        variables = request.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            raise ValueError
    except (ValueError, AttributeError, UnicodeDecodeError):
        return GraphQLError("VALIDATION_ERROR", "Invalid GraphQL request body.").body()
    try:
        if SCOPE not in token_scope.split():
            raise GraphQLError("AUTHORIZATION_ERROR", "Forbidden")
        fields = set(_ROOT_FIELDS.findall(query))
        if not fields:
            raise GraphQLError("VALIDATION_ERROR", "The sandbox answers pay type queries only.")
        if not realm.payroll_enabled():
            # guess: Intuit's message for a company it cannot find in payroll.
            raise GraphQLError(
                "INVALID_REQUEST", f"Unable to find companyId for realmId={realm.realm_id}"
            )
        data = {}
        if EMPLOYER_INFO_FIELD in fields:
            data[EMPLOYER_INFO_FIELD] = employer_info(realm)
        if EMPLOYEE_COMPENSATIONS_FIELD in fields:
            data[EMPLOYEE_COMPENSATIONS_FIELD] = employee_compensations(
                realm, variables.get("filter")
            )
        return {"data": data}
    except GraphQLError as error:
        return error.body()


def employer_info(realm):
    nodes = [dict(pay_type) for pay_type in realm.payroll["employer"].values()]
    return {"employerCompensations": {"edges": [{"node": node} for node in nodes]}}


def employee_compensations(realm, filter_):
    if not isinstance(filter_, dict) or not isinstance(filter_.get("active"), bool):
        raise GraphQLError(
            "VALIDATION_ERROR",
            "Variable 'filter' has an invalid value: field 'active' of type Boolean! is required.",
        )
    employee_id = filter_.get("employeeId")
    employees = realm.payroll["employees"]
    if employee_id is not None:
        employee_id = str(employee_id)
        if employee_id not in realm.records["Employee"]:
            raise GraphQLError(
                "INVALID_REQUEST", "Could not find any employee with RealmId ExternalEmployeeId"
            )
        chosen = {employee_id: employees.get(employee_id, [])}
    else:
        chosen = employees
    edges = []
    for entries in chosen.values():
        for entry in entries:
            # guess: active=false lists every compensation, active=true the active ones.
            if filter_["active"] and not entry["active"]:
                continue
            edges.append(
                {
                    "node": {
                        "id": entry["id"],
                        "active": entry["active"],
                        "employerCompensation": dict(
                            realm.payroll["employer"][entry["employer_id"]]
                        ),
                    }
                }
            )
    return {"edges": edges}
