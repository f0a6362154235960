# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Connecting: the consent at Intuit and its signed, one-time state."""

import json
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac

from ..qbo import ACCOUNTING_SCOPE, QboClient
from ..qbo.payroll import PAYROLL_SCOPE
from ..qbo.text import _lt, joined
from ..tools.text import rendered
from .qbo_connection import API_TIMEOUT

# How long a consent started in Settings may take to come back.
OAUTH_STATE_LIFETIME = timedelta(minutes=10)


def _session_id():
    """The browser session of the current request, if any."""
    return request.session.sid if request and request.session else ""


class QboConnection(models.Model):
    _inherit = "qbo.connection"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # OAuth: connect
    # ------------------------------------------------------------------
    def _qbo_oauth_state(self):
        """Signed state of a consent: bound to this connection, the current
        user and their browser session, carrying a one-time nonce that
        expires after OAUTH_STATE_LIFETIME."""
        self.ensure_one()
        nonce = secrets.token_urlsafe(24)
        expires_at = fields.Datetime.now() + OAUTH_STATE_LIFETIME
        self.sudo().write({"oauth_nonce": nonce, "oauth_nonce_expires_at": expires_at})
        payload = {"cid": self.id, "uid": self.env.uid, "n": nonce}
        payload["sig"] = self._qbo_state_signature(payload, _session_id())
        return json.dumps(payload, separators=(",", ":"))

    @api.model
    def _qbo_state_signature(self, payload, session_id):
        message = (payload["cid"], payload["uid"], payload["n"], session_id)
        return hmac(self.env(su=True), "qb_timesheet_sync_oauth", message)

    @api.model
    def _qbo_connection_from_state(self, state):
        """The connection a callback ``state`` was issued for, or an empty
        recordset (see :meth:`_qbo_verify_state`)."""
        return self._qbo_verify_state(state)[0]

    @api.model
    def _qbo_verify_state(self, state):
        """(connection, None) when ``state`` is one this user's session was
        given and has not used yet; (empty, the sentence why not) otherwise.
        A valid state is spent: it cannot be used twice."""
        refused = self.browse()
        bad_state = _(
            "This QuickBooks answer is not valid for your session (bad state): nothing was "
            "changed. Start again from Settings."
        )
        try:
            payload = json.loads(state or "")
            payload = {
                "cid": int(payload["cid"]),
                "uid": int(payload["uid"]),
                "n": str(payload["n"]),
                "sig": str(payload["sig"]),
            }
        except (ValueError, TypeError, KeyError, AttributeError):
            return refused, bad_state
        # A state issued outside a browser request (a shell, a test) has no
        # session to be bound to.
        signed = any(
            consteq(payload["sig"], self._qbo_state_signature(payload, session_id))
            for session_id in {_session_id(), ""}
        )
        if payload["uid"] != self.env.uid or not signed:
            return refused, bad_state
        connection = self.browse(payload["cid"]).exists()
        if not connection:
            return refused, bad_state
        pending = connection.sudo()
        nonce, expires_at = pending.oauth_nonce, pending.oauth_nonce_expires_at
        if not nonce or not consteq(payload["n"], nonce):
            return refused, _(
                "This QuickBooks answer was already used, or a newer connection was started "
                "since: nothing was changed. Start again from Settings."
            )
        pending.write({"oauth_nonce": False, "oauth_nonce_expires_at": False})
        if not expires_at or expires_at < fields.Datetime.now():
            return refused, _(
                "This QuickBooks answer came too late (the connection must be approved within "
                "%(minutes)s minutes): nothing was changed. Start again from Settings.",
                minutes=int(OAUTH_STATE_LIFETIME.total_seconds() // 60),
            )
        return connection, None

    def action_connect(self):
        """Send the browser to Intuit's consent page."""
        self.ensure_one()
        self._check_qbo_manager()
        url = self._qbo_oauth_client().authorization_url(
            self._qbo_oauth_state(), scopes=self._qbo_scopes()
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _qbo_scopes(self):
        """What the consent asks for: the accounting scope, and Intuit's
        restricted ``payroll.compensation.read`` only when the company sends
        payroll items (Intuit grants it to approved apps only)."""
        self.ensure_one()
        scopes = [ACCOUNTING_SCOPE]
        if self.company_id.sudo().qbo_send_payroll_items:
            scopes.append(PAYROLL_SCOPE)
        return tuple(scopes)

    def _qbo_finish_connect(self, code, realm_id):
        """Exchange the authorization code and record the new connection.

        Raises :class:`QboError` with a user-facing message on failure; the
        connection is only changed once every call has succeeded.
        """
        self.ensure_one()
        self._check_qbo_manager()
        tokens = self._qbo_oauth_client().exchange_code(code)
        client = QboClient(
            self._qbo_environment(),
            realm_id,
            tokens.access_token,
            rate_limiter=self._qbo_rate_limiter(realm_id),
            timeout=API_TIMEOUT,
            meter=self.env["qbo.read.budget"]._qbo_meter(),
        )
        company_info = client.company_info()
        previous_realm = self.realm_id
        self.sudo().write(
            {
                "state": "connected",
                "realm_id": realm_id,
                "qbo_company_name": company_info.get("CompanyName") or realm_id,
                "connected_at": fields.Datetime.now(),
                "connected_by_id": self.env.uid,
                "access_token": tokens.access_token,
                "access_token_expires_at": tokens.expires_at,
                "refresh_token": tokens.refresh_token,
                "refresh_token_expires_at": tokens.refresh_expires_at,
                **self._qbo_hard_expiry_vals(tokens, new_consent=True),
                "last_error": False,
                "last_error_data": False,
            }
        )
        summary = _lt("Connected to %(name)s.", name=self.qbo_company_name)
        if previous_realm and previous_realm != realm_id:
            summary = joined(
                summary,
                _lt(
                    "This is a different QuickBooks company than before: links made "
                    "for the previous company are not used with this one."
                ),
            )
        self.env["qbo.sync.log"]._record(
            self.company_id, "connect", _lt("Connect"), summary, realm_id=realm_id
        )
        return rendered(summary, self.env)
