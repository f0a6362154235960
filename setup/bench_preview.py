# Time and SQL queries of the preview of a large selection ("Send to
# QuickBooks" on N selected lines), run through `odoo-bin shell` on a database
# where qb_timesheet_sync is installed; it rolls back what it creates:
#
#   PYTHONPATH=. odoo-bin shell -d <db> --addons-path=... < setup/bench_preview.py
#
# The local QuickBooks sandbox runs in this process. N: BENCH_PREVIEW_SIZES
# (1000,10000); one line in five has no duration, so it is refused. A
# selection above the foreground limit (20,000 lines) is prepared by a cron
# job: both the browser request and the job are measured.
import os
import time
from datetime import date, timedelta

import odoo
from odoo.tests import new_test_user

from odoo.addons.qb_timesheet_sync.models.qbo_state_guard import qbo_trusted

from tests.bench_common import CLIENT_ID, CLIENT_SECRET, connect
from tests.qbo_sandbox import SandboxConfig, SandboxServer

env = env  # noqa: F821 (provided by odoo shell)
SIZES = [int(size) for size in os.environ.get("BENCH_PREVIEW_SIZES", "1000,10000").split(",")]
REALM = "9130350000000099"


def fixtures():
    company = env.company
    with qbo_trusted():
        people = env["hr.employee"].create(
            [
                {"name": "Emily Platt", "qbo_id": "55", "qbo_kind": "Employee"},
                {"name": "Jordan Blake", "qbo_id": "70", "qbo_kind": "Vendor"},
            ]
        )
        people.write({"qbo_realm_id": REALM})
        projects = env["project.project"].create(
            [
                {"name": "Website", "qbo_customer_id": "22", "qbo_realm_id": REALM},
                {"name": "Old shop", "qbo_customer_id": "21", "qbo_realm_id": REALM},
            ]
        )
    projects.qbo_billable = False
    company.qbo_send_non_billable = True
    manager = new_test_user(
        env,
        "qbo_bench_preview_manager",
        groups="base.group_user,hr_timesheet.group_hr_timesheet_approver,"
        "qb_timesheet_sync.group_qbo_manager",
    )
    return people, projects, manager


def seed_lines(people, projects, count):
    hour, day = env.ref("uom.product_uom_hour"), env.ref("uom.product_uom_day")
    return env["account.analytic.line"].create(
        [
            {
                "name": f"Line {number}",
                "project_id": projects[number % 2].id,
                "employee_id": people[number // 2 % 2].id,
                "product_uom_id": (hour, day)[number // 4 % 2].id,
                "date": date(2026, 3, 1) + timedelta(days=number % 28),
                "unit_amount": 0.0 if number % 5 == 4 else 1.0 + number % 4 / 4,
            }
            for number in range(count)
        ]
    )


sandbox = SandboxServer(
    SandboxConfig(port=0, auto_approve=True, clients={CLIENT_ID: CLIENT_SECRET})
)
sandbox.start()
sandbox.reset(
    seed={
        "realms": [
            {
                "realm_id": REALM,
                "company_name": "Preview Company",
                "Employee": [{"Id": "55", "GivenName": "Emily", "FamilyName": "Platt"}],
                "Vendor": [{"Id": "70", "DisplayName": "Jordan Blake"}],
                "Customer": [
                    {"Id": "21", "DisplayName": "Cool Cars"},
                    {"Id": "22", "DisplayName": "Website"},
                ],
            }
        ]
    }
)
try:
    connect(env, env.company, sandbox.url, REALM)
    people, projects, manager = fixtures()
    for size in SIZES:
        lines = seed_lines(people, projects, size)
        env.flush_all()
        env.invalidate_all()
        queries = odoo.sql_db.sql_counter
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        action = lines.with_user(manager).action_qbo_send_preview()
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = odoo.sql_db.sql_counter - queries
        if os.environ.get("BENCH_PROFILE"):
            profiler.disable()
            profiler.dump_stats(f"{os.environ['BENCH_PROFILE']}.{size}")
        wizard = env["qbo.send.wizard"].browse(action["res_id"])
        prepared = ""
        if wizard.state == "preparing":
            # Above the foreground limit the request only opens the window;
            # the cron job works the preview out.
            cron_queries = odoo.sql_db.sql_counter
            cron_started = time.perf_counter()
            env["qbo.send.wizard"]._qbo_cron_prepare_previews()
            env.flush_all()
            prepared = (
                f"; prepared in the background in {time.perf_counter() - cron_started:.2f} s,"
                f" {odoo.sql_db.sql_counter - cron_queries} SQL queries"
            )
        print(
            f"Preview of {size:>7,} lines: browser request {elapsed:6.2f} s,"
            f" {queries:>5} SQL queries"
            f" ({wizard.count_to_send:,} to send, {wizard.count_refused:,} refused){prepared}"
        )
finally:
    env.cr.rollback()
    sandbox.stop()
