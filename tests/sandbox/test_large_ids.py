"""QuickBooks gives projects and classes large ids (projects such as 647540715 in
Intuit's SampleApp-EmployeeCompensation-DotNet, classes such as
5000000000000018727, past 2**53): the sandbox does too, and compares them exactly."""

import copy

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.state import ID_SERIES_START, Realm, SandboxState
from tests.sandbox.test_entities import find, people, time_activity

__all__ = ["people"]  # the fixture, used by name

PROJECT_START = ID_SERIES_START["Project"]
CLASS_START = ID_SERIES_START["Class"]


def query_ids(sandbox_api, statement, entity):
    response = sandbox_api.query(statement)
    assert response.status_code == 200, response.text
    return [row["Id"] for row in response.json()["QueryResponse"].get(entity, [])]


def test_projects_and_classes_have_large_ids_and_other_records_small_ones(sandbox):
    customers = sandbox.state.records(DEMO_REALM_ID, "Customer")
    projects = [row["Id"] for row in customers if row["IsProject"]]
    others = [row["Id"] for row in customers if not row["IsProject"]]
    assert projects and all(int(row_id) >= PROJECT_START for row_id in projects)
    assert all(int(row_id) < 1000 for row_id in others)
    classes = [row["Id"] for row in sandbox.state.records(DEMO_REALM_ID, "Class")]
    assert len(classes) == 3 and all(int(row_id) >= CLASS_START for row_id in classes)
    assert CLASS_START > 2**63 // 2 > 2**53  # past float precision and any int32 column
    locations = sandbox.state.records(DEMO_REALM_ID, "Department")
    assert all(int(row["Id"]) < 1000 for row in locations)


def test_a_class_created_through_the_api_gets_the_next_large_id(sandbox_api):
    before = query_ids(sandbox_api, "select * from Class", "Class")
    created = sandbox_api.create("Class", {"Name": "Training"})
    assert created.status_code == 200, created.text
    new_id = created.json()["Class"]["Id"]
    assert int(new_id) == max(map(int, before)) + 1
    customer = sandbox_api.create("Customer", {"DisplayName": "Small Id Co"}).json()["Customer"]
    assert int(customer["Id"]) < 1000


def test_neighbouring_large_ids_are_told_apart_by_queries(sandbox_api):
    """As floats, 5000000000000018727 and 5000000000000018728 are one number."""
    first, second, third = sorted(query_ids(sandbox_api, "select * from Class", "Class"), key=int)
    assert query_ids(sandbox_api, f"select * from Class where Id = '{second}'", "Class") == [second]
    assert query_ids(sandbox_api, f"select * from Class where Id > '{second}'", "Class") == [third]
    assert query_ids(
        sandbox_api, f"select * from Class where Id in ('{first}', '{third}')", "Class"
    ) == [first, third]
    assert query_ids(sandbox_api, "select * from Class orderby Id desc", "Class") == [
        third,
        second,
        first,
    ]
    # Unquoted numbers too (python-quickbooks' choose() writes them bare).
    assert query_ids(sandbox_api, f"select * from Class where Id = {first}", "Class") == [first]


def test_time_keeps_large_project_and_class_ids_as_strings(sandbox_api, people):
    design = find(sandbox_api, "Class", "Design", field="Name")["Id"]
    payload = time_activity(
        people,
        CustomerRef={"value": people["acme"]},
        ProjectRef={"value": people["website"]},
        ClassRef={"value": design},
    )
    created = sandbox_api.create("TimeActivity", payload)
    assert created.status_code == 200, created.text
    read = sandbox_api.get(f"timeactivity/{created.json()['TimeActivity']['Id']}").json()
    record = read["TimeActivity"]
    assert record["ProjectRef"]["value"] == people["website"]
    assert int(people["website"]) >= PROJECT_START
    assert record["ClassRef"]["value"] == design and int(design) >= CLASS_START
    by_class = query_ids(
        sandbox_api, f"select * from TimeActivity where ClassRef = '{design}'", "TimeActivity"
    )
    assert by_class == [record["Id"]]


def test_a_seeded_large_id_does_not_move_the_small_counter(sandbox, sandbox_api):
    project = {"Id": "393363026", "DisplayName": "Seeded Project", "IsProject": True}
    parent = {"DisplayName": "Seeded Parent", "children": [project]}
    sandbox.seed({"realms": [{"realm_id": DEMO_REALM_ID, "Customer": [parent]}]})
    created = sandbox_api.create("Customer", {"DisplayName": "After The Seed"}).json()["Customer"]
    assert int(created["Id"]) < 1000


def test_counters_survive_persistence_and_old_state_files_load():
    state = SandboxState()
    realm = {"realm_id": "1", "Class": [{"Name": "A"}], "Customer": [{"DisplayName": "C"}]}
    state.load_seed({"realms": [realm]})
    saved = state.to_dict()["realms"][0]
    restored = Realm.from_dict(copy.deepcopy(saved))
    assert restored.allocate_id(series="Class") == str(CLASS_START + 1)
    assert restored.allocate_id() == str(saved["next_id"])
    older = {key: value for key, value in saved.items() if key != "next_series_ids"}
    assert Realm.from_dict(copy.deepcopy(older)).allocate_id(series="Project") == str(PROJECT_START)


def test_an_id_already_taken_is_never_handed_out_again():
    realm = Realm("1")
    realm.records["Customer"][str(PROJECT_START)] = {"Id": str(PROJECT_START)}
    assert realm.allocate_id(series="Project") == str(PROJECT_START + 1)
