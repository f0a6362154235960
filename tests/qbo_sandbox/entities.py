"""Business rules of the emulated entities: create, read, update and delete.

Every function works on a ``Realm`` (see ``state.py``) and must be called with the state
lock held. Rules and codes follow Intuit's entity references and error pages; where Intuit
does not say, the choice is commented next to the code, with its docs/ASSUMPTIONS.md entry.
"""

import copy

from . import faults, time_activity_rules
from .records import check_text, is_deleted, reference, resolve_ref

NAME_ENTITIES = ("Customer", "Employee", "Vendor")
# Classes and locations (QuickBooks' Department entity) are name lists too.
CATEGORY_ENTITIES = ("Class", "Department")
LIST_ENTITIES = (*NAME_ENTITIES, "Item", *CATEGORY_ENTITIES)
ENTITIES = (*LIST_ENTITIES, "TimeActivity")
ENTITY_BY_PATH = {name.lower(): name for name in ENTITIES}
# Other QuickBooks entities, which the sandbox does not hold: a company without
# any. Queries and CDC name them (node-quickbooks' live tests query each of
# build/query.txt; quickbooks-ruby's CDC spec asks for the transactions; Intuit's
# CDC blog asks for entities=customer,invoice), so they answer "nothing" rather
# than a fault.
ABSENT_ENTITIES = (
    "Account",
    "Attachable",
    "Bill",
    "BillPayment",
    "Budget",
    "CreditMemo",
    "Deposit",
    "Estimate",
    "ExchangeRate",
    "Invoice",
    "JournalEntry",
    "Payment",
    "PaymentMethod",
    "Purchase",
    "PurchaseOrder",
    "RefundReceipt",
    "SalesReceipt",
    "TaxAgency",
    "TaxCode",
    "TaxRate",
    "Term",
    "Transfer",
    "VendorCredit",
)

NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
# Current QBO reference limits (Customer, Employee, Vendor pages), not the older desktop
# XSD values.
NAME_LENGTHS = {
    "DisplayName": 500,
    "Title": 16,
    "Suffix": 16,
    "GivenName": 100,
    "MiddleName": 100,
    "FamilyName": 100,
    "CompanyName": 100,
    "PrintOnCheckName": 110,
    "Notes": 2000,
}
NO_SEPARATOR_FIELDS = (*NAME_PARTS, "DisplayName", "PrintOnCheckName")
FORBIDDEN_NAME_CHARS = (":", "\t", "\n", "\r")
# Customer levels are 0 (top) to 4: five levels in all (docs/ASSUMPTIONS.md#customer-levels).
MAX_CUSTOMER_LEVEL = 4
ITEM_TYPES = ("Service", "Inventory", "NonInventory")
PAYROLL_UNSUPPORTED_EMPLOYEE_FIELDS = ("Title", "Suffix", "PrintOnCheckName", "BillRate")

# Fields the server owns; a client cannot set them (they are dropped from payloads).
SERVER_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")
READ_ONLY_FIELDS = {
    "Customer": ("FullyQualifiedName", "Level", "IsProject", "BalanceWithJobs"),
    "Employee": ("V4IDPseudonym",),
    "Vendor": (),
    "Item": ("FullyQualifiedName", "Level"),
    "Class": ("FullyQualifiedName",),
    "Department": ("FullyQualifiedName",),
    "TimeActivity": (),
}
# Fields a full update keeps although the client left them out (write-on-create or owned).
# Write-on-create fields: an update cannot change them.
WRITE_ON_CREATE_FIELDS = ("Balance", "CurrencyRef")
KEPT_ON_FULL_UPDATE = {
    "Customer": ("IsProject", "Balance", "BalanceWithJobs", "CurrencyRef"),
    "Employee": ("V4IDPseudonym",),
    "Vendor": ("Balance", "CurrencyRef"),
    "Item": (),
    "Class": (),
    "Department": (),
    "TimeActivity": (),
}


class WriteContext:
    """Per-request facts the rules need: seeding mode and the ids a batch created.

    Batch items cannot rely on each other (docs/ASSUMPTIONS.md#batch-size), so references
    to records created earlier in the same batch are refused as if those records did not exist yet.
    """

    def __init__(self, seeding=False, config=None):
        self.seeding = seeding
        self.created_ids = set()
        # The server's SandboxConfig (behaviours Intuit leaves open); None: defaults.
        self.config = config


def read(realm, entity, record_id):
    record = realm.records[entity].get(str(record_id))
    if record is None:
        raise faults.object_not_found(f"{entity} with Id {record_id} was not found.", "Id")
    if is_deleted(record):
        raise faults.object_not_found("Another user has deleted this transaction.", "Id")
    return copy.deepcopy(record)


