# Benchmark of "Check for new users and customers", run through `odoo-bin shell`:
#
#   PYTHONPATH=. odoo-bin shell -d <db> --addons-path=... < setup/bench_resync.py
#
# Starts the local QuickBooks sandbox in this process, seeds one company with
# 5,000 customers (1,000 clients of 4 projects each) and 500 employees, gives
# Odoo 500 employees and half of the clients with their projects, connects,
# and times a first resync (links and creates, full) and a second one (nothing
# to do, incremental); then makes 50 changes in QuickBooks and times a full and
# an incremental resync of them side by side, with the metered calls each made.
# Everything is rolled back at the end. Sizes can be changed with the
# environment variables BENCH_CLIENTS, BENCH_PROJECTS and BENCH_EMPLOYEES;
# BENCH_LATENCY_MS adds QuickBooks' processing time to each request.
import datetime
import os
import time
from urllib.parse import parse_qs, urlparse

import requests

from tests.qbo_sandbox import SandboxConfig, SandboxServer

env = env  # noqa: F821 (provided by odoo shell)
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 1000))
PROJECTS = int(os.environ.get("BENCH_PROJECTS", 4))
EMPLOYEES = int(os.environ.get("BENCH_EMPLOYEES", 500))
# QuickBooks' own time per request (the sandbox answers at once otherwise).
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", 0))
REALM = "9130350000000099"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"

seed = {
    "realms": [
        {
            "realm_id": REALM,
            "company_name": "Benchmark Company",
            "Employee": [
                {"GivenName": "Person", "FamilyName": str(number)} for number in range(EMPLOYEES)
            ],
            "Customer": [
                {
                    "DisplayName": f"Client {client}",
                    "children": [
                        {"DisplayName": f"Project {client}-{project}"}
                        for project in range(PROJECTS)
                    ],
                }
                for client in range(CLIENTS)
            ],
        }
    ]
}
started = time.monotonic()
server = SandboxServer(
    SandboxConfig(
        port=0,
        auto_approve=True,
        clients={CLIENT_ID: CLIENT_SECRET},
        seed=seed,
        latency_ms=LATENCY_MS,
    )
)
server.start()
print(f"Sandbox seeded in {time.monotonic() - started:.1f} s")

try:
    params = env["ir.config_parameter"].sudo()
    params.set_param("qb_timesheet_sync.environment", "custom")
    params.set_param("qb_timesheet_sync.custom_base_url", server.url)
    params.set_param("qb_timesheet_sync.client_id", CLIENT_ID)
    params.set_param("qb_timesheet_sync.client_secret", CLIENT_SECRET)
    company = env.company
    env["hr.employee"].create([{"name": f"Person {number}"} for number in range(EMPLOYEES)])
    for client in range(0, CLIENTS, 2):
        partner = env["res.partner"].create({"name": f"Client {client}", "is_company": True})
        env["project.project"].create(
            [
                {"name": f"Project {client}-{project}", "partner_id": partner.id}
                for project in range(PROJECTS)
            ]
        )
    env.flush_all()

    connection = company._qbo_connection()
    url = connection.action_connect()["url"]
    answer = requests.get(url, params={"realm_id": REALM}, allow_redirects=False, timeout=10)
    callback = {
        key: values[0]
        for key, values in parse_qs(urlparse(answer.headers["Location"]).query).items()
    }
    connection._qbo_finish_connect(callback["code"], callback["realmId"])

    # The company's records were made long before the first resync (else the
    # look-back of an incremental resync, which starts a little before the
    # last one, would see them all as changed).
    with server.state.lock:
        realm = server.state.realm(REALM)
        old = (realm.now() - datetime.timedelta(hours=2)).isoformat(timespec="seconds")
        for records in realm.records.values():
            for record in records.values():
                record["MetaData"]["LastUpdatedTime"] = old

    def run_resync(label, **kwargs):
        queries = env.cr.sql_log_count
        started = time.monotonic()
        wizard = env["qbo.resync.wizard"]._qbo_run(company, **kwargs)
        env.flush_all()
        seconds = time.monotonic() - started
        calls = wizard.log_id.count_metered_calls
        print(
            f"{label}: {seconds:.1f} s, {calls} metered calls, "
            f"{env.cr.sql_log_count - queries} queries; {wizard.summary}"
        )
        return seconds, calls

    run_resync("first resync (full)")
    run_resync("second resync (incremental, nothing changed)")

    # 50 changes made in QuickBooks: 40 customers renamed, 5 made inactive,
    # 5 employees renamed.
    client = connection._qbo_client()
    customers = sorted(server.state.records(REALM, "Customer"), key=lambda row: int(row["Id"]))
    employees = server.state.records(REALM, "Employee")[:5]
    projects = [row for row in customers if row.get("ParentRef")]
    for number, row in enumerate(projects[:45]):
        change = {"DisplayName": f"{row['DisplayName']} renamed"} if number < 40 else {}
        if number >= 40:
            change["Active"] = False
        client.update(
            "Customer",
            {"Id": row["Id"], "SyncToken": row["SyncToken"], **change},
            f"bench-{row['Id']}",
            sparse=True,
        )
    for row in employees:
        client.update(
            "Employee",
            {"Id": row["Id"], "SyncToken": row["SyncToken"], "DisplayName": "Renamed " + row["Id"]},
            f"bench-e{row['Id']}",
            sparse=True,
        )
    # The same 50 changes applied both ways, from the same starting point.
    results = {}
    for kind, full in (("full", True), ("incremental", False)):
        savepoint = env.cr.savepoint()
        results[kind] = run_resync(f"after 50 changes, {kind}", full=full)
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)
    print(
        "5,000 customers, 50 changes: "
        + "; ".join(
            f"{kind} {seconds:.1f} s / {calls} metered calls"
            for kind, (seconds, calls) in results.items()
        )
    )
finally:
    env.cr.rollback()
    server.stop()
