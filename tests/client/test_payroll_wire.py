"""The employees' pay types read through the GraphQL API (the local sandbox's
/graphql), with the client's token, limiter and metering: each employee's own
compensations, whose ids PayrollItemRef carries."""

from datetime import date

import pytest

from qb_timesheet_sync.qbo import QboClient, RealmRateLimiter, get_environment
from qb_timesheet_sync.qbo.errors import QboNotFound
from qb_timesheet_sync.qbo.hour_details import Tracking, hour_details
from qb_timesheet_sync.qbo.payroll import (
    PAYROLL_SCOPE,
    Compensation,
    QboPayrollRefused,
    has_payroll,
    read_compensations,
)
from qb_timesheet_sync.qbo.time_activity import build_time_activity
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
                            "employees": [
                                {"employee": "Alice Martin", "Id": "623972114"},
                                {"employee": "Bruno Keller", "Id": "623972116"},
                            ],
                        },
                        {
                            "Id": "901",
                            "Name": "Overtime",
                            "Type": "OVERTIME",
                            "employees": [{"employee": "Alice Martin", "Id": "623972115"}],
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


def test_reads_the_active_compensations_of_each_employee(sandbox, environment, payroll_demo):
    session = RecordingSession()
    client = payroll_client(sandbox, environment, f"{ACCOUNTING_SCOPE} {PAYROLL_SCOPE}", session)
    alice, bruno = payroll_demo["Alice Martin"], payroll_demo["Bruno Keller"]
    chloe = payroll_demo["Chloé Dubois"]
    compensations = read_compensations(client, [alice, bruno, chloe])
    assert compensations == {
        alice: [
            Compensation("623972114", "900", "Regular pay", "HOURLY"),
            Compensation("623972115", "901", "Overtime", "OVERTIME"),
        ],
        bruno: [Compensation("623972116", "900", "Regular pay", "HOURLY")],
        chloe: [],
    }
    # One metered read per employee, sent to the GraphQL URL without minorversion.
    assert client.metered_calls["CorePlus"] == 3
    assert all(params == {} for _method, _path, params in session.sent)
    assert has_payroll(client.company_info())


def test_missing_scope_is_a_payroll_refusal(sandbox, environment, payroll_demo):
    client = payroll_client(sandbox, environment, ACCOUNTING_SCOPE)
    with pytest.raises(QboPayrollRefused) as raised:
        read_compensations(client, [payroll_demo["Alice Martin"]])
    assert "payroll.compensation.read" in str(raised.value)


def activity(person_qbo_id, details, people):
    built, _truncated = build_time_activity(
        name_of="Employee",
        person_qbo_id=person_qbo_id,
        customer_qbo_id=people["Website Redesign"],
        txn_date=date(2026, 7, 1),
        minutes=60,
        billable=False,
        **details.payload_kwargs(),
    )
    return built


def test_time_sent_with_a_compensation_read_is_taken(sandbox, environment, payroll_demo):
    """What the client reads is what QuickBooks takes as PayrollItemRef for
    that employee, and only for that employee."""
    client = payroll_client(sandbox, environment, f"{ACCOUNTING_SCOPE} {PAYROLL_SCOPE}")
    alice, bruno = payroll_demo["Alice Martin"], payroll_demo["Bruno Keller"]
    overtime = read_compensations(client, [alice])[alice][1]
    details = hour_details({}, Tracking(), payroll_item=overtime.qbo_id)
    created = client.create("TimeActivity", activity(alice, details, payroll_demo), "pay-1")
    assert created["PayrollItemRef"] == {"value": "623972115", "name": "Overtime"}
    with pytest.raises(QboNotFound) as refused:
        client.create("TimeActivity", activity(bruno, details, payroll_demo), "pay-2")
    assert refused.value.element == "PayrollItemRef"
    # The employer pay type's id, as 18.0.1.1.0 sent it, is refused the same way.
    employer = hour_details({}, Tracking(), payroll_item=overtime.pay_type_qbo_id)
    with pytest.raises(QboNotFound) as refused:
        client.create("TimeActivity", activity(alice, employer, payroll_demo), "pay-3")
    assert refused.value.element == "PayrollItemRef"


def test_company_without_payroll(sandbox, environment, people):
    client = payroll_client(sandbox, environment, f"{ACCOUNTING_SCOPE} {PAYROLL_SCOPE}")
    assert not has_payroll(client.company_info())
