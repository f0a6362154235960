"""Pay types (payroll compensations) read through the GraphQL endpoint, and
PayrollItemRef on a TimeActivity: the id of one of the employee's own
compensations, never the employer pay type's id."""

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.payroll import EMPLOYEE_COMPENSATIONS_FIELD, SCOPE, load_seed
from tests.qbo_sandbox.testing import (
    ACCOUNTING_SCOPE,
    TIMEOUT,
    api,
    authorize,
    exchange_code,
    sandbox_token,
)
from tests.sandbox.test_entities import settings, time_activity

EMPLOYEE_QUERY = (
    "query getEmployeeCompensations($filter: Payroll_EmployeeCompensationsFilter!) { "
    f"{EMPLOYEE_COMPENSATIONS_FIELD}(filter: $filter) {{ edges {{ node {{ id active "
    "employerCompensation { id name type { key value description } } } } } } }"
)
EMPLOYER_QUERY = (
    "query { payrollEmployerInfo { employerCompensations { edges { node { id name "
    "type { key value description } } } } } }"
)
# The employer's pay types.
REGULAR_ID = "900"
OVERTIME_ID = "901"
# The employees' own compensations of them.
ALICE_REGULAR = "623972114"
ALICE_OVERTIME = "623972115"
BRUNO_REGULAR = "623972116"
BRUNO_OVERTIME = "623972117"


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
                            "employees": [
                                {"employee": "Alice Martin", "Id": ALICE_REGULAR},
                                {"employee": "Bruno Keller", "Id": BRUNO_REGULAR},
                            ],
                        },
                        {
                            "Id": OVERTIME_ID,
                            "Name": "Overtime",
                            "Type": "OVERTIME",
                            "employees": [{"employee": "Alice Martin", "Id": ALICE_OVERTIME}],
                            "inactive_employees": [
                                {"employee": "Bruno Keller", "Id": BRUNO_OVERTIME}
                            ],
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
    # As Intuit writes them: key = value = description.
    assert all(
        edge["node"]["type"]["value"]
        == edge["node"]["type"]["description"]
        == edge["node"]["type"]["key"]
        for edge in edges
    )

    bruno = employee_id(payroll_company, "Bruno Keller")
    active = graphql(
        sandbox, token, EMPLOYEE_QUERY, {"filter": {"active": True, "employeeId": bruno}}
    ).json()["data"][EMPLOYEE_COMPENSATIONS_FIELD]["edges"]
    assert [edge["node"]["employerCompensation"]["id"] for edge in active] == [REGULAR_ID]
    # The node is Bruno's own compensation, not the employer's pay type.
    assert [edge["node"]["id"] for edge in active] == [BRUNO_REGULAR]
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


def test_time_activity_carries_a_compensation_of_its_employee(sandbox, payroll_company):
    people = payroll_people(payroll_company)
    client = api(sandbox, DEMO_REALM_ID)
    created = client.create(
        "TimeActivity", time_activity(people, PayrollItemRef={"value": ALICE_OVERTIME})
    )
    assert created.status_code == 200, created.text
    assert created.json()["TimeActivity"]["PayrollItemRef"] == {
        "value": ALICE_OVERTIME,
        "name": "Overtime",
    }
    record_id = created.json()["TimeActivity"]["Id"]
    read = client.read("TimeActivity", record_id).json()["TimeActivity"]
    assert read["PayrollItemRef"]["value"] == ALICE_OVERTIME
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=TIMEOUT)
    assert "<th>Pay type</th>" in page.text and "<td>Overtime</td>" in page.text


def refusal(response):
    """(code, element) of a refused write."""
    assert response.status_code == 400, response.text
    error = response.json()["Fault"]["Error"][0]
    return error["code"], error.get("element")


