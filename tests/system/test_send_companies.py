"""Two ``odoo-bin`` servers on one database send the queues of five Odoo
companies, each connected to a QuickBooks company of its own, through the
sending lanes: every line is sent exactly once, to its own QuickBooks
company, and QuickBooks never answers 429."""

from .companies import companies_seed, queue_for_companies, realm_of
from .odoo_process import OdooServer, SandboxProcess, psql, wait_for
from .test_send_faults import MINUTE_SECONDS, SEND_TIMEOUT

REALMS = [realm_of(number) for number in range(1, 6)]
LINE_COUNT = 300
# Each server's connection pool: (44 - 16) // 13 = 2 companies at once per
# server (models/qbo_send_queue_cron.py), so the five companies take turns,
# and the test stays within a shared PostgreSQL's connections.
DB_MAXCONN = 44


def test_two_servers_send_five_companies_exactly_once(odoo_database, tmp_path):
    sandbox = SandboxProcess(
        tmp_path / "sandbox.json",
        companies_seed(REALMS),
        {"minute_seconds": MINUTE_SECONDS, "latency_ms": 5, "batch_latency_ms": 30},
        persist=False,
    ).start()
    servers = [
        OdooServer(
            odoo_database,
            ",".join(REALMS),
            MINUTE_SECONDS,
            tmp_path / f"odoo-{number}.log",
            cron_threads=2,
            options=[f"--db_maxconn={DB_MAXCONN}"],
        )
        for number in range(2)
    ]
    try:
        for server in servers:
            server.start()
        _queued_at, log_ids = queue_for_companies(odoo_database, sandbox, REALMS, LINE_COUNT)
        logs = ",".join(str(log_id) for log_id in log_ids)

        def nothing_queued():
            # A lane may come back a minute later; nudging the crons is harmless.
            for server in servers:
                server.wake_cron()
            queued = psql(
                odoo_database,
                "SELECT count(*) FROM account_analytic_line"
                f" WHERE qbo_queue_log_id IN ({logs}) AND qbo_state = 'queued'",
            )
            return queued[0][0] == "0"

        wait_for(nothing_queued, SEND_TIMEOUT, "every queued line to be sent", interval=1)
        rows = {
            log_id: psql(
                odoo_database,
                "SELECT qbo_state, coalesce(qbo_time_activity_id, ''), coalesce(qbo_realm_id, '')"
                f" FROM account_analytic_line WHERE qbo_queue_log_id = {log_id}",
            )
            for log_id in log_ids
        }
        activity_ids = {
            realm: [activity["Id"] for activity in sandbox.time_activities(realm)]
            for realm in REALMS
        }
        stats = sandbox.stats()
        log_rows = psql(
            odoo_database,
            "SELECT id, state, count_done, count_failed, count_remaining FROM qbo_sync_log"
            f" WHERE id IN ({logs}) ORDER BY id",
        )
    finally:
        for server in servers:
            server.stop()
        sandbox.stop()
    for realm, log_id in zip(REALMS, log_ids, strict=True):
        lines = rows[log_id]
        assert len(lines) == LINE_COUNT
        assert {state for state, _activity_id, _realm in lines} == {"sent"}, realm
        assert {line_realm for _state, _activity_id, line_realm in lines} == {realm}
        ids = activity_ids[realm]
        assert len(ids) == len(set(ids)) == LINE_COUNT, f"each line of {realm} made one"
        assert {activity_id for _state, activity_id, _realm in lines} == set(ids)
    assert stats["throttled"] == 0, "QuickBooks never answered 429"
    assert log_rows == [
        [str(log_id), "done", str(LINE_COUNT), "0", "0"] for log_id in sorted(log_ids)
    ]
