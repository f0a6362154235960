"""Fixtures of the QuickBooks client tests (the bare addon package that lets
``qb_timesheet_sync.qbo`` load without Odoo is set up in ``tests/conftest.py``)."""

import socket

import pytest

from qb_timesheet_sync.qbo import QboClient, RealmRateLimiter, local_environment
from tests.client.helpers import stored_records
from tests.conftest import DEMO_REALM_ID, sandbox_token


@pytest.fixture
def environment(sandbox):
    return local_environment(sandbox.url)


@pytest.fixture
def tokens(sandbox):
    """(access token, refresh token) of a fresh connection to the demo company."""
    return sandbox_token(sandbox, DEMO_REALM_ID)


@pytest.fixture
def qbo(environment, tokens):
    """A client of the demo company with its own limiter and short backoffs."""
    return QboClient(
        environment,
        DEMO_REALM_ID,
        tokens[0],
        rate_limiter=RealmRateLimiter(),
        backoff_base=0.01,
        timeout=(2, 10),
    )


@pytest.fixture
def people(sandbox):
    """Ids of the demo company's records by display name (or item name)."""
    ids = {}
    for entity in ("Employee", "Vendor", "Customer", "Item"):
        for record in stored_records(sandbox, entity):
            ids[record.get("DisplayName") or record.get("Name")] = record["Id"]
    return ids


@pytest.fixture
def unused_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
