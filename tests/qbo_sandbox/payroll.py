"""Payroll pay types (compensations) of the sandbox, and the GraphQL endpoint
that reads them.

What Intuit documents:

- ``TimeActivity.PayrollItemRef``: "Specifies how much the employee should be
  paid for doing the work specified by the Compensation Id. Query the
  EmployeeCompensation resource to determine the appropriate
  PayrollCompensation object for an employee. This field is available only for
  a closed group of developers." (developer.intuit.com, TimeActivity reference).
  Its value is the id of one of the employee's own compensations (the
  ``payrollEmployeeCompensations`` node ``id``), not the employer's pay type:
  IntuitDeveloper/SampleApp-PayrollCompensation-NodeJS ``pages/index.html``,
  SampleApp-EmployeeCompensation-DotNet ``wwwroot/js/templates.js``
  ("PayrollItemRef.value — First Selected Compensation ID").
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
"employees": {employee_id: [{"id", "employer_id", "active"}]}}``; the ``id``
of an employee's entry is that employee's own compensation.

Seed (key ``PayrollCompensation`` of a realm seed, loaded after the employees)::

    {"Id": "700", "Name": "Regular pay", "Type": "HOURLY",
     "employees": ["Emily Platt", {"employee": "55", "Id": "623972114"}],
     "inactive_employees": ["Bob Brown"]}

``Id`` is the employer's pay type. Employees are named by Id or DisplayName,
alone or with the ``Id`` of their own compensation (else one is given from
the compensations' own counter, never an id of the employer's pay types).
"""

import json
import re

from . import faults

SCOPE = "payroll.compensation.read"
# The root field Intuit's samples query (SampleApp-PayrollCompensation-PHP
# Payroll/graphql/payroll.graphql); the client's qbo/payroll.py uses the same name.
EMPLOYEE_COMPENSATIONS_FIELD = "payrollEmployeeCompensations"
EMPLOYER_INFO_FIELD = "payrollEmployerInfo"
# The kinds of pay. Intuit's answer writes each as key = value = description
# ("OVERTIME", "DOUBLE_OVERTIME", "HOLIDAY_PAY", "BONUS", "COMMISSION",
# "SALARY": intuit-api docs/schema-entities/employeeCompensation.md); HOURLY is
# the kind SampleApp-EmployeeCompensation-DotNet wwwroot/js/constants.js names
# beside SALARY.
PAY_TYPES = (
    "HOURLY",
    "SALARY",
    "OVERTIME",
    "DOUBLE_OVERTIME",
    "HOLIDAY_PAY",
    "BONUS",
    "COMMISSION",
)
# The employees' own compensations get ids from a counter of their own, in the
# range of Intuit's examples (a compensation 623972114 in intuit-api
# docs/schema-entities/timeentry.md), so they never equal a pay type's id.
FIRST_COMPENSATION_ID = 623972114
_ROOT_FIELDS = re.compile(rf"\b({EMPLOYEE_COMPENSATIONS_FIELD}|{EMPLOYER_INFO_FIELD})\b")


def empty():
    return {"employer": {}, "employees": {}, "next_id": FIRST_COMPENSATION_ID}


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
        realm.payroll["employer"][employer_id] = {
            "id": employer_id,
            "name": entry["Name"],
            "type": {"key": key, "value": key, "description": key},
        }
        for names, active in (
            (entry.get("employees", []), True),
            (entry.get("inactive_employees", []), False),
        ):
            for name in names:
                own_id = name.get("Id") if isinstance(name, dict) else None
                name = name["employee"] if isinstance(name, dict) else name
                employee_id = _employee_id(realm, name)
                realm.payroll["employees"].setdefault(employee_id, []).append(
                    {
                        "id": _compensation_id(realm, own_id),
                        "employer_id": employer_id,
                        "active": active,
                    }
                )


def _compensation_id(realm, requested):
    payroll = realm.payroll
    payroll.setdefault("next_id", FIRST_COMPENSATION_ID)
    if requested is not None:
        requested = str(requested)
        if requested in payroll["employer"] or _compensation(realm, requested):
            raise ValueError(f"compensation id {requested} is already used")
        if requested.isdigit():
            payroll["next_id"] = max(payroll["next_id"], int(requested) + 1)
        return requested
    while True:
        candidate = str(payroll["next_id"])
        payroll["next_id"] += 1
        if candidate not in payroll["employer"] and not _compensation(realm, candidate):
            return candidate


def _compensation(realm, compensation_id):
    """(employee id, entry) of the compensation ``compensation_id``, or None."""
    for employee_id, entries in realm.payroll["employees"].items():
        for entry in entries:
            if entry["id"] == compensation_id:
                return employee_id, entry
    return None


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
    an employee's time, and the id of an active compensation of that employee
    (docs/ASSUMPTIONS.md#payrollitemref-compensation-id): an employer pay
    type's id, or another employee's compensation, is refused.

    guess: the fault codes. Intuit documents none for PayrollItemRef
    (docs/ASSUMPTIONS.md#payrollitemref-fault-codes); a company without payroll
    answers like an unsupported property (2010), a vendor's time or an id that
    is not a compensation of this employee like a bad reference (2500), a
    compensation the employee no longer has like an inactive reference (610).
    Every one names the element ``PayrollItemRef``.
    guess: the name QuickBooks echoes is the employer pay type's name.
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
    employee_id = str((record.get("EmployeeRef") or {}).get("value") or "")
    found = _compensation(realm, value)
    if found is None or found[0] != employee_id:
        raise faults.invalid_reference("PayrollItem", value, "PayrollItemRef")
    entry = found[1]
    if not entry["active"]:
        raise faults.inactive_reference("PayrollItemRef")
    pay_type = realm.payroll["employer"][entry["employer_id"]]
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
