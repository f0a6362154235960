"""The rules of a TimeActivity: who, which customer, project, item, class,
location and pay type, how long and when, and the books' closing date (Intuit's
TimeActivity reference and its error codes)."""

import datetime

from . import faults, payroll
from .records import check_text, reference, resolve_ref

TIME_ACTIVITY_NAME_OF = {"Employee": "EmployeeRef", "Vendor": "VendorRef"}
BILLABLE_STATUSES = ("Billable", "NotBillable")
MAX_HOURS = 8760
MAX_DESCRIPTION = 4000


def validate_time_activity(realm, record, existing, context):
    _injected_refusal(record, context)
    if existing is not None:
        check_books_open(realm, existing.get("TxnDate"))
    billable_status = record.get("BillableStatus", "NotBillable")
    if billable_status == "HasBeenBilled":
        raise faults.invalid_enumeration("HAS_BEEN_BILLED", "BillableStatus")
    if billable_status not in BILLABLE_STATUSES:
        raise faults.QboFault(6320, "InvalidBillable", "Invalid billable status.", "BillableStatus")
    record["BillableStatus"] = billable_status
    _check_time_activity_name(realm, record, context)
    if record.get("ProjectRef") and not _ref_value(record, "CustomerRef"):
        # Real clients send a blank CustomerRef beside a ProjectRef: QuickBooks
        # fills in the project's customer.
        record["CustomerRef"] = {"value": _project(realm, record, context).get("parent_id")}
    if record.get("CustomerRef"):
        customer = resolve_ref(realm, "Customer", record["CustomerRef"], "CustomerRef", context)
        record["CustomerRef"] = reference(customer, "FullyQualifiedName")
        _rewrite_project_customer(realm, record, customer, context)
    elif billable_status == "Billable":
        raise faults.QboFault(
            6310,
            "MissingCustomer",
            "A customer is needed when the time activity is billable.",
            "CustomerRef",
        )
    if record.get("ProjectRef"):
        _check_project_ref(realm, record, context)
    if record.get("ItemRef"):
        item = resolve_ref(realm, "Item", record["ItemRef"], "ItemRef", context)
        record["ItemRef"] = reference(item, "Name")
    _check_categories(realm, record, context)
    payroll.check_payroll_item_ref(realm, record)
    cost_rate = record.get("CostRate")
    if cost_rate is not None and (
        isinstance(cost_rate, bool) or not isinstance(cost_rate, (int, float)) or cost_rate < 0
    ):
        # GUESS: the reference documents CostRate as a decimal without its faults; a
        # negative or non-numeric one is refused like a bad property.
        raise faults.invalid_property("CostRate", "CostRate")
    if billable_status == "Billable":
        rate = record.get("HourlyRate")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
            raise faults.QboFault(6330, "MissingBillingRate", "Invalid hourly rate.", "HourlyRate")
    else:
        # Time that is not billable is answered with "HourlyRate": 0 (Intuit's
        # TimeActivity reference samples; quickbooks-ruby
        # spec/fixtures/fetch_time_activity_by_id.xml).
        record.setdefault("HourlyRate", 0)
    _check_duration(realm, record)
    description = record.get("Description")
    if description is not None:
        check_text(record, "Description", MAX_DESCRIPTION)
    record["TxnDate"] = _txn_date(realm, record.get("TxnDate"))
    check_books_open(realm, record["TxnDate"])
    record.setdefault("Taxable", False)
    return record


def _injected_refusal(record, context):
    """The refusal ``refuse_time_activity_fields`` asks for, if the body carries
    one of its fields: the faults a field could plausibly meet (2010 names it in
    the element, 2500 in the detail, 6000 not at all), since Intuit documents none
    for CostRate, ClassRef or PayrollItemRef."""
    for field, code in (_config(context, "refuse_time_activity_fields", None) or {}).items():
        if field not in record:
            continue
        code = str(code)
        if code == "2010":
            raise faults.invalid_property(field, field)
        if code == "2500":
            value = (record[field] or {}).get("value") if isinstance(record[field], dict) else ""
            raise faults.invalid_reference(field.removesuffix("Ref"), value, "")
        raise faults.business_validation(
            "A business validation error has occurred while processing your request."
        )


