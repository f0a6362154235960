"""Classes, locations (Department) and the references of a TimeActivity."""

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT
from tests.sandbox.test_entities import fault_code, find, people, settings, time_activity

__all__ = ["people"]  # the fixture, used by name


def test_demo_company_tracks_classes_and_locations(sandbox_api):
    prefs = sandbox_api.query("select * from Preferences").json()["QueryResponse"]
    accounting = prefs["Preferences"][0]["AccountingInfoPrefs"]
    assert accounting["ClassTrackingPerTxn"] is True and accounting["TrackDepartments"] is True
    classes = sandbox_api.query("select * from Class").json()["QueryResponse"]["Class"]
    assert {row["Name"] for row in classes} == {"Consulting", "Design", "Support"}
    departments = sandbox_api.query("select * from Department").json()["QueryResponse"]
    assert {row["Name"] for row in departments["Department"]} == {"Boston", "Remote"}


def test_time_activity_keeps_class_location_and_cost(sandbox, sandbox_api, people):
    design = find(sandbox_api, "Class", "Design", field="Name")["Id"]
    boston = find(sandbox_api, "Department", "Boston", field="Name")["Id"]
    payload = time_activity(
        people, ClassRef={"value": design}, DepartmentRef={"value": boston}, CostRate=42.5
    )
    created = sandbox_api.create("TimeActivity", payload)
    assert created.status_code == 200, created.text
    record = created.json()["TimeActivity"]
    assert record["ClassRef"] == {"value": design, "name": "Design"}
    assert record["DepartmentRef"] == {"value": boston, "name": "Boston"}
    assert record["CostRate"] == 42.5
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=TIMEOUT)
    assert "Design" in page.text and "Boston" in page.text and "42.5" in page.text


@pytest.mark.parametrize("ref", ["ClassRef", "DepartmentRef"])
def test_unknown_class_or_location_is_an_invalid_reference(sandbox_api, people, ref):
    response = sandbox_api.create("TimeActivity", time_activity(people, **{ref: {"value": "999"}}))
    assert fault_code(response) == "2500"


def test_class_refused_when_the_company_does_not_track_classes(sandbox, sandbox_api, people):
    design = find(sandbox_api, "Class", "Design", field="Name")["Id"]
    settings(sandbox, ClassTrackingPerTxn=False)
    response = sandbox_api.create("TimeActivity", time_activity(people, ClassRef={"value": design}))
    assert fault_code(response) == "2010"
    # Per line only: Intuit's reference makes ClassRef depend on ClassTrackingPerTxn, so
    # the sandbox refuses it by default; class_ref_per_line_only="accept" is the other
    # plausible behaviour (docs/ASSUMPTIONS.md#classref-per-line).
    settings(sandbox, ClassTrackingPerTxnLine=True)
    response = sandbox_api.create("TimeActivity", time_activity(people, ClassRef={"value": design}))
    assert fault_code(response) == "2010"
    assert response.json()["Fault"]["Error"][0]["element"] == "ClassRef"
    sandbox.configure(class_ref_per_line_only="accept")
    response = sandbox_api.create("TimeActivity", time_activity(people, ClassRef={"value": design}))
    assert response.status_code == 200, response.text


def test_inactive_location_is_refused(sandbox, sandbox_api, people):
    remote = find(sandbox_api, "Department", "Remote", field="Name")
    update = sandbox_api.create("Department", {**remote, "Active": False})
    assert update.status_code == 200, update.text
    payload = time_activity(people, DepartmentRef={"value": remote["Id"]})
    assert fault_code(sandbox_api.create("TimeActivity", payload)) == "610"


def test_negative_cost_rate_is_refused(sandbox_api, people):
    assert (
        fault_code(sandbox_api.create("TimeActivity", time_activity(people, CostRate=-1))) == "2010"
    )


def test_duplicate_class_name_is_refused(sandbox_api):
    assert fault_code(sandbox_api.create("Class", {"Name": "design"})) == "6240"
    created = sandbox_api.create("Class", {"Name": "Training"})
    assert created.status_code == 200, created.text
    assert created.json()["Class"]["FullyQualifiedName"] == "Training"


def test_settings_accept_only_booleans_for_tracking(sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/realms/{DEMO_REALM_ID}/settings",
        json={"TrackDepartments": "yes"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
