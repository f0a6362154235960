# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Ranked suggestions for names that did not match, on the tricky
names of the resync seed (qb_timesheet_sync/tests/test_resync.py)."""

from qb_timesheet_sync.qbo.suggestions import (
    INITIALS,
    SAME_DOMAIN,
    SAME_EMAIL,
    SIMILAR_NAME,
    Candidate,
    describe,
    name_words,
    suggest,
)

# The QuickBooks people of the resync seed.
PEOPLE = [
    Candidate(("Employee", "1"), "Emily Platt", "emily@example.com"),
    Candidate(("Employee", "2"), "Dana Cruz"),
    Candidate(("Employee", "3"), "Oliver Grant", "oliver.qbo@example.com"),
    Candidate(("Employee", "4"), "Ian Stale"),
    Candidate(("Employee", "5"), "Alex Kim"),
    Candidate(("Employee", "6"), "Chris Bell", "bell@example.com"),
    Candidate(("Employee", "7"), "Christopher Bell", "bell@example.com"),
    Candidate(("Employee", "8"), "Unused Person"),
    Candidate(("Vendor", "9"), "Riley Stone"),
]


def names(suggestions):
    return [suggestion.candidate.name for suggestion in suggestions]


def test_names_are_normalised_for_accents_case_punctuation_and_order():
    assert name_words("Émile  ZOLA") == name_words("zola, emile") == ["emile", "zola"]


def test_initial_of_the_family_name():
    (first,) = suggest("Oliver G.", PEOPLE)
    assert (first.candidate.name, first.reason, first.score) == ("Oliver Grant", INITIALS, 90)


def test_initial_of_the_given_name_ranks_both_bells():
    found = suggest("C. Bell", PEOPLE)
    assert names(found) == ["Chris Bell", "Christopher Bell"]
    assert {suggestion.reason for suggestion in found} == {INITIALS}


def test_same_email_ranks_first():
    found = suggest("Oliver G.", PEOPLE, email="Oliver.QBO@example.com")
    assert (found[0].candidate.name, found[0].reason, found[0].score) == (
        "Oliver Grant",
        SAME_EMAIL,
        100,
    )


def test_word_order_and_accents_do_not_hide_a_name():
    (first,) = suggest("Platt, Émily", PEOPLE)
    assert (first.candidate.name, first.score) == ("Emily Platt", 100)


def test_typos_are_similar_names():
    (first, *_rest) = suggest("Dana Crus", PEOPLE)
    assert (first.candidate.name, first.reason) == ("Dana Cruz", SIMILAR_NAME)
    assert 70 <= first.score < 100


def test_nothing_close_suggests_nothing():
    assert suggest("Nina Odoo", PEOPLE) == []
    assert suggest("Greenfield Build", PEOPLE) == []


def test_clients_are_suggested_by_email_domain_but_not_free_mail():
    customers = [
        Candidate("21", "Greenfield Limited", "ap@greenfield.example"),
        Candidate("22", "Solo Customer", "solo@gmail.com"),
    ]
    found = suggest("GF Holdings", customers, email="boss@greenfield.example", client=True)
    assert [(s.candidate.key, s.reason) for s in found] == [("21", SAME_DOMAIN)]
    assert suggest("GF Holdings", customers, email="boss@greenfield.example") == []
    assert suggest("Anyone", customers, email="x@gmail.com", client=True) == []


def test_limit_and_description():
    found = suggest("C. Bell", PEOPLE, limit=1)
    assert describe(found) == "'Chris Bell' (same name with initials, 90%)"


# The demo database's shape (setup/demo_data.py, tests/qbo_sandbox/seeds/demo.json):
# the Odoo employee "F. Haddad" and the inactive QuickBooks employee "Farid Haddad".
DEMO_PEOPLE = [
    Candidate(("Employee", "1"), "Alice Martin"),
    Candidate(("Employee", "6"), "Farid Haddad", active=False),
]


def test_an_inactive_person_is_suggested_and_said_inactive():
    (first,) = suggest("F. Haddad", DEMO_PEOPLE)
    assert (first.candidate.name, first.reason, first.score) == ("Farid Haddad", INITIALS, 90)
    assert describe([first]) == (
        "'Farid Haddad' (same name with initials, 90%, inactive in QuickBooks: reactivate it "
        "there, then run 'Check for new users and customers' again)"
    )


def test_an_active_person_ranks_before_an_inactive_one_of_the_same_score():
    people = [
        Candidate(("Employee", "6"), "Chris Bell", active=False),
        Candidate(("Employee", "7"), "Christopher Bell"),
    ]
    assert names(suggest("C. Bell", people)) == ["Christopher Bell", "Chris Bell"]
