"""The contract: what the addon's QuickBooks client does with a company, one
probe at a time, through the client's public methods only.

A probe is a *check* (it asserts what the addon relies on, and fails when the
company answers otherwise) or a *question* (it records what the company
answers to something Intuit does not document: the fidelity report puts the
two answers side by side). Both note what they saw (``ctx.note``).

Everything a probe creates in the company is a time activity whose
description starts with ``ctx.marker``; each probe deletes what it created
(by id), and :func:`run_contract` deletes whatever a failed probe left.
"""

import datetime
import time
import uuid
from dataclasses import dataclass, field

from qb_timesheet_sync.qbo import BatchItem, QboError, QboNotFound, QboStaleObject
from qb_timesheet_sync.qbo.changes import CDC_ENTITIES
from qb_timesheet_sync.qbo.hour_details import CATEGORY_QUERIES, CLASS, DEPARTMENT, tracking_facts
from qb_timesheet_sync.qbo.lists import CUSTOMER, EMPLOYEE, ITEM, RESYNC_QUERIES, VENDOR
from qb_timesheet_sync.qbo.time_activity import build_time_activity
from qb_timesheet_sync.qbo.updates import time_activities_by_id_queries, update_payload

TIME_ACTIVITY = "TimeActivity"
LIST_QUERIES = {
    **RESYNC_QUERIES,
    "Class": CATEGORY_QUERIES[CLASS],
    "Department": CATEGORY_QUERIES[DEPARTMENT],
}
# Ids no company has (QuickBooks ids are numbers), for the faults and the Id IN probe.
UNKNOWN_ID = "987654321"
ID_IN_COUNT = 1000
MINUTES = 75  # 1 h 15 min
COST_RATE = 42.5


class Skip(Exception):
    """The company lacks what the probe needs; the message says what."""


@dataclass
class Probe:
    name: str
    title: str
    run: object
    question: str = ""  # for a question: the unknown it answers


@dataclass
class ProbeResult:
    name: str
    title: str
    outcome: str  # "passed", "failed", "skipped"
    reason: str = ""
    question: str = ""
    notes: dict = field(default_factory=dict)


@dataclass
class ContractRun:
    label: str
    results: list
    deleted: list
    leftovers: list
    metered_calls: dict
    rotations: int
    exchanges: list

    def result(self, name):
        return next(result for result in self.results if result.name == name)


