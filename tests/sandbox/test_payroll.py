"""Pay types (payroll compensations) read through the GraphQL
endpoint, and PayrollItemRef on a TimeActivity."""

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.payroll import EMPLOYEE_COMPENSATIONS_FIELD, SCOPE
from tests.qbo_sandbox.testing import (
    ACCOUNTING_SCOPE,
    TIMEOUT,
    api,
    authorize,
    exchange_code,
    sandbox_token,
)
from tests.sandbox.test_entities import fault_code, settings, time_activity

EMPLOYEE_QUERY = (
    "query getEmployeeCompensations($filter: Payroll_EmployeeCompensationsFilter!) { "
    f"{EMPLOYEE_COMPENSATIONS_FIELD}(filter: $filter) {{ edges {{ node {{ id active "
    "employerCompensation { id name type { key value description } } } } } } }"
)
EMPLOYER_QUERY = (
    "query { payrollEmployerInfo { employerCompensations { edges { node { id name "
    "type { key value description } } } } } }"
)
REGULAR_ID = "900"
OVERTIME_ID = "901"


def payroll_token(sandbox, scope=f"{ACCOUNTING_SCOPE} {SCOPE}"):
    callback = authorize(sandbox, DEMO_REALM_ID, scope=scope)
    return exchange_code(sandbox, callback["code"]).json()["access_token"]


def graphql(sandbox, token, query, variables=None):
    return requests.post(
        f"{sandbox.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=TIMEOUT,
    )


@pytest.fixture
def payroll_company(sandbox):
    """The demo company with QuickBooks Payroll: Alice has regular pay and
    overtime, Bruno regular pay only (and overtime no longer)."""
    # Payroll companies refuse BillRate on employees: drop the demo's first.
    realm = sandbox.state.realm(DEMO_REALM_ID)
    with sandbox.state.lock:
        for employee in realm.records["Employee"].values():
            employee.pop("BillRate", None)
    settings(sandbox, PayrollFeature=True)
    sandbox.seed(
        {
            "realms": [
                {
                    "realm_id": DEMO_REALM_ID,
                    "PayrollCompensation": [
                        {
                            "Id": REGULAR_ID,
                            "Name": "Regular pay",
                            "Type": "HOURLY",
                            "employees": ["Alice Martin", "Bruno Keller"],
                        },
                        {
                            "Id": OVERTIME_ID,
                            "Name": "Overtime",
                            "Type": "OVERTIME",
                            "employees": ["Alice Martin"],
                            "inactive_employees": ["Bruno Keller"],
                        },
                    ],
                }
            ]
        }
    )
    return realm


def employee_id(realm, name):
    return next(
        record["Id"]
        for record in realm.records["Employee"].values()
        if record["DisplayName"] == name
    )


def test_employer_and_employee_pay_types(sandbox, payroll_company):
    token = payroll_token(sandbox)
    employer = graphql(sandbox, token, EMPLOYER_QUERY)
    assert employer.status_code == 200, employer.text
    edges = employer.json()["data"]["payrollEmployerInfo"]["employerCompensations"]["edges"]
    assert {edge["node"]["name"] for edge in edges} == {"Regular pay", "Overtime"}
    assert {edge["node"]["type"]["key"] for edge in edges} == {"HOURLY", "OVERTIME"}

    bruno = employee_id(payroll_company, "Bruno Keller")
    active = graphql(
        sandbox, token, EMPLOYEE_QUERY, {"filter": {"active": True, "employeeId": bruno}}
    ).json()["data"][EMPLOYEE_COMPENSATIONS_FIELD]["edges"]
    assert [edge["node"]["employerCompensation"]["id"] for edge in active] == [REGULAR_ID]
    assert active[0]["node"]["active"] is True
    every = graphql(
        sandbox, token, EMPLOYEE_QUERY, {"filter": {"active": False, "employeeId": bruno}}
    ).json()["data"][EMPLOYEE_COMPENSATIONS_FIELD]["edges"]
    assert sorted(edge["node"]["active"] for edge in every) == [False, True]


def test_graphql_reads_are_metered_as_core_plus(sandbox, payroll_company):
    token = payroll_token(sandbox)
    before = sandbox.stats()["metered"]["CorePlus"]
    graphql(sandbox, token, EMPLOYER_QUERY)
    assert sandbox.stats()["metered"]["CorePlus"] == before + 1


