# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, models
from odoo.exceptions import AccessError


class QboAppendOnly(models.AbstractModel):
    """An audit trail: written by the addon (as superuser), read by people,
    changed and deleted by no one; only the retention clean-up removes old
    entries."""

    _name = "qbo.append.only"
    _description = "QuickBooks audit trail"

    def write(self, vals):
        self._qbo_check_append_only()
        return super().write(vals)

    def unlink(self):
        self._qbo_check_append_only()
        return super().unlink()

    def _qbo_check_append_only(self):
        if not self.env.su:
            raise AccessError(
                _("The QuickBooks sync log is an audit trail: it cannot be changed or deleted.")
            )