class Context:
    def __init__(self, connection, recorder, run_id, today):
        self.connection = connection
        self.recorder = recorder
        self.run_id = run_id
        self.marker = f"qb_timesheet_sync contract test {run_id}"
        self.today = today
        self.client = None
        self.tracking = None
        self.lists = {}
        self.created = {}  # id -> last known SyncToken
        self.deleted = []
        self.notes = {}

    # -- notes ---------------------------------------------------------------
    def note(self, key, value):
        self.notes[key] = value

    def note_error(self, prefix, error):
        self.note(prefix, describe_error(error))

    # -- what the company has ------------------------------------------------
    def rows(self, entity):
        if entity not in self.lists:
            raise Skip(f"the {entity} list could not be read (see query.{entity})")
        return [row for row in self.lists[entity] if row.get("Active", True)]

    def first(self, entity, accept=lambda row: True, what=None):
        for row in sorted(self.rows(entity), key=_id_order):
            if accept(row):
                return row
        raise Skip(f"the company has no {what or 'active ' + entity}")

    def customer(self):
        return self.first(
            CUSTOMER,
            lambda row: not row.get("IsProject") and not row.get("Job"),
            "active top-level customer",
        )

    def person(self, name_of):
        """The first active employee; for a vendor, the first active 1099
        contractor (the vendors QuickBooks offers for time), else any."""
        if name_of == VENDOR:
            contractors = [row for row in self.rows(VENDOR) if row.get("Vendor1099")]
            if contractors:
                return min(contractors, key=_id_order)
        return self.first(name_of)

    def item_id(self):
        items = self.rows(ITEM)
        return min(items, key=_id_order)["Id"] if items else None

    # -- time activities -----------------------------------------------------
    def payload(self, name_of=EMPLOYEE, what="", **details):
        person = self.person(name_of)
        customer_id = details.pop("customer_id", None) or self.customer()["Id"]
        payload, _truncated = build_time_activity(
            name_of=name_of,
            person_qbo_id=person["Id"],
            customer_qbo_id=customer_id,
            txn_date=self.today,
            minutes=MINUTES,
            billable=False,
            item_qbo_id=self.item_id(),
            description=f"{self.marker}: {what}",
            **details,
        )
        return payload

    def create(self, payload):
        record = self.client.create(TIME_ACTIVITY, payload, request_id=_request_id())
        self.created[str(record["Id"])] = str(record.get("SyncToken", "0"))
        return record

    def update(self, record, payload, sparse=False):
        body = update_payload(payload, record["Id"], record["SyncToken"])
        updated = self.client.update(TIME_ACTIVITY, body, request_id=_request_id(), sparse=sparse)
        self.created[str(updated["Id"])] = str(updated["SyncToken"])
        return updated

    def delete(self, record):
        answer = self.client.delete(
            TIME_ACTIVITY, record["Id"], record["SyncToken"], request_id=_request_id()
        )
        self._forget(record["Id"])
        return answer

    def attempt(self, payload, prefix):
        """Send ``payload`` and note what QuickBooks did with it; a time
        activity it accepted is deleted at once. Returns the record or None."""
        try:
            record = self.create(payload)
        except QboError as error:
            self.note_error(prefix, error)
            return None
        try:
            self.note(prefix, "accepted")
            return record
        finally:
            self.delete(record)

    def clean_up(self):
        """Delete what the probes left; returns the ids that could not be."""
        leftovers = []
        for activity_id in list(self.created):
            try:
                record = self.client.read(TIME_ACTIVITY, activity_id)
                if record and record.get("status") != "Deleted":
                    self.delete(record)
                else:
                    self._forget(activity_id)
            except QboNotFound:
                self._forget(activity_id)
            except QboError:
                leftovers.append(activity_id)
        return leftovers

    def _forget(self, activity_id):
        if self.created.pop(str(activity_id), None) is not None:
            self.deleted.append(str(activity_id))


def eventually(ctx, what, read, done, tries=6, pause=2.0):
    """``read()`` until ``done(answer)`` (at most ``tries`` times, ``pause``
    seconds apart: a query may see a write a moment late); the tries are noted
    when more than one was needed. Returns the last answer."""
    for attempt in range(1, tries + 1):
        answer = read()
        if done(answer):
            break
        if attempt < tries:
            time.sleep(pause)
    if attempt > 1:
        ctx.note(f"{what} after", f"{attempt} tries")
    return answer


def _request_id():
    return uuid.uuid4().hex


def _id_order(row):
    row_id = str(row.get("Id", ""))
    return (len(row_id), row_id)


def describe_error(error):
    """``refused: 400 code 2500 element ClassRef QboNotFound``: the HTTP
    status, QuickBooks' code and element, and the client's error class."""
    if not isinstance(error, QboError):
        return f"error: {type(error).__name__}"
    parts = ["refused:", str(error.http_status or "-"), f"code {error.code or '-'}"]
    if error.element:
        parts.append(f"element {error.element}")
    parts.append(type(error).__name__)
    return " ".join(parts)


def ref_value(record, key):
    return str((record.get(key) or {}).get("value") or "")


def _check_echo(record, payload):
    for key in ("NameOf", "TxnDate", "Description", "BillableStatus"):
        assert record.get(key) == payload[key], (
            f"{key}: sent {payload[key]!r}, got {record.get(key)!r}"
        )
    for key in (f"{payload['NameOf']}Ref", "CustomerRef", "ItemRef", "ClassRef"):
        if key in payload:
            assert ref_value(record, key) == payload[key]["value"], (
                f"{key}: sent {payload[key]['value']!r}, got {ref_value(record, key)!r}"
            )
    assert (int(record.get("Hours", 0)), int(record.get("Minutes", 0))) == (1, 15), (
        f"duration: sent 1 h 15 min, got {record.get('Hours')} h {record.get('Minutes')} min"
    )
    assert isinstance(record.get("Id"), str) and isinstance(record.get("SyncToken"), str), (
        "Id and SyncToken are strings"
    )


