# Benchmark of the background sender run by several `odoo-bin` servers on one
# database for many QuickBooks companies, against the sandbox with
# QuickBooks' limits and latencies:
#
#   PYTHONPATH=. python setup/bench_multi.py
#
# Creates its own scratch database (BENCH_DB, qbts_bench_multi), installs the
# addon, and for each case of BENCH_CASES ("servers x companies", default
# "2x20"; or BENCH_COMPANIES=N for one case of BENCH_SERVERS (2) servers)
# queues BENCH_LINES lines (default 5,000) for each company, each connected
# to a QuickBooks company of its own (realms generated), starts the servers
# (`--workers=0`, BENCH_CRON_THREADS cron threads each, default 2 as Odoo's
# default, `--db_maxconn` BENCH_DB_MAXCONN, default "auto": enough for the
# server's share of the companies, through tests/system/launch_odoo.py so that their
# pacing uses the scaled minute), wakes their crons and waits until nothing
# is queued.
#
# QuickBooks' time: BENCH_LATENCY_MS (200) for every request,
# BENCH_BATCH_LATENCY_MS (800) more for a batch request, BENCH_JITTER_MS (0)
# a uniform random extra on every request; all three, and the minute, are
# divided by BENCH_SCALE (default 1: real time; many companies at once on a
# small machine need the CPU that a shorter minute would multiply).
#
# Prints, per company, when its first line left, its lines a minute against
# QuickBooks' ceiling of 1,660 and that share, whether every line made
# exactly one time activity; then the lowest and highest share, the answers
# 429 the sandbox gave (must be 0), the servers' and the sandbox's CPU per
# line, how busy the machine's cores were, the load average, and the
# database connections each server held (pg_stat_activity, peak).
import math
import os
import sys
import time
from pathlib import Path

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.system.companies import companies_seed, queue_for_companies, realm_of
from tests.system.odoo_process import (
    OdooServer,
    SandboxProcess,
    create_database,
    drop_database,
    psql,
)

SCALE = float(os.environ.get("BENCH_SCALE", 1))
LINES = int(os.environ.get("BENCH_LINES", 5000))
if os.environ.get("BENCH_COMPANIES"):
    DEFAULT_CASES = f"{os.environ.get('BENCH_SERVERS', 2)}x{os.environ['BENCH_COMPANIES']}"
else:
    DEFAULT_CASES = "2x20"
CASES = os.environ.get("BENCH_CASES", DEFAULT_CASES).split(",")
CRON_THREADS = int(os.environ.get("BENCH_CRON_THREADS", 2))
DB_MAXCONN = os.environ.get("BENCH_DB_MAXCONN", "auto")
DB = os.environ.get("BENCH_DB", "qbts_bench_multi")
LATENCY_MS = float(os.environ.get("BENCH_LATENCY_MS", 200))
BATCH_LATENCY_MS = float(os.environ.get("BENCH_BATCH_LATENCY_MS", 800))
JITTER_MS = float(os.environ.get("BENCH_JITTER_MS", 0))
MINUTE = 60.0 / SCALE
CEILING = 40 * 30 + (500 - 40)
# Connections a company's sender holds at most, and those a server keeps for
# the rest (models/qbo_send_queue_cron.py): "auto" sizes db_maxconn for the
# server's share of the companies.
CONNECTIONS_PER_COMPANY, CONNECTIONS_KEPT = 13, 16


def sandbox_config():
    config = {
        "minute_seconds": MINUTE,
        "requests_per_minute": 500,
        "batches_per_minute": 40,
        "max_concurrent": 10,
        "latency_ms": round(LATENCY_MS / SCALE),
        "batch_latency_ms": round(BATCH_LATENCY_MS / SCALE),
    }
    if JITTER_MS:
        config["latency_jitter_ms"] = round(JITTER_MS / SCALE)
    return config


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_mb(pid, field="VmHWM"):
    """Peak resident memory (VmHWM), or virtual memory (VmPeak, what Odoo's
    limit_memory_soft measures), of process ``pid`` in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def server_restarts(log_path):
    """How many times Odoo restarted a server because a limit was reached."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return sum("Initiating server reload" in line for line in log)


def machine_cpu_seconds():
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


