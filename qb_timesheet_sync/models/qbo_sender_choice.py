# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A QuickBooks manager's choices for the lines QuickBooks changed or deleted
after Odoo sent them (``qbo_reconcile_changes.py`` finds them; the actions
are in ``data/qbo_update_actions.xml``): keep QuickBooks' version, send
Odoo's version over it (an update, ``qbo_sender_update.py``), or send a
deleted line again as a new time activity.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..qbo.text import _lt, counted
from ..qbo.updates import (
    minutes_of,
)
from ..tools.text import rendered
from .qbo_state_guard import qbo_trusted


class QboSender(models.AbstractModel):
    _inherit = "qbo.sender"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Conflicts: a manager chooses which version to keep
    # ------------------------------------------------------------------
    @api.model
    def _qbo_keep_quickbooks_version(self, lines):
        """Lines in conflict, or changed in QuickBooks, take QuickBooks'
        duration, date and description; QuickBooks is not written. (The
        rest, such as a rate or a customer changed in QuickBooks, stays as
        Odoo has it: QuickBooks' version is accepted with its SyncToken.)"""
        lines = self._qbo_conflict_lines(lines)
        details = []
        for line in lines:
            record = line.sudo().qbo_conflict_payload
            odoo_version = self._qbo_line_version_text(line)
            values = {"unit_amount": minutes_of(record) / 60, "date": record.get("TxnDate")}
            if (record.get("Description") or "") != line._qbo_description():
                values["name"] = record.get("Description") or "/"
            # The addon's own write: not an edit to send back, whatever the
            # company's edit policy (account_analytic_line.py).
            with qbo_trusted():
                line.write(values)
            line._qbo_mark_sent(
                record, record, line.sudo().qbo_request_id, line.sudo().qbo_realm_id
            )
            details.append(
                _lt(
                    "Odoo had %(odoo)s, now %(qbo)s as in QuickBooks.",
                    odoo=odoo_version,
                    qbo=self._qbo_version_text(record),
                )
            )
        self._qbo_log_choice(
            lines,
            "keep_qbo",
            _lt("Kept QuickBooks' version"),
            _lt("QuickBooks' version kept in Odoo."),
            details,
        )
        return self._qbo_choice_notification(lines, self.env._("QuickBooks' version was kept."))

    @api.model
    def _qbo_send_odoo_version(self, lines):
        """Send Odoo's version of lines in conflict over QuickBooks' one.
        Time billed in QuickBooks keeps QuickBooks' version: it is on an invoice."""
        lines = self._qbo_conflict_lines(lines)
        message = _lt(
            "These lines are billed in QuickBooks (on an invoice): only QuickBooks' "
            "version can be kept."
        )
        billed = lines.filtered(lambda line: line.sudo().qbo_billed)
        if billed == lines:
            raise UserError(rendered(message, self.env))
        if billed:
            # Left as they are, and said so: never sent over the invoice.
            self._qbo_log_choice(
                billed,
                "send_odoo",
                _lt("Sent Odoo's version"),
                message,
                [message] * len(billed),
                outcome="refused",
            )
        lines -= billed
        details = []
        for line in lines:
            record = line.sudo().qbo_conflict_payload
            details.append(
                _lt(
                    "QuickBooks had %(qbo)s; Odoo's version, %(odoo)s, is sent over it.",
                    qbo=self._qbo_version_text(record),
                    odoo=self._qbo_line_version_text(line),
                )
            )
            # QuickBooks' version becomes the one the update replaces.
            line._qbo_write_state(
                {
                    "qbo_state": "edited",
                    "qbo_sync_token": record.get("SyncToken"),
                    "qbo_sent_payload": record,
                    "qbo_sent_duration": minutes_of(record) / 60,
                    "qbo_conflict_payload": False,
                    "qbo_last_error": False,
                }
            )
        self._qbo_log_choice(
            lines,
            "send_odoo",
            _lt("Sent Odoo's version"),
            _lt("Odoo's version chosen: sent over QuickBooks' one."),
            details,
        )
        return self._qbo_send(lines)

    @api.model
    def _qbo_conflict_lines(self, lines):
        lines._qbo_check_send_access()
        conflicts = lines.filtered(lambda line: line.qbo_state in ("conflict", "changed"))
        if not conflicts:
            raise UserError(
                self.env._("None of these lines was changed in QuickBooks since it was sent.")
            )
        return conflicts

    @api.model
    def _qbo_version_text(self, record):
        """'04:00 on 2026-03-02, "Design review"': what a version says."""
        return self.env["qbo.reconcile"]._qbo_version_text(record)

    @api.model
    def _qbo_line_version_text(self, line):
        """What Odoo's version of ``line`` says, as :meth:`_qbo_version_text`."""
        hours, minutes = divmod(round(line._qbo_hours() * 60), 60)
        return self._qbo_version_text(
            {
                "Hours": hours,
                "Minutes": minutes,
                "TxnDate": fields.Date.to_string(line.date),
                "Description": line._qbo_description(),
            }
        )

    @api.model
    def _qbo_log_choice(self, lines, operation, name, summary, messages, outcome="done"):
        """The sync log of a manager's choice: one entry per company, one
        detail per line saying what it had and what it has now; every line
        counted as ``outcome`` (done, or refused when nothing was done)."""
        message_of = dict(zip(lines, messages, strict=True))
        for company, company_lines in lines._qbo_by_company().items():
            self.env["qbo.sync.log"]._record(
                company,
                operation,
                name,
                summary,
                realm_id=company._qbo_connection().realm_id,
                lines=[
                    {"level": "info", "message": message_of[line], "record": line}
                    for line in company_lines
                ],
                counts={outcome: len(company_lines)},
            )

    @api.model
    def _qbo_choice_notification(self, lines, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": rendered(
                    counted(
                        len(lines),
                        _lt("%(message)s (%(count)s line)"),
                        _lt("%(message)s (%(count)s lines)"),
                        message=message,
                    ),
                    self.env,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _qbo_send_again(self, lines):
        """Send lines deleted in QuickBooks again, as new time activities:
        a QuickBooks manager's deliberate choice."""
        lines._qbo_check_send_access()
        deleted = lines.filtered(lambda line: line.qbo_state == "deleted")
        if not deleted:
            raise UserError(self.env._("None of these lines was deleted in QuickBooks."))
        for company, company_lines in deleted._qbo_by_company().items():
            self.env["qbo.sync.log"]._record(
                company,
                "send",
                _lt("Sent again to QuickBooks"),
                counted(
                    len(company_lines),
                    _lt(
                        "%(count)s line deleted in QuickBooks is sent again as a new time activity."
                    ),
                    _lt(
                        "%(count)s lines deleted in QuickBooks are sent again as new time "
                        "activities."
                    ),
                ),
                realm_id=company._qbo_connection().realm_id,
                lines=[
                    {
                        "level": "info",
                        "message": _lt(
                            "Sent again by choice: time activity %(id)s was deleted in "
                            "QuickBooks, a new one is created.",
                            id=line.qbo_time_activity_id,
                        ),
                        "record": line,
                    }
                    for line in company_lines
                ],
            )
        # The line starts over; its last attempt stays settled (same requestid).
        deleted._qbo_write_state(
            {
                "qbo_state": "not_sent",
                "qbo_time_activity_id": False,
                "qbo_sync_token": False,
                "qbo_sent_payload": False,
                "qbo_sent_duration": 0.0,
                "qbo_sent_rate": 0.0,
                "qbo_sent_at": False,
                "qbo_sent_by_id": False,
                "qbo_conflict_payload": False,
                "qbo_last_error": False,
                "qbo_refusal_code": False,
            }
        )
        return self._qbo_send(deleted)
