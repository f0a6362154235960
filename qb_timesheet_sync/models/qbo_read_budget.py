# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The monthly read budget of the Intuit app (docs/ASSUMPTIONS.md#metering).

Every call Intuit meters as CorePlus (queries, reads, CompanyInfo,
Preferences, payroll GraphQL) is counted, whatever made it: the one client
factory (``qbo.connection._qbo_client``) gives each client a
:class:`ReadMeter`. Counts are kept per Intuit app (client id: one app may
serve several companies of the database) and per UTC day, one row a day,
added to with ``INSERT ... ON CONFLICT DO UPDATE`` in a short transaction of
its own in READ COMMITTED: concurrent senders wait a moment for the row's
lock, never fail with a serialization error, and a rolled-back send still
counts the calls Intuit counted. A month is the sum of its days.

At 80 % and 95 % of the allowance (Settings) the QuickBooks managers are
warned once per month; from 95 % the optional reads stop (the
reconciliation's deletion sweep, the resyncs webhooks ask for) so that what
is left serves the sends, until the next month or a larger allowance.
"""

import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.sql_db import Cursor

from ..qbo.budget import (
    DEFAULT_ALLOWANCE,
    RECENT_DAYS,
    STOP_THRESHOLD,
    forecast,
    month_start,
    next_month_start,
    rolling_slices,
    sweep_window_start,
    threshold_reached,
)
from ..qbo.text import _lt, joined
from ..qbo.updates import MAX_IDS_PER_QUERY
from ..tools.text import rendered

_logger = logging.getLogger(__name__)

ALLOWANCE_PARAM = "qb_timesheet_sync.read_allowance"
# "YYYY-MM:threshold" of the last warning of an app, "YYYY-MM" of the last
# "optional reads stopped" entry of a company.
WARNED_PARAM = "qb_timesheet_sync.read_budget_warned.%s"  # per client id
STOPPED_PARAM = "qb_timesheet_sync.read_budget_stopped.%s"  # per company id
ACTIVITY_TYPE = "mail.mail_activity_data_warning"
DEFAULT_SWEEP_WINDOW_DAYS = 90
# The older unbilled lines: read again in turns, at most this many metered
# reads a day, each line at least every OLD_SWEEP_MIN_DAYS days when few.
OLD_SWEEP_READS = 10
OLD_SWEEP_MIN_DAYS = 30
_UPSERT = """
    INSERT INTO qbo_read_budget (client_id, day, count)
    VALUES (%s, %s, %s)
    ON CONFLICT (client_id, day) DO UPDATE SET count = qbo_read_budget.count + EXCLUDED.count
"""


class ReadMeter:
    """Told of each metered call by a :class:`~..qbo.client.QboClient`
    (from any of its threads); counts the CorePlus ones in the day's row of
    ``client_id``. ``cursor_factory()`` returns a new cursor, committed when
    its ``with`` block ends. Counting never fails the call it counts."""

    def __init__(self, cursor_factory, client_id):
        self.client_id = client_id
        self._cursor_factory = cursor_factory

    def __repr__(self):
        return f"ReadMeter(client_id={self.client_id!r})"

    def __call__(self, kind, count=1):
        if kind != "CorePlus":
            return
        try:
            add_reads(self._cursor_factory, self.client_id, fields.Datetime.now().date(), count)
        except psycopg2.Error as error:
            _logger.info("QuickBooks read budget of %s not counted: %s", self.client_id, error)


def add_reads(cursor_factory, client_id, day, count):
    """Add ``count`` reads to ``client_id``'s row of ``day``, in a short
    transaction of its own, READ COMMITTED (a test cursor shares the test's
    transaction and keeps its level)."""
    cr = cursor_factory()
    if isinstance(cr, Cursor):
        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
    with cr:
        cr.execute(_UPSERT, [client_id, day, count])


class QboReadBudget(models.Model):
    _name = "qbo.read.budget"
    _description = "QuickBooks metered reads of an Intuit app, per day"
    _log_access = False
    _order = "day desc"

    client_id = fields.Char(string="Intuit client ID", required=True, readonly=True)
    day = fields.Date(required=True, readonly=True, help="UTC day.")
    count = fields.Integer(string="Metered reads", readonly=True)

    _sql_constraints = [
        ("client_day_unique", "unique(client_id, day)", "One count per Intuit app and day."),
    ]

    @api.model
    def _qbo_meter(self):
        """The meter the client factory gives each QuickBooks client."""
        return ReadMeter(self.env.registry.cursor, self._qbo_client_id())

    @api.model
    def _qbo_client_id(self):
        return self.env["qbo.connection"]._qbo_param("client_id") or ""

    @api.model
    def _qbo_allowance(self):
        value = self.env["ir.config_parameter"].sudo().get_param(ALLOWANCE_PARAM)
        try:
            return int(value) if value else DEFAULT_ALLOWANCE
        except ValueError:
            return DEFAULT_ALLOWANCE

    @api.model
    def _qbo_daily_counts(self, since, until, client_id=None):
        """{day: reads} of the app from ``since`` to ``until`` (dates). Read
        in SQL: the meter adds to the rows in SQL, behind the ORM's cache."""
        client_id = self._qbo_client_id() if client_id is None else client_id
        self.env.cr.execute(
            """
            SELECT day, count FROM qbo_read_budget
             WHERE client_id = %s AND day >= %s AND day <= %s
            """,
            [client_id, since, until],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _qbo_month_count(self, client_id=None, now=None):
        """The app's metered reads of ``now``'s calendar month (UTC)."""
        now = now or fields.Datetime.now()
        first = month_start(now.date())
        last = next_month_start(first) - timedelta(days=1)
        return sum(self._qbo_daily_counts(first, last, client_id).values())

    @api.model
    def _qbo_forecast(self, client_id=None, now=None):
        """(reads this month, reads expected by month end, allowance)."""
        now = now or fields.Datetime.now()
        since = min(month_start(now.date()), now.date() - timedelta(days=RECENT_DAYS))
        daily = self._qbo_daily_counts(since, now.date(), client_id)
        first = month_start(now.date())
        count = sum(reads for day, reads in daily.items() if day >= first)
        return count, forecast(count, daily, now), self._qbo_allowance()

    # ------------------------------------------------------------------
    # Warnings and the guard of the optional reads
    # ------------------------------------------------------------------
    @api.model
    def _qbo_cron_check(self):
        """Cron: warn the QuickBooks managers when the month's reads reach a
        threshold (once per threshold and month)."""
        self._qbo_check_thresholds()

    @api.model
    def _qbo_check_thresholds(self, now=None):
        """Warn of the highest threshold reached this month, unless already
        warned of it; returns the threshold reached (percent) or 0."""
        now = now or fields.Datetime.now()
        client_id = self._qbo_client_id()
        count, expected, allowance = self._qbo_forecast(client_id, now)
        reached = threshold_reached(count, allowance)
        if not reached:
            return 0
        params = self.env["ir.config_parameter"].sudo()
        month = now.strftime("%Y-%m")
        last = params.get_param(WARNED_PARAM % client_id) or ""
        last_month, _sep, last_threshold = last.partition(":")
        if last_month == month and int(last_threshold or 0) >= reached:
            return reached
        params.set_param(WARNED_PARAM % client_id, f"{month}:{reached}")
        connections = self.env["qbo.connection"].sudo().search([("state", "=", "connected")])
        for connection in connections:
            self._qbo_warn(connection, reached, count, expected, allowance)
        return reached

    @api.model
    def _qbo_warn(self, connection, reached, count, expected, allowance):
        company = connection.company_id
        summary = _lt(
            "The Intuit app has made %(count)s of its %(allowance)s metered QuickBooks reads "
            "this month (%(percent)s %%); about %(forecast)s are expected by the end of the "
            "month. Past the allowance QuickBooks refuses every read until next month and "
            "shows the app offline.",
            count=count,
            allowance=allowance,
            percent=reached,
            forecast=expected,
        )
        if reached >= STOP_THRESHOLD:
            summary = joined(
                summary,
                _lt(
                    "Optional reads (the daily deletion check, resyncs asked for by webhooks) "
                    "stop until next month or until the allowance is raised in Settings; sends "
                    "go on."
                ),
            )
        self.env["qbo.sync.log"]._record(
            company, "budget", _lt("QuickBooks read budget"), summary, realm_id=connection.realm_id
        )
        managers = connection._qbo_managers()
        assignee = connection.connected_by_id & managers or managers[:1]
        if assignee:
            # The activity is written once, in the company's language.
            env = self.with_context(lang=company.partner_id.lang).env
            connection.with_context(mail_activity_quick_update=True).activity_schedule(
                ACTIVITY_TYPE,
                summary=env._("QuickBooks read budget at %(percent)s %%", percent=reached),
                note=Markup("<p>%s</p>") % rendered(summary, env),
                user_id=assignee.id,
            )

    @api.model
    def _qbo_optional_reads_allowed(self, company, now=None):
        """Whether ``company`` may make optional reads now: not once the
        app's month reached the stop threshold. The first refusal of a month
        says so in the company's sync log."""
        now = now or fields.Datetime.now()
        count, _expected, allowance = self._qbo_forecast(now=now)
        if threshold_reached(count, allowance) < STOP_THRESHOLD:
            return True
        self._qbo_check_thresholds(now)
        params = self.env["ir.config_parameter"].sudo()
        month = now.strftime("%Y-%m")
        if params.get_param(STOPPED_PARAM % company.id) != month:
            params.set_param(STOPPED_PARAM % company.id, month)
            self.env["qbo.sync.log"]._record(
                company,
                "budget",
                _lt("QuickBooks read budget"),
                _lt(
                    "Optional reads stopped: the Intuit app has made %(count)s of its "
                    "%(allowance)s metered reads this month. The daily deletion check and the "
                    "resyncs asked for by webhooks wait until next month or until the "
                    "allowance is raised in Settings; sends go on.",
                    count=count,
                    allowance=allowance,
                ),
                state="partial",
                realm_id=company.sudo()._qbo_connection().realm_id,
            )
        return False

    # ------------------------------------------------------------------
    # The bounded deletion sweep
    # ------------------------------------------------------------------
    @api.model
    def _qbo_sweep_start(self, realm_id, now=None):
        """The start of the look-back window of the deletion sweep of
        ``realm_id``: the widest of its companies' windows."""
        now = now or fields.Datetime.now()
        companies = (
            self.env["qbo.connection"]
            .sudo()
            .search([("realm_id", "=", realm_id), ("state", "=", "connected")])
            .company_id
        )
        days = max(companies.mapped("qbo_sweep_window_days") or [DEFAULT_SWEEP_WINDOW_DAYS])
        return sweep_window_start(now, days)

    @api.model
    def _qbo_sweep_lines(self, realm_id, states, now=None):
        """The sent lines (in ``states``) of ``realm_id`` the daily sweep
        reads again: those that can still change in a way that matters, i.e.
        not billed, dated or last sent within the look-back window
        (docs/ASSUMPTIONS.md#old-lines-rarely-change); and a rolling share
        of the older unbilled ones, at most :data:`OLD_SWEEP_READS` metered
        reads a day, each line at least every :data:`OLD_SWEEP_MIN_DAYS`
        days while that bound allows: a lost webhook of an old line is still
        seen, at a cost that does not grow with the history."""
        now = now or fields.Datetime.now()
        start = self._qbo_sweep_start(realm_id, now)
        Line = self.env["account.analytic.line"].sudo()
        sent = [
            ("qbo_realm_id", "=", realm_id),
            ("qbo_time_activity_id", "!=", False),
            ("qbo_billed", "=", False),
            ("qbo_state", "in", states),
        ]
        recent = Line.search(
            [*sent, "|", ("date", ">=", start.date()), ("qbo_sent_at", ">=", start)]
        )
        old = Line.search(
            [
                *sent,
                ("date", "<", start.date()),
                "|",
                ("qbo_sent_at", "<", start),
                ("qbo_sent_at", "=", False),
            ],
            order="id",
        )
        if not old:
            return recent
        slices = rolling_slices(len(old), OLD_SWEEP_READS * MAX_IDS_PER_QUERY, OLD_SWEEP_MIN_DAYS)
        turn = now.date().toordinal() % slices
        return recent | old.browse([line_id for line_id in old.ids if line_id % slices == turn])
