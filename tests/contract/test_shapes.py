"""The shape code of the fidelity report: shapes, their differences, request
labels and fault facts."""

from .recording import fault_facts, request_label, statement_label
from .shapes import Missing, compare_shapes, merge_shapes, shape_of


def test_shape_of_names_each_path_with_its_json_type():
    document = {
        "TimeActivity": {"Id": "7", "Hours": 1, "Taxable": False, "ItemRef": {"value": "2"}},
        "time": "2026-07-01T10:00:00.000-07:00",
    }
    assert shape_of(document) == {
        "$": "object",
        "TimeActivity": "object",
        "TimeActivity.Id": "string",
        "TimeActivity.Hours": "number",
        "TimeActivity.Taxable": "boolean",
        "TimeActivity.ItemRef": "object",
        "TimeActivity.ItemRef.value": "string",
        "time": "string",
    }


def test_array_elements_share_one_path_and_their_types_are_joined():
    shape = shape_of({"rows": [{"a": 1}, {"a": "x", "b": None}], "empty": []})
    assert shape["rows"] == "array"
    assert shape["rows[]"] == "object"
    assert shape["rows[].a"] == "number|string"
    assert shape["rows[].b"] == "null"
    assert shape["empty"] == "array"
    assert "empty[]" not in shape


def test_same_shape_whatever_the_values():
    first = shape_of({"Customer": [{"Id": "1", "DisplayName": "Acme", "Balance": 0}]})
    second = shape_of({"Customer": [{"Id": "99", "DisplayName": "Globex", "Balance": 12.5}]})
    assert not compare_shapes(first, second)


def test_differences_between_two_shapes():
    intuit = shape_of(
        {
            "TimeActivity": {
                "Id": "1",
                "HourlyRate": 0,
                "MetaData": {"CreateTime": "t", "LastUpdatedTime": "t"},
            }
        }
    )
    local = shape_of({"TimeActivity": {"Id": 1, "CostRate": 5}})
    diff = compare_shapes(intuit, local)
    assert diff.only_in_reference == [
        Missing("TimeActivity.HourlyRate", "number"),
        Missing("TimeActivity.MetaData", "object", 2),
    ]
    assert diff.only_in_other == [Missing("TimeActivity.CostRate", "number")]
    assert diff.type_changed == [("TimeActivity.Id", "string", "number")]
    assert str(diff.only_in_reference[1]) == "TimeActivity.MetaData (object, 2 fields)"


def test_a_missing_array_is_listed_once_with_its_element_fields():
    diff = compare_shapes(
        shape_of({"QueryResponse": {"Class": [{"Id": "1", "Name": "A"}], "startPosition": 1}}),
        shape_of({"QueryResponse": {}}),
    )
    assert [str(missing) for missing in diff.only_in_reference] == [
        "QueryResponse.Class (array, 3 fields)",
        "QueryResponse.startPosition (number)",
    ]
    assert not diff.only_in_other and not diff.type_changed


def test_merge_shapes_keeps_every_path_and_joins_types():
    merged = merge_shapes(shape_of({"a": 1}), shape_of({"a": "x", "b": True}))
    assert merged == {"$": "object", "a": "number|string", "b": "boolean"}


def test_request_label_hides_ids_and_values():
    url = "https://sandbox-quickbooks.api.intuit.com/v3/company/4620816365/timeactivity/123"
    assert request_label("GET", url, {"minorversion": 75}) == "GET timeactivity/{id}"
    label = request_label(
        "POST",
        "http://127.0.0.1:1/v3/company/9/timeactivity",
        {"minorversion": 75, "operation": "delete", "requestid": "abc"},
        json_body={"Id": "1", "SyncToken": "0"},
    )
    assert label == "POST timeactivity?operation=delete"
    cdc = request_label(
        "GET",
        "http://127.0.0.1:1/v3/company/9/cdc",
        {"entities": "Customer,Item", "changedSince": "2026-07-01T00:00:00+00:00"},
    )
    assert cdc == "GET cdc?changedSince=…&entities=Customer,Item"


def test_statement_label_replaces_literals_and_paging():
    statement = (
        "SELECT * FROM TimeActivity WHERE Id IN ('1', '22', '333') "
        "AND MetaData.LastUpdatedTime >= '2026-07-01T00:00:00+00:00' "
        "STARTPOSITION 1001 MAXRESULTS 1000"
    )
    assert statement_label(statement) == (
        "SELECT * FROM TimeActivity WHERE Id IN (…) "
        "AND MetaData.LastUpdatedTime >= '…' STARTPOSITION n MAXRESULTS n"
    )


def test_batch_label_lists_operations():
    body = {
        "BatchItemRequest": [
            {"bId": "0", "operation": "create", "TimeActivity": {}},
            {"bId": "1", "Query": "SELECT COUNT(*) FROM Employee WHERE Active = true"},
        ]
    }
    label = request_label("POST", "http://127.0.0.1:1/v3/company/9/batch", {}, json_body=body)
    query = "SELECT COUNT(*) FROM Employee WHERE Active = true"
    assert label == f"POST batch [create TimeActivity; query {query}]"


def test_fault_facts_of_the_three_envelopes():
    validation = {
        "Fault": {
            "Error": [{"Message": "m", "Detail": "d", "code": "2500", "element": "ClassRef"}],
            "type": "ValidationFault",
        },
        "time": "t",
    }
    assert fault_facts(validation) == {
        "type": "ValidationFault",
        "codes": ["2500"],
        "elements": ["ClassRef"],
    }
    unauthorized = {
        "fault": {"error": [{"message": "m", "code": "3200"}], "type": "AUTHENTICATION"}
    }
    assert fault_facts(unauthorized) == {
        "type": "AUTHENTICATION",
        "codes": ["3200"],
        "elements": [""],
    }
    assert fault_facts({"error": "invalid_grant"}) == {
        "type": "oauth",
        "codes": ["invalid_grant"],
        "elements": [],
    }
    assert fault_facts({"QueryResponse": {}}) == {}
