# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..qbo.text import _lt, counted, from_data, in_english, joined, to_data
from ..tools.bulk import insert_rows
from ..tools.text import rendered, value_formats

# Days the sync log is kept (Settings); empty or 0: kept forever.
RETENTION_PARAM = "qb_timesheet_sync.log_retention_days"


# The timesheet values a detail line may carry itself, when its timesheet
# line is gone (deleted in Odoo).
TIMESHEET_VALUES = ("employee_id", "timesheet_date", "duration")
# How an operation that ended in each state is shown to the user.
NOTIFICATION_LEVELS = {"done": "success", "partial": "warning", "failed": "danger"}


class QboSyncLog(models.Model):
    """What was exchanged with QuickBooks, when, by whom, and what failed.

    One record per operation (connect, test, resync, send...); its lines hold
    the per-record outcomes an accountant needs to read afterwards.
    """

    _name = "qbo.sync.log"
    _inherit = ["qbo.append.only"]
    _description = "QuickBooks sync log"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    operation = fields.Selection(
        [
            ("connect", "Connect"),
            ("disconnect", "Disconnect"),
            ("test", "Test connection"),
            ("token", "Token refresh"),
            ("resync", "Resync people and customers"),
            ("send", "Send timesheets"),
            ("preview", "Send preview"),
            ("edit", "Edited after sending"),
            ("mapping", "Link changed by hand"),
            ("delete", "Delete in QuickBooks"),
            ("reconcile", "Changes seen in QuickBooks"),
            ("keep_qbo", "Conflict resolved: kept QuickBooks' version"),
            ("send_odoo", "Conflict resolved: sent Odoo's version"),
            ("webhook", "Webhook from QuickBooks"),
            ("budget", "Read budget"),
        ],
        required=True,
        index=True,
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("partial", "Done, some lines not sent"),
            ("failed", "Failed"),
        ],
        default="running",
        required=True,
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    realm_id = fields.Char(string="QuickBooks company ID", readonly=True)
    summary = fields.Text(
        string="Summary (English)",
        help="In English when written with its sentence (summary_data); searches find it.",
    )
    # The name and the summary as sentences and values, shown in each
    # reader's language (display_name, summary_display); the columns above
    # keep their English words, or the words of an entry written before.
    name_data = fields.Json(readonly=True)
    summary_data = fields.Json(readonly=True)
    summary_display = fields.Text(string="Summary", compute="_compute_summary_display")
    count_done = fields.Integer(string="Succeeded")
    count_refused = fields.Integer(string="Refused")
    count_skipped = fields.Integer(
        string="Already sent (skipped)",
        help="Lines already in QuickBooks and unchanged since: left alone, never sent twice. "
        "They are not refused.",
    )
    count_failed = fields.Integer(string="Failed")
    count_remaining = fields.Integer(string="Remaining")
    count_metered_calls = fields.Integer(
        string="Metered calls",
        help="QuickBooks calls that read data out of QuickBooks (CorePlus: queries, reads, "
        "company settings), which Intuit counts against the app's monthly allowance. "
        "Creating and updating time activities is not metered.",
    )
    count_moved = fields.Integer(
        string="Taken by another send",
        help="Queued lines that a later send took over; its own sync log tells how they went.",
    )
    line_ids = fields.One2many("qbo.sync.log.line", "log_id", string="Details")

    @api.depends_context("lang")
    @api.depends("name", "name_data")
    def _compute_display_name(self):
        formats = value_formats(self.env)
        for log in self:
            log.display_name = shown(log.name_data, log.name, log.env, formats)

    @api.depends_context("lang")
    @api.depends("summary", "summary_data")
    def _compute_summary_display(self):
        formats = value_formats(self.env)
        for log in self:
            log.summary_display = shown(log.summary_data, log.summary, log.env, formats)

    def _add_lines(self, lines):
        """Append detail lines: dicts with level, message and optionally
        record (a recordset of one), code, intuit_tid and moved (queued lines
        of this send another send took over). Written in one query however
        many there are (a send or a preview of a year)."""
        self.ensure_one()
        hour = self.env.ref("uom.product_uom_hour")
        names = self._qbo_record_names([line.get("record") for line in lines])
        vals_list = []
        for line in lines:
            record = line.get("record")
            vals_list.append(
                {
                    **self._qbo_timesheet_values(record, hour),
                    # A line deleted since: who, when and how long, as it said.
                    **{name: line[name] for name in TIMESHEET_VALUES if name in line},
                    "log_id": self.id,
                    "company_id": self.company_id.id,
                    "level": line.get("level", "info"),
                    **stored_text("message", line["message"], self.env),
                    "res_model": record._name if record else False,
                    "res_id": record.id if record else False,
                    "record_name": names[record] if record else line.get("record_name"),
                    "qbo_code": line.get("code"),
                    "intuit_tid": line.get("intuit_tid"),
                    "count_moved": line.get("moved", 0),
                }
            )
        return insert_rows(self.env["qbo.sync.log.line"].sudo(), vals_list)

    @api.model
    def _qbo_record_names(self, records):
        """{record: display name} of ``records`` (None ignored), computed per
        model for these records only: a record of a large selection would
        compute the names of the whole selection."""
        ids_by_model = {}
        for record in records:
            if record:
                ids_by_model.setdefault(record._name, []).append(record.id)
        names = {}
        for model_name, ids in ids_by_model.items():
            named = self.env[model_name].sudo().browse(ids)
            names.update(zip(named, named.mapped("display_name"), strict=True))
        return names

    @api.model
    def _qbo_timesheet_values(self, record, hour):
        """The timesheet line a detail is about: who, when and how long, as
        the line says at the time of the log (the log outlives changes)."""
        if not record or record._name != "account.analytic.line":
            return {}
        record = record.sudo()
        return {
            "timesheet_id": record.id,
            "employee_id": record.employee_id.id,
            "timesheet_date": record.date,
            "duration": record._qbo_hours(hour),
        }

    @api.model
    def _qbo_error_detail(self, error, record=None, message=None):
        """The detail line of a :class:`QboError` (on ``record``, if any)."""
        return {
            "level": "error",
            "message": message or error,
            "code": error.code,
            "intuit_tid": error.intuit_tid,
            "record": record,
        }

    @api.model
    def _qbo_refusal_detail(self, refusal, record, message=None):
        """The detail line of a line the sending rules refuse (``message``:
        its reason, if already rendered)."""
        return {
            "level": "warning",
            "message": message or refusal.message,
            "code": refusal.code,
            "record": record,
        }

    @api.model
    def _qbo_state_of(self, counts):
        """The state an operation ends in, from its outcome counts ({"done",
        "refused", "failed", "remaining"}, missing ones are 0): failed when
        nothing got through of what failed or is left, partial when some did
        or when something was refused, done otherwise."""
        if counts.get("failed") or counts.get("remaining"):
            return "partial" if counts.get("done") else "failed"
        return "partial" if counts.get("refused") else "done"

    @api.model
    def _qbo_outcome(self, counts):
        """(summary, notification level) of a send's outcome ``counts``."""
        summary = counted(
            counts.get("done", 0),
            _lt("%(count)s line sent to QuickBooks, %(refused)s refused, %(failed)s failed."),
            _lt("%(count)s lines sent to QuickBooks, %(refused)s refused, %(failed)s failed."),
            refused=counts.get("refused", 0),
            failed=counts.get("failed", 0),
        )
        if counts.get("skipped"):
            summary = joined(
                summary,
                _lt(
                    "%(skipped)s already sent, skipped (never sent twice).",
                    skipped=counts["skipped"],
                ),
            )
        if counts.get("moved"):
            summary = joined(
                summary, _lt("%(moved)s taken over by a later send.", moved=counts["moved"])
            )
        return summary, NOTIFICATION_LEVELS[self._qbo_state_of(counts)]

    def _qbo_close(self, counts, reason=None):
        """End this send with its outcome ``counts``: state, counts and
        summary (after ``reason``, when it stopped early); returns
        (summary in the user's language, notification level)."""
        self.ensure_one()
        summary, level = self._qbo_outcome(counts)
        if reason:
            summary = joined(reason, summary)
        self.sudo().write(
            {
                "state": self._qbo_state_of(counts),
                **stored_text("summary", summary, self.env),
                "count_done": counts.get("done", 0),
                "count_refused": counts.get("refused", 0),
                "count_skipped": counts.get("skipped", 0),
                "count_failed": counts.get("failed", 0),
                "count_remaining": counts.get("remaining", 0),
            }
        )
        return rendered(summary, self.env), level

    def _qbo_add_metered_calls(self, client, already_counted=0):
        """Add the metered calls ``client`` made beyond ``already_counted``;
        returns the client's total, for the next call."""
        self.ensure_one()
        total = client.metered_calls["CorePlus"] if client else already_counted
        if total > already_counted:
            self.sudo().count_metered_calls += total - already_counted
        return total

    def _qbo_moved_count(self):
        """Queued lines of this send that other sends took over: the sum of
        the details those sends appended (see qbo.send.queue._qbo_release)."""
        self.ensure_one()
        self.env["qbo.sync.log.line"].flush_model(["log_id", "count_moved"])
        self.env.cr.execute(
            SQL(
                "SELECT coalesce(sum(count_moved), 0) FROM qbo_sync_log_line"
                " WHERE log_id = %s AND count_moved > 0",
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _qbo_counts(self):
        """The outcome counts this log holds, as :meth:`_qbo_close` takes them."""
        self.ensure_one()
        return {
            "done": self.count_done,
            "refused": self.count_refused,
            "skipped": self.count_skipped,
            "failed": self.count_failed,
            "remaining": self.count_remaining,
            "moved": self.count_moved,
        }

    def _qbo_notification(self, message, level, sticky=None, next_action=None, link_label=None):
        """The notification that ends a QuickBooks operation, with a link to
        each of these log entries (none when ``self`` is empty)."""
        links = []
        for log in self:
            if len(self) > 1:
                label = _("Sync log of %(company)s", company=log.company_id.name)
            else:
                label = link_label or _("Open the sync log")
            links.append({"label": label, "url": f"/odoo/qbo.sync.log/{log.id}"})
        params = {
            "title": _("QuickBooks"),
            # The web client puts the links in place of the %s.
            "message": " ".join([message] + ["%s"] * len(links)),
            "links": links,
            "type": level,
            "sticky": level != "success" if sticky is None else sticky,
        }
        if next_action:
            params["next"] = next_action
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    @api.model
    def _record(
        self,
        company,
        operation,
        name,
        summary,
        state=None,
        realm_id=None,
        lines=(),
        user=None,
        counts=None,
    ):
        """Create a finished log entry in one call. ``user``: who asked for
        it, when the work runs for them (a cron), else the current user;
        ``counts``: its outcome counts, which give its state unless
        ``state`` says it (done by default)."""
        vals = {
            **stored_text("name", name, self.env),
            "company_id": company.id,
            "operation": operation,
            "state": state or "done",
            **stored_text("summary", summary, self.env),
            "realm_id": realm_id,
            "user_id": (user or self.env.user).id,
        }
        if counts is not None:
            vals.update(
                state=state or self._qbo_state_of(counts),
                count_done=counts.get("done", 0),
                count_refused=counts.get("refused", 0),
                count_failed=counts.get("failed", 0),
                count_remaining=counts.get("remaining", 0),
            )
        log = self.sudo().create(vals)
        if lines:
            log._add_lines(lines)
        return log

    @api.autovacuum
    def _gc_expired_logs(self):
        """Delete the entries older than the retention Settings ask for."""
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM) or 0)
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("create_date", "<", limit), ("state", "!=", "running")]).unlink()


def stored_text(name, value, env):
    """The values that store ``value`` in the field ``name``: a sentence
    (:class:`~..qbo.text.Text`) in ``name + "_data"``, rendered when read
    (:func:`shown`), with its English words in ``name``, which searches
    find; words already rendered as they are."""
    data = to_data(value)
    if data:
        return {name: in_english(value), f"{name}_data": data}
    return {name: rendered(value, env)}


def shown(data, text, env, formats=None):
    """A field stored by :func:`stored_text`, in the language of ``env``:
    the sentence when there is one, else the words stored."""
    sentence = from_data(data)
    return rendered(sentence, env, formats) if sentence else text
