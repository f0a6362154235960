"""A local QuickBooks Online (Accounting API v3 + OAuth 2.0) for tests and demos.

Standard library only. Start it with ``python -m tests.qbo_sandbox`` or in Python::

    from tests.qbo_sandbox import SandboxServer, SandboxConfig

    server = SandboxServer(SandboxConfig(auto_approve=True, seed=load_demo_seed()))
    server.start()
    ...
    server.stop()

See README.md in this folder for the endpoints, the seed format and the admin API.
"""

import json
import pathlib

from .config import SandboxConfig
from .server import SandboxServer

DEMO_SEED_PATH = pathlib.Path(__file__).parent / "seeds" / "demo.json"
DEMO_REALM_ID = "9341455130166501"


def load_demo_seed():
    with DEMO_SEED_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


__all__ = ["DEMO_REALM_ID", "DEMO_SEED_PATH", "SandboxConfig", "SandboxServer", "load_demo_seed"]