def _ref_value(record, key):
    return str((record.get(key) or {}).get("value") or "").strip()


def _config(context, name, default):
    return getattr(getattr(context, "config", None), name, default)


def _project(realm, record, context):
    """The IsProject sub-customer ``ProjectRef`` names, with its parent's id."""
    if not realm.settings["ProjectsEnabled"]:
        raise faults.invalid_property("ProjectRef (Projects are off)", "ProjectRef")
    project = resolve_ref(realm, "Customer", record["ProjectRef"], "ProjectRef", context)
    if not project.get("IsProject"):
        raise faults.invalid_reference("Project", project["Id"], "ProjectRef")
    return {**project, "parent_id": str((project.get("ParentRef") or {}).get("value") or "")}


def _rewrite_project_customer(realm, record, customer, context):
    """Time sent for a project sub-customer without ProjectRef, in
    ``project_customer_ref = "rewrite_to_parent"`` mode: stored for the project's
    customer and linked to the project, as QuickBooks shows time of a project.

    UNSURE: Intuit does not say whether QuickBooks does this; "as_sent" (the
    default) keeps the refs as sent (docs/ASSUMPTIONS.md#project-customer-ref).
    """
    if record.get("ProjectRef") or not customer.get("IsProject"):
        return
    if _config(context, "project_customer_ref", "as_sent") != "rewrite_to_parent":
        return
    if not realm.settings["ProjectsEnabled"]:
        return
    parent_id = str((customer.get("ParentRef") or {}).get("value") or "")
    parent = realm.records["Customer"].get(parent_id)
    if parent is None:
        return
    record["ProjectRef"] = {"value": customer["Id"]}
    record["CustomerRef"] = reference(parent, "FullyQualifiedName")


def _check_project_ref(realm, record, context):
    """``ProjectRef`` (minor version 69, TimeActivity reference) links the time to a
    QuickBooks project.

    GUESS: Intuit's reference does not say how a project's id relates to its customer
    record (a project is a sub-customer with IsProject); the sandbox takes the id of that
    sub-customer, only when the company uses Projects (Preferences ProjectsEnabled), and
    wants the CustomerRef to be the project's customer (its ParentRef).
    """
    project = _project(realm, record, context)
    if _ref_value(record, "CustomerRef") != project["parent_id"]:
        raise faults.business_validation(
            "The customer of a time activity linked to a project must be the project's customer.",
            "CustomerRef",
        )
    record["ProjectRef"] = {"value": project["Id"]}


def _check_categories(realm, record, context):
    """ClassRef and DepartmentRef (a location) must point to an active class or
    location, and only when the company tracks them (Preferences, TimeActivity reference).

    GUESS: Intuit documents ClassRef as "available if ClassTrackingPerTxn is true" without
    the fault; a reference the company does not track is refused as an unsupported
    property. A company that assigns classes per line only (ClassTrackingPerTxnLine) is
    refused a ClassRef unless ``class_ref_per_line_only = "accept"``
    (docs/ASSUMPTIONS.md#classref-per-line).
    """
    per_txn = bool(realm.settings["ClassTrackingPerTxn"])
    per_line_only = realm.class_tracking() and not per_txn
    if per_line_only and record.get("ClassRef"):
        if _config(context, "class_ref_per_line_only", "refuse") != "accept":
            raise faults.invalid_property(
                "ClassRef (classes are assigned per line, not per transaction)", "ClassRef"
            )
    tracked = {
        "ClassRef": ("Class", realm.class_tracking()),
        "DepartmentRef": ("Department", realm.settings["TrackDepartments"]),
    }
    for element, (entity, is_tracked) in tracked.items():
        if not record.get(element):
            continue
        if not is_tracked:
            raise faults.invalid_property(f"{element} ({entity} tracking is off)", element)
        category = resolve_ref(realm, entity, record[element], element, context)
        record[element] = reference(category, "FullyQualifiedName")