def id_series(entity, record):
    """The id counter of a new record (see ``state.ID_SERIES_START``): projects and
    classes get large ids, as in QuickBooks; other records small ones."""
    if entity == "Class":
        return "Class"
    if entity == "Customer" and record.get("IsProject"):
        return "Project"
    return None


def create(realm, entity, payload, context=None):
    context = context or WriteContext()
    payload = _check_payload(payload)
    if not context.seeding:
        check_writable(realm, entity)
    record = _strip_server_fields(entity, payload, keep_seed_fields=context.seeding)
    record = VALIDATORS[entity](realm, record, None, context)
    requested = record.pop("Id", None) if context.seeding else None
    record_id = realm.allocate_id(requested, series=id_series(entity, record))
    now = realm.meta_time()
    stored = {
        **record,
        "Id": record_id,
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
    }
    realm.records[entity][record_id] = stored
    context.created_ids.add(record_id)
    if not context.seeding:
        realm.note_change(entity, record_id, "created", now)
    return copy.deepcopy(stored)


def update(realm, entity, payload, context=None):
    context = context or WriteContext()
    payload = _check_payload(payload)
    check_writable(realm, entity)
    existing = _existing_for_write(realm, entity, payload)
    changes = _strip_server_fields(entity, payload, keep_seed_fields=False)
    for field in WRITE_ON_CREATE_FIELDS:
        changes.pop(field, None)
    if payload.get("sparse") is True:
        # Sparse updates merge; Intuit does not say whether TimeActivity and Employee
        # accept them, so the sandbox accepts them for every entity
        # (docs/ASSUMPTIONS.md#sparse-update).
        record = {key: value for key, value in existing.items() if key not in SERVER_FIELDS}
        record.update(changes)
        # A null in a sparse update clears that field.
        record = {key: value for key, value in record.items() if payload.get(key, 0) is not None}
    else:
        # A full update sets every writable field left out to null
        # (docs/ASSUMPTIONS.md#full-update).
        kept = {key: existing[key] for key in KEPT_ON_FULL_UPDATE[entity] if key in existing}
        record = {**kept, **changes}
    record = VALIDATORS[entity](realm, record, existing, context)
    stored = {
        **record,
        "Id": existing["Id"],
        "SyncToken": str(int(existing["SyncToken"]) + 1),
        "domain": "QBO",
        "sparse": False,
        "MetaData": {
            "CreateTime": existing["MetaData"]["CreateTime"],
            "LastUpdatedTime": realm.meta_time(),
        },
    }
    realm.records[entity][existing["Id"]] = stored
    realm.note_change(entity, existing["Id"], "updated", stored["MetaData"]["LastUpdatedTime"])
    if entity == "Customer":
        _refresh_descendants(realm, existing["Id"])
    return copy.deepcopy(stored)


def delete(realm, entity, payload):
    payload = _check_payload(payload)
    if entity in LIST_ENTITIES:
        # Name lists are never deleted, only made inactive
        # (docs/ASSUMPTIONS.md#names-made-inactive).
        raise faults.unsupported_operation(
            f"Operation Delete is not supported for {entity}. "
            "Make the record inactive (Active=false) instead."
        )
    check_writable(realm, entity)
    existing = _existing_for_write(realm, entity, payload)
    time_activity_rules.check_books_open(realm, existing.get("TxnDate"))
    tombstone = copy.deepcopy(existing)
    tombstone["status"] = "Deleted"
    tombstone["MetaData"]["LastUpdatedTime"] = realm.meta_time()
    realm.records[entity][existing["Id"]] = tombstone
    realm.note_change(entity, existing["Id"], "deleted", tombstone["MetaData"]["LastUpdatedTime"])
    return {"status": "Deleted", "domain": "QBO", "Id": existing["Id"]}


def bill_time_activity(realm, record_id):
    """What creating an invoice from a billable time activity does to it in
    QuickBooks: BillableStatus becomes HasBeenBilled (docs/ASSUMPTIONS.md#billed-time; the invoice
    itself is not emulated), a new SyncToken and LastUpdatedTime."""
    existing = realm.records["TimeActivity"].get(str(record_id))
    if existing is None or is_deleted(existing):
        raise faults.object_not_found(f"TimeActivity with Id {record_id} was not found.", "Id")
    if existing.get("BillableStatus") != "Billable":
        raise ValueError(f"TimeActivity {record_id} is not billable time waiting to be billed")
    billed = copy.deepcopy(existing)
    billed["BillableStatus"] = "HasBeenBilled"
    billed["SyncToken"] = str(int(existing["SyncToken"]) + 1)
    billed["MetaData"]["LastUpdatedTime"] = realm.meta_time()
    realm.records["TimeActivity"][billed["Id"]] = billed
    realm.note_change(
        "TimeActivity", billed["Id"], "updated", billed["MetaData"]["LastUpdatedTime"]
    )
    return copy.deepcopy(billed)


