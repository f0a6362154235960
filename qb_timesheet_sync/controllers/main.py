# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.qbo_connection import MANAGER_GROUP, RECONNECT_PATH
from ..qbo import QboAuthError, QboError
from ..qbo.text import _lt
from ..tools.text import rendered

_logger = logging.getLogger(__name__)


class QboOAuthController(http.Controller):
    @http.route(RECONNECT_PATH, type="http", auth="user", methods=["GET"])
    def qbo_reconnect(self, company_id=None, realmId=None, **kwargs):
        """The app's Reconnect URL: straight to Intuit's consent page for a
        company's connection.

        Intuit sends admins here when a connection must be renewed, and so do
        the addon's expiry warnings (``company_id``). Odoo's login comes first
        (``auth='user'``), then the browser comes back here. The company is
        ``company_id``, else the one already connected to QuickBooks company
        ``realmId`` (should Intuit pass it on), else the user's current
        company; only among the user's own companies
        (docs/ASSUMPTIONS.md#reconnect-url).
        """
        if not request.env.user.has_group(MANAGER_GROUP):
            return self._refusal(
                _(
                    "Only QuickBooks managers can reconnect QuickBooks: ask one of them, or "
                    "your Odoo administrator."
                )
            )
        company = self._reconnect_company(company_id, realmId)
        if company is None:
            return self._refusal(
                _(
                    "You do not have access to this company in Odoo: nothing was changed. "
                    "Switch to the company, or ask your Odoo administrator."
                )
            )
        try:
            action = company.with_company(company)._qbo_connection().action_connect()
        except UserError as exc:
            return self._refusal(str(exc), status=200)
        _logger.info("QuickBooks reconnect started for company %s.", company.id)
        return request.redirect(action["url"], local=False)

    def _reconnect_company(self, company_id, realm_id):
        """The company to reconnect (see :meth:`qbo_reconnect`), or None when
        ``company_id`` is not one of the user's companies."""
        allowed = request.env.user.company_ids
        if company_id:
            try:
                company = allowed.filtered(lambda c: c.id == int(company_id))
            except ValueError:
                return None
            return company or None
        if realm_id:
            connections = (
                request.env["qbo.connection"]
                .sudo()
                .search([("realm_id", "=", str(realm_id)), ("company_id", "in", allowed.ids)])
            )
            if len(connections) == 1:
                return connections.company_id.sudo(False)
        return request.env.company

    def _refusal(self, message, status=403):
        """A plain sentence on Odoo's page; nothing changed."""
        return request.render(
            "qb_timesheet_sync.oauth_result",
            {"message": message, "level": "danger"},
            status=status,
        )

    @http.route("/qb_timesheet_sync/oauth/callback", type="http", auth="user")
    def qbo_oauth_callback(self, code=None, state=None, realmId=None, error=None, **kwargs):
        """Intuit sends the browser back here after the consent page."""
        if not request.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            _logger.warning(
                "QuickBooks callback refused: user %s is not a QuickBooks manager.", request.env.uid
            )
            raise Forbidden()
        connection, refusal = request.env["qbo.connection"]._qbo_verify_state(state)
        if not connection:
            return self._finish(None, refusal, "danger")
        # The consent may be for another of the user's companies than the one
        # open in this browser (a Reconnect link names its company).
        company = connection.sudo().company_id
        if company in request.env.user.company_ids:
            connection = connection.with_company(company)
        if error:
            message = (
                _lt("QuickBooks access was not granted: nothing was changed.")
                if error == "access_denied"
                else _lt(
                    "QuickBooks returned an error (%(error)s): nothing was changed.", error=error
                )
            )
            return self._finish(connection, message, "danger")
        if not code or not realmId:
            return self._finish(
                connection,
                _lt("QuickBooks did not return a company: nothing was changed."),
                "danger",
            )
        try:
            message = connection._qbo_finish_connect(code, realmId)
        except QboAuthError as exc:
            # Said of the authorization just given, not of a connection: the
            # one in place (if any) is untouched.
            reason = (
                _lt(
                    "Intuit did not accept the authorization (it was already used or is too "
                    "old): click Connect again in Settings. Nothing was changed."
                )
                if exc.code == "invalid_grant"
                else _lt(
                    "Intuit refused the authorization: %(reason)s Nothing was changed.",
                    reason=exc,
                )
            )
            return self._finish(connection, reason, "danger")
        except (QboError, UserError) as exc:
            return self._finish(
                connection,
                _lt(
                    "Connecting to QuickBooks failed: %(reason)s Nothing was changed.",
                    reason=exc if isinstance(exc, QboError) else str(exc),
                ),
                "danger",
            )
        return self._finish(connection, message, "success")

    def _finish(self, connection, message, level):
        """Success goes back to the settings (which show *Connected to ...*);
        a failure shows its sentence on a page of its own, changes nothing,
        and leaves a trace in the sync log of the connection's company (in
        each reader's language, when ``message`` is a sentence)."""
        _logger.info("QuickBooks callback ended: %s", level)
        if level != "success" and connection:
            request.env["qbo.sync.log"]._record(
                connection.sudo().company_id,
                "connect",
                _lt("Connect"),
                message,
                state="failed",
                realm_id=connection.sudo().realm_id or None,
            )
        message = rendered(message, request.env)
        if level == "success":
            # Shown by the settings page the browser opens next.
            request.env.user._bus_send(
                "simple_notification",
                {"title": _("QuickBooks"), "message": message, "type": "success"},
            )
            return request.redirect(
                "/odoo/action-qb_timesheet_sync.action_qbo_settings#qbo_connection"
            )
        return request.render(
            "qb_timesheet_sync.oauth_result", {"message": message, "level": level}
        )
