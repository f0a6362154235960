"""The QuickBooks lists: queries, rows turned into records, bodies of new records."""

from qb_timesheet_sync.qbo.lists import (
    CUSTOMER,
    EMPLOYEE,
    ITEM,
    ITEMS_QUERY,
    RESYNC_QUERIES,
    VENDOR,
    QboCustomer,
    QboPerson,
    created_name,
    customer_from_row,
    customer_full_name,
    customer_payload,
    display_names,
    item_from_row,
    people_from_rows,
    person_from_row,
    person_payload,
    read_resync_lists,
)


class FakeClient:
    def __init__(self):
        self.statements = []

    def query(self, statement):
        self.statements.append(statement)
        return [{"Id": "1", "DisplayName": statement.split()[3]}]


def test_a_resync_reads_inactive_people_and_customers_and_service_items():
    client = FakeClient()
    rows = read_resync_lists(client)
    assert set(rows) == {EMPLOYEE, VENDOR, CUSTOMER, ITEM}
    assert client.statements == list(RESYNC_QUERIES.values())
    for entity in (EMPLOYEE, VENDOR, CUSTOMER):
        assert "Active IN (true, false)" in RESYNC_QUERIES[entity]
    assert ITEMS_QUERY == "SELECT * FROM Item WHERE Type = 'Service'"


def test_person_rows():
    row = {
        "Id": 7,
        "DisplayName": "Emily Platt",
        "PrimaryEmailAddr": {"Address": "emily@example.com"},
        "Active": False,
    }
    assert person_from_row(VENDOR, row) == QboPerson(
        "7", VENDOR, "Emily Platt", "emily@example.com", active=False
    )
    assert person_from_row(EMPLOYEE, {"Id": "8"}) == QboPerson("8", EMPLOYEE, "", None, True)
    people = people_from_rows({VENDOR: [{"Id": "2"}], EMPLOYEE: [{"Id": "1"}]})
    assert [person.ref for person in people] == [(EMPLOYEE, "1"), (VENDOR, "2")]


def test_customer_rows():
    row = {
        "Id": 3,
        "DisplayName": "Phase 1",
        "ParentRef": {"value": 2},
        "IsProject": True,
        "FullyQualifiedName": "Acme:Website:Phase 1",
    }
    assert customer_from_row(row) == QboCustomer(
        "3",
        "Phase 1",
        parent_id="2",
        active=True,
        is_project=True,
        fully_qualified_name="Acme:Website:Phase 1",
    )
    assert customer_from_row({"Id": "1"}).parent_id is None
    assert customer_full_name(row) == "Acme:Website:Phase 1"
    assert customer_full_name({"DisplayName": "Acme"}) == "Acme"


def test_item_rows():
    assert item_from_row({"Id": "5", "Name": "Hours", "UnitPrice": 90}) == {
        "qbo_id": "5",
        "name": "Hours",
        "unit_price": 90,
    }
    assert item_from_row({"Id": "6"}) == {"qbo_id": "6", "name": "6", "unit_price": 0.0}


def test_names_taken_leave_items_out():
    rows = {
        EMPLOYEE: [{"DisplayName": "Emily"}],
        CUSTOMER: [{"DisplayName": "Acme"}, {}],
        ITEM: [{"Name": "Hours", "DisplayName": "Hours"}],
    }
    assert display_names(rows) == [(EMPLOYEE, "Emily"), (CUSTOMER, "Acme"), (CUSTOMER, "")]


def test_person_payload_splits_the_name():
    assert person_payload("Emily Jane Platt", "e@example.com") == {
        "DisplayName": "Emily Jane Platt",
        "GivenName": "Emily Jane",
        "FamilyName": "Platt",
        "PrimaryEmailAddr": {"Address": "e@example.com"},
    }
    assert person_payload("Cher") == {"DisplayName": "Cher", "GivenName": "Cher"}
    assert len(person_payload("x" * 150 + " y")["GivenName"]) == 100


def test_customer_payload():
    assert customer_payload("Acme") == {"DisplayName": "Acme"}
    assert customer_payload("Website", "1") == {
        "DisplayName": "Website",
        "ParentRef": {"value": "1"},
        "Job": True,
    }


def test_created_name():
    payload = {"DisplayName": "Website"}
    assert created_name({"FullyQualifiedName": "Acme:Website"}, payload) == "Acme:Website"
    assert created_name({"DisplayName": "Website "}, payload) == "Website "
    assert created_name({}, payload) == "Website"
