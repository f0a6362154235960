# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Check for new users and customers: read the QuickBooks lists, apply the
matching rules to the employees (``hr.employee._qbo_resync_people``), the
service items (``qbo.item._qbo_store``) and the clients and projects
(``project.project._qbo_resync_customers``), and record the report in the
sync log. The wizard ``qbo.resync.wizard`` only starts it and shows it."""

from collections import Counter
from contextlib import closing

from odoo import api, models
from odoo.exceptions import UserError

from ..qbo import QboError
from ..qbo.lists import ITEM, display_names
from ..qbo.mapping import normalize_name
from ..qbo.text import _lt, joined
from ..tools.text import rendered

# First key of the advisory lock that keeps two resyncs of a company apart.
RESYNC_LOCK_KEY = 4_917_031


class Report:
    """Categories of the outcomes a resync reports, one count each."""

    MATCHED = "matched"
    CREATED_ODOO = "created_odoo"
    CREATED_QBO = "created_qbo"
    UPDATED = "updated"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    INACTIVE = "inactive"
    FAILED = "failed"
    ALL = (MATCHED, CREATED_ODOO, CREATED_QBO, UPDATED, UNMATCHED, AMBIGUOUS, INACTIVE, FAILED)


def outcome(
    category,
    message,
    record=None,
    level="info",
    record_name=None,
    logged=True,
    creatable=False,
    suggestions=(),
):
    """One outcome of a resync: what happened to which record, and why.

    Unchanged links are counted but not ``logged``, so the sync log lists
    what changed and what needs attention, not every record. ``creatable``:
    an Odoo record that exists only in Odoo, which a resync creating the
    missing records would create in QuickBooks. ``suggestions``: the ranked
    QuickBooks records a name that did not match may be linked to (see
    ``qbo.suggestion._qbo_report_values``).
    """
    return {
        "category": category,
        "level": level,
        "message": message,
        "record": record,
        "record_name": record_name,
        "logged": logged,
        "creatable": creatable,
        "suggestions": list(suggestions),
    }


# What a resync preview says it will do, per outcome category, in the words of
# the report's counts: a scheduled (one-click) resync does the same.
PREVIEW_ACTIONS = {
    Report.MATCHED: "match",
    Report.CREATED_ODOO: "create_odoo",
    Report.CREATED_QBO: "create_qbo",
    Report.UPDATED: "update",
    Report.UNMATCHED: "unmatched",
    Report.AMBIGUOUS: "ambiguous",
    Report.INACTIVE: "inactive",
    Report.FAILED: "failed",
}


def names_by_key(qbo_names):
    """Index ``(kind, display_name)`` pairs by normalized name, so that a name
    is checked against its few look-alikes instead of the whole list."""
    index = {}
    for kind, display_name in qbo_names:
        index.setdefault(normalize_name(display_name), []).append((kind, display_name))
    return index


class QboResync(models.AbstractModel):
    _name = "qbo.resync"
    _description = "QuickBooks resync of people and customers"

    @api.model
    def _qbo_run(self, company, create_missing, full=False):
        """Resync ``company`` with its QuickBooks company (QuickBooks managers
        only); returns (sync log, {category: count}), the counts None when
        QuickBooks could not be read. ``full``: read every list again, even
        when the changes since the last resync could be read alone
        (``qbo.resync.lists``)."""
        company._qbo_connection()._check_qbo_manager()
        return self._qbo_resync(company, create_missing, full)

    @api.model
    def _qbo_resync(self, company, create_missing, full=False):
        """:meth:`_qbo_run` without the access check (scheduled resyncs)."""
        connection = company._qbo_connection()
        self._qbo_lock_company(company)
        client = connection._qbo_client()
        kept = self.env["qbo.resync.lists"]._qbo_for(company, client.realm_id)
        try:
            read = kept._qbo_read(client, full)
        except QboError as error:
            log = self.env["qbo.sync.log"]._record(
                company,
                "resync",
                _lt("Check for new users and customers"),
                _lt("QuickBooks lists could not be read: %(reason)s", reason=error),
                state="failed",
                realm_id=client.realm_id,
            )
            log._qbo_add_metered_calls(client)
            return log, None
        for kind, rows in read.categories.items():
            self.env["qbo.item"]._qbo_store(company, client.realm_id, rows, kind=kind)
        outcomes = self._qbo_apply(company, client, read.rows, create_missing)
        # The employees' pay types (QuickBooks Payroll), once they are matched.
        outcomes += self.env["qbo.payroll"]._qbo_resync_pay_types(company, client)
        kept._qbo_keep(read)
        counts = Counter(item["category"] for item in outcomes)
        note = kept._qbo_read_note(read, client.metered_calls["CorePlus"])
        log = self._qbo_record(company, client.realm_id, outcomes, counts, note)
        log._qbo_add_metered_calls(client)
        return log, counts

    @api.model
    def _qbo_preview(self, company, create_missing=False, full=False):
        """What a resync of ``company`` would do, written nowhere: the rules
        run in a savepoint rolled back at the end, and nothing is created in
        QuickBooks (creating there is never previewed by doing it: what
        ``create_missing`` would create is said so). Returns
        a list of {action, record_name, message, res_model, res_id}; raises
        :class:`QboError` when the QuickBooks lists cannot be read."""
        connection = company._qbo_connection()
        connection._check_qbo_manager()
        self._qbo_lock_company(company)
        client = connection._qbo_client()
        kept = self.env["qbo.resync.lists"]._qbo_for(company, client.realm_id)
        read = kept._qbo_read(client, full)
        with closing(self.env.cr.savepoint()):
            outcomes = self._qbo_apply(company, client, read.rows, create_missing=False)
            self.env.flush_all()
            planned = [self._qbo_planned(item, create_missing) for item in outcomes]
        # The savepoint is rolled back: forget what the cache still holds of it.
        self.env.invalidate_all(flush=False)
        return planned

    @api.model
    def _qbo_planned(self, item, create_missing):
        """One line of a preview, as plain values that outlive the rollback."""
        record = item["record"]
        action = PREVIEW_ACTIONS[item["category"]]
        # Counted as matched in the report too; the preview says nothing changes.
        unchanged = action == "match" and not item["logged"]
        if create_missing and item.get("creatable"):
            action = "create_qbo"  # done on Apply only
        # Records the preview creates do not exist once it is rolled back.
        existing = record and action != "create_odoo"
        return {
            "action": action,
            "record_name": record.display_name if record else item["record_name"],
            "unchanged": unchanged,
            "message": rendered(
                item["message"] or _lt("Already linked: nothing changes."), self.env
            ),
            "res_model": record._name if existing else False,
            "res_id": record.id if existing else False,
            "suggestions": self.env["qbo.suggestion"]._qbo_listed(item["suggestions"]) or False,
        }

    @api.model
    def _qbo_log_line(self, item):
        """The sync log line of an outcome: its ranked suggestions said after it."""
        if not item["suggestions"]:
            return item
        sentence = self.env["qbo.suggestion"]._qbo_sentence(item["suggestions"])
        return {**item, "message": joined(item["message"], sentence)}

    @api.model
    def _qbo_lock_company(self, company):
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [RESYNC_LOCK_KEY, company.id]
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._("A resync of %(company)s is already running.", company=company.name)
            )

    @api.model
    def _qbo_apply(self, company, client, qbo_rows, create_missing):
        """Apply the rules to ``qbo_rows`` ({entity: rows}); returns the outcomes."""
        qbo_names = names_by_key(display_names(qbo_rows))
        outcomes = self.env["hr.employee"]._qbo_resync_people(
            company, client, qbo_rows, qbo_names, create_missing
        )
        self.env["qbo.item"]._qbo_store(company, client.realm_id, qbo_rows[ITEM])
        outcomes += self.env["project.project"]._qbo_resync_customers(
            company, client, qbo_rows, qbo_names, create_missing
        )
        return outcomes

    @api.model
    def _qbo_record(self, company, realm_id, outcomes, counts, note=""):
        """The sync log of a resync: its summary (after ``note``, how the
        lists were read), counts and details."""
        summary = joined(
            note,
            _lt(
                "Matched: %(matched)s. Created in Odoo: %(created_odoo)s. Created in "
                "QuickBooks: %(created_qbo)s. Updated: %(updated)s. Not matched: %(unmatched)s. "
                "Ambiguous: %(ambiguous)s. Inactive in QuickBooks: %(inactive)s. Failed: "
                "%(failed)s.",
                **{category: counts[category] for category in Report.ALL},
            ),
        )
        log_counts = {
            "done": counts[Report.MATCHED]
            + counts[Report.CREATED_ODOO]
            + counts[Report.CREATED_QBO],
            "failed": counts[Report.FAILED],
        }
        log = self.env["qbo.sync.log"]._record(
            company,
            "resync",
            _lt("Check for new users and customers"),
            summary,
            realm_id=realm_id,
            lines=[self._qbo_log_line(item) for item in outcomes if item["logged"]],
        )
        log.sudo().write(
            {
                # Names not matched (or ambiguous) are reported by those words in
                # the summary, as in the preview: neither refused nor failed.
                "state": log._qbo_state_of(log_counts),
                "count_done": log_counts["done"],
                "count_failed": log_counts["failed"],
            }
        )
        return log