def test_graphql_errors(sandbox, payroll_company):
    token = payroll_token(sandbox)
    # The filter's active flag is required (Boolean!).
    answer = graphql(sandbox, token, EMPLOYEE_QUERY, {"filter": {}}).json()
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["errorType"] == "VALIDATION_ERROR"
    answer = graphql(
        sandbox, token, EMPLOYEE_QUERY, {"filter": {"active": True, "employeeId": "99999"}}
    ).json()
    assert answer["errors"][0]["extensions"]["errorType"] == "INVALID_REQUEST"
    # A bad token is refused by the gateway.
    refused = graphql(sandbox, "x" * 40, EMPLOYER_QUERY)
    assert refused.status_code == 401
    assert refused.json()["code"] == "AuthenticationFailed"


def test_token_without_the_payroll_scope_is_forbidden(sandbox, payroll_company):
    token, _refresh = sandbox_token(sandbox)  # accounting only
    answer = graphql(sandbox, token, EMPLOYER_QUERY)
    assert answer.status_code == 200
    error = answer.json()["errors"][0]
    assert error["message"] == "Forbidden"
    assert error["extensions"]["errorType"] == "AUTHORIZATION_ERROR"


def test_company_without_payroll_has_no_pay_types(sandbox):
    answer = graphql(sandbox, payroll_token(sandbox), EMPLOYER_QUERY).json()
    assert answer["errors"][0]["extensions"]["errorType"] == "INVALID_REQUEST"


def test_payroll_scope_is_known_to_the_consent(sandbox):
    callback = authorize(sandbox, DEMO_REALM_ID, scope=f"{ACCOUNTING_SCOPE} {SCOPE}")
    assert callback["realmId"] == DEMO_REALM_ID and callback["code"]


def payroll_people(realm):
    return {
        "alice": employee_id(realm, "Alice Martin"),
        "bruno": employee_id(realm, "Bruno Keller"),
        "jordan": next(iter(realm.records["Vendor"])),
        "website": next(
            record["Id"]
            for record in realm.records["Customer"].values()
            if record["DisplayName"] == "Website Redesign"
        ),
        "hours": next(iter(realm.records["Item"])),
    }


def test_time_activity_carries_an_active_pay_type_of_its_employee(sandbox, payroll_company):
    people = payroll_people(payroll_company)
    client = api(sandbox, DEMO_REALM_ID)
    created = client.create(
        "TimeActivity", time_activity(people, PayrollItemRef={"value": OVERTIME_ID})
    )
    assert created.status_code == 200, created.text
    assert created.json()["TimeActivity"]["PayrollItemRef"] == {
        "value": OVERTIME_ID,
        "name": "Overtime",
    }
    record_id = created.json()["TimeActivity"]["Id"]
    read = client.read("TimeActivity", record_id).json()["TimeActivity"]
    assert read["PayrollItemRef"]["value"] == OVERTIME_ID
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=TIMEOUT)
    assert "<th>Pay type</th>" in page.text and "<td>Overtime</td>" in page.text


def test_payroll_item_ref_is_validated(sandbox, payroll_company):
    people = payroll_people(payroll_company)
    client = api(sandbox, DEMO_REALM_ID)
    # Bruno's overtime is no longer active: 610, as an inactive reference.
    bruno = time_activity(
        people, EmployeeRef={"value": people["bruno"]}, PayrollItemRef={"value": OVERTIME_ID}
    )
    assert fault_code(client.create("TimeActivity", bruno)) == "610"
    # An unknown pay type.
    unknown = time_activity(people, PayrollItemRef={"value": "12345"})
    assert fault_code(client.create("TimeActivity", unknown)) == "2500"
    # A vendor's time has no pay type.
    vendor = time_activity(
        people,
        NameOf="Vendor",
        EmployeeRef=None,
        VendorRef={"value": people["jordan"]},
        PayrollItemRef={"value": REGULAR_ID},
    )
    assert fault_code(client.create("TimeActivity", vendor)) == "2500"
    # Without payroll, QuickBooks does not take the field at all.
    settings(sandbox, PayrollFeature=False)
    plain = time_activity(people, PayrollItemRef={"value": REGULAR_ID})
    assert fault_code(client.create("TimeActivity", plain)) == "2010"


def test_pay_types_survive_a_restart(sandbox, payroll_company):
    data = sandbox.state.to_dict()
    sandbox.state.load_dict(data)
    realm = sandbox.state.realm(DEMO_REALM_ID)
    assert realm.payroll["employer"][REGULAR_ID]["name"] == "Regular pay"