# ---------------------------------------------------------------------------
# The probes, in the order they run
# ---------------------------------------------------------------------------


def probe_refresh(ctx):
    before = ctx.connection.refresh_token
    access_token = ctx.connection.refresh()
    tokens = ctx.connection.refreshes[-1]
    assert access_token, "the token endpoint gave no access token"
    ctx.client = ctx.connection.client(access_token, session=ctx.recorder.session())
    ctx.note("refresh token rotated", "yes" if tokens.refresh_token != before else "no")
    ctx.note("refresh token expiry given", "yes" if tokens.refresh_expires_at else "no")
    ctx.note("intuit_tid on the token answer", "yes" if tokens.intuit_tid else "no")


def probe_company_info(ctx):
    info = ctx.client.company_info()
    assert isinstance(info.get("CompanyName"), str), "CompanyInfo has a CompanyName"
    pairs = {pair.get("Name"): pair.get("Value") for pair in info.get("NameValue") or []}
    ctx.note("OfferingSku", pairs.get("OfferingSku", "(none)"))
    ctx.note("Country", info.get("Country", "(none)"))


def probe_preferences(ctx):
    preferences = ctx.client.preferences()
    ctx.tracking = tracking_facts(preferences)
    other = {
        pair.get("Name"): pair.get("Value")
        for pair in (preferences.get("OtherPrefs") or {}).get("NameValue", [])
    }
    ctx.note("TimeTrackingFeatureEnabled", other.get("TimeTrackingFeatureEnabled", "(absent)"))
    ctx.note("ProjectsEnabled", other.get("ProjectsEnabled", "(absent)"))
    ctx.note("classes tracked", str(ctx.tracking.classes))
    ctx.note("locations tracked", str(ctx.tracking.departments))


def list_probe(entity):
    def probe(ctx):
        rows = ctx.client.query(LIST_QUERIES[entity])
        for row in rows:
            assert isinstance(row.get("Id"), str), f"every {entity} row has a string Id"
        ctx.lists[entity] = rows
        ctx.note("rows", str(len(rows)))
        ctx.note("active rows", str(sum(1 for row in rows if row.get("Active", True))))

    return probe


def probe_count(ctx):
    rows = ctx.lists.get(CUSTOMER)
    if rows is None:
        raise Skip("the Customer list could not be read (see query.Customer)")
    counted = ctx.client.count(CUSTOMER, "Active IN (true, false)")
    assert counted == len(rows), f"COUNT(*) says {counted}, the query returned {len(rows)}"


def person_crud(name_of):
    def probe(ctx):
        payload = ctx.payload(name_of, f"{name_of} create/read/update/delete", cost_rate=COST_RATE)
        record = ctx.create(payload)
        try:
            _check_echo(record, payload)
            assert record["SyncToken"] == "0", (
                f"a new record has SyncToken 0, not {record['SyncToken']}"
            )
            ctx.note("CostRate echoed", repr(record.get("CostRate")))
            read = ctx.client.read(TIME_ACTIVITY, record["Id"])
            _check_echo(read, payload)
            changed = dict(payload, Description=payload["Description"] + " (updated)")
            updated = ctx.update(read, changed)
            assert updated["Description"] == changed["Description"], (
                "the update changed Description"
            )
            assert int(updated["SyncToken"]) == int(read["SyncToken"]) + 1, (
                "SyncToken went up by one"
            )
            record = updated
        finally:
            deleted = ctx.delete(record)
        assert deleted.get("status") == "Deleted", f"delete answered {deleted!r}"
        assert str(deleted.get("Id")) == str(record["Id"]), "delete answered the same Id"
        try:
            again = ctx.client.read(TIME_ACTIVITY, record["Id"])
            ctx.note("read after delete", f"answered, status {again.get('status', '(none)')}")
        except QboError as error:
            ctx.note_error("read after delete", error)
        left = eventually(
            ctx,
            "deleted record gone from queries",
            lambda: ctx.client.time_activities_by_ids([record["Id"]]),
            lambda found: str(record["Id"]) not in found,
        )
        assert str(record["Id"]) not in left, "a query by Id still returns the deleted record"

    return probe


