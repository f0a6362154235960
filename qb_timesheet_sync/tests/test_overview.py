# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks overview: a card per company, each health item red with its
sentence when stale, the read budget as counted, the lines as they stand."""

from datetime import timedelta
from urllib.parse import parse_qs

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.qbo_connection_overview import WORK_KINDS
from ..models.qbo_read_budget import ALLOWANCE_PARAM
from ..models.qbo_reconcile import WATERMARK_PARAM
from .common import CLIENT_ID, REALM_A, qbo_write
from .common_send import QboSendCase
from .test_connection_ui import QboHttpCase

VERIFIER_PARAM = "qb_timesheet_sync.webhook_verifier_token"
HEALTH_FIELDS = [
    "overview_state_warning",
    "overview_token_warning",
    "overview_last_call_warning",
    "overview_webhook_warning",
    "overview_watermark_warning",
    "overview_crons_warning",
]
CARD_FIELDS = [
    *HEALTH_FIELDS,
    "overview_token_at",
    "overview_last_call_at",
    "overview_webhook_at",
    "overview_watermark_at",
    "overview_watermark_age",
    "overview_crons",
    "overview_problem_count",
    "overview_read_count",
    "overview_read_forecast",
    "overview_read_allowance",
    "overview_read_percent",
    "overview_read_text",
    "overview_read_warning",
    *[f"overview_{kind}" for kind in WORK_KINDS],
    "overview_refusal_reasons",
    "overview_backlog_remaining",
    "overview_backlog_progress",
]


@tagged("post_install", "-at_install")
class TestOverview(QboSendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.qbo_user = new_test_user(
            cls.env,
            "qbo_overview_user",
            groups="hr_timesheet.group_hr_timesheet_user,qb_timesheet_sync.group_qbo_user",
        )
        cls.ts_user = new_test_user(
            cls.env, "qbo_overview_ts_user", groups="hr_timesheet.group_hr_timesheet_user"
        )

    def setUp(self):
        super().setUp()
        # Every scheduled action of the addon ran a minute ago: only what a
        # test makes stale is.
        self.crons = self.connection._qbo_overview_cron_records()
        self.crons.write({"active": True, "lastcall": fields.Datetime.now()})

    def card(self, connection=None):
        self.env.invalidate_all()
        return (connection or self.connection).read(CARD_FIELDS)[0]

    def set_watermark(self, moment):
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM % REALM_A, fields.Datetime.to_string(moment)
        )

    def assertHealthy(self, card, *but):
        for name in HEALTH_FIELDS:
            if name not in but:
                self.assertFalse(card[name], name)

    # ------------------------------------------------------------------
    # Health
    # ------------------------------------------------------------------
    def test_a_fresh_connection_is_healthy(self):
        self.set_watermark(fields.Datetime.now())
        card = self.card()
        self.assertHealthy(card)
        self.assertEqual(card["overview_problem_count"], 0)
        self.assertTrue(card["overview_token_at"], "the consent gave the first tokens")
        self.assertTrue(card["overview_last_call_at"], "the connection called QuickBooks")

    def test_not_connected_says_who_connects(self):
        self.connection.sudo().state = "disconnected"
        card = self.card()
        self.assertEqual(
            card["overview_state_warning"],
            "Not connected to QuickBooks: a QuickBooks manager connects this company in "
            "Settings > QuickBooks.",
        )
        # Nothing else is stale about a connection that does not exist.
        self.assertHealthy(card, "overview_state_warning")
        self.connection.sudo().state = "needs_reconnect"
        self.assertIn("QuickBooks asks for a new connection", self.card()["overview_state_warning"])

    def test_tokens_not_renewed_for_days(self):
        now = fields.Datetime.now()
        self.set_watermark(now)
        self.connection.sudo().token_refreshed_at = now - timedelta(days=3)
        self.assertEqual(
            self.card()["overview_token_warning"],
            "QuickBooks tokens not renewed for 3 days: nothing reached QuickBooks since. Check "
            "that Odoo runs its scheduled actions, then test the connection (QuickBooks > "
            "Connections).",
        )
        self.connection.sudo().token_refreshed_at = now - timedelta(hours=5)
        self.assertFalse(self.card()["overview_token_warning"])

    def test_a_refresh_records_when_the_tokens_were_renewed(self):
        self.connection.sudo().token_refreshed_at = False
        # QuickBooks refused the access token: the refresh token is spent.
        self.connection._qbo_refresh_access_token(
            rejected_token=self.connection.sudo().access_token
        )
        self.env.invalidate_all()
        self.assertTrue(self.connection.sudo().token_refreshed_at)

    def test_no_successful_call_for_a_day(self):
        later = fields.Datetime.now() + timedelta(days=2)
        with freeze_time(later):
            self.connection.sudo().token_refreshed_at = later
            self.set_watermark(later - timedelta(minutes=30))
            self.assertFalse(self.card()["overview_last_call_warning"])
            # The reconciliation stopped 26 hours ago; the connect was earlier.
            self.set_watermark(later - timedelta(hours=26))
            card = self.card()
            self.assertEqual(
                card["overview_last_call_warning"],
                "No successful call to QuickBooks for 26 hours: the sync log tells the last "
                "error; test the connection (QuickBooks > Connections).",
            )
            self.assertIn("last read 26 hours ago", card["overview_watermark_warning"])
            self.assertEqual(card["overview_watermark_age"], "26 hours")

    def test_watermark_too_old(self):
        now = fields.Datetime.now()
        self.set_watermark(now - timedelta(hours=5))
        self.assertEqual(
            self.card()["overview_watermark_warning"],
            "Changes made in QuickBooks last read 5 hours ago: check that the scheduled action "
            "'QuickBooks: see what changed in QuickBooks' is active, and the sync log for its "
            "error.",
        )
        self.set_watermark(now - timedelta(minutes=30))
        self.assertFalse(self.card()["overview_watermark_warning"])

    def test_no_webhook_for_days_although_time_was_sent(self):
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, "verifier")
        line = self.line()
        later = fields.Datetime.now() + timedelta(days=4)
        with freeze_time(later):
            self.set_watermark(later)
            self.connection.sudo().token_refreshed_at = later
            qbo_write(line, {"qbo_state": "sent", "qbo_sent_at": later - timedelta(hours=1)})
            warning = self.card()["overview_webhook_warning"]
            self.assertTrue(warning.startswith("No webhook for 4 days although time was sent"))
            self.assertIn("/qb_timesheet_sync/webhook", warning)
            self.env["qbo.webhook.event"].sudo().create(
                {
                    "event_id": "overview-1",
                    "realm_id": REALM_A,
                    "entity": "TimeActivity",
                    "entity_id": "1",
                    "received_at": later - timedelta(minutes=30),
                    "state": "done",
                }
            )
            card = self.card()
            self.assertFalse(card["overview_webhook_warning"])
            self.assertEqual(card["overview_webhook_at"], later - timedelta(minutes=30))

    def test_webhooks_not_set_up_are_not_a_problem(self):
        self.env["ir.config_parameter"].sudo().set_param(VERIFIER_PARAM, "")
        later = fields.Datetime.now() + timedelta(days=4)
        with freeze_time(later):
            qbo_write(self.line(), {"qbo_state": "sent", "qbo_sent_at": later})
            self.assertFalse(self.card()["overview_webhook_warning"])

    def test_scheduled_actions_inactive_or_late(self):
        self.set_watermark(fields.Datetime.now())
        cron = self.env.ref("qb_timesheet_sync.ir_cron_qbo_reconcile")
        cron.active = False
        card = self.card()
        self.assertEqual(
            card["overview_crons_warning"],
            "The scheduled action 'QuickBooks: see what changed in QuickBooks' is inactive: a "
            "settings administrator activates it again (Settings > Technical > Scheduled "
            "Actions).",
        )
        self.assertIn(
            "QuickBooks: see what changed in QuickBooks: inactive", card["overview_crons"]
        )
        cron.write({"active": True, "lastcall": fields.Datetime.now() - timedelta(hours=5)})
        self.assertEqual(
            self.card()["overview_crons_warning"],
            "The scheduled action 'QuickBooks: see what changed in QuickBooks' has not run for "
            "5 hours: check that the Odoo server runs scheduled actions (its option "
            "--max-cron-threads is not 0).",
        )
        cron.lastcall = fields.Datetime.now()
        self.assertFalse(self.card()["overview_crons_warning"])

    def test_hard_expiry_near_is_for_managers(self):
        today = fields.Date.context_today(self.connection)
        self.connection.sudo().refresh_token_hard_expiry = today + timedelta(days=20)
        self.env.invalidate_all()
        self.assertEqual(
            self.connection.overview_hard_expiry_warning,
            "QuickBooks ends this connection in 20 days, however often it is used: a "
            "QuickBooks manager reconnects before then (Settings > QuickBooks).",
        )
        self.assertEqual(self.connection.overview_hard_expiry_days, 20)
        self.connection.sudo().refresh_token_hard_expiry = today + timedelta(days=200)
        self.env.invalidate_all()
        self.assertFalse(self.connection.overview_hard_expiry_warning)
        Connection = self.env["qbo.connection"].with_user(self.qbo_user)
        self.assertNotIn("overview_hard_expiry_warning", Connection.fields_get())

    # ------------------------------------------------------------------
    # Read budget
    # ------------------------------------------------------------------
    def test_read_budget_is_the_sum_of_the_month(self):
        Budget = self.env["qbo.read.budget"].sudo()
        today = fields.Datetime.now().date()
        first = today.replace(day=1)
        Budget.search([]).unlink()
        # 800 reads this month (two days when today is not the first).
        month_days = {first: 300, today: 500} if first != today else {today: 800}
        Budget.create(
            [
                *(
                    {"client_id": CLIENT_ID, "day": day, "count": n}
                    for day, n in month_days.items()
                ),
                {"client_id": "another-app", "day": today, "count": 9000},
                {"client_id": CLIENT_ID, "day": first - timedelta(days=1), "count": 7000},
            ]
        )
        self.env["ir.config_parameter"].sudo().set_param(ALLOWANCE_PARAM, "1000")
        card = self.card()
        month = sum(
            Budget.search([("client_id", "=", CLIENT_ID), ("day", ">=", first)]).mapped("count")
        )
        self.assertEqual(card["overview_read_count"], month)
        self.assertEqual(card["overview_read_count"], 800)
        _count, expected, allowance = Budget._qbo_forecast()
        self.assertEqual(card["overview_read_forecast"], expected)
        self.assertEqual(card["overview_read_allowance"], allowance)
        self.assertAlmostEqual(card["overview_read_percent"], 80.0)
        self.assertEqual(
            card["overview_read_text"],
            f"800 metered reads, about {expected} by month end, of {allowance} allowed.",
        )
        self.assertIn("80 % of the Intuit app's monthly reads used", card["overview_read_warning"])
        self.env["ir.config_parameter"].sudo().set_param(ALLOWANCE_PARAM, "800")
        self.assertIn("optional reads have stopped", self.card()["overview_read_warning"])
        self.env["ir.config_parameter"].sudo().set_param(ALLOWANCE_PARAM, "100000")
        self.assertFalse(self.card()["overview_read_warning"])

    # ------------------------------------------------------------------
    # Work
    # ------------------------------------------------------------------
    def work_lines(self):
        now = fields.Datetime.now()
        lines = {kind: self.line(name=f"Overview {kind}") for kind in ("q1", "q2", "r1", "r2")}
        lines.update({kind: self.line(name=f"Overview {kind}") for kind in ("f1", "s1", "s0")})
        qbo_write(lines["q1"] | lines["q2"], {"qbo_state": "queued"})
        qbo_write(lines["r1"], {"qbo_state": "refused", "qbo_refusal_code": "not_approved"})
        qbo_write(lines["r2"], {"qbo_state": "refused", "qbo_refusal_code": "no_rate"})
        qbo_write(lines["f1"], {"qbo_state": "error", "qbo_last_error": "QuickBooks said no."})
        qbo_write(lines["s1"], {"qbo_state": "sent", "qbo_sent_at": now})
        qbo_write(lines["s0"], {"qbo_state": "sent", "qbo_sent_at": now - timedelta(days=30)})
        return lines

    def test_work_counts_are_the_lines_states(self):
        lines = self.work_lines()
        card = self.card()
        self.assertEqual(card["overview_queued"], 2)
        self.assertEqual(card["overview_refused"], 2)
        self.assertEqual(card["overview_failed"], 1)
        self.assertEqual(card["overview_sent_today"], 1)
        self.assertEqual(card["overview_sent_week"], 1)
        self.assertEqual(
            sorted(card["overview_refusal_reasons"].splitlines()),
            ["No hourly rate: 1", "Not approved: 1"],
        )
        Line = self.env["account.analytic.line"]
        for kind in WORK_KINDS:
            with self.subTest(kind=kind):
                action = self.connection.with_context(qbo_overview=kind).action_qbo_overview_lines()
                self.assertEqual(Line.search_count(action["domain"]), card[f"overview_{kind}"])
        refused = self.connection.with_context(qbo_overview="refused").action_qbo_overview_lines()
        self.assertEqual(Line.search(refused["domain"]), lines["r1"] | lines["r2"])

    def test_failures_open_the_failure_screen_or_the_failed_lines(self):
        lines = self.work_lines()
        action = self.connection.action_qbo_overview_failures()
        if self.env.ref("qb_timesheet_sync.action_qbo_failure_groups", raise_if_not_found=False):
            self.assertEqual(action["xml_id"], "qb_timesheet_sync.action_qbo_failure_groups")
        else:
            Line = self.env["account.analytic.line"]
            self.assertEqual(Line.search(action["domain"]), lines["f1"])

    def test_hours_and_failures_graphs_open_on_the_company(self):
        lines = self.work_lines()
        hours = self.connection.action_qbo_overview_hours()
        qbo_write(lines["s1"] | lines["s0"], {"qbo_time_activity_id": "900"})
        self.assertEqual(
            self.env["account.analytic.line"].search(hours["domain"]), lines["s1"] | lines["s0"]
        )
        self.assertEqual(hours["views"][0][1], "graph")
        failed = self.env["qbo.sync.log"]._record(
            self.company, "send", "Send", "Some failed.", state="partial"
        )
        failed.sudo().count_failed = 2
        history = self.connection.action_qbo_overview_failure_history()
        self.assertIn(failed, self.env["qbo.sync.log"].search(history["domain"]))

    def test_the_backlog_drains(self):
        log = self.env["qbo.sync.log"]._record(
            self.company, "send", "Send in the background", "Queued.", state="running"
        )
        log.sudo().write({"count_remaining": 30, "count_done": 10})
        card = self.card()
        self.assertEqual(card["overview_backlog_remaining"], 30)
        self.assertAlmostEqual(card["overview_backlog_progress"], 25.0)
        log.sudo().write({"count_remaining": 0, "count_done": 40, "state": "done"})
        self.assertEqual(self.card()["overview_backlog_remaining"], 0)

    # ------------------------------------------------------------------
    # Who sees it, and what it costs
    # ------------------------------------------------------------------
    def test_quickbooks_users_read_the_card_timesheet_users_do_not(self):
        self.work_lines()
        card = self.card(self.connection.with_user(self.qbo_user))
        self.assertEqual(card["overview_refused"], 2)
        with self.assertRaises(AccessError):
            self.card(self.connection.with_user(self.ts_user))
        # Never a token, whoever reads the card.
        fields_seen = self.env["qbo.connection"].with_user(self.qbo_user).fields_get()
        self.assertNotIn("refresh_token", fields_seen)
        self.assertIn("overview_refused", fields_seen)
        # What the web client asks when the card opens, as a QuickBooks user.
        Connection = self.env["qbo.connection"].with_user(self.qbo_user)
        view = self.env.ref("qb_timesheet_sync.qbo_connection_view_kanban_overview")
        views = Connection.get_views([(view.id, "kanban")])
        shown = views["models"]["qbo.connection"]["fields"]
        self.assertNotIn("refresh_token_hard_expiry", shown)
        records = Connection.web_search_read([], {name: {} for name in shown})["records"]
        self.assertEqual([record["overview_refused"] for record in records], [2])
        menu = self.env.ref("qb_timesheet_sync.menu_qbo_overview")
        visible = self.env["ir.ui.menu"].with_user(self.qbo_user)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        hidden = self.env["ir.ui.menu"].with_user(self.ts_user)._visible_menu_ids()
        self.assertNotIn(menu.id, hidden)

    def test_the_menu_opens_a_card_per_selected_company(self):
        other = self.env["res.company"].create({"name": "Overview Other Company"})
        Connection = self.env["qbo.connection"].sudo()
        self.assertFalse(Connection.search([("company_id", "=", other.id)]))
        env = self.env(
            context={**self.env.context, "allowed_company_ids": [self.company.id, other.id]}
        )
        action = env["qbo.connection"].action_qbo_overview()
        self.assertEqual(action["res_model"], "qbo.connection")
        self.assertTrue(Connection.search([("company_id", "=", other.id)]))

    def query_count(self, connections):
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        connections.read(CARD_FIELDS)
        return self.env.cr.sql_log_count - start

    def test_queries_do_not_grow_with_companies(self):
        companies = self.env["res.company"].create(
            [{"name": f"Overview Company {number}"} for number in range(2)]
        )
        connections = self.connection
        for company in companies:
            connections |= company._qbo_connection()
            line = self.line(name="Elsewhere", company_id=company.id)
            qbo_write(line, {"qbo_state": "refused", "qbo_refusal_code": "no_rate"})
        self.work_lines()
        self.query_count(connections)  # warm the ORM's caches of views and models
        one = self.query_count(self.connection)
        three = self.query_count(connections)
        self.assertEqual(one, three)
        self.assertEqual(connections.mapped("overview_refused"), [2, 1, 1])


@tagged("post_install", "-at_install")
class TestOverviewTour(QboHttpCase):
    """The overview in a real browser (screenshot ``overview`` when
    QBTS_SCREENSHOTS is set)."""

    def test_overview_tour(self):
        callback = parse_qs(self._authorize())
        self.connection._qbo_finish_connect(callback["code"][0], callback["realmId"][0])
        self.env["ir.config_parameter"].sudo().set_param(
            WATERMARK_PARAM % REALM_A, fields.Datetime.to_string(fields.Datetime.now())
        )
        self.connection._qbo_overview_cron_records().write(
            {"active": True, "lastcall": fields.Datetime.now()}
        )
        line = self.qbo_design_review_line()
        line.name = "Overview refused line"
        qbo_write(line, {"qbo_state": "refused", "qbo_refusal_code": "not_approved"})
        self.start_tour("/odoo/timesheets", "qbo_overview_tour", login="admin", timeout=240)
