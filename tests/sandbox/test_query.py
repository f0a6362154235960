"""The query endpoint: language, paging, inactive records and faults."""

import time

import pytest


def rows(response, entity):
    assert response.status_code == 200, response.text
    return response.json()["QueryResponse"].get(entity, [])


def names(response, entity="Customer"):
    return [record["DisplayName"] for record in rows(response, entity)]


def fault_code(response):
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]["code"]


def test_select_all_with_paging_metadata(sandbox_api):
    response = sandbox_api.query("select * from Employee")
    body = response.json()
    assert body["time"]
    page = body["QueryResponse"]
    assert page["startPosition"] == 1
    assert page["maxResults"] == len(page["Employee"]) == 5
    assert [int(record["Id"]) for record in page["Employee"]] == sorted(
        int(record["Id"]) for record in page["Employee"]
    )


def test_count_and_empty_results(sandbox_api):
    count = sandbox_api.query("SELECT COUNT(*) FROM Customer WHERE Job = true")
    assert count.json()["QueryResponse"] == {"totalCount": 8}
    empty = sandbox_api.query("select * from Customer where DisplayName = 'Nobody'")
    assert empty.json()["QueryResponse"] == {}
    assert empty.json()["time"]


def test_where_operators(sandbox_api):
    assert names(sandbox_api.query("select * from Customer where DisplayName = 'initech'")) == [
        "Initech"
    ]
    like = sandbox_api.query("select * from Customer where DisplayName like 'Phase%'")
    assert sorted(names(like)) == ["Phase 1", "Phase 2"]
    contains = sandbox_api.query("select * from Customer where DisplayName like '%Sprint'")
    assert names(contains) == ["Design Sprint"]
    listed = sandbox_api.query(
        "select * from Employee where GivenName in ('Alice', 'Bruno', 'Nobody')"
    )
    assert sorted(names(listed, "Employee")) == ["Alice Martin", "Bruno Keller"]
    family = sandbox_api.query("select * from Employee where FamilyName >= 'L' and Id < '6'")
    assert sorted(names(family, "Employee")) == ["Alice Martin", "David Okafor", "Emma Larsen"]
    by_id = rows(sandbox_api.query("select * from Customer where Id > '18'"), "Customer")
    assert all(int(record["Id"]) > 18 for record in by_id) and by_id
    quoted = sandbox_api.create("Customer", {"DisplayName": "O'Brien Ltd"})
    assert quoted.status_code == 200
    escaped = sandbox_api.query("select * from Customer where DisplayName = 'O\\'Brien Ltd'")
    assert names(escaped) == ["O'Brien Ltd"]


def test_reference_and_hierarchy_filters(sandbox_api):
    acme = rows(
        sandbox_api.query("select * from Customer where DisplayName = 'Acme Corporation'"),
        "Customer",
    )[0]
    children = sandbox_api.query(f"select * from Customer where ParentRef = '{acme['Id']}'")
    assert sorted(names(children)) == ["Mobile App", "Website Redesign"]
    projects = sandbox_api.query("select * from Customer where IsProject = true")
    assert sorted(names(projects)) == ["ERP Rollout", "Website Redesign"]


def test_time_activity_filters(sandbox_api):
    alice = rows(sandbox_api.query("select * from Employee where GivenName = 'Alice'"), "Employee")
    bruno = rows(sandbox_api.query("select * from Employee where GivenName = 'Bruno'"), "Employee")
    website = rows(
        sandbox_api.query("select * from Customer where DisplayName = 'Website Redesign'"),
        "Customer",
    )[0]
    for employee, day in (
        (alice[0], "2026-07-01"),
        (alice[0], "2026-07-02"),
        (bruno[0], "2026-07-03"),
    ):
        payload = {
            "NameOf": "Employee",
            "EmployeeRef": {"value": employee["Id"]},
            "CustomerRef": {"value": website["Id"]},
            "TxnDate": day,
            "Hours": 1,
            "Minutes": 0,
        }
        assert sandbox_api.create("TimeActivity", payload).status_code == 200
    by_employee = sandbox_api.query(
        f"select * from TimeActivity where EmployeeRef = '{alice[0]['Id']}'"
    )
    assert len(rows(by_employee, "TimeActivity")) == 2
    by_date = sandbox_api.query(
        "select * from TimeActivity where TxnDate >= '2026-07-02' and TxnDate <= '2026-07-03' "
        "orderby TxnDate desc"
    )
    assert [record["TxnDate"] for record in rows(by_date, "TimeActivity")] == [
        "2026-07-03",
        "2026-07-02",
    ]
    by_customer = sandbox_api.query(
        f"select count(*) from TimeActivity where CustomerRef = '{website['Id']}'"
    )
    assert by_customer.json()["QueryResponse"]["totalCount"] == 3