def test_payroll_item_ref_is_an_active_compensation_of_that_employee(sandbox, payroll_company):
    people = payroll_people(payroll_company)
    client = api(sandbox, DEMO_REALM_ID)

    def send(**fields):
        return refusal(client.create("TimeActivity", time_activity(people, **fields)))

    # The employer's pay type id is not a compensation: what 18.0.1.1.0 sent.
    assert send(PayrollItemRef={"value": OVERTIME_ID}) == ("2500", "PayrollItemRef")
    assert send(PayrollItemRef={"value": REGULAR_ID}) == ("2500", "PayrollItemRef")
    # Another employee's compensation, even of a pay type Alice has.
    assert send(PayrollItemRef={"value": BRUNO_REGULAR}) == ("2500", "PayrollItemRef")
    # Bruno's overtime is no longer active: 610, as an inactive reference.
    bruno = {"EmployeeRef": {"value": people["bruno"]}, "PayrollItemRef": {"value": BRUNO_OVERTIME}}
    assert send(**bruno) == ("610", "PayrollItemRef")
    # An unknown id.
    assert send(PayrollItemRef={"value": "12345"}) == ("2500", "PayrollItemRef")
    # A vendor's time has no pay type.
    vendor = {
        "NameOf": "Vendor",
        "EmployeeRef": None,
        "VendorRef": {"value": people["jordan"]},
        "PayrollItemRef": {"value": ALICE_REGULAR},
    }
    assert send(**vendor) == ("2500", "PayrollItemRef")
    # Bruno's own active compensation is taken.
    taken = client.create(
        "TimeActivity",
        time_activity(
            people,
            EmployeeRef={"value": people["bruno"]},
            PayrollItemRef={"value": BRUNO_REGULAR},
        ),
    )
    assert taken.status_code == 200, taken.text
    # Without payroll, QuickBooks does not take the field at all.
    settings(sandbox, PayrollFeature=False)
    assert send(PayrollItemRef={"value": ALICE_REGULAR}) == ("2010", "PayrollItemRef")


def test_compensation_ids_never_equal_pay_type_ids(sandbox, payroll_company):
    """Compensations seeded without an id get their own, even where a pay
    type's id would come next."""
    with sandbox.state.lock:
        load_seed(
            payroll_company,
            [
                {
                    "Name": "Holiday pay",
                    "Type": "HOLIDAY_PAY",
                    "employees": ["Alice Martin", "Bruno Keller"],
                },
                {"Id": "623972120", "Name": "Bonus", "Type": "BONUS", "employees": []},
                {"Name": "Commission", "Type": "COMMISSION", "employees": ["Alice Martin"]},
            ],
        )
    employer = set(payroll_company.payroll["employer"])
    own = [
        entry["id"]
        for entries in payroll_company.payroll["employees"].values()
        for entry in entries
    ]
    assert len(own) == len(set(own)) == 7
    assert not employer & set(own)


def test_seed_refuses_unknown_kinds_and_taken_ids(sandbox, payroll_company):
    with sandbox.state.lock, pytest.raises(ValueError, match="unknown pay type SICK"):
        load_seed(payroll_company, [{"Name": "Sick pay", "Type": "SICK", "employees": []}])
    taken = {"employee": "Alice Martin", "Id": ALICE_REGULAR}
    with sandbox.state.lock, pytest.raises(ValueError, match="already used"):
        load_seed(payroll_company, [{"Name": "Salary", "Type": "SALARY", "employees": [taken]}])


def test_pay_types_survive_a_restart(sandbox, payroll_company):
    data = sandbox.state.to_dict()
    sandbox.state.load_dict(data)
    realm = sandbox.state.realm(DEMO_REALM_ID)
    assert realm.payroll["employer"][REGULAR_ID]["name"] == "Regular pay"
    people = payroll_people(realm)
    created = api(sandbox, DEMO_REALM_ID).create(
        "TimeActivity", time_activity(people, PayrollItemRef={"value": ALICE_REGULAR})
    )
    assert created.status_code == 200, created.text
