"""What a TimeActivity carries where Intuit is silent: the sandbox's switches
(``project_customer_ref``, ``max_query_in_ids``, ``max_query_chars``) and the
details of its answers (docs/ASSUMPTIONS.md, "Sending time")."""

import pytest

from tests.sandbox.test_entities import fault_code, people, settings, time_activity

__all__ = ["people"]  # the fixture, used by name


def test_time_for_a_project_sub_customer_is_kept_as_sent_by_default(sandbox_api, people):
    created = sandbox_api.create("TimeActivity", time_activity(people))
    assert created.status_code == 200, created.text
    record = created.json()["TimeActivity"]
    assert record["CustomerRef"]["value"] == people["website"]
    assert "ProjectRef" not in record


def test_rewrite_mode_stores_the_projects_customer_and_links_the_project(
    sandbox, sandbox_api, people
):
    sandbox.configure(project_customer_ref="rewrite_to_parent")
    created = sandbox_api.create("TimeActivity", time_activity(people))
    assert created.status_code == 200, created.text
    record = created.json()["TimeActivity"]
    assert record["CustomerRef"]["value"] == people["acme"]
    assert record["ProjectRef"] == {"value": people["website"]}
    read = sandbox_api.read("TimeActivity", record["Id"]).json()["TimeActivity"]
    assert read["CustomerRef"]["value"] == people["acme"]
    # A plain customer, or a company without Projects, is kept as sent.
    plain = sandbox_api.create(
        "TimeActivity", time_activity(people, CustomerRef={"value": people["acme"]})
    )
    assert "ProjectRef" not in plain.json()["TimeActivity"]
    settings(sandbox, ProjectsEnabled=False)
    kept = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    assert kept["CustomerRef"]["value"] == people["website"] and "ProjectRef" not in kept


@pytest.mark.parametrize("customer_ref", [{"value": ""}, None])
def test_a_blank_customer_beside_a_project_is_the_projects_customer(
    sandbox_api, people, customer_ref
):
    payload = time_activity(people, ProjectRef={"value": people["website"]})
    if customer_ref is None:
        del payload["CustomerRef"]
    else:
        payload["CustomerRef"] = customer_ref
    created = sandbox_api.create("TimeActivity", payload)
    assert created.status_code == 200, created.text
    record = created.json()["TimeActivity"]
    assert record["CustomerRef"]["value"] == people["acme"]
    assert record["ProjectRef"] == {"value": people["website"]}


def test_non_billable_time_is_answered_with_a_zero_rate(sandbox_api, people):
    payload = time_activity(people, BillableStatus="NotBillable", Hours=2, Minutes=0)
    del payload["HourlyRate"]
    record = sandbox_api.create("TimeActivity", payload).json()["TimeActivity"]
    assert record["HourlyRate"] == 0
    assert record["Taxable"] is False
    assert record["Minutes"] == 0


def test_query_size_limits_when_switched_on(sandbox, sandbox_api):
    ids = ", ".join(f"'{n}'" for n in range(1, 31))
    text = f"select * from TimeActivity where Id IN ({ids})"
    assert sandbox_api.query(text).status_code == 200
    sandbox.configure(max_query_in_ids=20)
    assert fault_code(sandbox_api.query(text)) == "4001"
    sandbox.configure(max_query_in_ids=0, max_query_chars=100)
    assert fault_code(sandbox_api.query(text)) == "4001"
    assert sandbox_api.query("select * from Class").status_code == 200


def test_unknown_modes_are_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.configure(project_customer_ref="guess")
    with pytest.raises(ValueError):
        sandbox.configure(class_ref_per_line_only="maybe")
