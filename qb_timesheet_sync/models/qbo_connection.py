# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import random
import time
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..qbo import (
    OAuthClient,
    QboAuthError,
    QboBusy,
    QboClient,
    QboConnectionError,
    QboError,
    get_environment,
    limiter_for,
)
from ..qbo.text import Day, _lt, from_data, joined, render, to_data
from ..qbo.timesheet_rules import message as rules_message
from ..qbo.timesheet_rules import preferences_facts
from ..tools.text import rendered

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "qb_timesheet_sync."
CALLBACK_PATH = "/qb_timesheet_sync/oauth/callback"
# Intuit's webhooks post here (controllers/webhook.py): the endpoint URL given
# on the Webhooks page of the Intuit app, next to its verifier token.
WEBHOOK_PATH = "/qb_timesheet_sync/webhook"
# The app's Reconnect URL (controllers/main.py): an admin lands there from
# Intuit, or from the addon's expiry warning, and goes straight to the consent.
RECONNECT_PATH = "/qb_timesheet_sync/reconnect"
# Refresh a little before Intuit's one-hour expiry so a long send never
# starts with a token that dies half-way.
ACCESS_TOKEN_MARGIN = timedelta(minutes=5)
# One number, not a (connect, read) pair: Odoo's test harness compares the
# timeout with a number. QuickBooks itself gives up on requests after 120 s.
API_TIMEOUT = 60
SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
# How long a worker waits for the other workers' token refreshes (each one
# a call to Intuit with a 20-second timeout) before it gives up for now with
# QboBusy, a transient error: what it was sending stays queued. Each wait on
# the row lock is bounded by PostgreSQL's lock_timeout, so the bound holds.
TOKEN_LOCK_WAIT = 120
TOKEN_LOCK_TIMEOUT = 30
# Longest pause between two tries (jittered, doubling from 20 ms).
TOKEN_RETRY_MAX_PAUSE = 1.0
TOKEN_FIELDS = [
    "access_token",
    "access_token_expires_at",
    "refresh_token",
    "refresh_token_expires_at",
    "refresh_token_hard_expiry",
    "hard_expiry_warned_days",
    "state",
]
MANAGER_GROUP = "qb_timesheet_sync.group_qbo_manager"


