"""What a TimeActivity carries, against the sandbox in each of its plausible
behaviours: the size of ``Id IN`` queries, and a refusal that names a field
the addon sends only by choice (docs/ASSUMPTIONS.md, "Sending time" and
"Reading")."""

import uuid

import pytest

from qb_timesheet_sync.qbo import BatchItem
from qb_timesheet_sync.qbo.optional_fields import OPTIONAL_FIELDS, explain_optional_field
from qb_timesheet_sync.qbo.updates import MAX_IDS_PER_QUERY, MAX_QUERY_CHARS
from tests.client.helpers import sandbox_stats, time_activity


def created_ids(qbo, people, count):
    items = [
        BatchItem(
            "create",
            "TimeActivity",
            time_activity(people["Alice Martin"], people["Initech"], f"Line {number}"),
            uuid.uuid4().hex,
        )
        for number in range(count)
    ]
    return [result.data["Id"] for result in qbo.batch(items)]


def queries_made(sandbox):
    return sandbox_stats(sandbox)["metered"]["CorePlus"]


def test_reading_back_many_ids_stays_within_the_bounds(sandbox, qbo, people):
    ids = created_ids(qbo, people, 5)
    # 600 ids: five that exist, the rest deleted or never made.
    wanted = ids + [str(900000000 + number) for number in range(595)]
    # QuickBooks with limits exactly at the addon's bounds: still answered.
    sandbox.configure(
        max_query_in_ids=MAX_IDS_PER_QUERY,
        max_query_chars=MAX_QUERY_CHARS + len(" STARTPOSITION 1 MAXRESULTS 1000"),
    )
    before = queries_made(sandbox)
    found = qbo.time_activities_by_ids(wanted)
    assert set(found) == set(ids)
    assert queries_made(sandbox) - before == 3, "600 ids: three queries of 250 at most"


def test_a_query_quickbooks_refuses_as_too_big_is_asked_again_in_halves(sandbox, qbo, people):
    ids = created_ids(qbo, people, 4)
    wanted = ids + [str(900000000 + number) for number in range(296)]
    sandbox.configure(max_query_in_ids=100)
    found = qbo.time_activities_by_ids(wanted)
    assert set(found) == set(ids), "no id lost"
    # Below the floor a refusal is QuickBooks' answer, not a reason to split.
    sandbox.configure(max_query_in_ids=5)
    with pytest.raises(Exception, match="IN list"):
        qbo.time_activities_by_ids(wanted)


FIELD_VALUES = {
    "ProjectRef": {"value": "393363026"},
    "ClassRef": {"value": "5000000000000012345"},
    "DepartmentRef": {"value": "2"},
    "CostRate": 42.5,
    "PayrollItemRef": {"value": "900"},
    "ItemRef": {"value": "1"},
}


@pytest.mark.parametrize("code", ["2010", "2500"])
@pytest.mark.parametrize("field", sorted(OPTIONAL_FIELDS))
def test_a_refused_optional_field_names_the_field_and_the_setting(
    sandbox, qbo, people, field, code
):
    sandbox.configure(refuse_time_activity_fields={field: code})
    carrying = time_activity(people["Alice Martin"], people["Initech"], "With the field")
    carrying[field] = FIELD_VALUES[field]
    plain = time_activity(people["Alice Martin"], people["Initech"], "Without it")
    results = qbo.batch(
        [
            BatchItem("create", "TimeActivity", carrying, uuid.uuid4().hex, key="with"),
            BatchItem("create", "TimeActivity", plain, uuid.uuid4().hex, key="without"),
        ]
    )
    by_key = {result.item.key: result for result in results}
    assert by_key["without"].ok, "the other line of the batch is sent"
    assert not by_key["with"].ok
    explained = explain_optional_field(by_key["with"].error, carrying)
    assert explained.field == field
    assert f"QuickBooks refused the {field} sent with this time" in str(explained)
    assert str(OPTIONAL_FIELDS[field][1]) in str(explained)
    assert explained.code == code and explained.intuit_tid == by_key["with"].error.intuit_tid
    # The same refusal of a body without that field says nothing about it.
    assert explain_optional_field(by_key["with"].error, plain) is by_key["with"].error


def test_a_refusal_that_names_no_field_keeps_quickbooks_words(sandbox, qbo, people):
    sandbox.configure(refuse_time_activity_fields={"CostRate": "6000"})
    carrying = time_activity(people["Alice Martin"], people["Initech"], "With a cost")
    carrying["CostRate"] = 42.5
    with pytest.raises(Exception) as refused:
        qbo.create("TimeActivity", carrying, uuid.uuid4().hex)
    error = refused.value
    assert explain_optional_field(error, carrying) is error
    assert "business validation" in str(error).lower()
