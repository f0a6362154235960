# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from qb_timesheet_sync.qbo.lists import EMPLOYEE, VENDOR, QboPerson
from qb_timesheet_sync.qbo.people import AMBIGUOUS, MATCHED, UNMATCHED, OdooPerson, match_people

JANE = QboPerson("10", EMPLOYEE, "Jane Doe", email="jane@example.com")
JOHN = QboPerson("11", EMPLOYEE, "John Smith", email="john@example.com")
BOLT = QboPerson("30", VENDOR, "Bolt Contracting", email="ops@bolt.example")


def match_one(person, qbo_people, already_mapped=None):
    [result] = match_people([person], qbo_people, already_mapped)
    assert result.key == person.key
    return result


def test_match_by_name_ignores_case_and_whitespace():
    result = match_one(OdooPerson(1, "  jane   DOE "), [JOHN, JANE])
    assert result.status == MATCHED
    assert result.qbo == JANE
    assert result.reason_code == "matched_by_name"
    assert result.reason == "Matched by name with the QuickBooks employee 'Jane Doe'."


def test_email_fallback_when_no_name_matches():
    result = match_one(OdooPerson(1, "J. Doe", email=" JANE@Example.com"), [JOHN, JANE])
    assert result.status == MATCHED
    assert result.qbo == JANE
    assert result.reason_code == "matched_by_email"


def test_name_wins_over_email():
    other = QboPerson("12", EMPLOYEE, "Jane Roe", email="jane@example.com")
    result = match_one(OdooPerson(1, "Jane Doe", email="jane@example.com"), [other, JANE])
    assert result.qbo == JANE
    assert result.reason_code == "matched_by_name"


def test_unmatched():
    result = match_one(OdooPerson(1, "Nobody", email="nobody@example.com"), [JANE, JOHN])
    assert result.status == UNMATCHED
    assert result.qbo is None
    assert result.candidates == ()
    assert result.reason_code == "no_match"
    assert "'Nobody'" in result.reason


def test_empty_name_does_not_match_a_nameless_person():
    nameless = QboPerson("13", EMPLOYEE, "")
    assert match_one(OdooPerson(1, ""), [nameless]).status == UNMATCHED


def test_contractor_prefers_vendor_and_employee_prefers_employee():
    # Ids are per entity in QuickBooks: this Employee and Vendor both have id "7".
    employee = QboPerson("7", EMPLOYEE, "Sam Lee")
    vendor = QboPerson("7", VENDOR, "SAM LEE")
    staff = OdooPerson(1, "Sam Lee")
    contractor = OdooPerson(2, "Sam Lee", is_contractor=True)
    staff_match, contractor_match = match_people([staff, contractor], [employee, vendor])
    assert (staff_match.status, staff_match.qbo) == (MATCHED, employee)
    assert (contractor_match.status, contractor_match.qbo) == (MATCHED, vendor)


def test_contractor_falls_back_to_employee():
    result = match_one(OdooPerson(1, "Jane Doe", is_contractor=True), [JANE, BOLT])
    assert result.qbo == JANE


def test_employee_falls_back_to_vendor():
    result = match_one(OdooPerson(1, "bolt contracting"), [JANE, BOLT])
    assert result.qbo == BOLT
    assert result.reason == "Matched by name with the QuickBooks vendor 'Bolt Contracting'."


def test_two_candidates_of_the_preferred_kind_are_ambiguous():
    twin = QboPerson("14", EMPLOYEE, "jane  doe")
    vendor = QboPerson("31", VENDOR, "Jane Doe")
    result = match_one(OdooPerson(1, "Jane Doe"), [JANE, twin, vendor])
    assert result.status == AMBIGUOUS
    assert result.qbo is None
    assert result.candidates == (JANE, twin)
    assert result.reason_code == "ambiguous_name"
    assert result.reason == (
        "Several QuickBooks people are named 'Jane Doe' ('Jane Doe' (employee), 'jane  doe' "
        "(employee)): choose the right one in the employee form."
    )


