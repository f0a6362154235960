"""Helpers of the client tests: the sandbox's admin API, request recording, a fake clock."""

import requests

from tests.conftest import DEMO_REALM_ID

ADMIN_TIMEOUT = 10


def stored_records(sandbox, entity, realm_id=DEMO_REALM_ID):
    """Every record the sandbox holds (inactive and deleted included), read
    through its admin API, independently of the client under test."""
    response = requests.get(
        f"{sandbox.url}/_sandbox/realms/{realm_id}/entities/{entity}", timeout=ADMIN_TIMEOUT
    )
    response.raise_for_status()
    return response.json()


def change_settings(sandbox, realm_id=DEMO_REALM_ID, **settings):
    response = requests.post(
        f"{sandbox.url}/_sandbox/realms/{realm_id}/settings", json=settings, timeout=ADMIN_TIMEOUT
    )
    response.raise_for_status()


def sandbox_stats(sandbox):
    response = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=ADMIN_TIMEOUT)
    response.raise_for_status()
    return response.json()


def time_activity(employee_id, customer_id, description, txn_date="2026-07-01", hours=1):
    return {
        "NameOf": "Employee",
        "EmployeeRef": {"value": employee_id},
        "CustomerRef": {"value": customer_id},
        "TxnDate": txn_date,
        "Hours": hours,
        "Minutes": 0,
        "BillableStatus": "NotBillable",
        "Description": description,
    }


class RecordingSession(requests.Session):
    """A real session that remembers every API request it sent: (method, path
    below the company, query parameters)."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def request(self, method, url, params=None, **kwargs):
        path = url.split("/v3/company/", 1)[-1].split("/", 1)[-1]
        self.sent.append((method, path, dict(params or {})))
        return super().request(method, url, params=params, **kwargs)


class FakeClock:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds
