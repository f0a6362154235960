# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the benchmarks run through `odoo-bin shell` share: the local
QuickBooks sandbox as a process, seeded with the benchmark company, and an
Odoo company connected to it through the addon's own consent flow.

Imported as ``tests.bench_common`` by the scripts of ``setup/`` (run with
``PYTHONPATH=.`` from the repository root; ``setup`` itself cannot be
imported there: it is Odoo's own setup.py)."""

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import requests

CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
# The benchmark company: one employee and one customer the lines are sent for.
EMPLOYEE_ID, CUSTOMER_ID = "55", "21"


def start_sandbox(port, realm, config, state_path=None):
    """The sandbox as a process on ``port``, with ``realm`` seeded and the
    sandbox ``config`` applied (QuickBooks' limits, latencies); ``state_path``:
    its state file (kept across a restart)."""
    seed_path = f"/tmp/bench_seed_{os.getpid()}_{port}.json"
    seed = {
        "realms": [
            {
                "realm_id": realm,
                "company_name": "Benchmark Company",
                "Employee": [{"Id": EMPLOYEE_ID, "GivenName": "Emily", "FamilyName": "Platt"}],
                "Customer": [{"Id": CUSTOMER_ID, "DisplayName": "Cool Cars"}],
            }
        ]
    }
    with open(seed_path, "w", encoding="utf-8") as seed_file:
        json.dump(seed, seed_file)
    command = [sys.executable, "-m", "tests.qbo_sandbox", "--port", str(port), "--seed", seed_path]
    if state_path:
        command += ["--state-file", state_path]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # "QBO sandbox ready at ..."
    config = {"auto_approve": True, "clients": {CLIENT_ID: CLIENT_SECRET}, **config}
    requests.post(
        f"http://127.0.0.1:{port}/_sandbox/config", json=config, timeout=10
    ).raise_for_status()
    return process


def sandbox_stats(sandbox_url):
    return requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()


def connect(env, company, sandbox_url, realm):
    """Connect ``company`` to QuickBooks company ``realm`` of the sandbox at
    ``sandbox_url``, as a manager does in Settings; returns the connection."""
    params = env["ir.config_parameter"].sudo()
    params.set_param("qb_timesheet_sync.environment", "custom")
    params.set_param("qb_timesheet_sync.custom_base_url", sandbox_url)
    params.set_param("qb_timesheet_sync.client_id", CLIENT_ID)
    params.set_param("qb_timesheet_sync.client_secret", CLIENT_SECRET)
    connection = company._qbo_connection()
    url = connection.action_connect()["url"]
    answer = requests.get(url, params={"realm_id": realm}, allow_redirects=False, timeout=10)
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    connection._qbo_finish_connect(query["code"][0], query["realmId"][0])
    return connection


def benchmark_records(env, company, realm):
    """(employee, project) of ``company`` linked to the benchmark company's
    employee and customer, the way the addon's own code links them; the
    project's time is sent as non-billable time."""
    from odoo.addons.qb_timesheet_sync.models.qbo_state_guard import qbo_trusted

    with qbo_trusted():
        employee = env["hr.employee"].create(
            {
                "name": "Emily Platt",
                "qbo_id": EMPLOYEE_ID,
                "qbo_kind": "Employee",
                "qbo_realm_id": realm,
            }
        )
        project = env["project.project"].create(
            {"name": "Cool Cars", "qbo_customer_id": CUSTOMER_ID, "qbo_realm_id": realm}
        )
    project.qbo_billable = False
    company.qbo_send_non_billable = True
    return employee, project


def seed_lines(env, employee, project, count):
    """``count`` timesheet lines of ``employee`` on ``project``, created 2,000
    at a time."""
    from datetime import date, timedelta

    from odoo.tools import split_every

    lines = env["account.analytic.line"]
    for numbers in split_every(2000, range(count)):
        lines |= lines.create(
            [
                {
                    "name": f"Work item {number}",
                    "project_id": project.id,
                    "employee_id": employee.id,
                    "date": date(2026, 1, 1) + timedelta(days=number % 300),
                    "unit_amount": 0.25 + number % 16 / 4,
                }
                for number in numbers
            ]
        )
    return lines