def test_email_tells_same_named_people_apart():
    twin = QboPerson("14", EMPLOYEE, "Jane Doe", email="other.jane@example.com")
    result = match_one(OdooPerson(1, "Jane Doe", email="jane@example.com"), [JANE, twin])
    assert result.status == MATCHED
    assert result.qbo == JANE
    assert result.reason_code == "matched_by_email"


def test_shared_email_is_ambiguous():
    first = QboPerson("15", EMPLOYEE, "Front Desk", email="desk@example.com")
    second = QboPerson("16", EMPLOYEE, "Night Desk", email="DESK@example.com")
    result = match_one(OdooPerson(1, "Alex", email="desk@example.com"), [first, second])
    assert result.status == AMBIGUOUS
    assert result.reason_code == "ambiguous_email"
    assert result.candidates == (first, second)


def test_two_odoo_people_with_the_same_name_are_both_ambiguous():
    first = OdooPerson(1, "Jane Doe")
    second = OdooPerson(2, "JANE DOE")
    third = OdooPerson(3, "John Smith")
    results = match_people([first, second, third], [JANE, JOHN])
    assert [r.key for r in results] == [1, 2, 3]
    assert [r.status for r in results] == [AMBIGUOUS, AMBIGUOUS, MATCHED]
    assert results[0].reason_code == results[1].reason_code == "claimed_twice"
    assert results[0].candidates == (JANE,)
    assert results[0].reason == (
        "The QuickBooks employee 'Jane Doe' matches 'Jane Doe' and also 'JANE DOE': choose "
        "the right link in the employee forms."
    )
    assert "and also 'Jane Doe'" in results[1].reason


def test_name_and_email_claims_on_the_same_person_conflict():
    by_name = OdooPerson(1, "Jane Doe")
    by_email = OdooPerson(2, "Janet D.", email="jane@example.com")
    results = match_people([by_name, by_email], [JANE])
    assert [r.status for r in results] == [AMBIGUOUS, AMBIGUOUS]


def test_existing_link_is_kept_even_when_names_differ():
    renamed = QboPerson("10", EMPLOYEE, "Jane Doe-Martin")
    result = match_one(OdooPerson(1, "Jane Doe"), [renamed, JOHN], {1: (EMPLOYEE, "10")})
    assert result.status == MATCHED
    assert result.qbo == renamed
    assert result.reason_code == "kept"


def test_kept_link_wins_over_a_new_name_match():
    linked = OdooPerson(1, "J. Doe")
    newcomer = OdooPerson(2, "Jane Doe")
    kept, contested = match_people([linked, newcomer], [JANE], {1: (EMPLOYEE, "10")})
    assert (kept.status, kept.reason_code) == (MATCHED, "kept")
    assert (contested.status, contested.reason_code) == (AMBIGUOUS, "already_linked")
    assert "already linked to 'J. Doe'" in contested.reason


def test_link_to_a_vanished_person_is_reported_not_replaced():
    result = match_one(OdooPerson(1, "Jane Doe"), [JANE], {1: (EMPLOYEE, "99")})
    assert result.status == UNMATCHED
    assert result.qbo is None
    assert result.candidates == (JANE,)
    assert result.reason_code == "person_missing_in_qbo"
    assert result.reason == (
        "'Jane Doe' is linked to a QuickBooks employee (id 99) that QuickBooks no longer "
        "returns: link it again in the employee form."
    )


def test_link_kind_matters():
    # Vendor "10" does not exist, even though Employee "10" does.
    result = match_one(OdooPerson(1, "Someone"), [JANE], {1: (VENDOR, "10")})
    assert result.reason_code == "person_missing_in_qbo"


def test_inactive_person_is_matched_but_flagged():
    gone = QboPerson("17", EMPLOYEE, "Old Timer", active=False)
    result = match_one(OdooPerson(1, "Old Timer"), [gone])
    assert result.status == MATCHED
    assert result.qbo == gone
    assert result.reason_code == "qbo_inactive"
    assert "which is inactive" in result.reason
    kept = match_one(OdooPerson(1, "Old Timer"), [gone], {1: (EMPLOYEE, "17")})
    assert (kept.status, kept.reason_code) == (MATCHED, "qbo_inactive")