def check_writable(realm, entity):
    if realm.subscription_blocks_writes():
        raise faults.invalid_company_status()
    if entity == "TimeActivity" and not realm.time_tracking_enabled():
        raise faults.permission_denied()


# --------------------------------------------------------------------------- helpers


def _check_payload(payload):
    if not isinstance(payload, dict):
        raise faults.invalid_property("The request body is not a JSON object")
    return payload


def _strip_server_fields(entity, payload, keep_seed_fields):
    removed = set(SERVER_FIELDS) | set(READ_ONLY_FIELDS[entity])
    if keep_seed_fields:
        # Seeds may fix the Id and mark projects, which the v3 API itself cannot create.
        removed -= {"Id", "IsProject"}
    # Properties without a value are simply absent in QBO (docs/ASSUMPTIONS.md#absent-properties).
    return {
        key: copy.deepcopy(value)
        for key, value in payload.items()
        if key not in removed and value is not None
    }


def _existing_for_write(realm, entity, payload):
    record_id = payload.get("Id")
    if record_id in (None, ""):
        raise faults.required_param("Id")
    existing = realm.records[entity].get(str(record_id))
    if existing is None:
        raise faults.object_not_found(f"{entity} with Id {record_id} was not found.", "Id")
    if is_deleted(existing):
        raise faults.object_not_found("Another user has deleted this transaction.", "Id")
    sync_token = payload.get("SyncToken")
    if sync_token in (None, ""):
        # Unknown: the code for a missing SyncToken; 2020 is the likely one
        # (docs/ASSUMPTIONS.md#stale-synctoken).
        raise faults.required_param("SyncToken")
    if str(sync_token) != existing["SyncToken"]:
        raise faults.stale_object(entity)
    return existing


def _check_name_characters(record, fields):
    for field in fields:
        value = record.get(field)
        if isinstance(value, str) and any(char in value for char in FORBIDDEN_NAME_CHARS):
            raise faults.invalid_characters(field)


def _name_key(name):
    # Unknown (docs/ASSUMPTIONS.md#display-name-unique): whether uniqueness ignores case.
    # QBO's name lists behave
    # case-insensitively in the UI, so "acme" and "Acme" collide here.
    return " ".join(name.split()).casefold()


def _check_unique_display_name(realm, display_name, own_id):
    # Inactive records keep their name: Intuit does not say whether inactivating frees it
    # (docs/ASSUMPTIONS.md#names-made-inactive),
    # and keeping it forces clients to look at inactive records before creating duplicates.
    key = _name_key(display_name)
    for entity in NAME_ENTITIES:
        for record in realm.records[entity].values():
            if record["Id"] != own_id and _name_key(record.get("DisplayName", "")) == key:
                raise faults.duplicate_name()


def _validate_name_list(realm, record, existing, context, entity):
    for field, maximum in NAME_LENGTHS.items():
        check_text(record, field, maximum)
    _check_name_characters(record, NO_SEPARATOR_FIELDS)
    if entity == "Employee" and realm.payroll_enabled() and not context.seeding:
        for field in PAYROLL_UNSUPPORTED_EMPLOYEE_FIELDS:
            if field in record:
                raise faults.invalid_property(f"{field} (not supported with payroll)", field)
        # With payroll the display name is read-only and built from the name parts.
        record.pop("DisplayName", None)
    if entity == "Employee" and not (record.get("GivenName") or record.get("FamilyName")):
        # The Employee reference disagrees with itself (docs/ASSUMPTIONS.md#employee-names):
        # the field table's "at least one of GivenName or FamilyName" is enforced, not the
        # stricter "both".
        raise faults.required_param("GivenName or FamilyName", "GivenName")
    display_name = (record.get("DisplayName") or "").strip()
    if not display_name:
        parts = NAME_PARTS if entity != "Employee" else ("GivenName", "MiddleName", "FamilyName")
        display_name = " ".join(record[part].strip() for part in parts if record.get(part))
    if not display_name:
        raise faults.no_name_provided()
    record["DisplayName"] = display_name
    _check_unique_display_name(realm, display_name, existing["Id"] if existing else None)
    record.setdefault("PrintOnCheckName", display_name)
    record.setdefault("Active", True)
    if not isinstance(record["Active"], bool):
        raise faults.invalid_property("Active", "Active")
    return record


