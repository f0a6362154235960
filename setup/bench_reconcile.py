# Benchmark of the reconciliation (what changed in QuickBooks), run through
# `odoo-bin shell` on a scratch database where qb_timesheet_sync is installed
# (it commits):
#
#   PYTHONPATH=. odoo-bin shell -d <scratch db> --addons-path=... < setup/bench_reconcile.py
#
# Starts the local QuickBooks sandbox as a separate process with QuickBooks'
# limits (500 requests, 40 batches a minute, 10 in flight) and 200 ms per
# request, in real time. Seeds N lines (BENCH_LINES, 10000) already sent:
# their time activities in the sandbox, the lines in Odoo in the state a send
# leaves them (SQL, for speed; the payloads are the addon's own plans). Then,
# in QuickBooks, through the public API as another client would: changes
# BENCH_CHANGED time activities (300), saves BENCH_RESAVED others with the
# same values (100: only their SyncToken moves, not a change) and deletes
# BENCH_DELETED (100). Then runs the reconciliation once, as the cron does
# (watermark read and the deletion sweep), and prints the metered (CorePlus)
# calls, the wall time and what was found.
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests

from odoo import fields
from odoo.tools import split_every

from odoo.addons.qb_timesheet_sync.models.qbo_reconcile import WATERMARK_PARAM
from odoo.addons.qb_timesheet_sync.qbo import BatchItem

from tests.bench_common import (
    benchmark_records,
    connect,
    sandbox_stats,
    seed_lines,
    start_sandbox,
)

env = env  # noqa: F821 (provided by odoo shell)
LINES = int(os.environ.get("BENCH_LINES", 10000))
CHANGED = int(os.environ.get("BENCH_CHANGED", 300))
RESAVED = int(os.environ.get("BENCH_RESAVED", 100))
DELETED = int(os.environ.get("BENCH_DELETED", 100))
LATENCY_MS = 200
# A QuickBooks company of its own per run: lines of an earlier run stay out.
REALM = f"91303500{int(time.time()) % 10**8:08d}"
PORT = int(os.environ.get("BENCH_PORT", 8098))
SANDBOX = f"http://127.0.0.1:{PORT}"
FIRST_ID = 100000

