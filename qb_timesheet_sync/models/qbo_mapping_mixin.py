# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import SQL

from ..qbo import BatchItem, BatchResult, QboError
from ..qbo.lists import created_name
from ..qbo.mapping import check_new_qbo_name, clean_display_name, normalize_name
from ..qbo.text import _lt
from .qbo_resync import Report, outcome
from .qbo_state_guard import qbo_trusted

# Fixed namespace of the request ids of the records a resync creates in
# QuickBooks: the same record sent again gets the same requestid.
CREATE_REQUEST_ID_NAMESPACE = uuid.UUID("0b6f2f5e-8a51-4f7d-9a57-3d4c1e0b2f61")
# QuickBooks' lists, as the sentences of a resync name them.
ENTITY_LABELS = {
    "Employee": _lt("employee"),
    "Vendor": _lt("vendor"),
    "Customer": _lt("customer"),
}


class QboMappingMixin(models.AbstractModel):
    """Link of an Odoo record with a record of one QuickBooks company (realm).

    A link is only valid for the realm it was made in: connecting another
    QuickBooks company never reuses it. Only QuickBooks managers may change it.
    """

    _name = "qbo.mapping.mixin"
    _inherit = ["qbo.state.guard"]
    _description = "Link with a QuickBooks record"

    # Fields of the link: the QuickBooks id, and optionally the QuickBooks
    # entity (Employee or Vendor, for people) and name; every mapping field.
    _qbo_id_field = None
    _qbo_kind_field = None
    _qbo_name_field = None
    _qbo_mapping_fields = frozenset()
    # What the records are called in the sentences of a resync.
    _qbo_odoo_kind = None

    qbo_realm_id = fields.Char(
        string="QuickBooks company ID",
        copy=False,
        readonly=True,
        groups="qb_timesheet_sync.group_qbo_user",
        help="The QuickBooks company the link was made for; it is not used with another one.",
    )
    qbo_mapped = fields.Boolean(
        string="Linked to QuickBooks",
        compute="_compute_qbo_mapped",
        search="_search_qbo_mapped",
        groups="qb_timesheet_sync.group_qbo_user",
    )

    # What, besides the realm and the id, tells the links apart in the
    # unique index: the Odoo company (several Odoo companies may share one
    # QuickBooks company, each with its own records) and, for employees, the
    # QuickBooks list (Employee and Vendor ids are numbered apart).
    _qbo_link_key_columns = ("company_id",)

    def init(self):
        """One Odoo record per QuickBooks record and company (realm)."""
        super().init()
        if not self._qbo_id_field or self._fields[self._qbo_id_field].company_dependent:
            return
        columns = ", ".join((*self._qbo_link_key_columns, "qbo_realm_id", self._qbo_id_field))
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s IS NOT NULL",
                SQL.identifier(f"{self._table}_qbo_link_uniq"),
                SQL.identifier(self._table),
                SQL(columns),
                SQL.identifier(self._qbo_id_field),
            )
        )

    @api.depends(lambda self: ("qbo_realm_id", self._qbo_id_field) if self._qbo_id_field else ())
    @api.depends_context("allowed_company_ids")
    def _compute_qbo_mapped(self):
        realm_ids = self._qbo_current_realm_ids()
        for record in self:
            record.qbo_mapped = (
                bool(record[self._qbo_id_field]) and record.qbo_realm_id in realm_ids
            )

    def _search_qbo_mapped(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(self.env._("Unsupported search on the QuickBooks link."))
        realm_ids = list(self._qbo_current_realm_ids())
        if (operator == "=") == bool(value):
            if not realm_ids:
                return expression.FALSE_DOMAIN
            return [(self._qbo_id_field, "!=", False), ("qbo_realm_id", "in", realm_ids)]
        if not realm_ids:
            return expression.TRUE_DOMAIN
        return ["|", (self._qbo_id_field, "=", False), ("qbo_realm_id", "not in", realm_ids)]

    def action_qbo_choose_mapping(self):
        """Pick the QuickBooks record by hand, from a list fetched live."""
        self.ensure_one()
        self._check_qbo_mapping_access()
        return self.env["qbo.map.wizard"]._qbo_open_for(self)

    def action_qbo_clear_mapping(self):
        self._check_qbo_mapping_access()
        linked = self.filtered(lambda record: record[self._qbo_id_field])
        self._qbo_write_each({record: record._qbo_clear_values() for record in self})
        for record in linked:
            record._qbo_log_manual_mapping(
                _lt(
                    "%(user)s cleared the QuickBooks link of '%(name)s'.",
                    user=self.env.user.name,
                    name=record.display_name,
                )
            )
        return True

    @api.model
    def _check_qbo_mapping_access(self):
        if self.env.su or self.env.user.has_group("qb_timesheet_sync.group_qbo_manager"):
            return
        raise AccessError(
            self.env._("Only QuickBooks managers may change the link with QuickBooks.")
        )

    @api.model
    def _qbo_current_realm_ids(self):
        """QuickBooks companies of the companies the user works in."""
        connections = (
            self.env["qbo.connection"]
            .sudo()
            .search([("company_id", "in", self.env.companies.ids), ("realm_id", "!=", False)])
        )
        return set(connections.mapped("realm_id"))

    # ------------------------------------------------------------------
    # The link
    # ------------------------------------------------------------------
    def _qbo_ref(self, realm_id):
        """What a QuickBooks payload refers to this record by in QuickBooks
        company ``realm_id``: its id ((kind, id) for people), or None when it
        is not linked there."""
        self.ensure_one()
        qbo_id = self[self._qbo_id_field]
        if not qbo_id or self.qbo_realm_id != str(realm_id):
            return None
        if self._qbo_kind_field:
            kind = self[self._qbo_kind_field]
            return (kind, qbo_id) if kind else None
        return qbo_id

    @api.model
    def _qbo_link_values(self, realm_id, qbo_id, name=None, kind=None):
        """Values linking a record to the QuickBooks record ``qbo_id`` (of
        entity ``kind``, named ``name``) of QuickBooks company ``realm_id``."""
        values = {self._qbo_id_field: str(qbo_id), "qbo_realm_id": realm_id}
        if self._qbo_name_field:
            values[self._qbo_name_field] = name
        if self._qbo_kind_field:
            values[self._qbo_kind_field] = kind
        return values

    def _qbo_same_link_domain(self, realm_id, choice):
        """Domain of the other records linked to the QuickBooks record ``choice``."""
        domain = [
            (self._qbo_id_field, "=", choice.qbo_id),
            ("qbo_realm_id", "=", realm_id),
            ("id", "not in", self.ids),
        ]
        if self._qbo_kind_field:
            domain.append((self._qbo_kind_field, "=", choice.kind))
        return domain

    def _qbo_clear_values(self):
        return dict.fromkeys(self._qbo_mapping_fields, False)

    def _qbo_company(self):
        """The Odoo company whose QuickBooks connection the link belongs to."""
        self.ensure_one()
        return self.env.company

    def _qbo_write_each(self, values_by_record):
        """Write different values on many records ({record: values}): links,
        and the changes a resync follows from QuickBooks.

        A QuickBooks manager may not have the HR or project rights to write
        these records: the values are written as superuser once that right is
        checked. The writes are buffered and flushed together (one UPDATE per
        set of fields, not one per record).
        """
        if not values_by_record:
            return
        self._check_qbo_mapping_access()
        with qbo_trusted():
            for record, values in values_by_record.items():
                record.sudo().write(values)
        self.browse([record.id for record in values_by_record])._qbo_check_link_unique()

    @api.model
    def _qbo_create_linked(self, vals_list):
        """Create records that come with their QuickBooks link (a resync
        mirroring QuickBooks customers), as superuser."""
        self._check_qbo_mapping_access()
        with qbo_trusted():
            records = self.sudo().create(vals_list)
        records._qbo_check_link_unique()
        return records

    def _qbo_check_link_unique(self):
        """Raise when one of these records shares its QuickBooks record with
        another one. The unique index of ``init`` does it for models whose
        link is a column; see res.partner for a company-dependent one."""

    def _qbo_log_manual_mapping(self, message):
        """Keep in the sync log what a QuickBooks manager linked or cleared by
        hand (``message``: a sentence, shown in each reader's language)."""
        self.ensure_one()
        company = self._qbo_company()
        self.env["qbo.sync.log"]._record(
            company,
            "mapping",
            _lt("Link changed by hand"),
            message,
            realm_id=company.sudo()._qbo_connection().realm_id,
            lines=[{"message": message, "record": self}],
        )

    @api.model
    def _qbo_request_id(self, realm_id, record, name):
        """Stable requestid of the QuickBooks record created for ``record``."""
        seed = f"{realm_id}|{record._name}|{record.id}|{name}"
        return uuid.uuid5(CREATE_REQUEST_ID_NAMESPACE, seed).hex

    @api.model
    def _qbo_send_batch(self, client, items):
        """Results of ``client.batch(items)``, one per item (find the item's
        record in ``result.item.key``), even when a whole batch request fails:
        the items without an answer then carry that error."""
        if not items:
            return []
        try:
            return client.batch(items)
        except QboError as error:
            done = list(error.completed_results)
            answered = {id(result.item) for result in done}
            return done + [
                BatchResult(item, error=error) for item in items if id(item) not in answered
            ]

    # ------------------------------------------------------------------
    # Creating in QuickBooks what exists only in Odoo
    # ------------------------------------------------------------------
    def _qbo_create_in_quickbooks(self, client, company, qbo_names):
        """Create these records in QuickBooks and link them; returns the
        outcomes (see ``qbo.resync``).

        Names QuickBooks would refuse (``check_new_qbo_name``, against the
        look-alikes in ``qbo_names``) are reported with what to rename;
        ``qbo_names`` gets the names created. What is created is per model:
        :meth:`_qbo_new_record`.
        """
        realm_id = client.realm_id
        outcomes = []
        items = []
        for record in self:
            name = clean_display_name(record.name)
            problem = check_new_qbo_name(
                record.name, qbo_names.get(normalize_name(name), []), odoo_kind=self._qbo_odoo_kind
            )
            if problem:
                outcomes.append(
                    outcome(Report.UNMATCHED, problem.message, record.sudo(False), level="warning")
                )
                continue
            entity, payload = record._qbo_new_record(company, realm_id, name)
            qbo_names.setdefault(normalize_name(name), []).append((entity, name))
            request_id = self._qbo_request_id(realm_id, record, name)
            items.append(BatchItem("create", entity, payload, request_id, key=record))
        values_by_record = {}
        for result in self._qbo_send_batch(client, items):
            record = result.item.key
            if result.ok:
                name = created_name(result.data, result.item.payload)
                values_by_record[record] = self._qbo_link_values(
                    realm_id, result.data["Id"], name=name, kind=result.item.entity
                )
            outcomes.append(self._qbo_created_outcome(record, result))
        self._qbo_write_each(values_by_record)
        return outcomes

    def _qbo_new_record(self, company, realm_id, display_name):
        """(entity, body) of the QuickBooks record that stands for this one."""
        raise NotImplementedError

    def _qbo_created_outcome(self, record, result):
        """The outcome of creating ``record`` in QuickBooks (a BatchResult)."""
        if not result.ok:
            return outcome(
                Report.FAILED,
                _lt(
                    "'%(name)s' could not be created in QuickBooks: %(reason)s",
                    name=record.name,
                    reason=result.error,
                ),
                record.sudo(False),
                level="error",
            )
        return outcome(
            Report.CREATED_QBO,
            _lt(
                "Created in QuickBooks (%(kind)s '%(name)s').",
                kind=ENTITY_LABELS.get(result.item.entity, result.item.entity),
                name=created_name(result.data, result.item.payload),
            ),
            record.sudo(False),
        )