def _validate_customer(realm, record, existing, context):
    record = _validate_name_list(realm, record, existing, context, "Customer")
    own_id = existing["Id"] if existing else None
    parent_ref = record.get("ParentRef")
    if record.get("Job") and not parent_ref:
        raise faults.parent_ref_required()
    if parent_ref:
        parent = resolve_ref(realm, "Customer", parent_ref, "ParentRef", context)
        if own_id and (parent["Id"] == own_id or own_id in _ancestor_ids(realm, parent)):
            raise faults.business_validation(
                "A customer cannot be its own parent or sub-customer.", "ParentRef"
            )
        level = parent["Level"] + 1
        subtree_depth = _subtree_depth(realm, own_id) if own_id else 0
        if level + subtree_depth > MAX_CUSTOMER_LEVEL:
            raise faults.sub_level_limit()
        record["ParentRef"] = reference(parent, "FullyQualifiedName")
        record["Job"] = True
        record.setdefault("BillWithParent", False)
        record["Level"] = level
        record["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{record['DisplayName']}"
    else:
        record["Job"] = False
        record["Level"] = 0
        record["FullyQualifiedName"] = record["DisplayName"]
        record.pop("BillWithParent", None)
    record.setdefault("IsProject", False)
    record.setdefault("Taxable", False)
    record.setdefault("Balance", 0)
    record.setdefault("BalanceWithJobs", record["Balance"])
    return record


def _ancestor_ids(realm, customer):
    ids = []
    while customer.get("ParentRef"):
        customer = realm.records["Customer"][customer["ParentRef"]["value"]]
        ids.append(customer["Id"])
    return ids


def _children(realm, customer_id):
    return [
        record
        for record in realm.records["Customer"].values()
        if (record.get("ParentRef") or {}).get("value") == customer_id
    ]


def _subtree_depth(realm, customer_id):
    children = _children(realm, customer_id)
    return 1 + max(_subtree_depth(realm, child["Id"]) for child in children) if children else 0


def _refresh_descendants(realm, customer_id):
    """Recompute Level, FullyQualifiedName and ParentRef names below a changed customer."""
    parent = realm.records["Customer"][customer_id]
    for child in _children(realm, customer_id):
        child["Level"] = parent["Level"] + 1
        child["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{child['DisplayName']}"
        child["ParentRef"] = reference(parent, "FullyQualifiedName")
        _refresh_descendants(realm, child["Id"])


def _validate_employee(realm, record, existing, context):
    record = _validate_name_list(realm, record, existing, context, "Employee")
    record.setdefault("BillableTime", False)
    return record


def _validate_vendor(realm, record, existing, context):
    record = _validate_name_list(realm, record, existing, context, "Vendor")
    record.setdefault("Vendor1099", False)
    record.setdefault("Balance", 0)
    return record


def _validate_item(realm, record, existing, context):
    name = record.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise faults.required_param("Name")
    name = name.strip()
    check_text(record, "Name", 100)
    check_text(record, "Description", 4000)
    _check_name_characters(record, ("Name",))
    item_type = record.get("Type")
    if not item_type:
        # Item.Type must be sent explicitly since minor version 4 (Intuit's Item reference).
        raise faults.required_param("Type")
    if item_type not in ITEM_TYPES:
        raise faults.invalid_enumeration(item_type, "Type")
    own_id = existing["Id"] if existing else None
    key = _name_key(name)
    for other in realm.records["Item"].values():
        if other["Id"] != own_id and _name_key(other["Name"]) == key:
            raise faults.duplicate_name("product or service")
    # IncomeAccountRef is required for Service items in QBO, but the sandbox has no chart
    # of accounts, so it is optional here and kept as sent.
    record["Name"] = name
    record["FullyQualifiedName"] = name
    record["Level"] = 0
    record.setdefault("Active", True)
    record.setdefault("UnitPrice", 0)
    record.setdefault("Taxable", False)
    return record


def _validate_category(realm, record, existing, context, entity):
    name = record.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise faults.required_param("Name")
    name = name.strip()
    check_text(record, "Name", 100)
    _check_name_characters(record, ("Name",))
    own_id = existing["Id"] if existing else None
    key = _name_key(name)
    for other in realm.records[entity].values():
        if other["Id"] != own_id and _name_key(other["Name"]) == key:
            raise faults.duplicate_name(entity.lower())
    # Sub-classes and sub-locations (ParentRef) are not emulated.
    record["Name"] = name
    record["FullyQualifiedName"] = name
    record.setdefault("Active", True)
    return record


VALIDATORS = {
    "Customer": _validate_customer,
    "Employee": _validate_employee,
    "Vendor": _validate_vendor,
    "Item": _validate_item,
    "Class": lambda realm, record, existing, context: _validate_category(
        realm, record, existing, context, "Class"
    ),
    "Department": lambda realm, record, existing, context: _validate_category(
        realm, record, existing, context, "Department"
    ),
    "TimeActivity": time_activity_rules.validate_time_activity,
}