def test_metadata_timestamps_filter(sandbox_api):
    before = rows(sandbox_api.query("select * from Customer where Id = '19'"), "Customer")[0]
    time.sleep(1.1)
    update = {
        "Id": before["Id"],
        "SyncToken": before["SyncToken"],
        "sparse": True,
        "Notes": "touched",
    }
    changed = sandbox_api.create("Customer", update).json()["Customer"]
    since = changed["MetaData"]["LastUpdatedTime"]
    recent = sandbox_api.query(
        f"select * from Customer where MetaData.LastUpdatedTime >= '{since}'"
    )
    assert names(recent) == [changed["DisplayName"]]
    created_after = sandbox_api.query(
        "select count(*) from Customer where MetaData.CreateTime > '2000-01-01'"
    )
    assert created_after.json()["QueryResponse"]["totalCount"] == 12


def test_order_by_both_spellings(sandbox_api):
    ascending = names(
        sandbox_api.query("select * from Employee order by FamilyName asc"), "Employee"
    )
    assert ascending == [
        "Chloé Dubois",
        "Bruno Keller",
        "Emma Larsen",
        "Alice Martin",
        "David Okafor",
    ]
    descending = names(
        sandbox_api.query("select * from Employee ORDERBY FamilyName DESC"), "Employee"
    )
    assert descending == list(reversed(ascending))


def test_keywords_and_entity_names_in_any_case(sandbox_api):
    """Real QuickBooks reads ``select * from timeActivity`` / ``from customer``
    (node-quickbooks sends them); the answer spells the entity as Intuit does."""
    statement = (
        "Select * From customer Where displayName Like 'Phase%' And JOB = TRUE "
        "OrderBy DisplayName Desc StartPosition 1 MaxResults 5"
    )
    answer = sandbox_api.query(statement).json()["QueryResponse"]
    assert set(answer) == {"Customer", "startPosition", "maxResults"}
    assert [row["DisplayName"] for row in answer["Customer"]] == ["Phase 2", "Phase 1"]
    counted = sandbox_api.query("SELECT count(*) FROM EMPLOYEE where givenname in ('Alice')")
    assert counted.json()["QueryResponse"] == {"totalCount": 1}
    ordered = sandbox_api.query("select * from employee order by familyname asc maxresults 1")
    assert names(ordered, "Employee") == ["Chloé Dubois"]
    info = sandbox_api.query("select * from companyinfo").json()["QueryResponse"]
    assert list(info["CompanyInfo"][0]) and "companyinfo" not in info


def test_entities_the_sandbox_does_not_hold_answer_nothing(sandbox_api):
    """node-quickbooks' live tests query every entity of its build/query.txt
    (account, invoice, ...): a company without any answers an empty page."""
    for statement in (
        "select * from invoice startposition 1 maxresults 1000",
        "SELECT * FROM Account",
    ):
        answer = sandbox_api.query(statement)
        assert answer.status_code == 200, answer.text
        assert answer.json()["QueryResponse"] == {}
    counted = sandbox_api.query("select count(*) from Invoice where TxnDate > '2020-01-01'")
    assert counted.json()["QueryResponse"] == {"totalCount": 0}