def probe_sparse_update(ctx):
    payload = ctx.payload(EMPLOYEE, "sparse update")
    record = ctx.create(payload)
    try:
        body = {"Description": payload["Description"] + " (sparse)"}
        try:
            updated = ctx.update(record, body, sparse=True)
        except QboError as error:
            ctx.note_error("sparse update", error)
            return
        record = updated
        kept = ref_value(updated, "EmployeeRef") == payload["EmployeeRef"]["value"]
        ctx.note("sparse update", "accepted" + ("" if kept else ", but EmployeeRef was cleared"))
    finally:
        ctx.delete(record)


def probe_stale_sync_token(ctx):
    payload = ctx.payload(EMPLOYEE, "stale SyncToken")
    record = ctx.create(payload)
    try:
        first = record
        record = ctx.update(first, dict(payload, Description=payload["Description"] + " 1"))
        try:
            record = ctx.update(first, dict(payload, Description=payload["Description"] + " 2"))
        except QboStaleObject as error:
            ctx.note_error("update with an old SyncToken", error)
        else:
            raise AssertionError("an update with an old SyncToken was accepted")
    finally:
        ctx.delete(record)


def probe_unknown_employee(ctx):
    payload = ctx.payload(EMPLOYEE, "unknown employee")
    payload["EmployeeRef"] = {"value": UNKNOWN_ID}
    record = ctx.attempt(payload, "unknown EmployeeRef")
    assert record is None, "a time activity for an employee that does not exist was accepted"


def probe_last_updated(ctx):
    payload = ctx.payload(EMPLOYEE, "MetaData.LastUpdatedTime query")
    record = ctx.create(payload)
    try:
        stamp = (record.get("MetaData") or {}).get("LastUpdatedTime")
        assert stamp, "a created time activity has MetaData.LastUpdatedTime"
        ctx.note("LastUpdatedTime form", _time_form(stamp))
        since = datetime.datetime.fromisoformat(stamp) - datetime.timedelta(minutes=1)
        changed = eventually(
            ctx,
            "found by the query",
            lambda: ctx.client.time_activities_changed_since(since),
            lambda rows: str(record["Id"]) in [str(row["Id"]) for row in rows],
        )
        ids = [str(row["Id"]) for row in changed]
        assert str(record["Id"]) in ids, "the query on MetaData.LastUpdatedTime missed it"
    finally:
        ctx.delete(record)


def probe_id_in(ctx):
    payload = ctx.payload(EMPLOYEE, "Id IN query")
    record = ctx.create(payload)
    try:
        fake = [str(int(UNKNOWN_ID) - number) for number in range(1, ID_IN_COUNT)]
        statements = list(time_activities_by_id_queries([record["Id"], *fake], ID_IN_COUNT))
        ctx.note("one statement of 1,000 ids", f"{len(statements[0])} characters")
        try:
            rows = ctx.client.query(statements[0])
            ctx.note("1,000 ids in one query", f"accepted, {len(rows)} row(s)")
        except QboError as error:
            ctx.note_error("1,000 ids in one query", error)
        found = eventually(
            ctx,
            "found by Id",
            lambda: ctx.client.time_activities_by_ids([record["Id"], *fake]),
            lambda rows: str(record["Id"]) in rows,
        )
        assert list(found) == [str(record["Id"])], f"time_activities_by_ids found {list(found)}"
    finally:
        ctx.delete(record)


