# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..qbo.hour_details import CLASS, DEPARTMENT, ITEM, category_from_row
from ..qbo.lists import ITEMS_QUERY, item_from_row

ROW_READERS = {
    ITEM: item_from_row,
    CLASS: category_from_row,
    DEPARTMENT: category_from_row,
}


class QboItem(models.Model):
    """A QuickBooks service item, class or location, as last read from
    QuickBooks (``kind``). Pay types are the employees' own
    (qbo.payroll.compensation).

    Kept per company and QuickBooks company, so what the time sent carries is
    picked from a list instead of typed as an id, and a record of a
    previously connected QuickBooks company is never sent to another one.
    """

    _name = "qbo.item"
    _description = "QuickBooks service item, class or location"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    kind = fields.Selection(
        [
            (ITEM, "Service item"),
            (CLASS, "Class"),
            (DEPARTMENT, "Location"),
        ],
        default=ITEM,
        required=True,
        readonly=True,
        index=True,
    )
    qbo_id = fields.Char(string="QuickBooks ID", required=True, readonly=True, index=True)
    realm_id = fields.Char(string="QuickBooks company ID", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    unit_price = fields.Float(string="Rate in QuickBooks", readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _sql_constraints = [
        (
            "qbo_id_uniq",
            "unique(company_id, realm_id, kind, qbo_id)",
            "A QuickBooks item, class or location is listed once per company.",
        ),
    ]

    def _compute_display_name(self):
        for item in self:
            item.display_name = item.name if item.active else f"{item.name} (inactive)"

    def _qbo_ref(self, realm_id):
        """The QuickBooks id to send, or None when the item belongs to another
        QuickBooks company than ``realm_id`` (as ``qbo.mapping.mixin._qbo_ref``
        of the records linked to QuickBooks)."""
        self.ensure_one()
        return self.qbo_id if self.realm_id == realm_id else None

    @api.model
    def _qbo_store(self, company, realm_id, rows, kind=ITEM):
        """Create, update and archive the items (or classes, or locations:
        ``kind``) of ``company`` from the rows QuickBooks returned. They are
        what QuickBooks says: written by this code only, as superuser."""
        items = self.sudo()
        known = {
            item.qbo_id: item
            for item in items.with_context(active_test=False).search(
                [
                    ("company_id", "=", company.id),
                    ("realm_id", "=", realm_id),
                    ("kind", "=", kind),
                ]
            )
        }
        seen = set()
        new_values = []
        for row in rows:
            values = {"active": True, **ROW_READERS[kind](row)}
            qbo_id = str(values.pop("qbo_id"))
            item = known.get(qbo_id)
            seen.add(qbo_id)
            if item is None:
                new_values.append(
                    {
                        **values,
                        "qbo_id": qbo_id,
                        "kind": kind,
                        "realm_id": realm_id,
                        "company_id": company.id,
                    }
                )
            elif any(item[name] != value for name, value in values.items()):
                item.write(values)
        items.create(new_values)
        gone = [item.id for qbo_id, item in known.items() if qbo_id not in seen and item.active]
        items.browse(gone).write({"active": False})
        return len(rows)

    @api.model
    def _qbo_refresh(self, company):
        """Read the service items of ``company``'s QuickBooks company."""
        connection = company._qbo_connection()
        client = connection._qbo_client()
        return self.sudo()._qbo_store(company, connection.realm_id, client.query(ITEMS_QUERY))
