# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reach the addon's plain-Python rules without Odoo.

The addon's ``__init__`` imports its Odoo models, while the rules in
``qb_timesheet_sync/qbo`` need none of that: register a bare parent package
for them, unless the real addon package is already imported.
"""

import sys
import types
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parents[2] / "qb_timesheet_sync"

if "qb_timesheet_sync" not in sys.modules:
    addon_package = types.ModuleType("qb_timesheet_sync")
    addon_package.__path__ = [str(ADDON_DIR)]
    sys.modules["qb_timesheet_sync"] = addon_package
