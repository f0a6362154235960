# Benchmark of the background sender run by several `odoo-bin` servers on one
# database, against the sandbox with QuickBooks' limits and latencies (the
# same ones as setup/bench_send.py, on the same BENCH_SCALE time scale):
#
#   PYTHONPATH=. python setup/bench_multi.py
#
# Creates its own scratch database (BENCH_DB, qbts_bench_multi), installs the
# addon, and for each case of BENCH_CASES (default "1x1,2x1,4x1,2x2": servers
# x QuickBooks companies) queues BENCH_LINES lines (default 10,000) per
# company, starts the servers (one cron thread each, `--workers=0`, through
# tests/system/launch_odoo.py so that their pacing uses the scaled minute),
# wakes their crons and waits until nothing is queued. Prints, per company,
# the lines a (scaled) minute against QuickBooks' ceiling of 1,660, the
# answers 429 the sandbox gave (must be 0), whether every line made exactly
# one time activity, and the servers' CPU per line and memory.
import os
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.system.odoo_process import (
    CLIENT_ID,
    CLIENT_SECRET,
    OdooServer,
    SandboxProcess,
    create_database,
    drop_database,
    odoo_shell,
    psql,
)

SCALE = float(os.environ.get("BENCH_SCALE", 5))
LINES = int(os.environ.get("BENCH_LINES", 10000))
CASES = os.environ.get("BENCH_CASES", "1x1,2x1,4x1,2x2").split(",")
DB = os.environ.get("BENCH_DB", "qbts_bench_multi")
MINUTE = 60.0 / SCALE
CEILING = 40 * 30 + (500 - 40)
REALMS = ["9130350000000101", "9130350000000102", "9130350000000103", "9130350000000104"]
SANDBOX_CONFIG = {
    "minute_seconds": MINUTE,
    "requests_per_minute": 500,
    "batches_per_minute": 40,
    "max_concurrent": 10,
    "latency_ms": round(200 / SCALE),
    "batch_latency_ms": round(800 / SCALE),
}
SEED = {
    "realms": [
        {
            "realm_id": realm,
            "company_name": f"Benchmark Company {number}",
            "Employee": [{"Id": "55", "GivenName": "Emily", "FamilyName": "Platt"}],
            "Customer": [{"Id": "21", "DisplayName": "Cool Cars"}],
        }
        for number, realm in enumerate(REALMS, 1)
    ]
}

# Run in odoo-bin shell: for each of `realms`, a company (created when
# missing) connected to it, an employee and a project mapped as the wizards
# map them, and `count` new lines; then every company's lines queued in one
# transaction. Prints the queues' sync log ids and the time of that commit.
QUEUE_SCRIPT = """
import datetime, requests, time
from urllib.parse import parse_qs, urlparse
params = env["ir.config_parameter"].sudo()
params.set_param("qb_timesheet_sync.environment", "custom")
params.set_param("qb_timesheet_sync.custom_base_url", {url!r})
params.set_param("qb_timesheet_sync.client_id", {client_id!r})
params.set_param("qb_timesheet_sync.client_secret", {client_secret!r})
to_queue = []
for realm in {realms!r}:
    name = "Bench " + realm
    company = env["res.company"].search([("name", "=", name)]) or env["res.company"].create(
        {{"name": name}}
    )
    env.user.company_ids |= company
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(cenv)
    connection = company._qbo_connection()
    if connection.realm_id != realm:
        answer = requests.get(connection.action_connect()["url"], params={{"realm_id": realm}},
                              allow_redirects=False, timeout=30)
        query = parse_qs(urlparse(answer.headers["Location"]).query)
        connection._qbo_finish_connect(query["code"][0], query["realmId"][0])
    company.qbo_send_non_billable = True
    employee = cenv["hr.employee"].search([("company_id", "=", company.id)], limit=1) or cenv[
        "hr.employee"].create({{"name": "Emily Platt", "company_id": company.id}})
    employee._qbo_write_each({{employee: employee._qbo_link_values(realm, "55", kind="Employee")}})
    project = cenv["project.project"].search([("company_id", "=", company.id)], limit=1) or cenv[
        "project.project"].create({{"name": "Cool Cars", "company_id": company.id}})
    project._qbo_write_each({{project: project._qbo_link_values(realm, "21")}})
    project.qbo_billable = False
    lines = cenv["account.analytic.line"]
    for start in range(0, {count}, 5000):
        lines |= lines.create([
            {{"name": f"Work item {{number}}", "project_id": project.id,
              "employee_id": employee.id, "company_id": company.id,
              "date": datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 300),
              "unit_amount": 0.25 + number % 16 / 4}}
            for number in range(start, min(start + 5000, {count}))
        ])
        env.cr.commit()
    to_queue.append((company, lines))
logs = [env["qbo.send.queue"]._qbo_queue(lines, company) for company, lines in to_queue]
env.cr.commit()
print("QUEUED_AT", time.time(), "LOGS", " ".join(str(log.id) for log in logs))
"""


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_mb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def queued(log_ids):
    ids = ",".join(str(log_id) for log_id in log_ids)
    return int(
        psql(
            DB,
            "SELECT count(*) FROM account_analytic_line"
            f" WHERE qbo_queue_log_id IN ({ids}) AND qbo_state = 'queued'",
        )[0][0]
    )


