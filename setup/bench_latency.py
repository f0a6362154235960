# Sending at QuickBooks' latencies, this tree's sender beside an earlier one's,
# in the same run (one after the other for each latency, the order
# alternating), with setup/bench_send.py:
#
#   PYTHONPATH=. python setup/bench_latency.py
#
# For each profile of BENCH_PROFILES (default "200/800,500/2500,1000/4000":
# milliseconds a single request takes / extra milliseconds of a batch
# request), sends BENCH_LINES (default 5,000) lines with the addon of this
# tree and with the addon of BENCH_BASELINE (a git commit, default the last
# one before the sender took the next chunk while the previous ones were in
# flight), each from its own scratch database, against the sandbox with
# QuickBooks' limits, on BENCH_SCALE's time scale (default 2: a minute lasts
# 30 s; Odoo's own time per request does not shrink with the scale, so a
# larger scale makes it weigh more). BENCH_JITTER_MS (default 0) adds a
# random extra of up to that much to each request. BENCH_ODOO_OPTIONS adds
# options to odoo-bin (e.g. "--limit-time-real-cron=600": runs of 150 s
# instead of Odoo's default 30 s). Prints a table of the
# lines a minute, their share of the ceiling (1,660) and of what 10 requests
# in flight allow at that latency, the room in flight used, and the Odoo
# CPU per line.
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ODOO = Path(
    os.environ.get("ODOO_SRC", Path.home() / ".cache/qb_timesheet_sync/odoo-18.0")
).expanduser()
PYTHON = os.environ.get("PY", sys.executable)
PROFILES = os.environ.get("BENCH_PROFILES", "200/800,500/2500,1000/4000").split(",")
LINES = int(os.environ.get("BENCH_LINES", 5000))
SCALE = os.environ.get("BENCH_SCALE", "2")
JITTER = os.environ.get("BENCH_JITTER_MS", "0")
ODOO_OPTIONS = os.environ.get("BENCH_ODOO_OPTIONS", "").split()
BASELINE = os.environ.get("BENCH_BASELINE", "4041678")

FIGURES = {
    "rate": re.compile(r"-> (\d+) lines/min = (\d+)% of the ceiling"),
    "in_flight": re.compile(r"Requests in flight: ([\d.]+) on average of \d+ \((\d+)%"),
    "allowed": re.compile(r"allow at most ([\d,]+) lines/min"),
    "cpu": re.compile(r"([\d.]+) ms CPU per line"),
    "throttled": re.compile(r"(\d+) answers 429"),
}


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def install(tree, db):
    run(["dropdb", "--if-exists", "--force", db])
    run(["createdb", db])
    run(
        [
            PYTHON,
            str(ODOO / "odoo-bin"),
            "-d",
            db,
            f"--addons-path={ODOO / 'odoo/addons'},{tree}",
            "-i",
            "qb_timesheet_sync",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def bench(tree, db, profile, port):
    latency, batch_latency = profile.split("/")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BENCH_SIZES": str(LINES),
        "BENCH_NAIVE_LINES": "0",
        "BENCH_SCALE": SCALE,
        "BENCH_LATENCY_MS": latency,
        "BENCH_BATCH_LATENCY_MS": batch_latency,
        "BENCH_JITTER_MS": JITTER,
        "BENCH_PORT": str(port),
    }
    # A database of its own for each run, copied from the tree's: the
    # benchmark links its employee and project once per database.
    run_db = f"{db}_run"
    run(["dropdb", "--if-exists", "--force", run_db])
    run(["createdb", "-T", db, run_db])
    with open(REPO / "setup/bench_send.py", encoding="utf-8") as script:
        output = run(
            [
                PYTHON,
                str(ODOO / "odoo-bin"),
                "shell",
                "-d",
                run_db,
                f"--addons-path={ODOO / 'odoo/addons'},{tree}",
                "--log-level=warn",
                *ODOO_OPTIONS,
            ],
            stdin=script,
            env=env,
            cwd=REPO,
        ).stdout
    run(["dropdb", "--if-exists", "--force", run_db])
    figures = {}
    for name, pattern in FIGURES.items():
        match = pattern.search(output)
        figures[name] = match.groups() if match else None
    return figures, output


def main():
    work = Path(tempfile.mkdtemp(prefix="bench_latency_"))
    baseline_tree = work / "baseline"
    run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(baseline_tree), BASELINE])
    trees = {"this tree": REPO, f"baseline {BASELINE}": baseline_tree}
    dbs = {name: f"qbts_bench_latency_{number}" for number, name in enumerate(trees)}
    rows = []
    try:
        for name, tree in trees.items():
            print(f"Installing the addon of {name} ...", flush=True)
            install(tree, dbs[name])
        for index, profile in enumerate(PROFILES):
            names = list(trees) if index % 2 == 0 else list(reversed(trees))
            for name in names:
                print(f"{profile} ms: {name} ...", flush=True)
                figures, output = bench(trees[name], dbs[name], profile, 8097 + index)
                (work / f"{profile.replace('/', '-')}-{name.split()[0]}.log").write_text(output)
                rows.append((profile, name, figures))
    finally:
        for db in dbs.values():
            subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)
        run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline_tree)])
    print(
        f"\n{LINES:,} lines, time scale {SCALE} (a minute lasts {60 / float(SCALE):g} s),"
        f" jitter {JITTER} ms; load average {os.getloadavg()}; outputs in {work}"
    )
    print(
        "| latency (single/batch extra) | sender | lines/min | of 1,660 |"
        " 10 in flight allow | room in flight used | 429 | CPU/line |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for profile, name, figures in rows:
        rate = figures["rate"] or ("?", "?")
        in_flight = figures["in_flight"] or ("?", "?")
        allowed = figures["allowed"] or ("?",)
        cpu = figures["cpu"] or ("?",)
        throttled = figures["throttled"] or ("?",)
        print(
            f"| {profile} ms | {name} | {rate[0]} | {rate[1]} % | {allowed[0]} |"
            f" {in_flight[1]} % | {throttled[0]} | {cpu[0]} ms |"
        )


if __name__ == "__main__":
    main()
