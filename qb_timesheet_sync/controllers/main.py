# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from ..qbo import QboError
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
        a failure shows its sentence on a page of its own and changes nothing."""
        _logger.info("QuickBooks callback ended: %s", level)
        if level == "success":
            return request.redirect("/odoo/action-qb_timesheet_sync.action_qbo_settings")
        return request.render(
            "qb_timesheet_sync.oauth_result", {"message": message, "level": level}
        )
