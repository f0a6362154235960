# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qb_timesheet_sync.qbo import mapping


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acme Corp", "acme corp"),
        ("  ACME \t Corp\n", "acme corp"),
        ("\uff21\uff43\uff4d\uff45", "acme"),  # full-width letters (NFKC)
        ("STRASSE", "straße"),  # casefold, not lower
    ],
)
def test_normalize_name_equal_keys(left, right):
    assert mapping.normalize_name(left) == mapping.normalize_name(right)


def test_normalize_name_keeps_different_names_apart():
    assert mapping.normalize_name("Acme Corp") == "acme corp"
    assert mapping.normalize_name("Acme Corp") != mapping.normalize_name("AcmeCorp")
    assert mapping.normalize_name(None) == ""


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Acme:Website", "Acme - Website"),
        ("Acme: Website", "Acme - Website"),
        ("Jane\tDoe\nSmith", "Jane Doe Smith"),
        ("  Jane   Doe  ", "Jane Doe"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_display_name(raw, clean):
    assert mapping.clean_display_name(raw) == clean


def test_clean_display_name_cuts_at_500_characters():
    assert mapping.clean_display_name("x" * 600) == "x" * 500
    # A cut that ends on a space does not leave it behind.
    assert mapping.clean_display_name("x" * 499 + " " + "y" * 10) == "x" * 499


@settings(database=None)
@given(st.text(max_size=700))
def test_clean_display_name_is_always_acceptable(name):
    cleaned = mapping.clean_display_name(name)
    assert not {":", "\t", "\n", "\r"} & set(cleaned)
    assert len(cleaned) <= 500
    assert cleaned == cleaned.strip()
    assert mapping.clean_display_name(cleaned) == cleaned


EXISTING = [
    ("Customer", "Acme"),
    ("Vendor", "Bolt Supplies"),
    ("Employee", "Jane Doe"),
    ("Customer", "Acme - Website"),
]


def test_new_name_free():
    assert mapping.check_new_qbo_name("Acme Website", EXISTING) is None


def test_new_name_used_by_vendor():
    problem = mapping.check_new_qbo_name("bolt  SUPPLIES", EXISTING)
    assert problem.code == "name_taken"
    assert problem.message == (
        "A QuickBooks vendor is already named 'Bolt Supplies': rename the Odoo project or the "
        "vendor before sending."
    )


def test_new_name_used_by_customer_and_employee():
    customer = mapping.check_new_qbo_name("ACME", EXISTING, odoo_kind="client")
    assert customer.code == "name_taken"
    assert customer.message == (
        "A QuickBooks customer is already named 'Acme': rename the Odoo client or the "
        "customer before sending."
    )
    employee = mapping.check_new_qbo_name("jane doe", EXISTING)
    assert "A QuickBooks employee is already named 'Jane Doe'" in employee.message


def test_new_name_compared_as_it_will_be_sent():
    # "Acme:Website" is sent as "Acme - Website", which a customer already has.
    problem = mapping.check_new_qbo_name("Acme:Website", EXISTING)
    assert problem.code == "name_taken"
    assert "'Acme - Website'" in problem.message


@pytest.mark.parametrize("name", ["", "   ", None, "\t\n"])
def test_new_name_empty(name):
    problem = mapping.check_new_qbo_name(name, EXISTING, odoo_kind="employee")
    assert problem.code == "empty_name"
    assert problem.message == (
        "The Odoo employee has no name QuickBooks can use: give it a name before sending."
    )
