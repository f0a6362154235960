"""The Accounting API operations under ``/v3/company/{realmId}/`` (no HTTP in here).

``handle()`` turns one authenticated request into a JSON-able answer or raises a
``QboFault``. Callers hold ``state.lock``.
"""

import json

from . import cdc, entities, faults, query, query_size

MAX_BATCH_ITEMS = 30  # the API reference's 30, not the older 10 (docs/ASSUMPTIONS.md#batch-size)
BATCH_OPERATIONS = ("create", "update", "delete")


def classify(method, segments):
    """A short name for the kind of request, used by the stats."""
    head = segments[0].lower() if segments else ""
    if method not in ("GET", "POST"):
        return "unsupported"
    if head == "query":
        return "query"
    if head == "batch" and method == "POST":
        return "batch"
    if head in ("companyinfo", "preferences") and method == "GET":
        return head
    if head == "cdc" and method == "GET":
        return "cdc"
    if head in entities.ENTITY_BY_PATH:
        return "entity_read" if method == "GET" else "entity_write"
    return "unsupported"


# Intuit's App Partner Program meters "CorePlus" calls (data out of QuickBooks:
# reads, queries, CompanyInfo, Preferences, CDC, reports) and leaves "Core"
# calls (creates, updates, deletes) unmetered (docs/ASSUMPTIONS.md#metering).
CORE_PLUS_KINDS = ("query", "companyinfo", "preferences", "entity_read", "cdc")


def metered_class(kind, body):
    """``"Core"`` or ``"CorePlus"`` for one admitted API request, or None.

    A batch request is one API call. Guess (Intuit does not say how a mixed
    batch is metered, docs/ASSUMPTIONS.md#batch-metering): it counts as one
    CorePlus call when any of its items is a query (data comes out of QuickBooks),
    else as one Core call. Counting the mixed batch as CorePlus errs on the side of the quota.
    """
    if kind in CORE_PLUS_KINDS:
        return "CorePlus"
    if kind == "entity_write":
        return "Core"
    if kind == "batch":
        try:
            items = json.loads(body or b"{}").get("BatchItemRequest") or []
        except (ValueError, AttributeError):
            items = []
        reads = any(isinstance(item, dict) and "Query" in item for item in items)
        return "CorePlus" if reads else "Core"
    return None


def handle(state, realm, method, segments, params, body, full_url, config=None):
    kind = classify(method, segments)
    if kind == "companyinfo" and len(segments) == 2:
        # The documented path repeats the realm id; "1" is the record's own Id (CompanyInfo
        # reference).
        if segments[1] not in (realm.realm_id, "1"):
            raise faults.object_not_found(f"CompanyInfo with Id {segments[1]} was not found.")
        return _envelope(realm, "CompanyInfo", realm.company_info())
    if kind == "preferences" and len(segments) == 1:
        return _envelope(realm, "Preferences", realm.preferences())
    if kind == "query" and len(segments) == 1:
        text = params.get("query") if method == "GET" else body.decode("utf-8", "replace")
        query_size.check(config, text or "")
        return {"QueryResponse": query.run(realm, text or ""), "time": realm.envelope_time()}
    if kind == "cdc" and len(segments) == 1:
        return cdc.run(realm, params)
    if kind == "batch" and len(segments) == 1:
        return run_batch(state, realm, parse_json(body), params.get("requestid"), config)
    if kind == "entity_read" and len(segments) == 2:
        entity = entities.ENTITY_BY_PATH[segments[0].lower()]
        return _envelope(realm, entity, entities.read(realm, entity, segments[1]))
    if kind == "entity_write" and len(segments) == 1:
        entity = entities.ENTITY_BY_PATH[segments[0].lower()]
        context = entities.WriteContext(config=config)
        operation = params.get("operation") or "save"
        record = write(state, realm, entity, operation, parse_json(body), context)
        return _envelope(realm, entity, record)
    raise faults.unsupported_operation(
        f"Operation Could not find resource for relative : /{'/'.join(segments)} "
        f"of full path: {full_url} is not supported."
    )


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise faults.invalid_property(f"Invalid UTF-8 byte at position {error.start}") from error
    except json.JSONDecodeError as error:
        raise faults.invalid_property(
            f"Unexpected character at line {error.lineno}, column {error.colno}"
        ) from error


def write(state, realm, entity, operation, payload, context):
    """Create, update (the body carries an Id) or delete one record."""
    if operation == "delete":
        result = entities.delete(realm, entity, payload)
        counter = "deletes"
    elif operation in ("save", "create", "update"):
        is_update = isinstance(payload, dict) and payload.get("Id") not in (None, "")
        if operation == "update" or (operation == "save" and is_update):
            result = entities.update(realm, entity, payload, context)
            counter = "updates"
        else:
            result = entities.create(realm, entity, payload, context)
            counter = "creates"
    else:
        raise faults.unsupported_operation(f"Operation {operation} is not supported.")
    state.count(counter, entity)
    state.changed()
    return result


def run_batch(state, realm, payload, request_id, config=None):
    items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise faults.required_param("BatchItemRequest")
    if len(items) > MAX_BATCH_ITEMS:
        raise faults.batch_too_large(len(items), MAX_BATCH_ITEMS)
    # One context for the whole batch: items cannot see what earlier items created.
    context = entities.WriteContext(config=config)
    responses = [_batch_item(state, realm, item, context, request_id) for item in items]
    return {"BatchItemResponse": responses, "time": realm.envelope_time()}


def _batch_item(state, realm, item, context, request_id):
    bid = item.get("bId") if isinstance(item, dict) else None
    try:
        if not bid:
            raise faults.required_param("bId")
        if request_id and len(str(bid)) > 10:
            # With a requestid, each bId may have at most 10 characters
            # (docs/ASSUMPTIONS.md#requestid-idempotency).
            raise faults.invalid_string_length("bId", 10, len(str(bid)))
        if "Query" in item:
            query_size.check(context.config, str(item["Query"]))
            return {"bId": bid, "QueryResponse": query.run(realm, item["Query"])}
        operation = item.get("operation")
        if operation not in BATCH_OPERATIONS:
            raise faults.required_param("operation")
        named = [key for key in item if key in entities.ENTITIES]
        if len(named) != 1:
            raise faults.invalid_property("The batch item must carry exactly one entity")
        entity = named[0]
        payload = item[entity]
        if operation == "update" and not (isinstance(payload, dict) and payload.get("Id")):
            raise faults.required_param("Id")
        record = write(state, realm, entity, operation, payload, context)
        return {"bId": bid, entity: record}
    except faults.QboFault as fault:
        return {"bId": bid, "Fault": fault.fault()}


def _envelope(realm, entity, record):
    return {entity: record, "time": realm.envelope_time()}
