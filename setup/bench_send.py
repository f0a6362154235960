# Benchmark of sending timesheets to QuickBooks, run through `odoo-bin shell`
# on a scratch database where qb_timesheet_sync is installed (it commits):
#
#   PYTHONPATH=. odoo-bin shell -d <scratch db> --addons-path=... < setup/bench_send.py
#
# Starts the local QuickBooks sandbox as a separate process with QuickBooks'
# limits (500 requests, 40 batches a minute, 10 in flight), 200 ms per request
# and 800 ms more per batch request (BENCH_LATENCY_MS, BENCH_BATCH_LATENCY_MS,
# and a random extra of up to BENCH_JITTER_MS, 0, on each request), all on a
# time scale (BENCH_SCALE, 5: a "minute" lasts 12 s and the latencies shrink
# alike; Odoo's own time per request does not, so a scale above 1 makes it
# weigh more). For each N in
# BENCH_SIZES (1000,10000) it seeds N lines and sends them the addon's way
# (queued, then the cron's sender, called as the cron calls it), then N other
# lines the naive way (one request per line, in sequence; at most
# BENCH_NAIVE_LINES of them, 1000: its time grows linearly with N, and 10,000
# lines would take 20 minutes; 0 skips it), and prints the
# throughput in lines per scaled minute, its share of QuickBooks' ceiling and
# of what 10 requests in flight allow at that latency, how much of that room
# the send used, the speed-up, the Odoo-side CPU per line, the SQL queries per batch request and
# the memory the send needed. BENCH_BREAKDOWN=1 also prints where the room in
# flight went (tests/bench_breakdown.py; its timing costs some CPU).
# BENCH_PROFILE=<file> profiles the addon's send with yappi (CPU clock,
# every thread; `pip install yappi` first) and writes the functions that
# took the most CPU, with their own and their total time, to <file> (and
# the whole profile, for Python's pstats, to <file>.pstat).
import contextlib
import os
import threading
import time
import uuid

import odoo
from odoo.tools import split_every

from odoo.addons.qb_timesheet_sync.qbo import limiter_for
from odoo.addons.qb_timesheet_sync.qbo.delivery import ceiling_formula

try:
    from odoo.addons.qb_timesheet_sync.qbo.delivery import in_flight_ceiling
except ImportError:  # an earlier addon, compared by setup/bench_latency.py
    in_flight_ceiling = None

from tests.bench_common import (
    benchmark_records,
    connect,
    sandbox_stats,
    seed_lines,
    start_sandbox,
)

env = env  # noqa: F821 (provided by odoo shell)
SCALE = float(os.environ.get("BENCH_SCALE", 5))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
NAIVE_LINES = int(os.environ.get("BENCH_NAIVE_LINES", 1000))
MINUTE = 60.0 / SCALE
# QuickBooks' answer time: a single request, and the extra of a batch request
# (a batch takes LATENCY_MS + BATCH_LATENCY_MS), plus a random extra in
# [0, JITTER_MS] on each request; unscaled milliseconds.
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", 200))
BATCH_LATENCY_MS = int(os.environ.get("BENCH_BATCH_LATENCY_MS", 800))
JITTER_MS = int(os.environ.get("BENCH_JITTER_MS", 0))
BREAKDOWN = os.environ.get("BENCH_BREAKDOWN") == "1"
PROFILE = os.environ.get("BENCH_PROFILE")
REQUESTS_PER_MINUTE, BATCHES_PER_MINUTE, BATCH_SIZE, IN_FLIGHT = 500, 40, 30, 10
REALM = "9130350000000077"
PORT = int(os.environ.get("BENCH_PORT", 8097))
SANDBOX = f"http://127.0.0.1:{PORT}"


