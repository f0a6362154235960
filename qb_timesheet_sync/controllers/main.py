# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..qbo import QboAuthError, QboError
from ..qbo.text import render

_logger = logging.getLogger(__name__)


class QboOAuthController(http.Controller):
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
        if error:
            message = (
                _("QuickBooks access was not granted: nothing was changed.")
                if error == "access_denied"
                else _(
                    "QuickBooks returned an error (%(error)s): nothing was changed.", error=error
                )
            )
            return self._finish(connection, message, "danger")
        if not code or not realmId:
            return self._finish(
                connection, _("QuickBooks did not return a company: nothing was changed."), "danger"
            )
        try:
            message = connection._qbo_finish_connect(code, realmId)
        except QboAuthError as exc:
            # Said of the authorization just given, not of a connection: the
            # one in place (if any) is untouched.
            reason = (
                _(
                    "Intuit did not accept the authorization (it was already used or is too "
                    "old): click Connect again in Settings. Nothing was changed."
                )
                if exc.code == "invalid_grant"
                else _(
                    "Intuit refused the authorization: %(reason)s Nothing was changed.",
                    reason=str(exc),
                )
            )
            return self._finish(connection, reason, "danger")
        except (QboError, UserError) as exc:
            return self._finish(
                connection,
                _(
                    "Connecting to QuickBooks failed: %(reason)s Nothing was changed.",
                    reason=render(exc, request.env._),
                ),
                "danger",
            )
        return self._finish(connection, message, "success")

    def _finish(self, connection, message, level):
        """Success goes back to the settings (which show *Connected to ...*);
        a failure shows its sentence on a page of its own, changes nothing,
        and leaves a trace in the sync log of the connection's company."""
        _logger.info("QuickBooks callback ended: %s", level)
        if level != "success" and connection:
            request.env["qbo.sync.log"]._record(
                connection.sudo().company_id,
                "connect",
                _("Connect"),
                message,
                state="failed",
                realm_id=connection.sudo().realm_id or None,
            )
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
