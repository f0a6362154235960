# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..qbo import QboError
from ..qbo.lists import (
    ACTIVE_CUSTOMERS_QUERY,
    CUSTOMER,
    PERSON_KINDS,
    RESYNC_QUERIES,
    customer_full_name,
    person_from_row,
)
from ..qbo.mapping import normalize_name
from ..qbo.suggestions import INACTIVE_NOTE, Candidate
from ..qbo.text import _lt, joined, render


class QboMapWizard(models.TransientModel):
    """Link one employee, project or client with a QuickBooks record chosen
    from the list QuickBooks returns now."""

    _name = "qbo.map.wizard"
    _description = "Link with a QuickBooks record"

    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True, readonly=True)
    record_name = fields.Char(string="Odoo record", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    realm_id = fields.Char(string="QuickBooks company ID", required=True, readonly=True)
    qbo_company_name = fields.Char(string="QuickBooks company", readonly=True)
    # Whether the record has a link now (to this QuickBooks company or another):
    # only then is there one to clear.
    has_link = fields.Boolean(readonly=True)
    choice_ids = fields.One2many("qbo.map.wizard.choice", "wizard_id", readonly=True)
    # Inactive people are only offered as suggestions (said inactive there);
    # a record linked to another Odoo record is not offered (action_apply
    # refuses it): the suggestions list shows it, with the record it is linked to.
    choice_id = fields.Many2one(
        "qbo.map.wizard.choice",
        string="QuickBooks record",
        domain="[('wizard_id', '=', id), ('linked_to', '=', False), "
        "'|', ('qbo_active', '=', True), ('score', '>', 0)]",
    )
    # The QuickBooks records named most like this one, best first.
    suggestion_ids = fields.One2many(
        "qbo.map.wizard.choice",
        "wizard_id",
        string="Suggestions",
        domain=[("score", ">", 0)],
        readonly=True,
    )

    @api.model
    def _qbo_open_for(self, record):
        """Fetch the QuickBooks records ``record`` may be linked to and open
        the wizard on them."""
        record.ensure_one()
        company = record._qbo_company()
        connection = company._qbo_connection()
        client = connection._qbo_client()
        try:
            choices = self._qbo_fetch_choices(client, record._name)
        except QboError as error:
            raise UserError(render(error, self.env._)) from error
        # Created by this code only: the choices are what QuickBooks returned,
        # never values sent by the browser.
        wizard = self.sudo().create(
            {
                "res_model": record._name,
                "res_id": record.id,
                "record_name": record.display_name,
                "company_id": company.id,
                "realm_id": connection.realm_id,
                "qbo_company_name": connection.qbo_company_name or connection.realm_id,
                "has_link": bool(record[record._qbo_id_field]),
                "choice_ids": [Command.create(values) for values in choices],
            }
        )
        wizard._qbo_mark_linked_elsewhere(record)
        wizard._qbo_rank_choices(record)
        wizard.choice_id = wizard._qbo_suggested_choice(record)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link with QuickBooks"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _qbo_fetch_choices(self, client, model_name):
        """Values of the choices: QuickBooks employees and vendors for an
        employee, inactive ones too (a person written with initials is often
        one made inactive: it is suggested, said so), and active customers
        (with their full name) otherwise."""
        if model_name == "hr.employee":
            people = [
                person_from_row(kind, row)
                for kind in PERSON_KINDS
                for row in client.query(RESYNC_QUERIES[kind])
            ]
            return [
                {
                    "qbo_id": person.qbo_id,
                    "kind": person.kind,
                    "name": person.display_name,
                    "email": person.email,
                    "qbo_active": person.active,
                }
                for person in people
            ]
        return [
            {
                "qbo_id": str(row["Id"]),
                "kind": CUSTOMER,
                "name": customer_full_name(row),
                "email": (row.get("PrimaryEmailAddr") or {}).get("Address"),
                # A QuickBooks project: the customer its time is sent for.
                "project_parent_id": row.get("IsProject")
                and (row.get("ParentRef") or {}).get("value"),
            }
            for row in client.query(ACTIVE_CUSTOMERS_QUERY)
        ]

    def write(self, vals):
        if not self.env.su and vals.keys() - {"choice_id"}:
            raise AccessError(self.env._("Only the QuickBooks record to link can be chosen here."))
        return super().write(vals)

    def _qbo_rank_choices(self, record):
        """Score the choices that look like ``record`` (suggestions): they are
        listed first, each linked in one click; none is linked without it."""
        self.ensure_one()
        if record._name == "hr.employee":
            email, client = record.work_email, False
        else:
            partner = record.partner_id if record._name == "project.project" else record
            email, client = partner.email, True
        choices = self.sudo().choice_ids
        candidates = [
            Candidate(
                choice.id, choice.name.rpartition(":")[2], choice.email, active=choice.qbo_active
            )
            for choice in choices
        ]
        Suggestion = self.env["qbo.suggestion"]
        for suggestion in Suggestion._qbo_suggest(record.name, candidates, email, client):
            reason = Suggestion._qbo_reason_label(suggestion.reason)
            if not suggestion.candidate.active:
                reason = f"{reason}, {Suggestion._qbo_inactive_note()}"
            choices.browse(suggestion.candidate.key).write(
                {"score": suggestion.score, "reason": reason}
            )

    def _qbo_mark_linked_elsewhere(self, record):
        """Note on each choice the other Odoo record already linked to it
        (:meth:`action_apply` refuses it, as ``_qbo_same_link_domain`` says),
        in one query for the whole list."""
        self.ensure_one()
        choices = self.sudo().choice_ids
        others = (
            record.sudo()
            .with_company(self.company_id)
            .with_context(active_test=False)
            .search(
                [
                    (record._qbo_id_field, "in", choices.mapped("qbo_id")),
                    ("qbo_realm_id", "=", self.realm_id),
                    ("id", "!=", record.id),
                ]
            )
        )
        kind_field = record._qbo_kind_field
        linked = {}
        for other in others:
            key = (other[kind_field] if kind_field else None, other[record._qbo_id_field])
            linked.setdefault(key, other.display_name)
        for choice in choices:
            name = linked.get((choice.kind if kind_field else None, choice.qbo_id))
            if name:
                choice.linked_to = name

    def _qbo_suggested_choice(self, record):
        """The current link, else the only QuickBooks record named like
        ``record`` and linked to no other record."""
        current_id = record[record._qbo_id_field]
        if current_id and record.qbo_realm_id == self.realm_id:
            current = self.choice_ids.filtered(
                lambda choice: (
                    choice.qbo_id == current_id
                    and (record._name != "hr.employee" or choice.kind == record.qbo_kind)
                )
            )
            if current:
                return current[:1]
        key = normalize_name(record.name)
        # One linked to another record is not proposed: linking it is refused.
        same_name = self.choice_ids.filtered(
            lambda choice: (
                normalize_name(choice.name.rpartition(":")[2]) == key and not choice.linked_to
            )
        )
        return same_name if len(same_name) == 1 else self.choice_ids.browse()

    def _qbo_record(self):
        self.ensure_one()
        return self.env[self.res_model].with_company(self.company_id).browse(self.res_id).exists()

    def action_apply(self):
        self.ensure_one()
        record = self._qbo_record()
        if not record:
            raise UserError(self.env._("The record to link no longer exists."))
        if not self.choice_id or self.choice_id.wizard_id != self:
            raise UserError(self.env._("Choose the QuickBooks record to link."))
        record._check_qbo_mapping_access()
        if self.realm_id != self.company_id.sudo()._qbo_connection().realm_id:
            raise UserError(
                self.env._(
                    "The QuickBooks company changed since this list was read: open it again."
                )
            )
        other = (
            record.sudo()
            .with_context(active_test=False)
            .search(record._qbo_same_link_domain(self.realm_id, self.choice_id), limit=1)
        )
        if other:
            raise UserError(
                self.env._(
                    "'%(qbo_name)s' is already linked to '%(other)s': clear that link first.",
                    qbo_name=self.choice_id.name,
                    other=other.display_name,
                )
            )
        choice = self.choice_id
        values = record._qbo_link_values(
            self.realm_id, choice.qbo_id, name=choice.name, kind=choice.kind
        )
        if record._name == "project.project":
            values["qbo_project_parent_id"] = choice.project_parent_id or False
        if record._name == "hr.employee":
            # Linked on purpose; its time is refused until it is reactivated.
            values["qbo_inactive"] = not choice.qbo_active
        record._qbo_write_each({record: values})
        message = _lt(
            "%(user)s linked '%(name)s' with the QuickBooks record '%(qbo_name)s' (ID %(qbo_id)s).",
            user=self.env.user.name,
            name=record.display_name,
            qbo_name=self.choice_id.name,
            qbo_id=self.choice_id.qbo_id,
        )
        if not choice.qbo_active:
            message = joined(message, _lt("It is %(inactive)s.", inactive=INACTIVE_NOTE))
        record._qbo_log_manual_mapping(message)
        return {"type": "ir.actions.act_window_close"}

    def action_clear(self):
        self.ensure_one()
        self._qbo_record().action_qbo_clear_mapping()
        return {"type": "ir.actions.act_window_close"}