def rss_kb():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Measure:
    """Wall time, CPU of this process (the Odoo side: ORM, HTTP client; the
    sandbox and PostgreSQL are other processes), SQL queries, and the peak
    of the resident memory above where it started."""

    def __enter__(self):
        self.rss_start = self.rss_peak = rss_kb()
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        self.queries = odoo.sql_db.sql_counter
        self.cpu = time.process_time()
        self.wall = time.monotonic()
        self.stats_before = sandbox_stats(SANDBOX)
        return self

    def _sample(self):
        while self._sampling:
            self.rss_peak = max(self.rss_peak, rss_kb())
            time.sleep(0.05)

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.queries = odoo.sql_db.sql_counter - self.queries
        after = sandbox_stats(SANDBOX)
        before = self.stats_before
        self.batches = after["requests"].get("batch", 0) - before["requests"].get("batch", 0)
        self.singles = after["requests"].get("entity_write", 0) - before["requests"].get(
            "entity_write", 0
        )
        self.throttled = after["throttled"] - before["throttled"]
        self.core_plus = after["metered"]["CorePlus"] - before["metered"]["CorePlus"]
        self.busy = after["busy_seconds"].get(REALM, 0) - before["busy_seconds"].get(REALM, 0)
        self._sampling = False
        self._sampler.join()


def send_the_addon_way(company):
    cron = env.ref("qb_timesheet_sync.ir_cron_qbo_send_queued")
    queue = env["qbo.send.queue"]
    remaining = True
    while remaining:
        cron_with_progress, progress = cron._add_progress()
        queue.with_context(cron_with_progress.env.context)._qbo_cron_send_queued()
        remaining = progress.remaining
        env.cr.commit()


def send_the_naive_way(lines, company):
    Line = env["account.analytic.line"]
    send_context = Line._qbo_send_context(company)
    for line_ids in split_every(300, lines.ids):
        for plan in Line.browse(line_ids)._qbo_plans(send_context):
            request_id = uuid.uuid4().hex
            activity = send_context.client.create("TimeActivity", plan.payload, request_id)
            plan.line._qbo_mark_sent(activity, plan.payload, request_id, send_context.realm_id)
        env.cr.commit()
        env.invalidate_all()


@contextlib.contextmanager
def cpu_profile(path, size):
    """yappi's CPU profile of every thread while the block runs, written to ``path``."""
    import yappi

    yappi.set_clock_type("cpu")
    yappi.start(builtins=True)
    try:
        yield
    finally:
        yappi.stop()
        stats = yappi.get_func_stats()
        stats.save(f"{path}.pstat", type="pstat")  # for pstats' callers and callees
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"yappi CPU profile of sending {size} lines, every thread\n")
            for title, key in (("own time", "tsub"), ("total time", "ttot")):
                out.write(f"\n--- by {title} (ms a line) ---\n")
                for stat in stats.sort(key, "desc")[:60]:
                    out.write(
                        f"{stat.tsub * 1000 / size:8.3f} own {stat.ttot * 1000 / size:8.3f} total"
                        f" {stat.ncall:9d} calls  {stat.module}:{stat.lineno} {stat.name}\n"
                    )
            out.write("\n--- threads (ms a line) ---\n")
            for thread in yappi.get_thread_stats():
                out.write(f"{thread.ttot * 1000 / size:8.3f} {thread.name}\n")
        yappi.clear_stats()