def _check_time_activity_name(realm, record, context):
    name_of = record.get("NameOf")
    present = [ref for ref in ("EmployeeRef", "VendorRef") if record.get(ref)]
    if len(present) > 1:
        raise faults.QboFault(
            6290,
            "InvalidEmployeeOrVendor",
            "Give an employee or a vendor, not both.",
            "NameOf",
        )
    ref_field = TIME_ACTIVITY_NAME_OF.get(name_of)
    if ref_field is None or present != [ref_field]:
        raise faults.QboFault(
            6300,
            "InvalidEmployeeOrVendorName",
            "The employee or vendor name is missing or invalid; NameOf should be Employee "
            "or Vendor, with the matching EmployeeRef or VendorRef.",
            "NameOf",
        )
    person = resolve_ref(realm, name_of, record[ref_field], ref_field, context)
    record[ref_field] = reference(person, "DisplayName")


def _check_duration(realm, record):
    has_duration = "Hours" in record or "Minutes" in record
    has_times = "StartTime" in record or "EndTime" in record
    if has_duration and has_times:
        raise faults.QboFault(
            6390,
            "InvalidMultipleDurations",
            "Give a total elapsed time (Hours and Minutes) or a StartTime and EndTime, not both.",
            "Hours",
        )
    if has_times:
        _check_start_end(record, _txn_date(realm, record.get("TxnDate")))
        return
    if not has_duration:
        raise faults.QboFault(
            6350, "MissingTime", "Hours and Minutes, or StartTime and EndTime, are required."
        )
    hours = record.setdefault("Hours", 0)
    minutes = record.setdefault("Minutes", 0)
    for field, value, maximum in (("Hours", hours, MAX_HOURS), ("Minutes", minutes, 59)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise _invalid_duration(field)
    if hours == MAX_HOURS and minutes:
        raise _invalid_duration("Minutes")


def _invalid_duration(field):
    return faults.QboFault(
        6380,
        "InvalidDuration",
        f"{field} is out of range: Hours must be 0 to {MAX_HOURS} and Minutes 0 to 59.",
        field,
    )


def _parse_moment(value, txn_date):
    """A StartTime/EndTime: a full date-time, or a time of day taken on the TxnDate.

    The documented create example sends "08:00:00-08:00" along with a TxnDate
    (docs/ASSUMPTIONS.md#duration-form).
    """
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        moment = datetime.time.fromisoformat(value)
        return datetime.datetime.combine(datetime.date.fromisoformat(txn_date), moment)


def _check_start_end(record, txn_date):
    try:
        start = _parse_moment(record["StartTime"], txn_date)
        end = _parse_moment(record["EndTime"], txn_date)
        break_minutes = int(record.get("BreakHours", 0)) * 60 + int(record.get("BreakMinutes", 0))
    except (KeyError, TypeError, ValueError) as error:
        raise faults.QboFault(
            6340, "InvalidTime", "StartTime and EndTime must both be valid date-times."
        ) from error
    if (start.tzinfo is None) != (end.tzinfo is None):
        raise faults.QboFault(
            6340, "InvalidTime", "StartTime and EndTime must use the same time-zone form."
        )
    if end <= start:
        raise faults.QboFault(
            6370, "StartTimeAfterEndTime", "StartTime must be before EndTime.", "StartTime"
        )
    if datetime.timedelta(minutes=break_minutes) >= end - start:
        raise faults.QboFault(
            6360,
            "InvalidStartOrEndTime",
            "The break is longer than the elapsed time.",
            "BreakHours",
        )


def _txn_date(realm, value):
    if value is None:
        # Without TxnDate the server's current date is used (docs/ASSUMPTIONS.md#duration-form).
        return realm.today().isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise faults.invalid_property(f"TxnDate ({value})", "TxnDate") from error


def check_books_open(realm, txn_date):
    close_date = realm.settings.get("BookCloseDate")
    if txn_date and close_date and txn_date <= close_date:
        raise faults.account_period_closed()