def test_property_names_after_select_are_read_and_everything_returned(sandbox_api):
    """Clients write "SELECT Id, DisplayName FROM Customer"; Intuit: the response
    always returns all properties (projections are not supported)."""
    answer = sandbox_api.query("SELECT Id, DisplayName FROM Customer WHERE DisplayName = 'Initech'")
    assert answer.status_code == 200, answer.text
    (initech,) = answer.json()["QueryResponse"]["Customer"]
    assert initech["DisplayName"] == "Initech" and initech["FullyQualifiedName"] == "Initech"
    assert initech["MetaData"]["CreateTime"]


def test_paging(sandbox_api):
    first = sandbox_api.query("select * from Customer orderby Id startposition 1 maxresults 5")
    second = sandbox_api.query("select * from Customer orderby Id STARTPOSITION 6 MAXRESULTS 5")
    third = sandbox_api.query("select * from Customer orderby Id startposition 11 maxresults 5")
    pages = [rows(first, "Customer"), rows(second, "Customer"), rows(third, "Customer")]
    assert [len(page) for page in pages] == [5, 5, 2]
    assert second.json()["QueryResponse"]["startPosition"] == 6
    assert third.json()["QueryResponse"]["maxResults"] == 2
    all_ids = [record["Id"] for page in pages for record in page]
    assert len(set(all_ids)) == 12
    beyond = sandbox_api.query("select * from Customer startposition 50")
    assert beyond.json()["QueryResponse"] == {}


def test_default_page_size_is_100_and_the_limit_1000(sandbox, sandbox_api):
    seed = {
        "realms": [
            {
                "realm_id": "9341455130166501",
                "Vendor": [{"DisplayName": f"Vendor {number:03d}"} for number in range(120)],
            }
        ]
    }
    sandbox.seed(seed)
    assert len(rows(sandbox_api.query("select * from Vendor"), "Vendor")) == 100
    assert len(rows(sandbox_api.query("select * from Vendor maxresults 1000"), "Vendor")) == 121
    assert fault_code(sandbox_api.query("select * from Vendor maxresults 1001")) == "4001"


def test_inactive_records_hidden_unless_active_is_filtered(sandbox_api):
    assert "Farid Haddad" not in names(sandbox_api.query("select * from Employee"), "Employee")
    both = names(
        sandbox_api.query("select * from Employee where Active in (true, false)"), "Employee"
    )
    assert "Farid Haddad" in both and len(both) == 6
    inactive = names(sandbox_api.query("select * from Employee where Active = false"), "Employee")
    assert inactive == ["Farid Haddad"]
    counted = sandbox_api.query("select count(*) from Employee")
    assert counted.json()["QueryResponse"]["totalCount"] == 5


def test_query_by_post_with_text_bodies(sandbox_api):
    for content_type in ("application/text", "text/plain"):
        response = sandbox_api.post(
            "query",
            data="select * from Item where Type = 'Service'",
            headers={"Content-Type": content_type},
        )
        assert sorted(record["Name"] for record in rows(response, "Item")) == [
            "Consulting",
            "Hours",
        ]


def test_company_documents_are_queryable(sandbox_api):
    info = rows(sandbox_api.query("select * from CompanyInfo"), "CompanyInfo")
    assert info[0]["CompanyName"] == "Northwind Consulting (sandbox)"
    assert len(rows(sandbox_api.query("select * from Preferences"), "Preferences")) == 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("select from Customer", "4000"),
        ("select * Customer", "4000"),
        ("select * from Customer where DisplayName = 'Acme' or Active = true", "4000"),
        ("select * from Customer where DisplayName", "4000"),
        ("select * from Customer where DisplayName = 'unterminated", "4000"),
        ("delete from Customer", "4000"),
        ("", "4000"),
        ("select * from Shoe", "4001"),
        ("select * from Customer where Shoe = 'x'", "4001"),
        ("select * from Customer where MetaData.CreateTime > 'yesterday'", "4001"),
        ("select * from Customer maxresults 0", "4001"),
    ],
)
def test_query_faults(sandbox_api, text, code):
    assert fault_code(sandbox_api.query(text)) == code
