# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The QuickBooks lists the addon reads and writes: employees, vendors,
customers and service items.

Plain Python on purpose (no ``odoo`` import): the queries that read each list,
each row turned into the small record the matching rules take
(:class:`QboPerson`, :class:`QboCustomer`), and the bodies that create a
person or a customer. The Odoo models call these and never parse a row.
"""

from dataclasses import dataclass

# QuickBooks entities. A time activity names an Employee or a Vendor (NameOf).
EMPLOYEE = "Employee"
VENDOR = "Vendor"
CUSTOMER = "Customer"
ITEM = "Item"
PERSON_KINDS = (EMPLOYEE, VENDOR)
# QuickBooks limit of GivenName and FamilyName (docs/ASSUMPTIONS.md#employee-names).
NAME_PART_MAX = 100

# What a resync reads: inactive records too, since a link to one is kept and
# reported; service items only, the only ones time is billed with.
RESYNC_QUERIES = {
    EMPLOYEE: "SELECT * FROM Employee WHERE Active IN (true, false)",
    VENDOR: "SELECT * FROM Vendor WHERE Active IN (true, false)",
    CUSTOMER: "SELECT * FROM Customer WHERE Active IN (true, false)",
    ITEM: "SELECT * FROM Item WHERE Type = 'Service'",
}
ITEMS_QUERY = RESYNC_QUERIES[ITEM]


@dataclass(frozen=True)
class QboPerson:
    qbo_id: str
    kind: str  # EMPLOYEE or VENDOR
    display_name: str
    email: str | None = None
    active: bool = True

    @property
    def ref(self):
        return (self.kind, self.qbo_id)


@dataclass(frozen=True)
class QboCustomer:
    qbo_id: str
    display_name: str
    parent_id: str | None = None
    active: bool = True
    is_project: bool = False  # a QuickBooks project, which is a sub-customer too
    fully_qualified_name: str | None = None


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def read_resync_lists(client):
    """{entity: rows} of every list a resync reads (see :data:`RESYNC_QUERIES`)."""
    return {entity: client.query(query) for entity, query in RESYNC_QUERIES.items()}


# The active customers, to link one by hand.
ACTIVE_CUSTOMERS_QUERY = "SELECT * FROM Customer WHERE Active = true"


def person_from_row(kind, row):
    """The :class:`QboPerson` of an Employee or Vendor row."""
    return QboPerson(
        qbo_id=str(row["Id"]),
        kind=kind,
        display_name=row.get("DisplayName") or "",
        email=(row.get("PrimaryEmailAddr") or {}).get("Address"),
        active=row.get("Active", True),
    )


def people_from_rows(rows_by_kind):
    """The :class:`QboPerson` of the employees then the vendors of
    ``rows_by_kind`` ({EMPLOYEE: rows, VENDOR: rows})."""
    return [person_from_row(kind, row) for kind in PERSON_KINDS for row in rows_by_kind[kind]]


def customer_from_row(row):
    """The :class:`QboCustomer` of a Customer row."""
    return QboCustomer(
        qbo_id=str(row["Id"]),
        display_name=row.get("DisplayName") or "",
        parent_id=str((row.get("ParentRef") or {}).get("value") or "") or None,
        active=row.get("Active", True),
        is_project=row.get("IsProject", False),
        fully_qualified_name=row.get("FullyQualifiedName"),
    )


def customer_full_name(row):
    """The name a customer row is shown under: parents first."""
    return row.get("FullyQualifiedName") or row.get("DisplayName") or ""


def item_from_row(row):
    """{qbo_id, name, unit_price} of a service item row."""
    return {
        "qbo_id": row["Id"],
        "name": row.get("Name") or row["Id"],
        "unit_price": row.get("UnitPrice") or 0.0,
    }


def display_names(rows_by_entity):
    """(entity, display name) of the people and customers of
    ``rows_by_entity``: the names a new QuickBooks record must not take
    (items have names of their own, apart from them)."""
    return [
        (entity, row.get("DisplayName") or "")
        for entity, rows in rows_by_entity.items()
        if entity != ITEM
        for row in rows
    ]


# ---------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------


def person_payload(display_name, email=None):
    """Employee or Vendor body; the employee rules need a given or family
    name (docs/ASSUMPTIONS.md#employee-names), split here from the display name."""
    given_name, _sep, family_name = display_name.rpartition(" ")
    if not given_name:
        given_name, family_name = family_name, ""
    payload = {"DisplayName": display_name, "GivenName": given_name[:NAME_PART_MAX]}
    if family_name:
        payload["FamilyName"] = family_name[:NAME_PART_MAX]
    if email:
        payload["PrimaryEmailAddr"] = {"Address": email}
    return payload


def customer_payload(display_name, parent_id=None):
    """Customer body; with ``parent_id``, a sub-customer (a job) of it."""
    payload = {"DisplayName": display_name}
    if parent_id:
        payload.update(ParentRef={"value": parent_id}, Job=True)
    return payload


def created_name(data, payload):
    """The name QuickBooks gave the record it created from ``payload``."""
    return data.get("FullyQualifiedName") or data.get("DisplayName") or payload["DisplayName"]
