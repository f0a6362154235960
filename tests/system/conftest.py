"""System tier: the addon in a real ``odoo-bin`` against the sandbox as a
process, for faults that need processes killed or restarted. Skipped, with
the reason, when Odoo or PostgreSQL is not available here."""

import os

import pytest

from .odoo_process import ODOO_MISSING, create_database, drop_database


def pytest_collection_modifyitems(config, items):
    if not ODOO_MISSING:
        return
    skip = pytest.mark.skip(reason=f"system tier needs Odoo: {ODOO_MISSING}")
    for item in items:
        if "system" in item.nodeid.split("::")[0].split("/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def odoo_database(tmp_path_factory):
    """A database with the addon installed, created once for the session."""
    db_name = f"qbts_system_{os.getpid()}"
    create_database(db_name, tmp_path_factory.mktemp("install") / "odoo.log")
    yield db_name
    drop_database(db_name)
