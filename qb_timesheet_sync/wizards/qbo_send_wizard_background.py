# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The preview of a selection too large for a browser request (a year of a
firm's timesheets): the window opens at once, a cron job works the preview
out, and the manager is told when it is ready."""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Above this many selected lines, the preview is prepared in the background:
# about 0.2 ms a line, so the browser request stays a few seconds at most.
PREVIEW_IN_BACKGROUND_ABOVE = 20000
PREVIEW_CRON = "qb_timesheet_sync.ir_cron_qbo_prepare_previews"

_logger = logging.getLogger(__name__)


class QboSendWizard(models.TransientModel):
    _inherit = "qbo.send.wizard"

    state = fields.Selection(
        [("preparing", "Preparing"), ("ready", "Ready")],
        default="ready",
        required=True,
        readonly=True,
    )

    def _qbo_prepare(self, lines):
        if len(lines) <= PREVIEW_IN_BACKGROUND_ABOVE:
            return super()._qbo_prepare(lines)
        self.state = "preparing"
        self.env.ref(PREVIEW_CRON).sudo()._trigger()
        return None

    def action_qbo_refresh(self):
        """Show the preview again (the button of a preview being prepared)."""
        return self._qbo_form_action()

    def action_confirm(self):
        if self.filtered(lambda wizard: wizard.state == "preparing"):
            raise UserError(_("The preview is still being prepared: send once it is ready."))
        return super().action_confirm()

    @api.model
    def _qbo_cron_prepare_previews(self):
        """Work out the oldest preview being prepared, as the manager who
        asked for it; the cron runs again while others wait."""
        waiting = self.search([("state", "=", "preparing")], order="id")
        if not waiting:
            return
        wizard = waiting[0]
        user = wizard.create_uid
        mine = wizard.with_user(user).with_context(lang=user.lang)
        try:
            with self.env.cr.savepoint():
                lines = wizard.line_ids.with_env(mine.env)
                lines._qbo_check_send_access()
                mine._qbo_fill(lines)
            message = mine.env._(
                "The preview of %(count)s timesheet lines is ready: click Refresh in its window.",
                count=wizard.count_selected,
            )
            level = "info"
        except (AccessError, UserError) as error:
            # Rights taken away since: the window says why, nothing is sent.
            wizard.warning = error.args[0]
            message, level = wizard.warning, "warning"
        except Exception:
            # Not retried for ever: the manager is told, the log has the trace.
            _logger.exception("Preview %s of %s lines failed", wizard.id, wizard.count_selected)
            wizard.warning = mine.env._(
                "The preview could not be prepared. Try again, or select fewer lines."
            )
            message, level = wizard.warning, "danger"
        wizard.state = "ready"
        user._bus_send(
            "simple_notification",
            {"title": mine.env._("QuickBooks"), "message": message, "type": level, "sticky": True},
        )
        self.env["ir.cron"]._notify_progress(done=1, remaining=len(waiting) - 1)
