# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Behaviours of QuickBooks listed in docs/ASSUMPTIONS.md that no other test
covers: how the sandbox answers them, as the addon relies on them."""

from tests.sandbox.test_entities import fault_code, people, time_activity

__all__ = ["people"]  # the fixture, used by name


def _rows(response, entity):
    assert response.status_code == 200, response.text
    return response.json()["QueryResponse"].get(entity, [])


def test_a_query_selects_whole_records(sandbox_api):
    """docs/ASSUMPTIONS.md#no-query-projections: names after ``*`` (as
    python-quickbooks sends) are accepted, and the rows are whole records."""
    plain = _rows(sandbox_api.query("select * from Item where Name = 'Hours'"), "Item")
    with_sku = _rows(sandbox_api.query("select *, Sku from Item where Name = 'Hours'"), "Item")
    assert len(plain) == 1
    assert with_sku == plain
    assert {"Id", "Name", "Type", "SyncToken", "MetaData"} <= set(plain[0])


def test_a_deleted_time_activity_leaves_the_query_answers(sandbox_api, people):
    """docs/ASSUMPTIONS.md#deleted-time-activity-gone: once deleted, a
    TimeActivity is not returned by an ``Id IN`` query and a read is a 610."""
    kept = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    gone = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    deleted = sandbox_api.post(
        "timeactivity",
        json={"Id": gone["Id"], "SyncToken": gone["SyncToken"]},
        params={"operation": "delete"},
    )
    assert deleted.json()["TimeActivity"]["status"] == "Deleted"
    ids = f"'{kept['Id']}', '{gone['Id']}'"
    rows = _rows(
        sandbox_api.query(f"select * from TimeActivity where Id in ({ids})"), "TimeActivity"
    )
    assert [row["Id"] for row in rows] == [kept["Id"]]
    assert fault_code(sandbox_api.read("TimeActivity", gone["Id"])) == "610"


def test_the_id_of_a_deleted_time_activity_is_never_given_again(sandbox_api, people):
    """docs/ASSUMPTIONS.md#ids-never-reused: the time activity made after a
    delete has an id of its own, above every earlier one."""
    first = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    last = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    sandbox_api.post(
        "timeactivity",
        json={"Id": last["Id"], "SyncToken": last["SyncToken"]},
        params={"operation": "delete"},
    )
    after = sandbox_api.create("TimeActivity", time_activity(people)).json()["TimeActivity"]
    assert int(after["Id"]) > int(last["Id"]) > int(first["Id"])


def test_a_description_of_4000_characters_outside_the_bmp_is_taken(sandbox_api, people):
    """docs/ASSUMPTIONS.md#description-max: the 4,000 are characters (the
    sandbox's reading), so 4,000 emoji (8,000 UTF-16 units) are accepted and
    4,001 characters are not."""
    text = "\N{GRINNING FACE}" * 4000
    created = sandbox_api.create("TimeActivity", time_activity(people, Description=text))
    assert created.status_code == 200, created.text
    assert created.json()["TimeActivity"]["Description"] == text
    too_long = sandbox_api.create("TimeActivity", time_activity(people, Description=text + "x"))
    assert fault_code(too_long) == "2050"
