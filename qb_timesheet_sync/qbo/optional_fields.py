# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A QuickBooks refusal that names a field the addon sends only by choice
(ProjectRef, ClassRef, DepartmentRef, CostRate, PayrollItemRef, ItemRef),
turned into a reason that names the field and the setting that changes it,
for that line only (docs/ASSUMPTIONS.md#optional-field-refused)."""

import re

from .errors import (
    QboClosedPeriod,
    QboDuplicateName,
    QboFeatureUnavailable,
    QboStaleObject,
    QboSubscriptionEnded,
    QboValidationError,
)
from .text import _lt

# The optional fields of a time activity, the words a QuickBooks fault may
# name each with (the field, then the entity it refers to; the most specific
# field first: PayrollItemRef before ItemRef), and what a person changes so
# that the line goes through (docs/ASSUMPTIONS.md#optional-field-refused).
OPTIONAL_FIELDS = {
    "PayrollItemRef": (
        ("PayrollItemRef", "PayrollItem", "payroll item", "pay type"),
        _lt(
            "Check the pay type chosen on the employee (QuickBooks Payroll), or turn off "
            "'Send payroll items' (Settings > QuickBooks), then send the line again."
        ),
    ),
    "ProjectRef": (
        ("ProjectRef", "Project", "Projects"),
        _lt(
            "To send the time of this project as the sub-customer it also is, turn off "
            "'Link time to QuickBooks projects' (Settings > QuickBooks), then send the line "
            "again."
        ),
    ),
    "ClassRef": (
        ("ClassRef", "Class"),
        _lt(
            "Check the class set on the employee, the project or as the company default, and "
            "that the QuickBooks company tracks classes on each transaction (Account and "
            "settings > Advanced > Track classes), or clear the class; then send the line again."
        ),
    ),
    "DepartmentRef": (
        ("DepartmentRef", "Department", "Location"),
        _lt(
            "Check the location set on the employee, the project or as the company default, "
            "and that the QuickBooks company tracks locations (Account and settings > "
            "Advanced > Track locations), or clear the location; then send the line again."
        ),
    ),
    "CostRate": (
        ("CostRate", "Cost rate", "cost rate"),
        _lt(
            "Check the employee's hourly cost, or turn off 'Send the cost of time (job "
            "costing)' (Settings > QuickBooks), then send the line again."
        ),
    ),
    "ItemRef": (
        ("ItemRef", "Item"),
        _lt(
            "Check the service item set on the task, the employee, the project or as the "
            "company default (the first one set is sent), then send the line again."
        ),
    ),
}
# Refusals that never come from an optional field: the books, the plan, a
# stale or duplicate record.
_NOT_ABOUT_A_FIELD = (
    QboStaleObject,
    QboClosedPeriod,
    QboFeatureUnavailable,
    QboSubscriptionEnded,
    QboDuplicateName,
)


def _names(text, word):
    return bool(text) and re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)


def refused_field(error, sent_fields):
    """The optional field of ``sent_fields`` (the keys of the body sent) that
    the refusal ``error`` names, or None: its ``element`` first, then its
    detail and message."""
    if not isinstance(error, QboValidationError) or isinstance(error, _NOT_ABOUT_A_FIELD):
        return None
    candidates = [field for field in OPTIONAL_FIELDS if field in sent_fields]
    element = str(error.element or "").strip()
    for field in candidates:
        if element.lower() == field.lower() or _names(element, field):
            return field
    text = "\n".join(str(part) for part in (error.detail, error.message) if part)
    for field in candidates:
        if _names(text, field):
            return field
    for field in candidates:
        if any(_names(text, word) for word in OPTIONAL_FIELDS[field][0][1:]):
            return field
    return None


def explain_optional_field(error, payload):
    """``error``, a refusal of the time activity ``payload``; when it names a
    field the addon sends only by choice (:data:`OPTIONAL_FIELDS`), the same
    error with a message that names that field and what to change, and
    ``field`` set to it. Other errors are returned as they are."""
    field = refused_field(error, payload or {})
    if field is None:
        return error
    reason = str(error.detail or error.message).strip().rstrip(".")
    message = _lt(
        "QuickBooks refused the %(field)s sent with this time (%(reason)s). %(fix)s",
        field=field,
        reason=reason,
        fix=OPTIONAL_FIELDS[field][1],
    )
    explained = type(error)(
        message,
        code=error.code,
        element=error.element,
        detail=error.detail,
        intuit_tid=error.intuit_tid,
        http_status=error.http_status,
    )
    explained.field = field
    return explained
