"""Background sending survives a killed Odoo worker and a restarted
QuickBooks: every line ends *sent* exactly once, or *error* with a reason."""

import itertools
import time

import pytest

from .odoo_process import (
    CLIENT_ID,
    CLIENT_SECRET,
    SHELL_OPENING,
    START_TIMEOUT,
    OdooServer,
    SandboxProcess,
    odoo_shell,
    psql,
    wait_for,
)

EMPLOYEE_ID, CUSTOMER_ID = "55", "21"
LINE_COUNT = 2000
# QuickBooks' limits on a 3-second "minute": 2,000 lines take about 6 s.
MINUTE_SECONDS = 3.0
# Bound of the wait for a whole queue to be sent: generous, since only a
# broken run comes near it (the speed is the benchmark's business).
SEND_TIMEOUT = 900
# Each test connects a new QuickBooks company, whose realm id is its own
# (docs/ASSUMPTIONS.md#ids-never-reused): the tests share one database, and
# each new sandbox numbers its time activities from the same start, so under
# one realm id the lines of an earlier test would hold the ids of this test's
# time activities, and the search for an interrupted send's time activities
# would take them for other lines'.
_REALM_NUMBERS = itertools.count(55)


def new_realm_id():
    return f"9130350{next(_REALM_NUMBERS):09d}"


def seed(realm_id):
    return {
        "realms": [
            {
                "realm_id": realm_id,
                "company_name": "System Test Company",
                "Employee": [{"Id": EMPLOYEE_ID, "GivenName": "Emily", "FamilyName": "Platt"}],
                "Customer": [{"Id": CUSTOMER_ID, "DisplayName": "Cool Cars"}],
            }
        ]
    }


# Run in odoo-bin shell: connect the company to the sandbox (as the browser
# would), map an employee and a project, and queue LINE_COUNT new lines for
# the background sender. Prints the sync log entry following the send.
SETUP_SCRIPT = (
    SHELL_OPENING
    + """
company = env.company
connect(company, {realm!r})
company.qbo_send_non_billable = True
# The tests share a database: the second one finds them already there. Other
# tests add companies to the user, so the search names the company.
employee = env["hr.employee"].search(
    [("name", "=", "Emily Platt"), ("company_id", "=", company.id)], limit=1
) or env["hr.employee"].create({{"name": "Emily Platt", "company_id": company.id}})
# Linked as the map wizard links them.
employee._qbo_write_each(
    {{employee: employee._qbo_link_values({realm!r}, {employee_id!r}, kind="Employee")}}
)
project = env["project.project"].search(
    [("name", "=", "Cool Cars"), ("company_id", "=", company.id)], limit=1
) or env["project.project"].create(
    {{"name": "Cool Cars", "qbo_billable": False, "company_id": company.id}}
)
project._qbo_write_each({{project: project._qbo_link_values({realm!r}, {customer_id!r})}})
# Not billable (no rate needed): set after the link, which recomputes the default.
project.qbo_billable = False
lines = env["account.analytic.line"].create([
    {{"name": f"Task {{number}}", "project_id": project.id, "employee_id": employee.id,
      "date": datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 300),
      "unit_amount": 0.5 + number % 8 / 4}}
    for number in range({count})
])
log = env["qbo.send.queue"]._qbo_queue(lines, company)
print("QUEUE_LOG", log.id, "LINES", min(lines.ids), max(lines.ids))
"""
)


@pytest.fixture
def realm_id():
    return new_realm_id()


def start_harsh_sandbox(tmp_path, realm_id, minute_seconds=MINUTE_SECONDS):
    """The sandbox with QuickBooks company ``realm_id``, started, in the
    harshest case: QuickBooks does not replay repeated requestids, so only
    the lookup of interrupted sends prevents duplicates."""
    return SandboxProcess(
        tmp_path / "sandbox.json",
        seed(realm_id),
        {
            "minute_seconds": minute_seconds,
            "latency_ms": 5,
            "batch_latency_ms": 30,
            "requestid_mode": "ignore",
        },
    ).start()


@pytest.fixture
def sandbox(tmp_path, realm_id):
    process = start_harsh_sandbox(tmp_path, realm_id)
    yield process
    process.stop()


@pytest.fixture
def odoo(odoo_database, tmp_path, realm_id):
    server = OdooServer(odoo_database, realm_id, MINUTE_SECONDS, tmp_path / "odoo.log")
    yield server
    server.stop()


def queue_lines(odoo_database, sandbox, realm_id, count=LINE_COUNT):
    """Queue ``count`` lines for the background sender of the company
    connected to ``realm_id``; returns the id of the send's sync log."""
    return queue_lines_with_ids(odoo_database, sandbox, realm_id, count)[0]


def queue_lines_with_ids(odoo_database, sandbox, realm_id, count=LINE_COUNT):
    """:func:`queue_lines`, returning (the sync log's id, the first and the
    last id of the lines queued)."""
    output = odoo_shell(
        odoo_database,
        SETUP_SCRIPT.format(
            url=sandbox.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            realm=realm_id,
            employee_id=EMPLOYEE_ID,
            customer_id=CUSTOMER_ID,
            count=count,
        ),
    )
    log_id, _lines, first_id, last_id = output.split("QUEUE_LOG")[1].split()[:4]
    return int(log_id), int(first_id), int(last_id)


