# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks state is written by the addon's own code only.

The QuickBooks fields that this addon adds to core models (timesheet lines,
employees, projects, clients) record what QuickBooks holds: the time activity
of a line, the QuickBooks record an employee is linked to... Nobody may write
them directly, not a timesheet user on their own line, not a Settings admin
over RPC: a line set back to *not sent* would be sent twice.

Every field of these models whose name starts with ``qbo_`` is protected,
unless the model lists it in ``_qbo_user_fields`` (settings people edit, such
as a project's hourly rate): a field added later is protected by default.
The addon's own code writes them inside :func:`qbo_trusted`, a context
variable of the running thread, which no RPC call, context key or ``sudo()``
can set.
"""

import contextlib
import contextvars

from odoo import api, models
from odoo.exceptions import AccessError

_TRUSTED = contextvars.ContextVar("qb_timesheet_sync_trusted", default=False)

# The prefix of this addon's fields on core models.
QBO_PREFIX = "qbo_"


@contextlib.contextmanager
def qbo_trusted():
    """Let the code of the ``with`` block write QuickBooks state."""
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def is_trusted():
    return _TRUSTED.get()


class QboStateGuard(models.AbstractModel):
    """Refuses writes of QuickBooks state from outside the addon."""

    _name = "qbo.state.guard"
    _description = "QuickBooks state written by the QuickBooks sync only"

    # Fields starting with ``qbo_`` that people may edit (settings, not state).
    _qbo_user_fields = frozenset()
    # Of those, the ones only QuickBooks managers may change.
    _qbo_manager_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._qbo_check_state_create(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._qbo_check_state_write(vals)
        return super().write(vals)

    @api.model
    def default_get(self, fields_list):
        """New records start clean: neither a context key (``default_qbo_state``,
        which a list grouped by status passes) nor a saved default (ir.default,
        which any user may set for themselves) gives them QuickBooks state, nor
        QuickBooks settings unless the user is a QuickBooks manager."""
        defaults = super().default_get(fields_list)
        if not is_trusted():
            names = self._qbo_state_fields()
            if not (self.env.su or self.env.user.has_group("qb_timesheet_sync.group_qbo_manager")):
                names |= self._qbo_manager_fields
            for name in defaults.keys() & names:
                if self._fields[name].default:
                    defaults[name] = self._qbo_field_default(name)
                else:
                    del defaults[name]
        return defaults

    @api.model
    def _qbo_state_fields(self):
        """Names of the QuickBooks state fields of this model."""
        return {
            name
            for name in self._fields
            if name.startswith(QBO_PREFIX) and name not in self._qbo_user_fields
        }

    @api.model
    def _qbo_check_state_create(self, vals):
        if is_trusted():
            return
        # A new record starts from the defaults: "not sent", no link.
        changed = {
            name
            for name in vals.keys() & (self._qbo_state_fields() | self._qbo_manager_fields)
            if vals[name] and vals[name] != self._qbo_field_default(name)
        }
        self._qbo_check_changes(changed)

    def _qbo_check_state_write(self, vals):
        if is_trusted():
            return
        asked = vals.keys() & (self._qbo_state_fields() | self._qbo_manager_fields)
        if not asked:
            return
        # Refuse first what the user may not write at all: comparing with the
        # stored values would tell them whether they guessed right.
        self.check_access("write")
        self.check_field_access_rights("write", list(asked))
        # Writing back the value a record already has changes nothing (an
        # import of exported lines, a client that saves every field).
        changed = {
            name
            for name in asked
            if any(record._qbo_differs(name, vals[name]) for record in self.sudo())
        }
        self._qbo_check_changes(changed)

    @api.model
    def _qbo_field_default(self, name):
        field = self._fields[name]
        return field.default(self) if field.default else False

    def _qbo_differs(self, name, value):
        field = self._fields[name]
        if field.type in ("one2many", "many2many"):
            return True
        new = field.convert_to_cache(value, self, validate=False)
        return new != field.convert_to_cache(self[name], self, validate=False)

    @api.model
    def _qbo_check_changes(self, changed):
        self._qbo_refuse_state_write(changed & self._qbo_state_fields())
        fields_asked = changed & self._qbo_manager_fields
        if (
            fields_asked
            and not self.env.su
            and not self.env.user.has_group("qb_timesheet_sync.group_qbo_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only QuickBooks managers may change the QuickBooks settings of %(model)s "
                    "(%(fields)s).",
                    model=self._description,
                    fields=", ".join(self._qbo_field_labels(fields_asked)),
                )
            )

    @api.model
    def _qbo_refuse_state_write(self, names):
        if not names:
            return
        raise AccessError(
            self.env._(
                "%(fields)s of %(model)s record what QuickBooks holds: only the QuickBooks sync "
                "changes them (send, resync, or the link and clear buttons of QuickBooks "
                "managers).",
                fields=", ".join(self._qbo_field_labels(names)),
                model=self._description,
            )
        )

    @api.model
    def _qbo_field_labels(self, names):
        return sorted(f"'{self._fields[name]._description_string(self.env)}'" for name in names)
