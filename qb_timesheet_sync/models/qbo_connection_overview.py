# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks overview: one card per company (Timesheets > QuickBooks >
Overview), made of fields computed for all the cards at once.

Connection health (each item red with the sentence that fixes it when stale,
see ``qbo/overview.py``), the Intuit app's read budget of the month, and the
company's lines: queued, sent, refused and failed, with the background
send's progress. The counts are read with one grouped query per item, however
many companies and lines; each count opens the list it counts.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from ..qbo.budget import STOP_THRESHOLD, threshold_reached
from ..qbo.oauth import EXPIRY_WARNING_DAYS
from ..qbo.overview import (
    LAST_CALL_STALE,
    TOKEN_STALE,
    WATERMARK_STALE,
    age,
    cron_late,
    older_than,
    share,
    webhook_missing,
)
from ..qbo.text import _lt, counted, render
from .qbo_connection import MANAGER_GROUP
from .qbo_reconcile import WATERMARK_PARAM
from .res_config_settings import SECRET_PARAMS

# Operations of the sync log that reach QuickBooks: one that ended done (or
# partly done) is a successful call.
CALLING_OPERATIONS = (
    "connect",
    "test",
    "resync",
    "send",
    "delete",
    "reconcile",
    "keep_qbo",
    "send_odoo",
)
WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
# The counts of the card, each with the lines it opens.
WORK_KINDS = ("queued", "sent_today", "sent_week", "refused", "failed")