# QuickBooks' limits and latency, in real time.
SANDBOX_CONFIG = {
    "requests_per_minute": 500,
    "batches_per_minute": 40,
    "max_concurrent": 10,
    "latency_ms": LATENCY_MS,
}


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def age_time_activities(state_path):
    """Date the seeded time activities a day back, as if sent yesterday:
    the watermark read then sees only what changed since (the sandbox has no
    clock of its own to move, so its state file is edited while it is down)."""
    with open(state_path, encoding="utf-8") as handle:
        state = json.load(handle)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    for realm in state["realms"]:
        for record in realm["records"]["TimeActivity"].values():
            record["MetaData"] = {"CreateTime": yesterday, "LastUpdatedTime": yesterday}
    with open(state_path, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


def seed_sent_lines(company, employee, project):
    """N lines in Odoo and their time activities in the sandbox, as a send
    leaves them: the same payload on both sides, SyncToken 0."""
    Line = env["account.analytic.line"]
    lines = seed_lines(env, employee, project, LINES)
    send_context = Line._qbo_send_context(company)
    plans = lines._qbo_plans(send_context)
    assert not any(plan.refusal for plan in plans), "every line sendable"
    activities = [{**plan.payload, "Id": str(FIRST_ID + index)} for index, plan in enumerate(plans)]
    for chunk in split_every(2000, activities):
        requests.post(
            f"{SANDBOX}/_sandbox/seed",
            json={"realms": [{"realm_id": REALM, "TimeActivity": list(chunk)}]},
            timeout=300,
        ).raise_for_status()
    now = fields.Datetime.now()
    for chunk in split_every(1000, list(enumerate(plans))):
        env.cr.execute(
            """
            UPDATE account_analytic_line AS line
               SET qbo_state = 'sent', qbo_time_activity_id = v.activity_id,
                   qbo_sync_token = '0', qbo_realm_id = %s, qbo_sent_at = %s,
                   qbo_sent_duration = v.hours, qbo_sent_payload = v.payload::jsonb,
                   qbo_request_id = v.request_id
              FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::varchar[]) AS activity_id,
                           unnest(%s::float[]) AS hours, unnest(%s::text[]) AS payload,
                           unnest(%s::varchar[]) AS request_id) AS v
             WHERE line.id = v.id
            """,
            (
                REALM,
                now,
                [plan.line.id for _index, plan in chunk],
                [str(FIRST_ID + index) for index, _plan in chunk],
                [plan.minutes / 60 for _index, plan in chunk],
                [json.dumps(plan.payload) for _index, plan in chunk],
                [uuid.uuid4().hex for _chunk in chunk],
            ),
        )
    env.cr.commit()
    env.invalidate_all()
    return lines


def change_in_quickbooks(client):
    """What QuickBooks users do: change, save unchanged, delete; by batch
    through the public API."""
    state = requests.get(
        f"{SANDBOX}/_sandbox/realms/{REALM}/entities/TimeActivity", timeout=60
    ).json()
    records = {record["Id"]: record for record in state}
    ids = [str(FIRST_ID + index) for index in range(0, LINES, max(LINES // 1000, 1))]
    changed = ids[:CHANGED]
    resaved = ids[CHANGED : CHANGED + RESAVED]
    deleted = ids[CHANGED + RESAVED : CHANGED + RESAVED + DELETED]

    def body(record, **changes):
        kept = {k: v for k, v in record.items() if k not in ("domain", "sparse", "MetaData")}
        return {**kept, **changes}

    items = [
        BatchItem(
            "update",
            "TimeActivity",
            body(records[i], Hours=int(records[i].get("Hours") or 0) + 1),
            uuid.uuid4().hex,
        )
        for i in changed
    ]
    items += [
        BatchItem("update", "TimeActivity", body(records[i]), uuid.uuid4().hex) for i in resaved
    ]
    items += [
        BatchItem(
            "delete",
            "TimeActivity",
            {"Id": i, "SyncToken": records[i]["SyncToken"]},
            uuid.uuid4().hex,
        )
        for i in deleted
    ]
    results = client.batch(items)
    assert all(result.ok for result in results), [r.error for r in results if not r.ok][:3]
    return set(changed), set(deleted)


STATE_PATH = f"/tmp/bench_reconcile_state_{os.getpid()}.json"
sandbox = start_sandbox(PORT, REALM, SANDBOX_CONFIG, STATE_PATH)
try:
    company = env.company
    connection = connect(env, company, SANDBOX, REALM)
    employee, project = benchmark_records(env, company, REALM)
    env.cr.commit()
    started = time.monotonic()
    lines = seed_sent_lines(company, employee, project)
    print(f"Seeded {len(lines)} sent lines in {time.monotonic() - started:.1f} s")
    stop(sandbox)
    age_time_activities(STATE_PATH)
    sandbox = start_sandbox(PORT, REALM, SANDBOX_CONFIG, STATE_PATH)
    # The last reconciliation ran an hour ago (the cron's interval).
    params = env["ir.config_parameter"].sudo()
    params.set_param(
        WATERMARK_PARAM % REALM,
        fields.Datetime.to_string(fields.Datetime.now() - timedelta(hours=1)),
    )
    env.cr.commit()
    changed_ids, deleted_ids = change_in_quickbooks(connection._qbo_client())

    print(f"\n=== Reconciliation of {LINES} sent lines ({LATENCY_MS} ms per request) ===")
    print(
        f"In QuickBooks: {len(changed_ids)} changed, {RESAVED} saved with the same values, "
        f"{len(deleted_ids)} deleted"
    )
    found_changed = found_deleted = env["account.analytic.line"]
    # The hourly run (watermark read only), then a run with the daily sweep.
    for title, sweep in (("Hourly run (watermark read)", False), ("Run with the sweep", True)):
        before = sandbox_stats(SANDBOX)
        started = time.monotonic()
        found = env["qbo.reconcile"]._qbo_reconcile_company(company, sweep=sweep)
        env.cr.commit()
        wall = time.monotonic() - started
        after = sandbox_stats(SANDBOX)
        core_plus = after["metered"]["CorePlus"] - before["metered"]["CorePlus"]
        core = after["metered"]["Core"] - before["metered"]["Core"]
        changed_now = found.filtered(lambda line: line.qbo_state == "changed")
        deleted_now = found.filtered(lambda line: line.qbo_state == "deleted")
        found_changed |= changed_now
        found_deleted |= deleted_now
        print(
            f"{title}: {core_plus} metered CorePlus calls ({core} Core), {wall:.1f} s; found "
            f"{len(changed_now)} changed and {len(deleted_now)} deleted in QuickBooks"
        )
    assert set(found_changed.mapped("qbo_time_activity_id")) == changed_ids
    assert set(found_deleted.mapped("qbo_time_activity_id")) == deleted_ids
    print("Every change and deletion found, nothing else.")
finally:
    stop(sandbox)
    if os.path.exists(STATE_PATH):
        os.remove(STATE_PATH)
