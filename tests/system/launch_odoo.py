"""Run ``odoo-bin`` with QuickBooks' pacing on the tests' time scale.

    python launch_odoo.py <odoo-bin> <realm id[,realm id...]> <minute seconds> [odoo-bin options]

The addon paces requests per QuickBooks company with a process-wide limiter
whose "minute" is 60 s; a system test cannot wait minutes, so this creates
that company's limiter with a shorter minute before the server starts (the
limits themselves stay QuickBooks').
"""

import os
import sys

import odoo
from odoo.cli.server import main as server_main
from odoo.tools import config


def main():
    odoo_bin, realm_ids, minute_seconds, *options = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(odoo_bin))
    # Parsing the options puts the addons path in place, so that the addon's
    # own modules (the ones the server will use) can be imported.
    config.parse_config(options)
    odoo.modules.module.initialize_sys_path()
    from odoo.addons.qb_timesheet_sync.qbo import limiter_for

    for realm_id in realm_ids.split(","):
        limiter_for(realm_id, minute_seconds=float(minute_seconds))
    server_main(options)


if __name__ == "__main__":
    main()