def probe_batch(ctx):
    first = ctx.payload(EMPLOYEE, "batch 1")
    second = ctx.payload(EMPLOYEE, "batch 2")
    bad = ctx.payload(EMPLOYEE, "batch with an unknown employee")
    bad["EmployeeRef"] = {"value": UNKNOWN_ID}
    items = [
        BatchItem("create", TIME_ACTIVITY, first, _request_id(), key="first"),
        BatchItem("create", TIME_ACTIVITY, second, _request_id(), key="second"),
        BatchItem("create", TIME_ACTIVITY, bad, _request_id(), key="bad"),
        BatchItem("query", EMPLOYEE, "SELECT COUNT(*) FROM Employee", None, key="count"),
    ]
    results = ctx.client.batch(items)
    created = [result.data for result in results if result.ok and result.item.key != "count"]
    for record in created:
        ctx.created[str(record["Id"])] = str(record.get("SyncToken", "0"))
    assert [result.item.key for result in results] == ["first", "second", "bad", "count"]
    for result in results[:2]:
        assert result.ok, f"a batch create failed: {describe_error(result.error)}: {result.error}"
    _check_echo(results[0].data, first)
    _check_echo(results[1].data, second)
    bad_result = results[2]
    ctx.note(
        "item with an unknown employee",
        "accepted" if bad_result.ok else describe_error(bad_result.error),
    )
    assert not bad_result.ok, "a batch item for an unknown employee was accepted"
    assert results[3].ok and "totalCount" in results[3].data, f"batch query answered {results[3]!r}"
    deletes = [
        BatchItem(
            "delete",
            TIME_ACTIVITY,
            {"Id": record["Id"], "SyncToken": record["SyncToken"]},
            _request_id(),
        )
        for record in created
    ]
    for result in ctx.client.batch(deletes):
        assert result.ok, f"a batch delete failed: {describe_error(result.error)}: {result.error}"
        assert result.data.get("status") == "Deleted", f"batch delete answered {result.data!r}"
        ctx._forget(result.data["Id"])


def probe_cdc(ctx):
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    changes = ctx.client.cdc(CDC_ENTITIES, since)
    assert changes.time, "a CDC answer carries its time"
    ctx.note("changed objects (last day)", str(changes.count))


def probe_cdc_time_activity(ctx):
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    try:
        changes = ctx.client.cdc([TIME_ACTIVITY], since)
        ctx.note("CDC of TimeActivity", f"answered, {changes.count} object(s)")
    except QboError as error:
        ctx.note_error("CDC of TimeActivity", error)


def _project(ctx):
    if ctx.tracking is None:
        raise Skip("Preferences could not be read (see read.preferences)")
    if not ctx.tracking.projects:
        raise Skip("the company does not use Projects (Preferences ProjectsEnabled is not true)")
    return ctx.first(
        CUSTOMER,
        lambda row: row.get("IsProject") and ref_value(row, "ParentRef"),
        "active project (a customer with IsProject and a ParentRef)",
    )


def probe_project_ref(ctx):
    project = _project(ctx)
    parent = ref_value(project, "ParentRef")
    payload = ctx.payload(EMPLOYEE, "ProjectRef", customer_id=parent, project_qbo_id=project["Id"])
    try:
        record = ctx.create(payload)
    except QboError as error:
        ctx.note_error("CustomerRef = project's customer, ProjectRef = project's Id", error)
        raise
    try:
        ctx.note(
            "echoed CustomerRef", _which(ref_value(record, "CustomerRef"), parent, project["Id"])
        )
        ctx.note(
            "echoed ProjectRef", _which(ref_value(record, "ProjectRef"), parent, project["Id"])
        )
        assert ref_value(record, "ProjectRef") == project["Id"], "ProjectRef echoed as sent"
    finally:
        ctx.delete(record)


def probe_project_as_customer(ctx):
    project = _project(ctx)
    parent = ref_value(project, "ParentRef")
    payload = ctx.payload(EMPLOYEE, "project as CustomerRef", customer_id=project["Id"])
    try:
        record = ctx.create(payload)
    except QboError as error:
        ctx.note_error("CustomerRef = project's Id", error)
        return
    try:
        ctx.note(
            "echoed CustomerRef", _which(ref_value(record, "CustomerRef"), parent, project["Id"])
        )
        ctx.note(
            "echoed ProjectRef", _which(ref_value(record, "ProjectRef"), parent, project["Id"])
        )
    finally:
        ctx.delete(record)


