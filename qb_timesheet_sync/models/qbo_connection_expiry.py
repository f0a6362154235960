# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Staying connected: the five-year hard expiry of Intuit's refresh tokens.

Intuit ends every connection five years after its consent, however often it
is used (docs/ASSUMPTIONS.md#refresh-token-hard-expiry). A daily cron warns
the company's QuickBooks managers 60, 30 and 7 days ahead: one activity on
the connection and one e-mail per threshold, each with a link to the
Reconnect URL, which starts the consent again.
"""

import logging
from urllib.parse import urlencode

from markupsafe import Markup

from odoo import Command, _, api, fields, models

from ..qbo.oauth import expiry_warning_due
from ..qbo.text import Day, _lt, counted
from ..tools.text import rendered
from .qbo_connection import MANAGER_GROUP, RECONNECT_PATH

_logger = logging.getLogger(__name__)

MAIL_TEMPLATE = "qb_timesheet_sync.mail_template_qbo_hard_expiry"
ACTIVITY_TYPE = "mail.mail_activity_data_warning"


class QboConnection(models.Model):
    _inherit = "qbo.connection"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    def _qbo_hard_expiry_days_left(self, today=None):
        """Whole days until the hard expiry, or None when QuickBooks did not say."""
        self.ensure_one()
        expiry = self.sudo().refresh_token_hard_expiry
        if not expiry:
            return None
        return (expiry - (today or fields.Date.context_today(self))).days

    def _qbo_reconnect_url(self):
        """The Reconnect URL of this connection's company, absolute."""
        self.ensure_one()
        query = urlencode({"company_id": self.company_id.id})
        return f"{self.get_base_url().rstrip('/')}{RECONNECT_PATH}?{query}"

    def _qbo_managers(self):
        """The active QuickBooks managers of this connection's company."""
        self.ensure_one()
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref(MANAGER_GROUP).id),
                    ("company_ids", "in", self.company_id.id),
                    ("share", "=", False),
                ],
                order="id",
            )
        )

    @api.model
    def _qbo_cron_warn_hard_expiry(self):
        """Daily: warn of the connections whose hard expiry comes near."""
        today = fields.Date.today()
        connections = self.sudo().search(
            [("state", "=", "connected"), ("refresh_token_hard_expiry", "!=", False)]
        )
        for connection in connections:
            days_left = connection._qbo_hard_expiry_days_left(today)
            due = expiry_warning_due(days_left, connection.hard_expiry_warned_days)
            if not due:
                continue
            try:
                with self.env.cr.savepoint():
                    connection._qbo_warn_hard_expiry(due, days_left)
            except Exception:
                # One company's failing mail must not keep the others unwarned;
                # this one is tried again tomorrow.
                _logger.exception(
                    "QuickBooks expiry warning of company %s failed.", connection.company_id.id
                )

    def _qbo_warn_hard_expiry(self, threshold, days_left):
        """One activity and one e-mail to the managers, then remember the
        threshold so that it is never sent twice."""
        self.ensure_one()
        connection = self.sudo()
        managers = connection._qbo_managers()
        expiry = connection.refresh_token_hard_expiry
        url = connection._qbo_reconnect_url()
        summary = counted(
            max(days_left, 0),
            _lt(
                "QuickBooks ends the connection of %(company)s to %(qbo_company)s on %(date)s "
                "(in %(count)s day): after that date nothing more is sent. A QuickBooks manager "
                "must reconnect before then."
            ),
            _lt(
                "QuickBooks ends the connection of %(company)s to %(qbo_company)s on %(date)s "
                "(in %(count)s days): after that date nothing more is sent. A QuickBooks manager "
                "must reconnect before then."
            ),
            company=connection.company_id.name,
            qbo_company=connection.qbo_company_name or connection.realm_id,
            date=Day(expiry),
        )
        assignee = connection.connected_by_id & managers or managers[:1]
        if assignee:
            connection.with_context(mail_activity_quick_update=True).activity_schedule(
                ACTIVITY_TYPE,
                date_deadline=expiry,
                summary=_("Reconnect QuickBooks"),
                note=Markup("<p>%s</p><p><a href='%s'>%s</a></p>")
                % (rendered(summary, self.env), url, _("Reconnect to QuickBooks")),
                user_id=assignee.id,
            )
        partners = managers.partner_id.filtered("email")
        if partners:
            self.env.ref(MAIL_TEMPLATE).with_context(
                qbo_reconnect_url=url, qbo_days_left=max(days_left, 0)
            ).send_mail(
                connection.id,
                email_values={"recipient_ids": [Command.set(partners.ids)]},
            )
        connection.hard_expiry_warned_days = threshold
        self.env["qbo.sync.log"]._record(
            connection.company_id,
            "token",
            _lt("Connection expiry warning"),
            summary,
            realm_id=connection.realm_id,
        )