class Watch:
    """Polls the database while a case runs: when each queue sent its first
    line and its last, and the connections each server holds."""

    def __init__(self, log_ids, started, server_pids):
        self.log_ids = log_ids
        self.started = started
        self.applications = {f"odoo-{pid}": number for number, pid in enumerate(server_pids)}
        self.first = {}
        self.finished = {}
        self.peak_connections = [0] * len(server_pids)
        self.peak_in_use = [0] * len(server_pids)
        self.peak_total = 0
        self.peak_load = 0.0
        self.interval = min(1.0, max(0.2, MINUTE / 60))

    def poll(self, cr):
        cr.execute(
            "SELECT qbo_queue_log_id, count(*) FILTER (WHERE qbo_state = 'queued'),"
            "       count(*) FROM account_analytic_line"
            " WHERE qbo_queue_log_id = ANY(%s) GROUP BY qbo_queue_log_id",
            [self.log_ids],
        )
        now = time.time() - self.started
        counts = {log_id: (queued, total) for log_id, queued, total in cr.fetchall()}
        for log_id in self.log_ids:
            queued, total = counts.get(log_id, (0, 0))
            if log_id not in self.first and queued < total:
                self.first[log_id] = now
            if log_id not in self.finished and not queued:
                self.finished[log_id] = now
                self.first.setdefault(log_id, now)
        cr.execute(
            "SELECT application_name, count(*), count(*) FILTER (WHERE state <> 'idle')"
            "  FROM pg_stat_activity WHERE datname = %s GROUP BY application_name",
            [DB],
        )
        total = 0
        for application, connections, in_use in cr.fetchall():
            total += connections
            number = self.applications.get(application)
            if number is not None:
                self.peak_connections[number] = max(self.peak_connections[number], connections)
                self.peak_in_use[number] = max(self.peak_in_use[number], in_use)
        self.peak_total = max(self.peak_total, total)
        self.peak_load = max(self.peak_load, os.getloadavg()[0])

    def run(self, timeout):
        connection = psycopg2.connect(dbname=DB)
        connection.autocommit = True
        try:
            with connection.cursor() as cr:
                while len(self.finished) < len(self.log_ids):
                    self.poll(cr)
                    if time.time() - self.started > timeout:
                        raise AssertionError("the queues did not empty")
                    time.sleep(self.interval)
        finally:
            connection.close()


def db_maxconn_for(servers, companies):
    """Each server's db_maxconn: as given, or enough for its share of the
    companies (README.md, "Many companies: what to configure")."""
    if DB_MAXCONN != "auto":
        return int(DB_MAXCONN)
    return CONNECTIONS_KEPT + CONNECTIONS_PER_COMPANY * math.ceil(companies / servers)


