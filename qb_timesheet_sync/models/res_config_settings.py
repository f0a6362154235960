# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date

from ..qbo.budget import DEFAULT_ALLOWANCE
from ..qbo.oauth import EXPIRY_WARNING_DAYS
from ..qbo.text import _lt, counted, render
from .qbo_connection import SOFT_RELOAD
from .qbo_read_budget import ALLOWANCE_PARAM
from .qbo_sync_log import RETENTION_PARAM

# Secrets of the Intuit app: typed in Settings, stored as system parameters,
# and never sent back to a browser (not even an admin's): the settings say
# whether one is saved. ``default_get``/``get_values`` of a settings field
# with ``config_parameter`` would give the value to anyone who asks, whatever
# the field's groups, hence these write-only fields.
SECRET_PARAMS = {
    "qbo_client_secret": "qb_timesheet_sync.client_secret",
    "qbo_webhook_verifier": "qb_timesheet_sync.webhook_verifier_token",
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # App-wide: the Intuit app this database uses.
    qbo_client_id = fields.Char(
        string="Intuit client ID", config_parameter="qb_timesheet_sync.client_id"
    )
    qbo_client_secret = fields.Char(
        string="Intuit client secret",
        groups="base.group_system",
        help="Saved when the settings are saved; never shown again. Type a new one to replace it.",
    )
    qbo_client_secret_set = fields.Boolean(
        string="Client secret saved", compute="_compute_qbo_secrets_set"
    )
    qbo_webhook_verifier = fields.Char(
        string="Webhook verifier token",
        groups="base.group_system",
        help="The verifier token of your Intuit app's webhooks. Saved when the settings are "
        "saved; never shown again.",
    )
    qbo_webhook_verifier_set = fields.Boolean(
        string="Webhook verifier token saved", compute="_compute_qbo_secrets_set"
    )
    qbo_log_retention_days = fields.Integer(
        string="Keep the sync log (days)",
        config_parameter=RETENTION_PARAM,
        help="Sync log entries older than this are deleted; 0 keeps them forever.",
    )
    qbo_environment = fields.Selection(
        [
            ("production", "QuickBooks Online (production)"),
            ("sandbox", "Intuit developer sandbox"),
            ("custom", "Custom URL (local sandbox)"),
        ],
        string="QuickBooks environment",
        default="production",
        config_parameter="qb_timesheet_sync.environment",
    )
    qbo_custom_base_url = fields.Char(
        string="Custom base URL",
        config_parameter="qb_timesheet_sync.custom_base_url",
        help="Base URL of a server speaking the QuickBooks Online API, such as the local sandbox.",
    )
    qbo_redirect_uri = fields.Char(string="Redirect URL", compute="_compute_qbo_redirect_uri")
    qbo_webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_qbo_redirect_uri",
        help="The endpoint URL to enter on the Webhooks page of your Intuit app, so that "
        "QuickBooks tells Odoo of the time changed or deleted there.",
    )

    # Per company: the connection of the company being edited.
    qbo_connection_id = fields.Many2one("qbo.connection", compute="_compute_qbo_connection_id")
    qbo_state = fields.Selection(
        lambda self: self.env["qbo.connection"]._fields["state"].selection,
        string="QuickBooks status",
        compute="_compute_qbo_state",
    )
    qbo_company_name = fields.Char(related="qbo_connection_id.qbo_company_name")
    qbo_realm_id = fields.Char(related="qbo_connection_id.realm_id")
    qbo_connected_at = fields.Datetime(related="qbo_connection_id.connected_at")
    qbo_connected_by_id = fields.Many2one(related="qbo_connection_id.connected_by_id")
    qbo_disconnected_at = fields.Datetime(related="qbo_connection_id.disconnected_at")
    qbo_disconnected_by_id = fields.Many2one(related="qbo_connection_id.disconnected_by_id")
    qbo_refresh_token_expires_at = fields.Datetime(
        related="qbo_connection_id.refresh_token_expires_at"
    )
    qbo_refresh_token_hard_expiry = fields.Date(
        related="qbo_connection_id.refresh_token_hard_expiry"
    )
    qbo_hard_expiry_days = fields.Integer(
        string="Days left", compute="_compute_qbo_hard_expiry_days"
    )
    qbo_hard_expiry_soon = fields.Boolean(compute="_compute_qbo_hard_expiry_days")
    qbo_hard_expiry_text = fields.Char(compute="_compute_qbo_hard_expiry_days")
    qbo_last_error = fields.Text(related="qbo_connection_id.last_error")
    qbo_create_missing = fields.Boolean(related="company_id.qbo_create_missing", readonly=False)
    qbo_resync_preview = fields.Boolean(related="company_id.qbo_resync_preview", readonly=False)
    qbo_currency_id = fields.Many2one(related="company_id.currency_id")
    qbo_default_hourly_rate = fields.Monetary(
        related="company_id.qbo_default_hourly_rate",
        currency_field="qbo_currency_id",
        readonly=False,
    )
    qbo_default_item_ref_id = fields.Many2one(
        related="company_id.qbo_default_item_ref_id",
        readonly=False,
        domain="[('company_id', '=', company_id), ('kind', '=', 'item')]",
    )
    # Class, location and cost of the time sent.
    qbo_default_class_ref_id = fields.Many2one(
        related="company_id.qbo_default_class_ref_id",
        readonly=False,
        domain="[('company_id', '=', company_id), ('kind', '=', 'class')]",
    )
    qbo_default_department_ref_id = fields.Many2one(
        related="company_id.qbo_default_department_ref_id",
        readonly=False,
        domain="[('company_id', '=', company_id), ('kind', '=', 'department')]",
    )
    qbo_require_class = fields.Boolean(related="company_id.qbo_require_class", readonly=False)
    qbo_send_cost = fields.Boolean(related="company_id.qbo_send_cost", readonly=False)
    qbo_link_projects = fields.Boolean(related="company_id.qbo_link_projects", readonly=False)
    qbo_send_payroll_items = fields.Boolean(
        related="company_id.qbo_send_payroll_items", readonly=False
    )
    qbo_rounding_step = fields.Selection(related="company_id.qbo_rounding_step", readonly=False)
    qbo_rounding_method = fields.Selection(related="company_id.qbo_rounding_method", readonly=False)
    qbo_send_non_billable = fields.Boolean(
        related="company_id.qbo_send_non_billable", readonly=False
    )
    qbo_approved_only = fields.Boolean(related="company_id.qbo_approved_only", readonly=False)
    qbo_approval_available = fields.Boolean(
        compute="_compute_qbo_approval_available",
        help="Timesheets are approved in this database (validated timesheets or timesheet sheets).",
    )
    qbo_edit_policy = fields.Selection(related="company_id.qbo_edit_policy", readonly=False)
    qbo_delete_policy = fields.Selection(related="company_id.qbo_delete_policy", readonly=False)
    qbo_background_threshold = fields.Integer(
        related="company_id.qbo_background_threshold", readonly=False
    )
    qbo_auto_send = fields.Boolean(related="company_id.qbo_auto_send", readonly=False)
    qbo_send_when_sendable = fields.Boolean(
        related="company_id.qbo_send_when_sendable", readonly=False
    )
    qbo_auto_send_interval = fields.Integer(
        related="company_id.qbo_auto_send_interval", readonly=False
    )
    qbo_auto_send_filter_id = fields.Many2one(
        related="company_id.qbo_auto_send_filter_id", readonly=False
    )
    # Cut-off (res.company.qbo_send_from_date).
    qbo_send_from_date = fields.Date(related="company_id.qbo_send_from_date", readonly=False)

    qbo_read_allowance = fields.Integer(
        string="Monthly read allowance",
        config_parameter=ALLOWANCE_PARAM,
        default=DEFAULT_ALLOWANCE,
        help="Metered reads (CorePlus calls) your Intuit app may make per calendar month: "
        "500,000 on the free Builder tier. Optional reads stop at 95 %.",
    )
    qbo_read_month_count = fields.Integer(
        string="Reads this month", compute="_compute_qbo_read_budget"
    )
    qbo_read_forecast = fields.Integer(
        string="Expected by month end", compute="_compute_qbo_read_budget"
    )
    qbo_sweep_window_days = fields.Integer(
        related="company_id.qbo_sweep_window_days", readonly=False
    )

    # A dependency, so the settings form (an onchange of a new record)
    # computes the flags; without one they would stay False.
    @api.depends("company_id")
    def _compute_qbo_secrets_set(self):
        params = self.env["ir.config_parameter"].sudo()
        for settings in self:
            settings.qbo_client_secret_set = bool(
                params.get_param(SECRET_PARAMS["qbo_client_secret"])
            )
            settings.qbo_webhook_verifier_set = bool(
                params.get_param(SECRET_PARAMS["qbo_webhook_verifier"])
            )

    def set_values(self):
        # Public, so callable over RPC on no record at all: core would then
        # write every setting (ours included) as empty.
        if not self.env.is_admin():
            raise AccessError(self.env._("Only administrators can change the settings."))
        result = super().set_values()
        self._qbo_save_secrets()
        return result

    def _qbo_save_secrets(self):
        """Store the secrets typed, then forget them here."""
        typed = {
            name: (self.sudo()[name] or "").strip()
            for name in SECRET_PARAMS
            if (self.sudo()[name] or "").strip()
        }
        if not typed:
            return
        if not self.env.user._is_system():
            raise AccessError(self.env._("Only administrators can change the Intuit app secrets."))
        params = self.env["ir.config_parameter"].sudo()
        for name, value in typed.items():
            params.set_param(SECRET_PARAMS[name], value)
        self.sudo().write(dict.fromkeys(typed, False))

    def _compute_qbo_approval_available(self):
        available = bool(self.env["account.analytic.line"]._qbo_approval_kind())
        for settings in self:
            settings.qbo_approval_available = available

    @api.depends("company_id")
    def _compute_qbo_redirect_uri(self):
        connection = self.env["qbo.connection"]
        redirect_uri = connection._qbo_redirect_uri()
        webhook_url = connection._qbo_webhook_url()
        for settings in self:
            settings.qbo_redirect_uri = redirect_uri
            settings.qbo_webhook_url = webhook_url

    @api.depends("company_id")
    def _compute_qbo_connection_id(self):
        # Only looked up: the connection is created by the first action that
        # needs it, never by opening the settings.
        for settings in self:
            settings.qbo_connection_id = self.env["qbo.connection"].search(
                [("company_id", "=", settings.company_id.id)], limit=1
            )

    @api.depends("qbo_refresh_token_hard_expiry")
    def _compute_qbo_hard_expiry_days(self):
        # Within the first warning's reach, Settings show the warning and a
        # Reconnect button.
        for settings in self:
            connection = settings.qbo_connection_id
            days = connection._qbo_hard_expiry_days_left() if connection else None
            settings.qbo_hard_expiry_days = max(days, 0) if days is not None else 0
            settings.qbo_hard_expiry_soon = days is not None and days <= max(EXPIRY_WARNING_DAYS)
            settings.qbo_hard_expiry_text = days is not None and render(
                counted(
                    max(days, 0),
                    _lt("Connection valid until %(date)s (%(count)s day)."),
                    _lt("Connection valid until %(date)s (%(count)s days)."),
                    date=format_date(self.env, settings.qbo_refresh_token_hard_expiry),
                ),
                self.env._,
            )

    @api.depends("qbo_connection_id.state")
    def _compute_qbo_state(self):
        for settings in self:
            settings.qbo_state = settings.qbo_connection_id.state or "disconnected"

    def _qbo_connection_saved(self):
        """Save the settings first so Connect uses what the admin just typed."""
        self.ensure_one()
        self.execute()
        return self.company_id._qbo_connection()

    def action_qbo_connect(self):
        return self._qbo_connection_saved().action_connect()

    def action_qbo_test(self):
        return self._qbo_connection_saved().action_test_connection()

    def action_qbo_refresh_items(self):
        """Read the service items again from QuickBooks."""
        connection = self._qbo_connection_saved()
        connection._check_qbo_manager()
        count = self.env["qbo.item"]._qbo_refresh(self.company_id)
        message = render(
            counted(
                count,
                _lt("%(count)s service item read from QuickBooks."),
                _lt("%(count)s service items read from QuickBooks."),
            ),
            self.env._,
        )
        return self.env["qbo.sync.log"]._qbo_notification(
            message, "success", next_action=SOFT_RELOAD
        )

    def action_qbo_disconnect(self):
        return self._qbo_connection_saved().action_disconnect()

    def action_qbo_resync(self):
        """Check for new users and customers: the preview first (unless the
        company turned it off), or the report of a resync done at once."""
        self._qbo_connection_saved()
        wizard = self.env["qbo.resync.wizard"].create({"company_id": self.company_id.id})
        if self.company_id.qbo_resync_preview:
            return wizard.action_preview()
        return wizard.action_check()

    def _compute_qbo_read_budget(self):
        count, expected, _allowance = self.env["qbo.read.budget"]._qbo_forecast()
        for settings in self:
            settings.qbo_read_month_count = count
            settings.qbo_read_forecast = expected
