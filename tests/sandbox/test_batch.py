"""The batch endpoint: independent items, per-item faults and limits."""


def ids(sandbox_api, entity, name, field="DisplayName"):
    text = f"select * from {entity} where {field} = '{name}'"
    return sandbox_api.query(text).json()["QueryResponse"][entity][0]


def time_item(bid, employee_id, customer_id, **extra):
    payload = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": employee_id},
        "CustomerRef": {"value": customer_id},
        "TxnDate": "2026-07-01",
        "Hours": 2,
        "Minutes": 0,
        **extra,
    }
    return {"bId": bid, "operation": "create", "TimeActivity": payload}


def test_mixed_batch_with_per_item_faults(sandbox, sandbox_api):
    alice = ids(sandbox_api, "Employee", "Alice Martin")["Id"]
    website = ids(sandbox_api, "Customer", "Website Redesign")["Id"]
    initech = ids(sandbox_api, "Customer", "Initech")
    existing = sandbox_api.create(
        "TimeActivity", time_item("x", alice, website)["TimeActivity"]
    ).json()["TimeActivity"]
    request = {
        "BatchItemRequest": [
            time_item("b1", alice, website),
            time_item("b2", alice, website, Minutes=75),
            {
                "bId": "b3",
                "operation": "update",
                "Customer": {
                    "Id": initech["Id"],
                    "SyncToken": "7",
                    "sparse": True,
                    "Notes": "stale",
                },
            },
            {
                "bId": "b4",
                "operation": "delete",
                "TimeActivity": {"Id": existing["Id"], "SyncToken": "0"},
            },
            {"bId": "b5", "Query": "select * from Item where Name = 'Hours'"},
            {
                "bId": "b6",
                "operation": "update",
                "Customer": {
                    "Id": initech["Id"],
                    "SyncToken": initech["SyncToken"],
                    "sparse": True,
                    "Notes": "fresh",
                },
            },
            {"bId": "b7", "operation": "explode", "Customer": {"DisplayName": "Boom"}},
        ]
    }
    response = sandbox_api.post("batch", json=request)
    assert response.status_code == 200
    answers = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert list(answers) == ["b1", "b2", "b3", "b4", "b5", "b6", "b7"]
    assert answers["b1"]["TimeActivity"]["Hours"] == 2
    assert answers["b2"]["Fault"]["Error"][0]["code"] == "6380"
    assert answers["b2"]["Fault"]["type"] == "ValidationFault"
    assert answers["b3"]["Fault"]["Error"][0]["code"] == "5010"
    assert answers["b4"]["TimeActivity"] == {
        "status": "Deleted",
        "domain": "QBO",
        "Id": existing["Id"],
    }
    assert answers["b5"]["QueryResponse"]["Item"][0]["Name"] == "Hours"
    assert answers["b6"]["Customer"]["Notes"] == "fresh"
    assert answers["b7"]["Fault"]["Error"][0]["code"] == "2020"
    assert sandbox.stats()["requests"]["batch"] == 1


def test_items_cannot_use_records_created_in_the_same_batch(sandbox, sandbox_api):
    alice = ids(sandbox_api, "Employee", "Alice Martin")["Id"]
    next_id = str(sandbox.state.realm("9341455130166501").next_id)
    request = {
        "BatchItemRequest": [
            {"bId": "c1", "operation": "create", "Customer": {"DisplayName": "Batch Client"}},
            time_item("t1", alice, next_id),
            {"bId": "c2", "operation": "create", "Customer": {"DisplayName": "batch client"}},
        ]
    }
    answers = sandbox_api.post("batch", json=request).json()["BatchItemResponse"]
    created_id = answers[0]["Customer"]["Id"]
    assert created_id == next_id
    assert answers[1]["Fault"]["Error"][0]["code"] == "2500"
    assert answers[2]["Fault"]["Error"][0]["code"] == "6240"
    # Outside the batch the new customer is usable.
    later = sandbox_api.create("TimeActivity", time_item("t", alice, created_id)["TimeActivity"])
    assert later.status_code == 200


def test_batch_size_limit(sandbox, sandbox_api):
    alice = ids(sandbox_api, "Employee", "Alice Martin")["Id"]
    website = ids(sandbox_api, "Customer", "Website Redesign")["Id"]
    items = [time_item(f"b{number}", alice, website) for number in range(31)]
    too_many = sandbox_api.post("batch", json={"BatchItemRequest": items})
    assert too_many.status_code == 400
    assert too_many.json()["Fault"]["Error"][0]["code"] == "1040"
    assert sandbox.state.records("9341455130166501", "TimeActivity") == []
    thirty = sandbox_api.post("batch", json={"BatchItemRequest": items[:30]})
    assert all("TimeActivity" in item for item in thirty.json()["BatchItemResponse"])
    empty = sandbox_api.post("batch", json={"BatchItemRequest": []})
    assert empty.json()["Fault"]["Error"][0]["code"] == "2020"


def test_batch_request_id_limits(sandbox_api):
    alice = ids(sandbox_api, "Employee", "Alice Martin")["Id"]
    website = ids(sandbox_api, "Customer", "Website Redesign")["Id"]
    long_bid = {"BatchItemRequest": [time_item("b" * 11, alice, website)]}
    answer = sandbox_api.post("batch", json=long_bid, params={"requestid": "r1"}).json()
    assert answer["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "2050"
    without_request_id = sandbox_api.post("batch", json=long_bid).json()
    assert "TimeActivity" in without_request_id["BatchItemResponse"][0]
    long_request_id = sandbox_api.post("batch", json=long_bid, params={"requestid": "r" * 37})
    assert long_request_id.json()["Fault"]["Error"][0]["code"] == "2050"