def run_case(servers_count, realms, sandbox, work_dir):
    stats_before = sandbox.stats()
    activities_before = {realm: len(sandbox.time_activities(realm)) for realm in realms}
    maxconn = db_maxconn_for(servers_count, len(realms))
    servers = [
        OdooServer(
            DB,
            ",".join(realms),  # every server paces every company on the scaled minute
            MINUTE,
            work_dir / f"odoo-{len(realms)}-{number}.log",
            cron_threads=CRON_THREADS,
            options=[f"--db_maxconn={maxconn}"],
        )
        for number in range(servers_count)
    ]
    try:
        for server in servers:
            server.start()
        # Queued after every server is up: they all take part from the start.
        started, log_ids = queue_for_companies(DB, sandbox, realms, LINES)
        cpu_before = [process_cpu_seconds(server.process.pid) for server in servers]
        sandbox_cpu_before = process_cpu_seconds(sandbox.process.pid)
        machine_before = machine_cpu_seconds()
        for server in servers:
            server.wake_cron()
        watch = Watch(log_ids, started, [server.process.pid for server in servers])
        watch.run(timeout=40 * MINUTE * LINES / 1000 * max(1, len(realms) / 3))
        elapsed = time.time() - started
        machine_after = machine_cpu_seconds()
        cpu = sum(
            process_cpu_seconds(server.process.pid) - before
            for server, before in zip(servers, cpu_before, strict=True)
        )
        sandbox_cpu = process_cpu_seconds(sandbox.process.pid) - sandbox_cpu_before
        memory = [process_peak_mb(server.process.pid) for server in servers]
        virtual = [process_peak_mb(server.process.pid, "VmPeak") for server in servers]
        restarts = [server_restarts(server.log_path) for server in servers]
    finally:
        for server in servers:
            server.stop()
    after = sandbox.stats()
    print(
        f"\n=== {servers_count} odoo-bin server(s) ({CRON_THREADS} cron threads,"
        f" db_maxconn {maxconn} each), {len(realms)} QuickBooks companies, {LINES:,} lines each"
        f" (a minute lasts {MINUTE:g} s; latency {LATENCY_MS:g} ms, batch +{BATCH_LATENCY_MS:g}"
        f" ms, jitter {JITTER_MS:g} ms, in QuickBooks' time) ==="
    )
    shares = []
    exactly_once = True
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
        finished = watch.finished[log_id]
        rate = LINES / (finished / MINUTE)
        shares.append(rate / CEILING)
        once = sent == made == LINES and len(ids) == len(set(ids))
        exactly_once = exactly_once and once
        print(
            f"company {realm}: first line at {watch.first[log_id] / MINUTE:.2f} min, all at"
            f" {finished / MINUTE:.2f} min -> {rate:,.0f} lines/min = {rate / CEILING:.0%} of"
            f" {CEILING:,}; {sent:,} sent, {made:,} time activities made, duplicates:"
            f" {len(ids) - len(set(ids))}; exactly once: {'yes' if once else 'NO'}"
        )
    throttled = after["throttled"] - stats_before["throttled"]
    metered = after["metered"]["CorePlus"] - stats_before["metered"]["CorePlus"]
    batches = after["requests"].get("batch", 0) - stats_before["requests"].get("batch", 0)
    singles = after["requests"].get("entity_write", 0) - stats_before["requests"].get(
        "entity_write", 0
    )
    reads = {
        kind: count - stats_before["requests"].get(kind, 0)
        for kind, count in after["requests"].items()
        if kind not in ("batch", "entity_write", "admin")
        and count > stats_before["requests"].get(kind, 0)
    }
    total = LINES * len(realms)
    busy = (machine_after[0] - machine_before[0]) / elapsed
    cores = os.cpu_count()
    print(
        f"share of the ceiling: lowest {min(shares):.0%}, highest {max(shares):.0%};"
        f" all lines in {elapsed / MINUTE:.2f} min = {total / (elapsed / MINUTE):,.0f} lines/min"
        f" for the {len(realms)} companies together"
    )
    print(
        f"answers 429 at the sandbox: {throttled}; exactly once: {'yes' if exactly_once else 'NO'};"
        f" {batches} batch requests, {singles} single creates; metered (CorePlus) calls:"
        f" {metered}; other requests the sandbox received meanwhile: {reads or 'none'}"
    )
    print(
        f"CPU: servers {cpu * 1000 / total:.2f} ms per line ({cpu / elapsed:.2f} cores),"
        f" sandbox {sandbox_cpu * 1000 / total:.2f} ms per line ({sandbox_cpu / elapsed:.2f}"
        f" cores); the machine's {cores} cores {busy / cores:.0%} busy on average (everything"
        f" on it, PostgreSQL included); load average peak {watch.peak_load:.1f}, at the end"
        f" {os.getloadavg()[0]:.1f}; memory peak per server"
        f" {', '.join(f'{peak:.0f}' for peak in memory)} MB resident,"
        f" {', '.join(f'{peak:.0f}' for peak in virtual)} MB virtual; server restarts"
        f" (time or memory limits): {', '.join(str(count) for count in restarts)}"
    )
    print(
        "database connections (pg_stat_activity, peak): per server "
        + ", ".join(
            f"{held} held / {in_use} in use at once"
            for held, in_use in zip(watch.peak_connections, watch.peak_in_use, strict=True)
        )
        + f"; the database {watch.peak_total} in all"
    )
    return throttled


def main():
    work_dir = Path(f"/tmp/bench_multi_{os.getpid()}")
    work_dir.mkdir()
    cases = [tuple(int(part) for part in case.split("x")) for case in CASES]
    most = max(companies for _servers, companies in cases)
    print(f"Installing the addon on {DB} ...", flush=True)
    create_database(DB, work_dir / "install.log")
    max_connections = psql("postgres", "SHOW max_connections")[0][0]
    print(f"PostgreSQL max_connections: {max_connections}; logs in {work_dir}", flush=True)
    realms = [realm_of(number) for number in range(1, most + 1)]
    sandbox = SandboxProcess(
        work_dir / "sandbox.json", companies_seed(realms), sandbox_config(), persist=False
    ).start()
    try:
        for servers_count, companies in cases:
            run_case(servers_count, realms[:companies], sandbox, work_dir)
            # Let QuickBooks' minute window empty before the next case.
            time.sleep(MINUTE)
    finally:
        sandbox.stop()
        if not os.environ.get("BENCH_KEEP_DB"):
            drop_database(DB)
        requests.Session().close()


if __name__ == "__main__":
    main()