def _which(value, parent_id, project_id):
    if not value:
        return "(absent)"
    if value == project_id:
        return "the project's Id"
    if value == parent_id:
        return "the project's customer (parent) Id"
    return f"another Id ({value})"


def probe_class_ref(ctx):
    if ctx.tracking is None:
        raise Skip("Preferences could not be read (see read.preferences)")
    if not ctx.tracking.classes:
        raise Skip("the company does not track classes (Preferences AccountingInfoPrefs)")
    category = ctx.first("Class")
    payload = ctx.payload(EMPLOYEE, "ClassRef", class_qbo_id=category["Id"])
    record = ctx.create(payload)
    try:
        _check_echo(record, payload)
    finally:
        ctx.delete(record)


def probe_bad_class_ref(ctx):
    payload = ctx.payload(EMPLOYEE, "unknown ClassRef", class_qbo_id=UNKNOWN_ID)
    ctx.note("classes tracked", str(ctx.tracking.classes if ctx.tracking else None))
    ctx.attempt(payload, "unknown ClassRef")


def probe_bad_cost_rate(ctx):
    payload = ctx.payload(EMPLOYEE, "negative CostRate")
    payload["CostRate"] = -5
    ctx.attempt(payload, "CostRate -5")


def probe_bad_payroll_item(ctx):
    payload = ctx.payload(EMPLOYEE, "unknown PayrollItemRef", payroll_item_qbo_id=UNKNOWN_ID)
    ctx.attempt(payload, "unknown PayrollItemRef")


def probe_expired_access_token(ctx):
    refreshes = len(ctx.connection.refreshes)
    client = ctx.connection.client("not-a-valid-access-token", session=ctx.recorder.session())
    info = client.company_info()
    assert isinstance(info.get("CompanyName"), str), "CompanyInfo after the refresh"
    assert len(ctx.connection.refreshes) == refreshes + 1, "one refresh after the 401"
    ctx.client = client  # carries the newest access token


def probe_other_realm(ctx):
    access_token = ctx.connection.refreshes[-1].access_token
    client = ctx.connection.client(access_token, session=ctx.recorder.session(), realm_id="1")
    try:
        client.company_info()
        ctx.note("another company's CompanyInfo", "answered")
    except QboError as error:
        ctx.note_error("another company's CompanyInfo", error)


def _time_form(stamp):
    """``2026-07-01T10:00:00-07:00`` -> ``YYYY-MM-DDThh:mm:ss±hh:mm``."""
    return "".join("d" if char.isdigit() else char for char in stamp)