class QboConnection(models.Model):
    _inherit = "qbo.connection"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    token_refreshed_at = fields.Datetime(
        string="Tokens renewed on",
        readonly=True,
        copy=False,
        help="When Odoo last received new tokens from QuickBooks (at the connection, then at "
        "each renewal).",
    )
    # Health.
    overview_state_warning = fields.Char(compute="_compute_qbo_overview")
    overview_token_at = fields.Datetime(string="Tokens renewed", compute="_compute_qbo_overview")
    overview_token_warning = fields.Char(compute="_compute_qbo_overview")
    overview_last_call_at = fields.Datetime(
        string="Last successful call", compute="_compute_qbo_overview"
    )
    overview_last_call_warning = fields.Char(compute="_compute_qbo_overview")
    overview_webhook_at = fields.Datetime(
        string="Last webhook received", compute="_compute_qbo_overview"
    )
    overview_webhook_warning = fields.Char(compute="_compute_qbo_overview")
    overview_watermark_at = fields.Datetime(
        string="Changes read up to", compute="_compute_qbo_overview"
    )
    overview_watermark_age = fields.Char(string="Age", compute="_compute_qbo_overview")
    overview_watermark_warning = fields.Char(compute="_compute_qbo_overview")
    overview_crons = fields.Text(string="Scheduled actions", compute="_compute_qbo_overview")
    overview_crons_warning = fields.Char(compute="_compute_qbo_overview")
    overview_problem_count = fields.Integer(string="Problems", compute="_compute_qbo_overview")
    # The five-year end: QuickBooks managers' (as refresh_token_hard_expiry).
    overview_hard_expiry_days = fields.Integer(
        string="Days left", compute="_compute_qbo_overview_expiry", groups=MANAGER_GROUP
    )
    overview_hard_expiry_warning = fields.Char(
        compute="_compute_qbo_overview_expiry", groups=MANAGER_GROUP
    )
    # The Intuit app's read budget (one app serves every company).
    overview_read_count = fields.Integer(
        string="Metered reads this month", compute="_compute_qbo_overview"
    )
    overview_read_forecast = fields.Integer(
        string="Expected by month end", compute="_compute_qbo_overview"
    )
    overview_read_allowance = fields.Integer(
        string="Monthly allowance", compute="_compute_qbo_overview"
    )
    overview_read_percent = fields.Float(string="Used", compute="_compute_qbo_overview")
    overview_read_text = fields.Char(string="Metered reads", compute="_compute_qbo_overview")
    overview_read_warning = fields.Char(compute="_compute_qbo_overview")
    # Work.
    overview_queued = fields.Integer(string="Queued", compute="_compute_qbo_overview")
    overview_sent_today = fields.Integer(string="Sent today", compute="_compute_qbo_overview")
    overview_sent_week = fields.Integer(string="Sent this week", compute="_compute_qbo_overview")
    overview_refused = fields.Integer(string="Refused", compute="_compute_qbo_overview")
    overview_failed = fields.Integer(string="Failed", compute="_compute_qbo_overview")
    overview_refusal_reasons = fields.Text(
        string="Refused because", compute="_compute_qbo_overview"
    )
    overview_backlog_remaining = fields.Integer(
        string="Left to send in the background", compute="_compute_qbo_overview"
    )
    overview_backlog_progress = fields.Float(
        string="Background send", compute="_compute_qbo_overview"
    )

    # ------------------------------------------------------------------
    # Tokens renewed
    # ------------------------------------------------------------------
    def _qbo_spend_refresh_token(self):
        token = super()._qbo_spend_refresh_token()
        if token:
            self.write({"token_refreshed_at": fields.Datetime.now()})
        return token

    def _qbo_finish_connect(self, code, realm_id):
        summary = super()._qbo_finish_connect(code, realm_id)
        self.sudo().write({"token_refreshed_at": fields.Datetime.now()})
        return summary

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends_context("uid", "tz", "lang")
    def _compute_qbo_overview(self):
        now = fields.Datetime.now()
        connections = self.sudo()
        companies = connections.company_id
        realms = [realm for realm in connections.mapped("realm_id") if realm]
        last_calls = self._qbo_overview_last_calls(companies)
        webhooks = self._qbo_overview_webhooks(realms)
        watermarks = self._qbo_overview_watermarks(realms)
        last_sent = self._qbo_overview_last_sent(companies)
        crons_text, crons_warning = self._qbo_overview_crons(now)
        budget = self._qbo_overview_budget()
        work = self._qbo_overview_work(companies, now)
        reasons = self._qbo_overview_refusal_reasons(companies)
        backlog = self._qbo_overview_backlog(companies)
        params = self.env["ir.config_parameter"].sudo()
        webhooks_set_up = bool(params.get_param(SECRET_PARAMS["qbo_webhook_verifier"]))
        for connection in self:
            record = connection.sudo()
            company = record.company_id
            connected = record.state == "connected"
            watermark = watermarks.get(record.realm_id)
            last_call = max(
                [moment for moment in (last_calls.get(company.id), watermark) if moment],
                default=None,
            )
            token_at = record.token_refreshed_at or (record.connected_at if connected else None)
            webhook_at = webhooks.get(record.realm_id)
            warnings = {
                "overview_state_warning": record._qbo_overview_state_warning(),
                "overview_token_warning": connected
                and older_than(token_at, TOKEN_STALE, now)
                and _(
                    "QuickBooks tokens not renewed for %(age)s: nothing reached QuickBooks "
                    "since. Check that Odoo runs its scheduled actions, then test the "
                    "connection (QuickBooks > Connections).",
                    age=self._qbo_age_text(now - token_at if token_at else None),
                ),
                "overview_last_call_warning": connected
                and older_than(last_call, LAST_CALL_STALE, now)
                and _(
                    "No successful call to QuickBooks for %(age)s: the sync log tells the last "
                    "error; test the connection (QuickBooks > Connections).",
                    age=self._qbo_age_text(now - last_call if last_call else None),
                ),
                "overview_webhook_warning": connected
                and webhooks_set_up
                and webhook_missing(webhook_at, record.connected_at, last_sent.get(company.id), now)
                and _(
                    "No webhook for %(age)s although time was sent since: check the webhook "
                    "endpoint of your Intuit app in Intuit's developer portal, it must be "
                    "%(url)s.",
                    age=self._qbo_age_text(
                        now - (webhook_at or record.connected_at)
                        if webhook_at or record.connected_at
                        else None
                    ),
                    url=self._qbo_webhook_url(),
                ),
                "overview_watermark_warning": connected
                and older_than(watermark, WATERMARK_STALE, now)
                and _(
                    "Changes made in QuickBooks last read %(age)s ago: check that the "
                    "scheduled action 'QuickBooks: see what changed in QuickBooks' is active, "
                    "and the sync log for its error.",
                    age=self._qbo_age_text(now - watermark if watermark else None),
                ),
                "overview_crons_warning": crons_warning,
            }
            warnings = {name: value or False for name, value in warnings.items()}
            counts = work.get(company.id, {})
            remaining, done = backlog.get(company.id, (0, 0))
            connection.update(
                {
                    **warnings,
                    "overview_token_at": token_at or False,
                    "overview_last_call_at": last_call or False,
                    "overview_webhook_at": webhook_at or False,
                    "overview_watermark_at": watermark or False,
                    "overview_watermark_age": (
                        self._qbo_age_text(now - watermark) if watermark else False
                    ),
                    "overview_crons": crons_text,
                    "overview_problem_count": len([value for value in warnings.values() if value])
                    + bool(budget["overview_read_warning"]),
                    **budget,
                    **{f"overview_{kind}": counts.get(kind, 0) for kind in WORK_KINDS},
                    "overview_refusal_reasons": reasons.get(company.id, False),
                    "overview_backlog_remaining": remaining,
                    "overview_backlog_progress": share(done, done + remaining),
                }
            )

    def _compute_qbo_overview_expiry(self):
        red_from = EXPIRY_WARNING_DAYS[0]
        for connection in self:
            days = connection._qbo_hard_expiry_days_left()
            soon = connection.state == "connected" and days is not None and days <= red_from
            connection.overview_hard_expiry_days = days or 0
            connection.overview_hard_expiry_warning = soon and render(
                counted(
                    max(days, 0),
                    _lt(
                        "QuickBooks ends this connection in %(count)s day, however often it is "
                        "used: a QuickBooks manager reconnects before then (Settings > "
                        "QuickBooks)."
                    ),
                    _lt(
                        "QuickBooks ends this connection in %(count)s days, however often it is "
                        "used: a QuickBooks manager reconnects before then (Settings > "
                        "QuickBooks)."
                    ),
                ),
                self.env._,
            )

    # ------------------------------------------------------------------
    # What the computes read: one query each, for every card
    # ------------------------------------------------------------------
    def _qbo_overview_state_warning(self):
        if self.state == "disconnected":
            return _(
                "Not connected to QuickBooks: a QuickBooks manager connects this company in "
                "Settings > QuickBooks."
            )
        if self.state == "needs_reconnect":
            return _(
                "QuickBooks asks for a new connection: a QuickBooks manager reconnects in "
                "Settings > QuickBooks."
            )
        return False

    @api.model
    def _qbo_overview_last_calls(self, companies):
        """{company id: end of its last operation that reached QuickBooks}."""
        groups = (
            self.env["qbo.sync.log"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", companies.ids),
                    ("operation", "in", CALLING_OPERATIONS),
                    ("state", "in", ("done", "partial")),
                ],
                ["company_id"],
                ["write_date:max"],
            )
        )
        return {company.id: moment for company, moment in groups}

    @api.model
    def _qbo_overview_webhooks(self, realms):
        """{realm id: when its last webhook event arrived}."""
        groups = (
            self.env["qbo.webhook.event"]
            .sudo()
            ._read_group([("realm_id", "in", realms)], ["realm_id"], ["received_at:max"])
        )
        return dict(groups)

    @api.model
    def _qbo_overview_watermarks(self, realms):
        """{realm id: the reconciliation's watermark}."""
        keys = {WATERMARK_PARAM % realm: realm for realm in realms}
        params = (
            self.env["ir.config_parameter"]
            .sudo()
            .search_read([("key", "in", list(keys))], ["key", "value"])
        )
        return {keys[param["key"]]: fields.Datetime.to_datetime(param["value"]) for param in params}

    @api.model
    def _qbo_overview_last_sent(self, companies):
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("company_id", "in", companies.ids), ("qbo_sent_at", "!=", False)],
                ["company_id"],
                ["qbo_sent_at:max"],
            )
        )
        return {company.id: moment for company, moment in groups}

    @api.model
    def _qbo_overview_crons(self, now):
        """(one line per scheduled action of the addon, the sentence of the
        first one inactive or late, or False)."""
        crons = self._qbo_overview_cron_records()
        lines, warning = [], False
        for cron in crons:
            if not cron.active:
                status = _("inactive")
                warning = warning or _(
                    "The scheduled action '%(name)s' is inactive: a settings administrator "
                    "activates it again (Settings > Technical > Scheduled Actions).",
                    name=cron.name,
                )
            elif cron_late(
                cron.lastcall, cron.create_date, cron.interval_number, cron.interval_type, now
            ):
                status = (
                    _("last run %(date)s", date=format_datetime(self.env, cron.lastcall))
                    if cron.lastcall
                    else _("never run")
                )
                warning = warning or _(
                    "The scheduled action '%(name)s' has not run for %(age)s: check that the "
                    "Odoo server runs scheduled actions (its option --max-cron-threads is not "
                    "0).",
                    name=cron.name,
                    age=self._qbo_age_text(
                        now - (cron.lastcall or cron.create_date) if cron.create_date else None
                    ),
                )
            else:
                status = (
                    _("last run %(date)s", date=format_datetime(self.env, cron.lastcall))
                    if cron.lastcall
                    else _("not run yet")
                )
            lines.append(f"{cron.name}: {status}")
        return "\n".join(lines), warning

    @api.model
    def _qbo_overview_cron_records(self):
        cron_ids = (
            self.env["ir.model.data"]
            .sudo()
            .search([("module", "=", "qb_timesheet_sync"), ("model", "=", "ir.cron")])
            .mapped("res_id")
        )
        return (
            self.env["ir.cron"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", cron_ids)], order="name")
        )

    @api.model
    def _qbo_overview_budget(self):
        """The card's read budget fields (one Intuit app for every card)."""
        Budget = self.env["qbo.read.budget"].sudo()
        count, expected, allowance = Budget._qbo_forecast()
        reached = threshold_reached(count, allowance)
        warning = False
        if reached >= STOP_THRESHOLD:
            warning = _(
                "%(percent)s %% of the Intuit app's monthly reads used: optional reads have "
                "stopped until next month; raise the allowance in Settings if your Intuit plan "
                "allows more.",
                percent=reached,
            )
        elif reached:
            warning = _(
                "%(percent)s %% of the Intuit app's monthly reads used, about %(forecast)s "
                "expected by month end: raise the allowance in Settings if your Intuit plan "
                "allows more.",
                percent=reached,
                forecast=expected,
            )
        read_text = counted(
            count,
            _lt(
                "%(count)s metered read, about %(forecast)s by month end, of %(allowance)s allowed."
            ),
            _lt(
                "%(count)s metered reads, about %(forecast)s by month end, of %(allowance)s "
                "allowed."
            ),
            forecast=expected,
            allowance=allowance,
        )
        return {
            "overview_read_count": count,
            "overview_read_forecast": expected,
            "overview_read_allowance": allowance,
            "overview_read_percent": share(count, allowance),
            "overview_read_text": render(read_text, self.env._),
            "overview_read_warning": warning,
        }

    def _qbo_overview_domain(self, kind, now=None):
        """The lines (of any company) a count of the card counts, and its list shows."""
        if kind == "queued":
            return [("qbo_state", "=", "queued")]
        if kind == "refused":
            return [("qbo_state", "=", "refused")]
        if kind == "failed":
            return [("qbo_state", "=", "error")]
        today, week = self._qbo_overview_day_starts(now or fields.Datetime.now())
        return [("qbo_sent_at", ">=", today if kind == "sent_today" else week)]

    def _qbo_overview_day_starts(self, now):
        """The starts (naive UTC) of today and of this week (from Monday) in
        the user's time zone."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        local_today = pytz.utc.localize(now).astimezone(tz).date()
        week_first = local_today - timedelta(days=local_today.weekday())

        def start(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return start(local_today), start(week_first)

    def _qbo_overview_work(self, companies, now):
        """{company id: {kind: lines}}."""
        Line = self.env["account.analytic.line"].sudo()
        work = {}
        for kind in WORK_KINDS:
            groups = Line._read_group(
                [("company_id", "in", companies.ids), *self._qbo_overview_domain(kind, now)],
                ["company_id"],
                ["__count"],
            )
            for company, count in groups:
                work.setdefault(company.id, {})[kind] = count
        return work

    @api.model
    def _qbo_overview_refusal_reasons(self, companies):
        """{company id: "reason: lines" per line, the commonest first}."""
        Line = self.env["account.analytic.line"].sudo()
        groups = Line._read_group(
            [("company_id", "in", companies.ids), ("qbo_state", "=", "refused")],
            ["company_id", "qbo_refusal_code"],
            ["__count"],
            order="__count desc",
        )
        labels = dict(Line._fields["qbo_refusal_code"]._description_selection(self.env))
        reasons = {}
        for company, code, count in groups:
            label = labels.get(code) or _("Other")
            reasons.setdefault(company.id, []).append(f"{label}: {count}")
        return {company_id: "\n".join(lines) for company_id, lines in reasons.items()}

    @api.model
    def _qbo_overview_backlog(self, companies):
        """{company id: (lines left, lines done)} of its running background sends."""
        groups = (
            self.env["qbo.sync.log"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", companies.ids),
                    ("operation", "=", "send"),
                    ("state", "=", "running"),
                ],
                ["company_id"],
                ["count_remaining:sum", "count_done:sum"],
            )
        )
        return {company.id: (remaining, done) for company, remaining, done in groups}

    def _qbo_age_text(self, delta):
        if delta is None:
            return _("ever")
        count, unit = age(delta)
        if unit == "days":
            text = counted(count, _lt("%(count)s day"), _lt("%(count)s days"))
        elif unit == "hours":
            text = counted(count, _lt("%(count)s hour"), _lt("%(count)s hours"))
        else:
            text = counted(count, _lt("%(count)s minute"), _lt("%(count)s minutes"))
        return render(text, self.env._)

    def _qbo_webhook_url(self):
        return (self.get_base_url() or "").rstrip("/") + WEBHOOK_PATH
