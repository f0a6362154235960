# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The daily digest e-mailed to QuickBooks managers: the lines refused or
failed since the last digest (per company and reason), the connections
QuickBooks ends within 60 days, and the app's monthly reads past 80 %. No
e-mail when none of these happened; a manager may opt out in their
preferences (res.users.qbo_digest_opt_out)."""

import logging
from datetime import datetime

from odoo import api, fields, models

from ..qbo.budget import WARNING_THRESHOLDS
from .qbo_failure_group import FAILED, FAILED_STATES, QBO_MANAGER

_logger = logging.getLogger(__name__)

LAST_DIGEST_PARAM = "qb_timesheet_sync.failure_digest_last"
DIGEST_TEMPLATE = "qb_timesheet_sync.mail_template_qbo_failure_digest"
FAILURES_ACTION = "qb_timesheet_sync.action_qbo_failure_groups"
# A connection ending within this many days is in the digest.
EXPIRY_DAYS = 60
# The monthly reads from this share of the allowance (percent) are in the digest.
BUDGET_PERCENT = WARNING_THRESHOLDS[0]


class QboFailureGroup(models.Model):
    _inherit = "qbo.failure.group"  # pylint: disable=unknown-option-value,consider-merging-classes-inherited

    @api.model
    def _qbo_cron_digest(self):
        """Daily: e-mail each QuickBooks manager what happened since the last digest."""
        params = self.env["ir.config_parameter"].sudo()
        # The transaction's own clock, to the microsecond: a line refused
        # after it is told by the next digest.
        now = self.env.cr.now()
        last = params.get_param(LAST_DIGEST_PARAM)
        since = datetime.fromisoformat(last) if last else None
        failures = self._qbo_digest_failures(since)
        expiries = self._qbo_digest_expiries()
        budget = self._qbo_digest_budget(now)
        managers = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref(QBO_MANAGER).id),
                    ("share", "=", False),
                    ("qbo_digest_opt_out", "=", False),
                ],
                order="id",
            )
        )
        template = self.env.ref(DIGEST_TEMPLATE)
        for user in managers:
            companies = user.company_ids
            content = {
                "failures": [row for row in failures if row["company"] in companies],
                "expiries": [row for row in expiries if row["company"] in companies],
                "budget": budget,
            }
            if not any(content.values()):
                continue
            try:
                with self.env.cr.savepoint():
                    self._qbo_send_digest(template, user, content)
            except Exception:
                # One manager's failing mail must not keep the others uninformed.
                _logger.exception("QuickBooks digest of user %s failed.", user.id)
        params.set_param(LAST_DIGEST_PARAM, now.isoformat(sep=" "))

    @api.model
    def _qbo_send_digest(self, template, user, content):
        lang = user.lang or self.env.lang
        labels = dict(
            self.with_context(lang=lang)
            ._fields["reason_code"]
            ._description_selection(self.with_context(lang=lang).env)
        )
        failures = [
            dict(row, reason=labels.get(row["code"], row["code"])) for row in content["failures"]
        ]
        base_url = user.get_base_url().rstrip("/")
        template.with_context(
            qbo_failures=failures,
            qbo_expiries=content["expiries"],
            qbo_budget=content["budget"],
            qbo_failures_url=f"{base_url}/odoo/action-{FAILURES_ACTION}",
        ).send_mail(user.id)

    @api.model
    def _qbo_digest_failures(self, since):
        """[{company, code, count}] of the lines refused or failed since ``since``
        (all of them on the first digest). A line's last change is when its
        refusal was noted."""
        domain = [
            ("qbo_state", "in", FAILED_STATES),
            ("project_id", "!=", False),
            ("qbo_skip", "=", False),
        ]
        if since:
            domain.append(("write_date", ">", since))
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(domain, ["company_id", "qbo_refusal_code"], ["__count"])
        )
        rows = [
            {"company": company, "code": code or FAILED, "count": count}
            for company, code, count in groups
        ]
        return sorted(rows, key=lambda row: (row["company"].name, -row["count"], row["code"]))

    @api.model
    def _qbo_digest_expiries(self):
        """[{company, date, days}] of the connections QuickBooks ends within
        EXPIRY_DAYS days (docs/ASSUMPTIONS.md#refresh-token-hard-expiry)."""
        today = fields.Date.context_today(self)
        connections = (
            self.env["qbo.connection"]
            .sudo()
            .search([("state", "=", "connected"), ("refresh_token_hard_expiry", "!=", False)])
        )
        rows = []
        for connection in connections:
            days = connection._qbo_hard_expiry_days_left(today)
            if days is not None and days <= EXPIRY_DAYS:
                rows.append(
                    {
                        "company": connection.company_id,
                        "date": connection.refresh_token_hard_expiry,
                        "days": max(days, 0),
                        "url": connection._qbo_reconnect_url(),
                    }
                )
        return rows

    @api.model
    def _qbo_digest_budget(self, now):
        """{count, allowance, percent} of the app's metered reads this month
        when they reach BUDGET_PERCENT of the allowance, else None."""
        budget = self.env["qbo.read.budget"].sudo()
        allowance = budget._qbo_allowance()
        count = budget._qbo_month_count(now=now)
        if allowance <= 0 or count * 100 < allowance * BUDGET_PERCENT:
            return None
        return {"count": count, "allowance": allowance, "percent": count * 100 // allowance}
