# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What QuickBooks can know about an hour besides who, when and how long: the
service item, the class, the location (QuickBooks' ``Department``) and the
cost of the hour (job costing).

Plain Python on purpose (no ``odoo`` import). The one cascade of the addon
lives here, in :func:`resolve_details`: a setting is looked for on the task,
then on the employee, then on the project, then in the company's defaults;
the first one set wins (:data:`LEVELS`). A level that offers no setting of a
kind (a task has no class or location) is skipped.
"""

from dataclasses import dataclass

# Where a setting may be made, the most specific first.
LEVELS = ("task", "employee", "project", "company")
# What may be set: the TimeActivity reference each one is sent as.
ITEM = "item"
CLASS = "class"
DEPARTMENT = "department"
KINDS = (ITEM, CLASS, DEPARTMENT)
REFS = {ITEM: "ItemRef", CLASS: "ClassRef", DEPARTMENT: "DepartmentRef"}
# The QuickBooks entity of each kind, and how the resync reads the list.
ENTITIES = {CLASS: "Class", DEPARTMENT: "Department"}
CATEGORY_QUERIES = {
    CLASS: "SELECT * FROM Class WHERE Active IN (true, false)",
    DEPARTMENT: "SELECT * FROM Department WHERE Active IN (true, false)",
}


def resolve_details(settings):
    """Return ``{kind: (qbo_id, level)}`` for every kind set somewhere.

    ``settings`` is ``{level: {kind: qbo_id or None}}`` (levels of
    :data:`LEVELS`, kinds of :data:`KINDS`; missing levels or kinds are not
    set). The most specific level wins: a task's service item beats the
    employee's, which beats the project's, which beats the company default.
    """
    resolved = {}
    for kind in KINDS:
        for level in LEVELS:
            qbo_id = (settings.get(level) or {}).get(kind)
            if qbo_id:
                resolved[kind] = (str(qbo_id), level)
                break
    return resolved


@dataclass(frozen=True)
class Tracking:
    """What the QuickBooks company tracks (Preferences,
    docs/ASSUMPTIONS.md#preferences-flags); None is
    "QuickBooks does not say"."""

    classes: bool | None = None
    departments: bool | None = None
    projects: bool | None = None
    # ``classes``: a time activity may carry a ClassRef. ``classes_per_line``:
    # the company assigns classes to each line of a transaction only, so a
    # time activity carries none (docs/ASSUMPTIONS.md#classref-per-line).
    classes_per_line: bool = False


def _flag(value):
    return None if value is None else str(value).lower() == "true"


def tracking_facts(preferences):
    """The :class:`Tracking` of a Preferences document.

    Intuit's TimeActivity reference: ClassRef is "available if
    ``Preferences.AccountingInfoPrefs.ClassTrackingPerTxn`` is true". A
    company that assigns classes to each line only
    (``ClassTrackingPerTxnLine``) is not said to take one on time: no ClassRef
    is sent there, and the sync log says why
    (docs/ASSUMPTIONS.md#classref-per-line). Locations are tracked when
    ``TrackDepartments`` is on.
    """
    prefs = preferences.get("AccountingInfoPrefs") or {}
    per_txn, per_line = (
        _flag(prefs.get("ClassTrackingPerTxn")),
        _flag(prefs.get("ClassTrackingPerTxnLine")),
    )
    other = {
        pair.get("Name"): pair.get("Value")
        for pair in (preferences.get("OtherPrefs") or {}).get("NameValue", [])
    }
    return Tracking(
        classes=None if per_txn is None and per_line is None else bool(per_txn),
        departments=_flag(prefs.get("TrackDepartments")),
        projects=_flag(other.get("ProjectsEnabled")),
        classes_per_line=bool(per_line and not per_txn),
    )


def category_queries(tracking):
    """{kind: query} of the lists a resync reads for ``tracking``: classes and
    locations only when the QuickBooks company tracks them (each read is a
    metered call)."""
    wanted = {CLASS: tracking.classes, DEPARTMENT: tracking.departments}
    return {kind: CATEGORY_QUERIES[kind] for kind, on in wanted.items() if on}


def category_from_row(row):
    """{qbo_id, name, active} of a Class or Department row; sub-classes and
    sub-locations are shown with their parents (FullyQualifiedName)."""
    return {
        "qbo_id": str(row["Id"]),
        "name": row.get("FullyQualifiedName") or row.get("Name") or str(row["Id"]),
        "active": row.get("Active", True),
    }


def cost_rate(hourly_cost, send_cost):
    """The CostRate to send: the employee's hourly cost when the company sends
    costs and there is one above zero, else None (nothing sent)."""
    if send_cost and hourly_cost and hourly_cost > 0:
        return round(float(hourly_cost), 2)
    return None


@dataclass(frozen=True)
class HourDetails:
    """What the cascade and the cost rule found for one line: QuickBooks ids
    of the connected company (None when not set) and the cost rate."""

    item_qbo_id: str | None = None
    class_qbo_id: str | None = None
    department_qbo_id: str | None = None
    cost_rate: float | None = None
    # The employee's pay type (QuickBooks Payroll, qbo/payroll.py).
    payroll_item_qbo_id: str | None = None
    # A class chosen but not sent: the company assigns classes per line only.
    class_withheld_qbo_id: str | None = None
    # The name of a chosen pay type whose compensation is still to be found
    # (see timesheet_rules.refusal): nothing is sent until it is.
    payroll_pending: str = ""

    def payload_kwargs(self):
        """The keyword arguments of ``build_time_activity`` they are sent as."""
        return {
            "item_qbo_id": self.item_qbo_id,
            "class_qbo_id": self.class_qbo_id,
            "department_qbo_id": self.department_qbo_id,
            "cost_rate": self.cost_rate,
            "payroll_item_qbo_id": self.payroll_item_qbo_id,
        }


def hour_details(
    settings, tracking, hourly_cost=None, send_cost=False, payroll_item=None, payroll_pending=""
):
    """The :class:`HourDetails` of a line from its ``settings`` (see
    :func:`resolve_details`). A class or location is only sent when the
    QuickBooks company does not say it stops tracking them (None: QuickBooks
    has the last word); a class of a company that assigns classes per line
    only is kept aside in ``class_withheld_qbo_id`` (see :func:`tracking_facts`).
    ``payroll_item``: the employee's compensation id, sent as it is (only for
    an employee's time, see ``build_time_activity``); ``payroll_pending``: the
    name of a chosen pay type still to be found."""
    resolved = resolve_details(settings)

    def pick(kind, tracked=True):
        return resolved[kind][0] if kind in resolved and tracked is not False else None

    return HourDetails(
        item_qbo_id=pick(ITEM),
        class_qbo_id=pick(CLASS, tracking.classes),
        class_withheld_qbo_id=pick(CLASS) if tracking.classes_per_line else None,
        department_qbo_id=pick(DEPARTMENT, tracking.departments),
        cost_rate=cost_rate(hourly_cost, send_cost),
        payroll_item_qbo_id=str(payroll_item) if payroll_item else None,
        payroll_pending=payroll_pending or "",
    )


def customer_refs(customer_qbo_id, project_parent_id, tracking, link_projects=True):
    """``(CustomerRef value, ProjectRef value or None)`` of a line whose Odoo
    project is linked to the QuickBooks customer ``customer_qbo_id``.

    A QuickBooks project is a sub-customer (``IsProject``) whose parent is the
    project's customer; ``project_parent_id`` is that parent's id when the
    linked customer is a project (kept by the resync), else None. When the
    QuickBooks company uses Projects (Preferences ``ProjectsEnabled``, facts
    3.1) and the company sends ``link_projects``, the time is the customer's,
    linked to the project by ``ProjectRef`` (minor version 69+), as Intuit's
    Time and Project use cases describe; otherwise the project is sent as the
    sub-customer it also is, which every QuickBooks company accepts.

    GUESS: Intuit's reference does not say how the ``ProjectRef`` id relates
    to the project's customer record (its samples show other ids); the id of
    the project's customer record is sent. A company whose QuickBooks refuses
    it turns ``link_projects`` off (Settings) and sends projects as
    sub-customers, as before.
    """
    if link_projects and project_parent_id and tracking.projects:
        return str(project_parent_id), str(customer_qbo_id)
    return str(customer_qbo_id), None


def read_category_lists(client):
    """{kind: rows} of the classes and locations the QuickBooks company tracks
    (Preferences first: a company that tracks neither costs one call)."""
    tracking = tracking_facts(client.preferences())
    return {kind: client.query(query) for kind, query in category_queries(tracking).items()}
