"""Fixtures of the QuickBooks client tests.

The addon's ``__init__`` imports its Odoo models, while ``qb_timesheet_sync.qbo``
needs none of that: register a bare parent package for it, unless the real
addon package is already imported.
"""

import socket
import sys
import types
from pathlib import Path

import pytest

ADDON_DIR = Path(__file__).resolve().parents[2] / "qb_timesheet_sync"

if "qb_timesheet_sync" not in sys.modules:
    addon_package = types.ModuleType("qb_timesheet_sync")
    addon_package.__path__ = [str(ADDON_DIR)]
    sys.modules["qb_timesheet_sync"] = addon_package

from qb_timesheet_sync.qbo import QboClient, RealmRateLimiter, local_environment  # noqa: E402
from tests.client.helpers import stored_records  # noqa: E402
from tests.conftest import DEMO_REALM_ID, sandbox_token  # noqa: E402


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