class QboConnection(models.Model):
    """The link between one Odoo company and one QuickBooks Online company.

    Tokens live here, readable by system administrators only, like core's
    Gmail/Outlook mixins; the rest of the addon reaches QuickBooks through
    :meth:`_qbo_client`, the one factory (and the seam tests use).
    """

    _name = "qbo.connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "QuickBooks Online connection"
    _rec_name = "company_id"
    _check_company_auto = True
    # The managers warned of the hard expiry read the connection only: they
    # may still mark the warning's activity done.
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company", required=True, ondelete="cascade", index=True, readonly=True
    )
    state = fields.Selection(
        [
            ("disconnected", "Not connected"),
            ("connected", "Connected"),
            ("needs_reconnect", "Needs reconnecting"),
        ],
        default="disconnected",
        required=True,
        readonly=True,
    )
    realm_id = fields.Char(string="QuickBooks company ID", readonly=True, copy=False)
    qbo_company_name = fields.Char(string="QuickBooks company", readonly=True, copy=False)
    connected_at = fields.Datetime(readonly=True, copy=False)
    connected_by_id = fields.Many2one("res.users", string="Connected by", readonly=True, copy=False)
    disconnected_at = fields.Datetime(readonly=True, copy=False)
    disconnected_by_id = fields.Many2one(
        "res.users", string="Disconnected by", readonly=True, copy=False
    )
    refresh_token_expires_at = fields.Datetime(
        string="Valid if unused until",
        readonly=True,
        copy=False,
        help="QuickBooks asks for a new connection after this date if the connection is not used.",
    )
    refresh_token_hard_expiry = fields.Date(
        string="Connection valid until",
        readonly=True,
        copy=False,
        groups=MANAGER_GROUP,
        help="QuickBooks ends every connection five years after it was approved, however often "
        "it is used: reconnect before this date. Empty when QuickBooks did not say.",
    )
    # The tightest warning threshold (days) already sent for this consent.
    hard_expiry_warned_days = fields.Integer(readonly=True, copy=False, groups=MANAGER_GROUP)
    last_error = fields.Text(readonly=True, copy=False)
    # The sentence of last_error, for the errors that repeat it (sync log
    # entries of failed sends read in each reader's language).
    last_error_data = fields.Json(readonly=True, copy=False)
    access_token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    access_token_expires_at = fields.Datetime(groups="base.group_system", copy=False, readonly=True)
    refresh_token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    # The consent under way: a one-time nonce, kept until the callback uses it.
    oauth_nonce = fields.Char(groups="base.group_system", copy=False, readonly=True)
    oauth_nonce_expires_at = fields.Datetime(groups="base.group_system", copy=False, readonly=True)

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "A company has one QuickBooks connection."),
    ]

    # ------------------------------------------------------------------
    # Lookup
    # ------------------------------------------------------------------
    @api.model
    def _for_company(self, company):
        """The connection of ``company``, created on first use."""
        connection = self.sudo().search([("company_id", "=", company.id)], limit=1)
        if not connection:
            connection = (
                self.sudo()
                .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
                .create({"company_id": company.id})
            )
        return connection.sudo(False).with_env(self.env)

    # ------------------------------------------------------------------
    # Configuration (app-wide: one Intuit app per database)
    # ------------------------------------------------------------------
    @api.model
    def _qbo_param(self, key, default=None):
        return self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + key, default)

    @api.model
    def _qbo_environment(self):
        kind = self._qbo_param("environment", "production")
        return get_environment(kind, base_url=self._qbo_param("custom_base_url"))

    @api.model
    def _qbo_redirect_uri(self):
        """The URL Intuit sends the browser back to (the app's redirect URI)."""
        return (self.get_base_url() or "").rstrip("/") + CALLBACK_PATH

    @api.model
    def _qbo_webhook_url(self):
        """The URL Intuit's webhooks post to (the app's webhook endpoint URL)."""
        return (self.get_base_url() or "").rstrip("/") + WEBHOOK_PATH

    @api.model
    def _qbo_oauth_client(self):
        client_id = self._qbo_param("client_id")
        client_secret = self._qbo_param("client_secret")
        if not client_id or not client_secret:
            raise UserError(
                _(
                    "Enter the client ID and client secret of your Intuit app in "
                    "Settings > QuickBooks before connecting."
                )
            )
        return OAuthClient(
            client_id, client_secret, self._qbo_redirect_uri(), self._qbo_environment()
        )

    # ------------------------------------------------------------------
    # Tokens
    # ------------------------------------------------------------------
    def _qbo_token_cursor(self):
        """Cursor used to refresh tokens, apart from the business transaction
        so a rollback never loses a rotated refresh token."""
        return self.env.registry.cursor()

    def _qbo_access_token(self):
        self.ensure_one()
        connection = self.sudo()
        expires_at = connection.access_token_expires_at
        if (
            connection.access_token
            and expires_at
            and expires_at > fields.Datetime.now() + ACCESS_TOKEN_MARGIN
        ):
            return connection.access_token
        return self._qbo_refresh_access_token(rejected_token=connection.access_token)

    def _qbo_refresh_access_token(self, rejected_token=None):
        """Refresh the tokens under a row lock, in a separate transaction.

        Two workers that both find the token expiring serialize on the lock;
        the second one finds a token the first one stored and uses it rather
        than spending the (now superseded) refresh token again. Losing the
        race is no failure: a worker waits for the others up to
        ``TOKEN_LOCK_WAIT`` seconds, then raises :class:`QboBusy` (transient).
        """
        self.ensure_one()
        # The token cursor must see what this transaction already wrote.
        self.env.flush_all()
        deadline = time.monotonic() + TOKEN_LOCK_WAIT
        pause = 0.02
        while True:
            lock_timeout = min(TOKEN_LOCK_TIMEOUT, deadline - time.monotonic())
            try:
                with self._qbo_token_cursor() as cr:
                    token = self._qbo_refresh_locked(cr, rejected_token, lock_timeout)
                break
            except psycopg2.errors.SerializationFailure:
                # Another worker refreshed while we waited for the lock: our
                # snapshot is stale; a new transaction sees what it stored.
                _logger.debug("QuickBooks tokens refreshed by another worker: reading them again")
            except psycopg2.errors.LockNotAvailable:
                # Another worker has held the lock for lock_timeout: wait on.
                _logger.debug("QuickBooks tokens being refreshed by another worker: waiting")
            if time.monotonic() >= deadline:
                # A sentence translated when shown: _() could take the closed
                # token cursor of this frame to look up the language.
                raise QboBusy(
                    _lt(
                        "QuickBooks tokens are being refreshed by another Odoo worker for "
                        "longer than expected: try again in a minute (queued lines are sent "
                        "again automatically)."
                    )
                )
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, TOKEN_RETRY_MAX_PAUSE)
        self.invalidate_recordset([*TOKEN_FIELDS, "last_error", "last_error_data"])
        if not token:
            connection = self.sudo()
            raise QboAuthError(from_data(connection.last_error_data) or connection.last_error)
        return token

    def _qbo_refresh_locked(self, cr, rejected_token, lock_timeout=TOKEN_LOCK_TIMEOUT):
        # Wait for the lock at most lock_timeout seconds (LockNotAvailable
        # then); 0 would mean "forever" to PostgreSQL.
        cr.execute("SET LOCAL lock_timeout = %s", [max(int(lock_timeout * 1000), 1)])
        # A serialization failure or a lock timeout here is expected (and
        # retried): not an error to log.
        cr.execute(
            "SELECT id FROM qbo_connection WHERE id = %s FOR UPDATE",
            [self.id],
            log_exceptions=False,
        )
        cr.execute("SET LOCAL lock_timeout = DEFAULT")
        connection = api.Environment(cr, SUPERUSER_ID, {})["qbo.connection"].browse(self.id)
        fresh_enough = (
            connection.access_token
            and connection.access_token != rejected_token
            and connection.access_token_expires_at
            and connection.access_token_expires_at > fields.Datetime.now() + ACCESS_TOKEN_MARGIN
        )
        token = connection.access_token if fresh_enough else connection._qbo_spend_refresh_token()
        # Our own token cursor, not the business transaction: the rotated
        # refresh token must survive whatever happens to the caller.
        cr.commit()  # pylint: disable=unknown-option-value,invalid-commit
        return token

    def _qbo_spend_refresh_token(self):
        """Exchange the stored refresh token; returns the new access token, or
        False after marking the connection as needing a reconnect."""
        if self.state != "connected" or not self.refresh_token:
            return False
        try:
            tokens = self._qbo_oauth_client().refresh(self.refresh_token)
        except QboAuthError as error:
            self._qbo_mark_needs_reconnect(error)
            return False
        self.write(
            {
                "access_token": tokens.access_token,
                "access_token_expires_at": tokens.expires_at,
                # Intuit rotates refresh tokens: always keep the latest one.
                "refresh_token": tokens.refresh_token,
                "refresh_token_expires_at": tokens.refresh_expires_at,
                **self._qbo_hard_expiry_vals(tokens),
            }
        )
        return tokens.access_token

    def _qbo_hard_expiry_vals(self, tokens, new_consent=False):
        """What a token answer tells of the five-year hard expiry.

        A new consent starts a new chain: its date replaces the old one and
        the warnings start over (docs/ASSUMPTIONS.md#hard-expiry-new-consent).
        A refresh keeps the chain's date when Intuit leaves the field out; a
        date that moved later by more than a day (not mere rounding) starts
        the warnings over too.
        """
        known = tokens.refresh_hard_expires_at
        new = known.date() if known else False
        if new_consent:
            return {"refresh_token_hard_expiry": new, "hard_expiry_warned_days": 0}
        if not new:
            return {}
        vals = {"refresh_token_hard_expiry": new}
        old = self.sudo().refresh_token_hard_expiry
        if not old or new > old + timedelta(days=1):
            vals["hard_expiry_warned_days"] = 0
        return vals

    def _qbo_mark_needs_reconnect(self, error):
        message = render(error, self.env._)
        self.write(
            {
                "state": "needs_reconnect",
                "access_token": False,
                "access_token_expires_at": False,
                "refresh_token": False,
                "last_error": message,
                "last_error_data": to_data(error),
            }
        )
        self.env["qbo.sync.log"]._record(
            self.company_id,
            "token",
            _lt("Token refresh"),
            error,
            state="failed",
            realm_id=self.realm_id,
        )
        _logger.warning(
            "QuickBooks connection of company %s needs reconnecting.", self.company_id.id
        )

    def _qbo_client(self):
        """The QuickBooks API client for this connection (the one factory)."""
        self.ensure_one()
        if self.state != "connected":
            raise UserError(self._qbo_not_connected_message())
        environment = self._qbo_environment()
        current = {"token": self._qbo_access_token()}

        def refresh_after_401():
            current["token"] = self._qbo_refresh_access_token(rejected_token=current["token"])
            return current["token"]

        return QboClient(
            environment,
            self.realm_id,
            current["token"],
            refresh_callback=refresh_after_401,
            rate_limiter=self._qbo_rate_limiter(),
            timeout=API_TIMEOUT,
            meter=self.env["qbo.read.budget"]._qbo_meter(),
        )

    def _qbo_rate_limiter(self, realm_id=None):
        """The rate window of QuickBooks company ``realm_id`` (by default this
        connection's), shared by every Odoo process through PostgreSQL; its
        numbers are those of this process's limiter."""
        realm_id = realm_id or self.realm_id
        return (
            self.env["qbo.rate.window"]
            .sudo()
            ._qbo_limiter(realm_id, limiter_for(realm_id), timeout=API_TIMEOUT)
        )

    def _check_qbo_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only QuickBooks managers may change the QuickBooks connection."))

    def _qbo_not_connected_message(self):
        if self.state == "needs_reconnect":
            return self.last_error or _(
                "The QuickBooks connection of %(company)s must be renewed: reconnect in Settings.",
                company=self.company_id.name,
            )
        return rules_message("not_connected")

    # ------------------------------------------------------------------
    # Test and disconnect
    # ------------------------------------------------------------------
    def _qbo_check_company(self):
        """Read-only checks; returns (level, sentence for the user: a
        :class:`~..qbo.text.Text`)."""
        self.ensure_one()
        client = self._qbo_client()
        company_info = client.company_info()
        preferences = client.preferences()
        name_values = {
            item.get("Name"): item.get("Value") for item in company_info.get("NameValue", [])
        }
        name = company_info.get("CompanyName") or self.qbo_company_name
        subscription = (name_values.get("SubscriptionStatus") or "").upper()
        if subscription in ("CANCELLED", "EXPIRED", "SUSPENDED"):
            return "danger", _lt(
                "%(name)s: the QuickBooks subscription has ended (%(status)s). QuickBooks "
                "refuses new time activities until it is renewed.",
                name=name,
                status=subscription,
            )
        time_tracking_enabled, close_date = preferences_facts(preferences)
        if time_tracking_enabled is False:
            return "danger", _lt(
                "%(name)s: this QuickBooks plan (%(plan)s) has no time tracking. Time "
                "activities need QuickBooks Online Essentials or better.",
                name=name,
                plan=name_values.get("OfferingSku") or _lt("unknown plan"),
            )
        payroll = str(name_values.get("PayrollFeature", "false")).lower() == "true"
        verdict = joined(
            _lt("Connected to %(name)s: the connection works.", name=name),
            _lt(
                "Plan: %(plan)s.",
                plan=name_values.get("OfferingSku") or _lt("not given by QuickBooks"),
            ),
            _lt("Time tracking: on.")
            if time_tracking_enabled
            else _lt("Time tracking: not given by QuickBooks; the first send will tell."),
            self.env["qbo.payroll"]._qbo_test_sentence(self.company_id)
            if payroll
            else _lt("Payroll: off."),
            _lt(
                "Books closed up to %(date)s: time dated on or before is refused.",
                date=Day(close_date),
            )
            if close_date
            else _lt("Books: no closing date."),
        )
        return ("warning" if payroll else "success"), verdict

    def action_test_connection(self):
        self.ensure_one()
        self._check_qbo_manager()
        try:
            level, message = self._qbo_check_company()
        except QboError as error:
            level, message = "danger", error
        log = self.env["qbo.sync.log"]._record(
            self.company_id,
            "test",
            _lt("Test connection"),
            message,
            state="done" if level != "danger" else "failed",
            realm_id=self.realm_id,
        )
        return log._qbo_notification(rendered(message, self.env), level)

    def action_disconnect(self):
        """Revoke at Intuit, then forget the tokens whatever Intuit says.

        Everything already sent stays in QuickBooks and everything pulled
        stays in Odoo; reconnecting later resumes.
        """
        self.ensure_one()
        self._check_qbo_manager()
        connection = self.sudo()
        token = connection.refresh_token or connection.access_token
        message = _lt("Disconnected from QuickBooks.")
        level = "success"
        if token:
            try:
                self._qbo_oauth_client().revoke(token)
            except QboConnectionError:
                level = "warning"
                message = _lt(
                    "Disconnected in Odoo, but QuickBooks could not be reached to revoke "
                    "the access: remove the app from your Intuit account's connected apps."
                )
            except QboError as error:
                # Already revoked or expired at Intuit: nothing left to revoke.
                _logger.info("QuickBooks revoke refused: %s", error.code)
        connection.write(
            {
                "state": "disconnected",
                "access_token": False,
                "access_token_expires_at": False,
                "refresh_token": False,
                "refresh_token_expires_at": False,
                "refresh_token_hard_expiry": False,
                "hard_expiry_warned_days": 0,
                "last_error": False,
                "last_error_data": False,
                "disconnected_at": fields.Datetime.now(),
                "disconnected_by_id": self.env.uid,
            }
        )
        log = self.env["qbo.sync.log"]._record(
            self.company_id, "disconnect", _lt("Disconnect"), message, realm_id=self.realm_id
        )
        return log._qbo_notification(
            rendered(message, self.env), level, sticky=False, next_action=SOFT_RELOAD
        )