PROBES = [
    Probe(
        "connect.refresh",
        "refresh token exchanged for an access token; the rotated one stored",
        probe_refresh,
    ),
    Probe("read.company_info", "CompanyInfo read", probe_company_info),
    Probe(
        "read.preferences",
        "Preferences read (time tracking, classes, locations, projects)",
        probe_preferences,
    ),
    *(
        Probe(f"query.{entity}", f"{entity} list read (the addon's query)", list_probe(entity))
        for entity in (EMPLOYEE, VENDOR, CUSTOMER, ITEM, "Class", "Department")
    ),
    Probe("query.count", "COUNT(*) agrees with the rows of the Customer query", probe_count),
    Probe(
        "time_activity.employee",
        "an employee's time activity created (with a cost rate), read, updated, deleted",
        person_crud(EMPLOYEE),
    ),
    Probe(
        "time_activity.vendor",
        "a vendor's time activity created, read, updated, deleted",
        person_crud(VENDOR),
    ),
    Probe(
        "time_activity.sparse_update",
        "sparse update of a time activity",
        probe_sparse_update,
        question="Does QuickBooks take a sparse update of a TimeActivity (documented: full only)?",
    ),
    Probe(
        "fault.stale_sync_token",
        "an update with an old SyncToken is refused as stale",
        probe_stale_sync_token,
    ),
    Probe(
        "fault.unknown_employee",
        "a time activity for an employee that does not exist is refused",
        probe_unknown_employee,
    ),
    Probe(
        "query.last_updated",
        "a new time activity is found by the MetaData.LastUpdatedTime query",
        probe_last_updated,
    ),
    Probe(
        "query.id_in",
        "time activities read back by Id (Id IN, 1,000 ids)",
        probe_id_in,
        question="How many ids may one 'Id IN (...)' query hold?",
    ),
    Probe(
        "batch.time_activities",
        "a batch: two creates, a refused item, a query; then a batch of deletes",
        probe_batch,
    ),
    Probe("cdc.lists", "CDC of the lists the resync keeps", probe_cdc),
    Probe(
        "cdc.time_activity",
        "CDC asked for TimeActivity",
        probe_cdc_time_activity,
        question="What does CDC answer for TimeActivity, which Intuit says it does not cover?",
    ),
    Probe(
        "project.project_ref",
        "time for a project: CustomerRef = its customer, ProjectRef = the project",
        probe_project_ref,
        question="Is a project's customer Id taken as ProjectRef (accounting scope only)?",
    ),
    Probe(
        "project.as_customer",
        "time sent with the project as CustomerRef",
        probe_project_as_customer,
        question="Does QuickBooks rewrite CustomerRef to the parent and add ProjectRef?",
    ),
    Probe("class.class_ref", "a time activity with a class", probe_class_ref),
    Probe(
        "fault.bad_class_ref",
        "a ClassRef that does not exist",
        probe_bad_class_ref,
        question="Which fault answers an unknown ClassRef?",
    ),
    Probe(
        "fault.bad_cost_rate",
        "a negative CostRate",
        probe_bad_cost_rate,
        question="Which fault answers a bad CostRate?",
    ),
    Probe(
        "fault.bad_payroll_item",
        "a PayrollItemRef that does not exist",
        probe_bad_payroll_item,
        question="Which fault answers an unknown PayrollItemRef?",
    ),
    Probe(
        "auth.expired_access_token",
        "a 401 makes the client refresh once and retry",
        probe_expired_access_token,
    ),
    Probe(
        "auth.other_realm",
        "CompanyInfo of a company the token was not given for",
        probe_other_realm,
        question="What answers a request for another company (realm)?",
    ),
]
PROBE_NAMES = [probe.name for probe in PROBES]


def run_contract(connection, recorder, label, today=None, run_id=None):
    """Run every probe against the company of ``connection``; returns a
    :class:`ContractRun`. Whatever happens, the time activities created are
    deleted before it returns (those that could not be are its ``leftovers``)."""
    ctx = Context(
        connection,
        recorder,
        run_id or uuid.uuid4().hex[:12],
        today or datetime.datetime.now(datetime.UTC).date(),
    )
    results = []
    leftovers = []
    try:
        for probe in PROBES:
            ctx.notes = {}
            with recorder.probe(probe.name):
                results.append(_run_probe(ctx, probe))
    finally:
        if ctx.client is not None:
            with recorder.probe("cleanup"):
                leftovers = ctx.clean_up()
    return ContractRun(
        label=label,
        results=results,
        deleted=list(ctx.deleted),
        leftovers=leftovers,
        metered_calls=connection.metered_calls,
        rotations=connection.rotations,
        exchanges=list(recorder.exchanges),
    )


def _run_probe(ctx, probe):
    result = ProbeResult(probe.name, probe.title, "passed", question=probe.question)
    if ctx.client is None and probe.run is not probe_refresh:
        result.outcome, result.reason = "skipped", "not connected (see connect.refresh)"
        return result
    try:
        probe.run(ctx)
    except Skip as skip:
        result.outcome, result.reason = "skipped", str(skip)
    except AssertionError as failure:
        result.outcome, result.reason = "failed", str(failure) or "assertion failed"
    except QboError as error:
        detail = f" ({error.detail})" if error.detail else ""
        result.outcome, result.reason = "failed", f"{describe_error(error)}: {error}{detail}"
    except Exception as error:  # a probe's crash is its result: the run goes on
        result.outcome, result.reason = "failed", f"{type(error).__name__}: {error}"
    result.notes = dict(ctx.notes)
    return result
