"""The employees' pay types read through the GraphQL API (the local
sandbox's /graphql), with the client's token, limiter and metering."""

import pytest

from qb_timesheet_sync.qbo import QboClient, RealmRateLimiter, get_environment
from qb_timesheet_sync.qbo.payroll import (
    PAYROLL_SCOPE,
    PayType,
    QboPayrollRefused,
    has_payroll,
    read_pay_types,
)
from tests.client.helpers import RecordingSession, change_settings
from tests.conftest import DEMO_REALM_ID
from tests.qbo_sandbox.testing import ACCOUNTING_SCOPE, authorize, exchange_code


@pytest.fixture
def payroll_demo(sandbox, people):
    """The demo company with payroll: Alice has regular pay and overtime,
    Bruno regular pay (his overtime is no longer active)."""
    realm = sandbox.state.realm(DEMO_REALM_ID)
    with sandbox.state.lock:
        for employee in realm.records["Employee"].values():
            employee.pop("BillRate", None)
    change_settings(sandbox, PayrollFeature=True)
    sandbox.seed(
        {
            "realms": [
                {
                    "realm_id": DEMO_REALM_ID,
                    "PayrollCompensation": [
                        {
                            "Id": "900",
                            "Name": "Regular pay",
                            "employees": ["Alice Martin", "Bruno Keller"],
                        },
                        {
                            "Id": "901",
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
    return people


def payroll_client(sandbox, environment, scope, session=None):
    callback = authorize(sandbox, DEMO_REALM_ID, scope=scope)
    token = exchange_code(sandbox, callback["code"]).json()["access_token"]
    return QboClient(
        environment,
        DEMO_REALM_ID,
        token,
        rate_limiter=RealmRateLimiter(),
        backoff_base=0.01,
        timeout=(2, 10),
        session=session,
    )


def test_graphql_url_per_environment(environment):
    assert get_environment("production").graphql_url == "https://qb.api.intuit.com/graphql"
    assert get_environment("sandbox").graphql_url.endswith("/graphql")
    assert environment.graphql_url == environment.api_base_url + "/graphql"


def test_reads_the_active_pay_types_of_each_employee(sandbox, environment, payroll_demo):
    session = RecordingSession()
    client = payroll_client(sandbox, environment, f"{ACCOUNTING_SCOPE} {PAYROLL_SCOPE}", session)
    alice, bruno = payroll_demo["Alice Martin"], payroll_demo["Bruno Keller"]
    chloe = payroll_demo["Chloé Dubois"]
    pay_types = read_pay_types(client, [alice, bruno, chloe])
    assert pay_types == {
        alice: [
            PayType("900", "Regular pay", "Hourly"),
            PayType("901", "Overtime", "Overtime"),
        ],
        bruno: [PayType("900", "Regular pay", "Hourly")],
        chloe: [],
    }
    # One metered read per employee, sent to the GraphQL URL without minorversion.
    assert client.metered_calls["CorePlus"] == 3
    assert all(params == {} for _method, _path, params in session.sent)
    assert has_payroll(client.company_info())


def test_missing_scope_is_a_payroll_refusal(sandbox, environment, payroll_demo):
    client = payroll_client(sandbox, environment, ACCOUNTING_SCOPE)
    with pytest.raises(QboPayrollRefused) as raised:
        read_pay_types(client, [payroll_demo["Alice Martin"]])
    assert "payroll.compensation.read" in str(raised.value)


def test_company_without_payroll(sandbox, environment, people):
    client = payroll_client(sandbox, environment, f"{ACCOUNTING_SCOPE} {PAYROLL_SCOPE}")
    assert not has_payroll(client.company_info())
