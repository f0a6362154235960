"""Two ``odoo-bin`` servers on one database, two cron threads each, send the
queue of one QuickBooks company: every line is sent exactly once, and
QuickBooks never answers 429 (the servers share the company's rate window
in PostgreSQL)."""

from .odoo_process import (
    OdooServer,
    SandboxProcess,
    psql,
    wait_for,
)
from .test_send_faults import (
    MINUTE_SECONDS,
    SEND_TIMEOUT,
    count_in_state,
    new_realm_id,
    queue_lines,
    seed,
)

LINE_COUNT = 600


def test_two_servers_send_one_queue_exactly_once(odoo_database, tmp_path):
    realm_id = new_realm_id()
    sandbox = SandboxProcess(
        tmp_path / "sandbox.json",
        seed(realm_id),
        {"minute_seconds": MINUTE_SECONDS, "latency_ms": 5, "batch_latency_ms": 30},
    ).start()
    servers = [
        OdooServer(
            odoo_database, realm_id, MINUTE_SECONDS, tmp_path / f"odoo-{number}.log", cron_threads=2
        )
        for number in range(2)
    ]
    try:
        for server in servers:
            server.start()
        log_id = queue_lines(odoo_database, sandbox, realm_id, count=LINE_COUNT)

        def nothing_queued():
            for server in servers:
                server.wake_cron()
            return count_in_state(odoo_database, log_id, "queued") == 0

        wait_for(nothing_queued, SEND_TIMEOUT, "every queued line to be sent", interval=1)
        rows = psql(
            odoo_database,
            "SELECT qbo_state, coalesce(qbo_time_activity_id, '') FROM account_analytic_line"
            f" WHERE qbo_queue_log_id = {log_id}",
        )
        activity_ids = [activity["Id"] for activity in sandbox.time_activities(realm_id)]
        stats = sandbox.stats()
    finally:
        for server in servers:
            server.stop()
        sandbox.stop()
    assert len(rows) == LINE_COUNT
    assert {state for state, _activity_id in rows} == {"sent"}
    assert len(activity_ids) == len(set(activity_ids)) == LINE_COUNT, "each line made one"
    assert {activity_id for _state, activity_id in rows} == set(activity_ids)
    assert stats["throttled"] == 0, "QuickBooks never answered 429"
    log = psql(
        odoo_database,
        f"SELECT state, count_done, count_failed, count_remaining FROM qbo_sync_log"
        f" WHERE id = {log_id}",
    )[0]
    assert log == ["done", str(LINE_COUNT), "0", "0"]
