# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A QuickBooks manager's choice to receive the daily digest of failures
(models/qbo_failure_digest.py), set in their own preferences."""

from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    qbo_digest_opt_out = fields.Boolean(
        string="No QuickBooks digest",
        help="Do not receive the daily e-mail of refused timesheets, connections ending soon "
        "and QuickBooks reads running out.",
    )

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "qbo_digest_opt_out"]

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "qbo_digest_opt_out"]