def run_case(servers_count, realms, sandbox, work_dir):
    stats_before = sandbox.stats()
    activities_before = {realm: len(sandbox.time_activities(realm)) for realm in realms}
    servers = [
        OdooServer(DB, realms[0], MINUTE, work_dir / f"odoo-{number}.log")
        for number in range(servers_count)
    ]
    # Every server paces every company on the scaled minute.
    for server in servers:
        server.realm_id = ",".join(realms)
    try:
        for server in servers:
            server.start()
        # Queued after every server is up: they all take part from the start.
        cpu_before = [process_cpu_seconds(server.process.pid) for server in servers]
        output = odoo_shell(
            DB,
            QUEUE_SCRIPT.format(
                url=sandbox.url,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                realms=realms,
                count=LINES,
            ),
            timeout=3600,
        )
        queued_at, logs = output.split("QUEUED_AT")[1].split("LOGS")
        started = float(queued_at)
        log_ids = [int(log_id) for log_id in logs.split()]
        for server in servers:
            server.wake_cron()
        finished = {}
        while len(finished) < len(log_ids):
            for realm, log_id in zip(realms, log_ids, strict=True):
                if realm not in finished and not queued([log_id]):
                    finished[realm] = time.time() - started
            time.sleep(0.2)
            if time.time() - started > 40 * MINUTE * LINES / 1000:
                raise AssertionError("the queue did not empty")
        cpu = sum(
            process_cpu_seconds(server.process.pid) - before
            for server, before in zip(servers, cpu_before, strict=True)
        )
        memory = [process_peak_mb(server.process.pid) for server in servers]
    finally:
        for server in servers:
            server.stop()
    after = sandbox.stats()
    print(
        f"\n=== {servers_count} odoo-bin server(s), {len(realms)} QuickBooks company(ies),"
        f" {LINES:,} lines each (a minute lasts {MINUTE:g} s) ==="
    )
    for realm, log_id in zip(realms, log_ids, strict=True):
        activities = sandbox.time_activities(realm)
        made = len(activities) - activities_before[realm]
        ids = [activity["Id"] for activity in activities]
        sent = int(
            psql(
                DB,
                "SELECT count(*) FROM account_analytic_line"
                f" WHERE qbo_queue_log_id = {log_id} AND qbo_state = 'sent'",
            )[0][0]
        )
        rate = LINES / (finished[realm] / MINUTE)
        print(
            f"company {realm}: {finished[realm]:.1f} s -> {rate:,.0f} lines/min ="
            f" {rate / CEILING:.0%} of {CEILING:,}; {sent:,} lines sent, {made:,} time activities"
            f" made, duplicates: {len(ids) - len(set(ids))}; exactly once:"
            f" {'yes' if sent == made == LINES else 'NO'}"
        )
    throttled = after["throttled"] - stats_before["throttled"]
    metered = after["metered"]["CorePlus"] - stats_before["metered"]["CorePlus"]
    batches = after["requests"].get("batch", 0) - stats_before["requests"].get("batch", 0)
    singles = after["requests"].get("entity_write", 0) - stats_before["requests"].get(
        "entity_write", 0
    )
    total = LINES * len(realms)
    reads = {
        kind: count - stats_before["requests"].get(kind, 0)
        for kind, count in after["requests"].items()
        if kind not in ("batch", "entity_write", "admin")
        and count > stats_before["requests"].get(kind, 0)
    }
    print(
        f"answers 429 at the sandbox: {throttled}; {batches} batch requests, {singles} single"
        f" creates; metered (CorePlus) calls: {metered} = {metered * 1000 / total:.2f} per 1,000"
        f" lines; servers' CPU {cpu * 1000 / total:.2f} ms per line; memory peak per server"
        f" {', '.join(f'{peak:.0f}' for peak in memory)} MB"
    )
    print(f"other requests the sandbox received meanwhile: {reads or 'none'}")
    return throttled


def main():
    work_dir = Path(f"/tmp/bench_multi_{os.getpid()}")
    work_dir.mkdir()
    print(f"Installing the addon on {DB} ...", flush=True)
    create_database(DB, work_dir / "install.log")
    sandbox = SandboxProcess(work_dir / "sandbox.json", SEED, SANDBOX_CONFIG, persist=False).start()
    try:
        for case in CASES:
            servers_count, realms_count = (int(part) for part in case.split("x"))
            run_case(servers_count, REALMS[:realms_count], sandbox, work_dir)
            # Let QuickBooks' minute window empty before the next case.
            time.sleep(MINUTE)
        print(f"\nload average: {os.getloadavg()}")
    finally:
        sandbox.stop()
        if not os.environ.get("BENCH_KEEP_DB"):
            drop_database(DB)
        requests.Session().close()


if __name__ == "__main__":
    main()
