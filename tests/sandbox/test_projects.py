"""A TimeActivity linked to a QuickBooks project through ProjectRef."""

import requests

from tests.qbo_sandbox.testing import TIMEOUT
from tests.sandbox.test_entities import fault_code, find, people, settings, time_activity

__all__ = ["people"]  # the fixture, used by name


def project_preference(sandbox_api):
    prefs = sandbox_api.query("select * from Preferences").json()["QueryResponse"]
    pairs = prefs["Preferences"][0]["OtherPrefs"]["NameValue"]
    return {pair["Name"]: pair["Value"] for pair in pairs}["ProjectsEnabled"]


def test_time_linked_to_a_project_is_the_customers(sandbox, sandbox_api, people):
    payload = time_activity(
        people, CustomerRef={"value": people["acme"]}, ProjectRef={"value": people["website"]}
    )
    created = sandbox_api.create("TimeActivity", payload)
    assert created.status_code == 200, created.text
    record = created.json()["TimeActivity"]
    assert record["ProjectRef"] == {"value": people["website"]}
    assert record["CustomerRef"]["value"] == people["acme"]
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=TIMEOUT)
    assert "<td>Acme Corporation</td><td>Website Redesign</td>" in page.text


def test_project_ref_must_name_a_project_of_the_customer(sandbox_api, people):
    # The sub-customer itself as CustomerRef: not the project's customer.
    payload = time_activity(people, ProjectRef={"value": people["website"]})
    assert fault_code(sandbox_api.create("TimeActivity", payload)) == "6000"
    # A customer that is no project.
    phase = find(sandbox_api, "Customer", "Phase 2")["Id"]
    payload = time_activity(
        people, CustomerRef={"value": people["acme"]}, ProjectRef={"value": phase}
    )
    assert fault_code(sandbox_api.create("TimeActivity", payload)) == "2500"
    payload = time_activity(
        people, CustomerRef={"value": people["acme"]}, ProjectRef={"value": "999"}
    )
    assert fault_code(sandbox_api.create("TimeActivity", payload)) == "2500"


def test_project_ref_refused_when_the_company_does_not_use_projects(sandbox, sandbox_api, people):
    assert project_preference(sandbox_api) == "true"
    settings(sandbox, ProjectsEnabled=False)
    assert project_preference(sandbox_api) == "false"
    payload = time_activity(
        people, CustomerRef={"value": people["acme"]}, ProjectRef={"value": people["website"]}
    )
    assert fault_code(sandbox_api.create("TimeActivity", payload)) == "2010"
    # Without ProjectRef the project is the sub-customer it also is.
    assert sandbox_api.create("TimeActivity", time_activity(people)).status_code == 200