def report(size, addon, naive, breakdown=None):
    # Each batch request is one request of the 500 (docs/ASSUMPTIONS.md#batch-metering):
    # batches at their limit, the other requests as single creates.
    ceiling, formula = ceiling_formula(REQUESTS_PER_MINUTE, BATCHES_PER_MINUTE, BATCH_SIZE)
    rate = size / (addon.wall / MINUTE)
    print(f"\n=== N = {size} lines (time scale {SCALE:g}: a minute lasts {MINUTE:g} s) ===")
    print(f"Ceiling = {formula}")
    # Each request takes at least the sandbox's latency (+ half the jitter on average).
    single = (LATENCY_MS + JITTER_MS / 2) / 1000
    if in_flight_ceiling:
        reachable = in_flight_ceiling(
            single, single + BATCH_LATENCY_MS / 1000, max_in_flight=IN_FLIGHT
        )
        print(
            f"Latency {LATENCY_MS} ms a request + {BATCH_LATENCY_MS} ms a batch"
            f" (jitter {JITTER_MS} ms):"
            f" {IN_FLIGHT} in flight allow at most {reachable:,} lines/min ="
            f" {reachable / ceiling:.1%} of the ceiling"
        )
    print(
        f"Addon:  {addon.wall:.1f} s = {addon.wall / MINUTE:.2f} min -> {rate:.0f} lines/min"
        f" = {rate / ceiling:.0%} of the ceiling ({addon.batches} batch requests,"
        f" {addon.singles} single creates, {addon.throttled} answers 429)"
    )
    print(
        f"Requests in flight: {addon.busy / addon.wall:.2f} on average of {IN_FLIGHT}"
        f" ({addon.busy / (addon.wall * IN_FLIGHT):.0%} of the room used)"
    )
    if breakdown:
        print("Where the room in flight went:")
        print("\n".join(breakdown.report(addon.wall, IN_FLIGHT, addon.busy)))
        print(breakdown.cpu_report(size))
    print(
        f"Metered (CorePlus) calls: {addon.core_plus} for {size} lines ="
        f" {addon.core_plus * 1000 / size:.2f} per 1,000 lines"
    )
    if naive:
        # One request at a time cannot beat 60 s / latency, whatever this
        # machine's own overhead per request: compare with that bound too.
        naive_count = min(size, NAIVE_LINES)
        naive_rate = naive_count / (naive.wall / MINUTE)
        naive_bound = min(60.0 / (LATENCY_MS / 1000), REQUESTS_PER_MINUTE)
        print(
            f"Naive:  {naive_count} lines in {naive.wall:.1f} s -> {naive_rate:.0f} lines/min"
            f" measured (at best 60 s / {LATENCY_MS} ms = {naive_bound:.0f}); speed-up"
            f" {rate / naive_rate:.1f}x measured, {rate / naive_bound:.1f}x against the best case"
        )
    print(
        f"Odoo side (addon way): {addon.cpu * 1000 / size:.2f} ms CPU per line,"
        f" {addon.queries / max(addon.batches + addon.singles, 1):.1f} SQL queries per request"
        f" ({addon.batches + addon.singles} requests, {addon.queries} queries),"
        f" memory peak +{(addon.rss_peak - addon.rss_start) / 1024:.0f} MB"
        f" (process {addon.rss_peak / 1024:.0f} MB)"
    )
    if size < BATCHES_PER_MINUTE * BATCH_SIZE:
        print(
            "Note: fewer lines than one minute's worth of batches: QuickBooks' per-minute"
            " window is not full, so the rate can exceed the per-minute ceiling."
        )


sandbox = start_sandbox(
    PORT,
    REALM,
    {
        "minute_seconds": MINUTE,
        "requests_per_minute": REQUESTS_PER_MINUTE,
        "batches_per_minute": BATCHES_PER_MINUTE,
        "max_concurrent": IN_FLIGHT,
        "latency_ms": round(LATENCY_MS / SCALE),
        "batch_latency_ms": round(BATCH_LATENCY_MS / SCALE),
        "latency_jitter_ms": round(JITTER_MS / SCALE),
    },
)
try:
    # The client's pacing on the same time scale as the sandbox (created
    # before any client, since the first one fixes it for the process).
    limiter_for(REALM, minute_seconds=MINUTE)
    company = env.company
    connect(env, company, SANDBOX, REALM)
    company.qbo_background_threshold = 0
    employee, project = benchmark_records(env, company, REALM)
    env.cr.commit()
    for size in SIZES:
        addon_lines = seed_lines(env, employee, project, size)
        naive_lines = seed_lines(env, employee, project, min(size, NAIVE_LINES))
        # Queuing is the user's click; what is measured is the sending.
        env["qbo.send.queue"]._qbo_queue(addon_lines, company)
        env.cr.commit()
        env.invalidate_all()
        breakdown = None
        if BREAKDOWN:
            try:
                from tests.bench_breakdown import RoomBreakdown
            except ImportError:  # an earlier addon, without its Delivery
                print("No breakdown of the room in flight: this addon has no Delivery.")
            else:
                breakdown = RoomBreakdown(type(env["qbo.send.queue"]))
        profile = cpu_profile(PROFILE, size) if PROFILE else contextlib.nullcontext()
        with Measure() as addon, breakdown or contextlib.nullcontext(), profile:
            send_the_addon_way(company)
        assert set(addon_lines.mapped("qbo_state")) == {"sent"}, "every line sent"
        # Let QuickBooks' minute window empty before the next run.
        time.sleep(MINUTE)
        naive = None
        if naive_lines:
            with Measure() as naive:
                send_the_naive_way(naive_lines, company)
            time.sleep(MINUTE)
        report(size, addon, naive, breakdown)
    print(f"\nSandbox: {sandbox_stats(SANDBOX)}")
finally:
    sandbox.terminate()
    sandbox.wait(timeout=10)
