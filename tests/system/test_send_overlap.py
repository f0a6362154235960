"""A manager sends lines that the background sender of a real ``odoo-bin``
is working through (its requests in flight in threads of their own): the
background run lets the manager's send go, the manager's send commits on
its first try, and every line ends sent exactly once, with QuickBooks not
recognising repeated requestids."""

from .odoo_process import (
    START_TIMEOUT,
    OdooServer,
    odoo_shell,
    psql,
    wait_for,
)
from .test_send_faults import new_realm_id, queue_lines_with_ids, start_harsh_sandbox

LINE_COUNT = 2500
# QuickBooks' own minute: the background send lasts well over a minute, time
# enough for the manager's odoo-bin shell to start on a loaded machine.
MINUTE_SECONDS = 60.0
TAKEN = 300
SEND_TIMEOUT = 1200

# Run in odoo-bin shell, as a manager's send from the list: the queued lines
# the background sender would take last, sent at once (not queued again).
MANAGER_SCRIPT = """
from odoo.addons.qb_timesheet_sync.qbo import limiter_for
limiter_for({realm!r}, minute_seconds={minute!r})
env.company.qbo_background_threshold = 100000
env.cr.commit()
lines = env["account.analytic.line"].search(
    [("qbo_queue_log_id", "=", {log_id}), ("qbo_state", "=", "queued")],
    order="date desc, id desc", limit={count},
)
tries = []
def send():
    tries.append(1)
    return lines._qbo_send()
from odoo.service.model import retrying
notification = retrying(send, env)
print("MANAGER", len(lines), len(tries), notification["params"]["type"])
"""


def test_a_manager_sends_lines_a_background_run_is_working_through(odoo_database, tmp_path):
    realm_id = new_realm_id()
    sandbox = start_harsh_sandbox(tmp_path, realm_id, MINUTE_SECONDS)
    odoo = OdooServer(odoo_database, realm_id, MINUTE_SECONDS, tmp_path / "odoo.log")
    try:
        odoo.start()
        log_id, first_id, last_id = queue_lines_with_ids(
            odoo_database, sandbox, realm_id, LINE_COUNT
        )
        odoo.wake_cron()
        wait_for(
            lambda: sent_count(odoo_database, first_id, last_id) >= 100,
            START_TIMEOUT,
            "the background send to be under way",
            interval=0.1,
        )
        manager = odoo_shell(
            odoo_database,
            MANAGER_SCRIPT.format(
                realm=realm_id, minute=MINUTE_SECONDS, log_id=log_id, count=TAKEN
            ),
            timeout=SEND_TIMEOUT,
        )
        taken, tries, outcome = manager.split("MANAGER")[1].split()[:3]
        assert int(taken) > 0, "the manager's send met lines still queued"
        assert (int(tries), outcome) == (1, "success"), "sent and committed on the first try"

        def nothing_queued():
            odoo.wake_cron()
            rows = psql(
                odoo_database,
                "SELECT count(*) FROM account_analytic_line"
                f" WHERE id BETWEEN {first_id} AND {last_id} AND qbo_state = 'queued'",
            )
            return int(rows[0][0]) == 0

        wait_for(nothing_queued, SEND_TIMEOUT, "every queued line to be sent", interval=2)
        rows = psql(
            odoo_database,
            "SELECT qbo_state, coalesce(qbo_time_activity_id, '') FROM account_analytic_line"
            f" WHERE id BETWEEN {first_id} AND {last_id}",
        )
        assert {state for state, _activity in rows} == {"sent"}
        activity_ids = [activity["Id"] for activity in sandbox.time_activities(realm_id)]
        assert len(activity_ids) == LINE_COUNT, "one time activity per line, none twice"
        assert {activity for _state, activity in rows} == set(activity_ids)
        # Both sync logs add up: the background send counts what it sent and
        # what the manager's send took over.
        done, moved, state = psql(
            odoo_database,
            f"SELECT count_done, count_moved, state FROM qbo_sync_log WHERE id = {log_id}",
        )[0]
        assert (int(done) + int(moved), state) == (LINE_COUNT, "done")
        assert int(moved) == int(taken)
    finally:
        odoo.stop()
        sandbox.stop()


def sent_count(db_name, first_id, last_id):
    rows = psql(
        db_name,
        "SELECT count(*) FROM account_analytic_line"
        f" WHERE id BETWEEN {first_id} AND {last_id} AND qbo_state = 'sent'",
    )
    return int(rows[0][0])