def count_in_state(db_name, log_id, state):
    rows = psql(
        db_name,
        f"SELECT count(*) FROM account_analytic_line"
        f" WHERE qbo_queue_log_id = {log_id} AND qbo_state = '{state}'",
    )
    return int(rows[0][0])


def wait_until_sent(odoo, log_id, timeout):
    def nothing_queued():
        # A retry may be planned a minute ahead; nudging the cron is harmless.
        odoo.wake_cron()
        return count_in_state(odoo.db_name, log_id, "queued") == 0

    wait_for(nothing_queued, timeout, "every queued line to be sent", interval=2)


def assert_each_line_sent_once(db_name, log_id, sandbox, realm_id):
    rows = psql(
        db_name,
        "SELECT id, qbo_state, coalesce(qbo_time_activity_id, ''), coalesce(qbo_last_error, '')"
        f" FROM account_analytic_line WHERE qbo_queue_log_id = {log_id}",
    )
    assert len(rows) == LINE_COUNT
    activity_ids = [activity["Id"] for activity in sandbox.time_activities(realm_id)]
    assert len(activity_ids) == len(set(activity_ids))
    sent = {line_id: activity_id for line_id, state, activity_id, _error in rows if state == "sent"}
    failed = [(line_id, error) for line_id, state, _id, error in rows if state == "error"]
    assert len(sent) + len(failed) == LINE_COUNT, "no line left queued or untouched"
    assert all(error for _line_id, error in failed), "each failed line says why"
    assert len(set(sent.values())) == len(sent), "no time activity shared by two lines"
    assert set(sent.values()) == set(activity_ids), "no time activity made twice, none lost"
    log = psql(
        db_name,
        f"SELECT state, count_done, count_failed, count_remaining FROM qbo_sync_log"
        f" WHERE id = {log_id}",
    )[0]
    assert log == ["done" if not failed else "partial", str(len(sent)), str(len(failed)), "0"]


def start_send_and_wait_until_under_way(odoo_database, sandbox, odoo):
    """Start Odoo, queue the lines and return once 300 of them are sent."""
    odoo.start()
    log_id = queue_lines(odoo_database, sandbox, odoo.realm_id)
    odoo.wake_cron()
    wait_for(
        lambda: count_in_state(odoo_database, log_id, "sent") >= 300,
        START_TIMEOUT,
        "the send to be under way",
        interval=0.05,
    )
    return log_id


def test_odoo_worker_killed_mid_send_then_restarted(odoo_database, sandbox, odoo):
    log_id = start_send_and_wait_until_under_way(odoo_database, sandbox, odoo)
    odoo.kill()
    sent_at_kill = count_in_state(odoo_database, log_id, "sent")
    assert sent_at_kill < LINE_COUNT, "killed in the middle of the send"

    odoo.start()
    odoo.wake_cron()
    wait_until_sent(odoo, log_id, SEND_TIMEOUT)
    assert_each_line_sent_once(odoo_database, log_id, sandbox, odoo.realm_id)
    assert len(sandbox.time_activities(odoo.realm_id)) == LINE_COUNT


def test_quickbooks_restarted_mid_send(odoo_database, sandbox, odoo):
    log_id = start_send_and_wait_until_under_way(odoo_database, sandbox, odoo)
    sandbox.kill()
    assert count_in_state(odoo_database, log_id, "sent") < LINE_COUNT, "QuickBooks died mid-send"
    # Connections are refused for a while, then QuickBooks is back with
    # what it had saved.
    time.sleep(1)
    sandbox.start()
    wait_until_sent(odoo, log_id, SEND_TIMEOUT)
    assert_each_line_sent_once(odoo_database, log_id, sandbox, odoo.realm_id)
    stats = sandbox.stats()
    assert stats["requests"].get("batch"), "the send went on after the restart"


def test_quickbooks_killed_after_saving_before_answering(odoo_database, sandbox, odoo):
    """The narrowest window of a restart: QuickBooks saved time activities
    and died before its answers left. The send looks for them after the
    restart and sends none of them again."""
    log_id = start_send_and_wait_until_under_way(odoo_database, sandbox, odoo)
    # From now on QuickBooks saves each request and holds its answer back.
    sandbox.configure(slow_after_commit_ms=600_000, slow_rate=1.0)
    wait_for(
        lambda: sandbox.stats()["injected_faults"]["slow"],
        START_TIMEOUT,
        "a request saved and its answer held back",
        interval=0.05,
    )
    sandbox.kill()
    time.sleep(1)
    sandbox.start()
    wait_until_sent(odoo, log_id, SEND_TIMEOUT)
    assert_each_line_sent_once(odoo_database, log_id, sandbox, odoo.realm_id)
    found = psql(
        odoo_database,
        "SELECT count(*) FROM qbo_sync_log_line"
        f" WHERE log_id = {log_id} AND message LIKE 'Found in QuickBooks as time activity%'",
    )
    assert int(found[0][0]) > 0, "the lines QuickBooks saved unanswered were found there"
