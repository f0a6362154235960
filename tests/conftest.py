"""Shared pytest fixtures: one local QuickBooks sandbox for the whole session.

- ``sandbox_server`` (session): the running ``SandboxServer``.
- ``sandbox`` (function): the same server, reset before each test to the demo seed
  (``tests/qbo_sandbox/seeds/demo.json``, realm ``DEMO_REALM_ID``) and to ``TEST_CONFIG``,
  i.e. the ``SandboxConfig`` defaults with ``auto_approve=True``.
- ``sandbox_api`` (function): a ``SandboxApi`` connected to the demo realm.

Helpers to import: ``from tests.conftest import sandbox_token, api`` (or from
``tests.qbo_sandbox.testing``, where they live).
"""

import copy
import dataclasses
import sys
import types
from pathlib import Path

import pytest

# The addon's ``__init__`` imports its Odoo models, while its plain-Python
# package ``qb_timesheet_sync.qbo`` needs none of that: register a bare parent
# package for it, unless the real addon is already imported.
if "qb_timesheet_sync" not in sys.modules:
    _addon = types.ModuleType("qb_timesheet_sync")
    _addon.__path__ = [str(Path(__file__).resolve().parents[1] / "qb_timesheet_sync")]
    sys.modules["qb_timesheet_sync"] = _addon

from tests.qbo_sandbox import DEMO_REALM_ID, SandboxConfig, SandboxServer, load_demo_seed
from tests.qbo_sandbox.config import STARTUP_ONLY_FIELDS
from tests.qbo_sandbox.testing import SandboxApi, api, authorize, sandbox_token

TEST_CONFIG = SandboxConfig(auto_approve=True)
_DEMO_SEED = load_demo_seed()

__all__ = ["DEMO_REALM_ID", "TEST_CONFIG", "SandboxApi", "api", "authorize", "sandbox_token"]


@pytest.fixture(scope="session")
def sandbox_server():
    server = SandboxServer(TEST_CONFIG).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    defaults = {
        field.name: getattr(TEST_CONFIG, field.name)
        for field in dataclasses.fields(TEST_CONFIG)
        if field.name not in STARTUP_ONLY_FIELDS
    }
    sandbox_server.configure(**copy.deepcopy(defaults))
    sandbox_server.reset(seed=copy.deepcopy(_DEMO_SEED))
    return sandbox_server


@pytest.fixture
def sandbox_api(sandbox):
    return api(sandbox, DEMO_REALM_ID)
