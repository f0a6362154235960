"""Wire-level requests shaped as widely used QuickBooks clients send them.

Read from the clients' sources (not copied): python-quickbooks
(``quickbooks/client.py`` ``make_request``, ``mixins.py``, ``batch.py``,
``objects/timeactivity.py``) and node-quickbooks (``index.js``
``module.request``, ``create``/``update``/``delete``/``query``,
``criteriaToString``, ``batch``, ``changeDataCapture``). Each test sends
exactly what the client puts on the wire, with ``requests``, and checks that
the sandbox answers as QuickBooks does.
"""

import datetime
import gzip
import json
import urllib.parse
import uuid
import zlib

import pytest
import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import TIMEOUT, sandbox_token

MINOR_VERSION = "75"


class PythonQuickbooks:
    """What python-quickbooks sends: every call carries ``minorversion``
    (and ``requestid`` when given); JSON bodies are ``json.dumps`` of the
    object with ``sort_keys`` and ``indent=4``; queries are POSTed as
    ``application/text``; deletes POST ``{Id, SyncToken}`` with
    ``operation=delete``."""

    def __init__(self, sandbox, token):
        self.base = f"{sandbox.url}/v3/company/{DEMO_REALM_ID}"
        self.token = token

    def request(self, method, path, body=None, content_type="application/json", **params):
        headers = {
            "Content-Type": content_type,
            "Accept": "application/json",
            "User-Agent": "python-quickbooks V3 library",
            "Authorization": f"Bearer {self.token}",
        }
        params = {**params, "minorversion": MINOR_VERSION}
        return requests.request(
            method,
            f"{self.base}/{path}",
            headers=headers,
            params=params,
            data=body or {},
            timeout=TIMEOUT,
        )

    @staticmethod
    def to_json(obj):
        return json.dumps(obj, sort_keys=True, indent=4)

    def save(self, entity, obj, request_id=None):
        extra = {"requestid": request_id} if request_id else {}
        return self.request("POST", entity.lower(), self.to_json(obj), **extra)

    def get(self, entity, record_id):
        return self.request("GET", f"{entity.lower()}/{record_id}")

    def delete(self, entity, record, request_id=None):
        body = self.to_json({"Id": record["Id"], "SyncToken": record["SyncToken"]})
        extra = {"requestid": request_id} if request_id else {}
        return self.request("POST", entity.lower(), body, operation="delete", **extra)

    def query(self, select):
        return self.request("POST", "query", select, content_type="application/text")


class NodeQuickbooks:
    """What node-quickbooks sends: ``minorversion`` and ``format=json`` on
    every call, a ``Request-Id`` header, compact JSON (axios); updates POST to
    ``?operation=update`` with ``sparse: true`` unless set; deletes POST the
    entity (read first when given an id) to ``?operation=delete``; queries are
    GETs with the statement in the URL, written in lower case with the entity
    in camel case (``findTimeActivities`` sends ``select * from timeActivity``),
    ``startposition``/``maxresults`` always appended (``module.query`` and
    ``module.criteriaToString`` in its ``index.js``)."""

    def __init__(self, sandbox, token):
        self.base = f"{sandbox.url}/v3/company/{DEMO_REALM_ID}"
        self.token = token

    def request(self, method, url, entity=None):
        headers = {
            "Accept": "application/json, text/plain, */*",
            "User-Agent": "node-quickbooks: version 2.0.47",
            "Request-Id": str(uuid.uuid1()),
            "Authorization": f"Bearer {self.token}",
        }
        params = {"minorversion": MINOR_VERSION, "format": "json"}
        if entity is not None and "requestId" in entity:
            entity = dict(entity)
            params["requestid"] = entity.pop("requestId")
        separator = "&" if "?" in url else "?"
        full = f"{self.base}{url}{separator}{urllib.parse.urlencode(params)}"
        body = None
        if entity is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(entity, separators=(",", ":"))
        return requests.request(method, full, headers=headers, data=body, timeout=TIMEOUT)

    def create(self, entity_name, entity):
        return self.request("POST", f"/{entity_name.lower()}", entity)

    def read(self, entity_name, record_id):
        return self.request("GET", f"/{entity_name.lower()}/{record_id}")

    def update(self, entity_name, entity):
        entity = {"sparse": True, **entity}
        return self.request("POST", f"/{entity_name.lower()}?operation=update", entity)

    def delete(self, entity_name, entity):
        return self.request("POST", f"/{entity_name.lower()}?operation=delete", entity)

    def query(self, statement):
        # node-quickbooks escapes these characters itself; the rest (spaces)
        # is percent-encoded by the HTTP layer.
        for char, code in (("%", "%25"), ("'", "%27"), ("=", "%3D"), ("<", "%3C"), (">", "%3E")):
            statement = statement.replace(char, code)
        statement = statement.replace("+", "%2B").replace(" ", "%20")
        return self.request("GET", f"/query?query={statement}")

    def find(self, entity, where="", count=False, asc=None):
        """``module.query(context, entity, criteria)``: ``entity`` as its
        ``find...`` method names it (``timeActivity``, ``customer``)."""
        select = "select count(*) from " if count else "select * from "
        order = f" orderby {asc} asc" if asc else ""
        return self.query(f"{select}{entity}{where}{order} startposition 1 maxresults 1000")


@pytest.fixture
def token(sandbox):
    return sandbox_token(sandbox)[0]


def alice_id(sandbox):
    employees = sandbox.state.records(DEMO_REALM_ID, "Employee")
    return next(record["Id"] for record in employees if record.get("GivenName") == "Alice")


def a_customer(sandbox):
    customers = sandbox.state.records(DEMO_REALM_ID, "Customer")
    return next(record for record in customers if record.get("Active", True))


def ok(answer, entity=None):
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers.get("intuit_tid")
    data = answer.json()
    assert "Fault" not in data, data
    return data[entity] if entity else data


def not_found(answer):
    assert answer.status_code == 400, answer.text
    assert answer.json()["Fault"]["Error"][0]["code"] == "610"


def python_time_activity(sandbox):
    """A TimeActivity object as python-quickbooks serialises it: defaults of
    the base object (SyncToken 0, sparse false, domain QBO, Taxable false)
    and Refs with empty name and type."""
    customer = a_customer(sandbox)
    return {
        "SyncToken": 0,
        "sparse": False,
        "domain": "QBO",
        "NameOf": "Employee",
        "Taxable": False,
        "TxnDate": datetime.date.today().isoformat(),
        "BillableStatus": "Billable",
        "HourlyRate": 120,
        "Hours": 5,
        "Minutes": 0,
        "Description": "Sprint review",
        "EmployeeRef": {"value": alice_id(sandbox), "name": "", "type": ""},
        "CustomerRef": {"value": customer["Id"], "name": "", "type": ""},
    }


def test_python_quickbooks_create_read_update_delete(sandbox, token):
    client = PythonQuickbooks(sandbox, token)
    request_id = uuid.uuid4().hex
    created = ok(
        client.save("TimeActivity", python_time_activity(sandbox), request_id), "TimeActivity"
    )
    assert (created["SyncToken"], created["Hours"], created["domain"]) == ("0", 5, "QBO")
    assert created["CustomerRef"]["name"], "QuickBooks fills the name in"
    # The same requestid again (a retry): the same answer, no second record.
    again = ok(
        client.save("TimeActivity", python_time_activity(sandbox), request_id), "TimeActivity"
    )
    assert again["Id"] == created["Id"]
    assert len(sandbox.state.records(DEMO_REALM_ID, "TimeActivity")) == 1
    read = ok(client.get("TimeActivity", created["Id"]), "TimeActivity")
    # save() of an object read from QuickBooks: a full update carrying what
    # was read (MetaData, domain, sparse false, the string SyncToken).
    read["Hours"] = 6
    updated = ok(client.save("TimeActivity", read, uuid.uuid4().hex), "TimeActivity")
    assert (updated["Id"], updated["SyncToken"], updated["Hours"]) == (created["Id"], "1", 6)
    assert updated["Description"] == "Sprint review"
    # The copy read before is stale now.
    stale = client.save("TimeActivity", read)
    assert stale.status_code == 400 and stale.json()["Fault"]["Error"][0]["code"] == "5010"
    deleted = ok(client.delete("TimeActivity", updated, uuid.uuid4().hex))
    assert deleted["TimeActivity"] == {"status": "Deleted", "domain": "QBO", "Id": created["Id"]}
    not_found(client.get("TimeActivity", created["Id"]))


def test_python_quickbooks_queries(sandbox, token):
    client = PythonQuickbooks(sandbox, token)
    first = ok(client.save("TimeActivity", python_time_activity(sandbox)), "TimeActivity")
    second = ok(client.save("TimeActivity", python_time_activity(sandbox)), "TimeActivity")
    both = sorted([first["Id"], second["Id"]], key=int)

    def ids(select):
        answer = ok(client.query(select))["QueryResponse"]
        return [record["Id"] for record in answer.get("TimeActivity", [])]

    # all(), where(''), where(...) with order and paging, choose(), filter(), count().
    assert ids("SELECT * FROM TimeActivity MAXRESULTS 100") == both
    assert ids("SELECT * FROM TimeActivity ") == both
    assert ids(
        f"SELECT * FROM TimeActivity WHERE Id = '{second['Id']}' ORDERBY TxnDate "
        "STARTPOSITION 1 MAXRESULTS 10"
    ) == [second["Id"]]
    assert (
        ids(f"SELECT * FROM TimeActivity WHERE Id in ('{first['Id']}', '{second['Id']}')") == both
    )
    assert ids("SELECT * FROM TimeActivity WHERE BillableStatus = 'Billable'") == both
    since = first["MetaData"]["LastUpdatedTime"]
    assert ids(f"SELECT * FROM TimeActivity WHERE MetaData.LastUpdatedTime >= '{since}'") == both
    counted = ok(
        client.query("SELECT COUNT(*) FROM TimeActivity WHERE BillableStatus = 'Billable'")
    )
    assert counted["QueryResponse"] == {"totalCount": 2}


def test_python_quickbooks_batch(sandbox, token):
    client = PythonQuickbooks(sandbox, token)
    existing = ok(client.save("TimeActivity", python_time_activity(sandbox)), "TimeActivity")
    items = [
        {
            "bId": str(uuid.uuid4()),
            "operation": "create",
            "TimeActivity": python_time_activity(sandbox),
        }
        for _ in range(2)
    ]
    items.append(
        {
            "bId": str(uuid.uuid4()),
            "operation": "delete",
            "TimeActivity": {**existing, "SyncToken": existing["SyncToken"]},
        }
    )
    answer = ok(client.request("POST", "batch", client.to_json({"BatchItemRequest": items})))
    responses = {item["bId"]: item for item in answer["BatchItemResponse"]}
    assert set(responses) == {item["bId"] for item in items}
    created = [responses[item["bId"]]["TimeActivity"] for item in items[:2]]
    assert all(record["SyncToken"] == "0" for record in created)
    assert responses[items[2]["bId"]]["TimeActivity"]["status"] == "Deleted"


def test_node_quickbooks_create_read_update_delete(sandbox, token):
    client = NodeQuickbooks(sandbox, token)
    customer = a_customer(sandbox)
    entity = {
        "TxnDate": datetime.date.today().isoformat(),
        "NameOf": "Employee",
        "EmployeeRef": {"value": alice_id(sandbox)},
        "CustomerRef": {"value": customer["Id"]},
        "BillableStatus": "NotBillable",
        "Hours": 2,
        "Minutes": 30,
        "Description": "Call",
        "requestId": uuid.uuid4().hex,
    }
    created = ok(client.create("TimeActivity", entity), "TimeActivity")
    assert ok(client.create("TimeActivity", entity), "TimeActivity")["Id"] == created["Id"]
    read = ok(client.read("TimeActivity", created["Id"]), "TimeActivity")
    assert read == created
    # updateTimeActivity: sparse by default, to ?operation=update.
    sparse = {"Id": created["Id"], "SyncToken": created["SyncToken"], "Hours": 3}
    updated = ok(client.update("TimeActivity", sparse), "TimeActivity")
    assert (updated["Hours"], updated["Minutes"], updated["Description"]) == (3, 30, "Call")
    assert updated["SyncToken"] == "1"
    # deleteTimeActivity(id) reads the entity first and posts all of it.
    current = ok(client.read("TimeActivity", created["Id"]), "TimeActivity")
    deleted = ok(client.delete("TimeActivity", current))
    assert deleted["TimeActivity"]["status"] == "Deleted"
    not_found(client.read("TimeActivity", created["Id"]))
    assert client.delete("TimeActivity", current).status_code == 400


def test_node_quickbooks_queries(sandbox, token):
    client = NodeQuickbooks(sandbox, token)
    created = ok(
        client.create(
            "TimeActivity",
            {"NameOf": "Employee", "EmployeeRef": {"value": alice_id(sandbox)}, "Hours": 1},
        ),
        "TimeActivity",
    )

    def ids(where="", **options):
        answer = ok(client.find("timeActivity", where, **options))["QueryResponse"]
        # The answer spells the entity as Intuit does, whatever the query wrote.
        assert set(answer) <= {"TimeActivity", "startPosition", "maxResults"}
        return [record["Id"] for record in answer.get("TimeActivity", [])]

    assert ids() == [created["Id"]]
    assert ids(f" where Id = '{created['Id']}'") == [created["Id"]]
    assert ids(f" where Id IN ('{created['Id']}','999')") == [created["Id"]]
    # A watermark with a "+" offset survives node-quickbooks' escaping.
    assert ids(
        " where MetaData.LastUpdatedTime > '2000-01-01T00:00:00+02:00'",
        asc="MetaData.LastUpdatedTime",
    ) == [created["Id"]]
    assert ids(" where TxnDate < '2000-01-01'") == []
    assert ids(" where TxnDate > '2000-01-01' and BillableStatus = 'NotBillable'") == [
        created["Id"]
    ]
    counted = ok(client.find("timeActivity", count=True))
    assert counted["QueryResponse"]["totalCount"] == 1
    customers = ok(client.find("customer", " where DisplayName = 'Initech'"))["QueryResponse"]
    assert [row["DisplayName"] for row in customers["Customer"]] == ["Initech"]


def test_node_quickbooks_batch_with_a_query(sandbox, token):
    client = NodeQuickbooks(sandbox, token)
    items = [
        {
            "bId": "bid1",
            "operation": "create",
            "TimeActivity": {
                "NameOf": "Employee",
                "EmployeeRef": {"value": alice_id(sandbox)},
                "Hours": 4,
            },
        },
        {"bId": "bid2", "Query": "select * from Employee where GivenName = 'Alice'"},
    ]
    answer = ok(client.request("POST", "/batch", {"BatchItemRequest": items}))
    first, second = answer["BatchItemResponse"]
    assert first["bId"] == "bid1" and first["TimeActivity"]["Hours"] == 4
    assert (
        second["bId"] == "bid2" and second["QueryResponse"]["Employee"][0]["GivenName"] == "Alice"
    )


def test_change_data_capture_shapes(sandbox, token):
    """python-quickbooks sends changedSince as %Y-%m-%dT%H:%M:%S, node-quickbooks
    an ISO date with offset."""
    python_client = PythonQuickbooks(sandbox, token)
    node_client = NodeQuickbooks(sandbox, token)
    since = (datetime.datetime.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    answer = python_client.request("GET", "cdc", entities="Customer,Employee", changedSince=since)
    assert "CDCResponse" in ok(answer)
    node_answer = node_client.request(
        "GET", f"/cdc?entities=Customer,Vendor&changedSince={since}-07:00"
    )
    assert "CDCResponse" in ok(node_answer)


def test_intuit_dotnet_sdk_compressed_request_bodies(sandbox, token):
    """Intuit's .NET SDK can gzip (or deflate) request bodies
    (``RequestCompressor``); it sends a requestid when the context has one."""
    client = PythonQuickbooks(sandbox, token)
    body = json.dumps(
        {"NameOf": "Employee", "EmployeeRef": {"value": alice_id(sandbox)}, "Hours": 2}
    ).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate",
        "Content-Type": "application/json",
    }
    url = f"{client.base}/timeactivity"
    params = {"minorversion": MINOR_VERSION, "requestid": uuid.uuid4().hex}
    gzipped = requests.post(
        url,
        params=params,
        data=gzip.compress(body),
        headers={**headers, "Content-Encoding": "gzip"},
        timeout=TIMEOUT,
    )
    assert ok(gzipped, "TimeActivity")["Hours"] == 2
    deflated = requests.post(
        url,
        params={"minorversion": MINOR_VERSION},
        data=zlib.compress(body),
        headers={**headers, "Content-Encoding": "deflate"},
        timeout=TIMEOUT,
    )
    assert ok(deflated, "TimeActivity")["Hours"] == 2
    query = requests.post(
        f"{client.base}/query",
        params={"minorversion": MINOR_VERSION},
        data=gzip.compress(b"select count(*) from TimeActivity"),
        headers={**headers, "Content-Type": "application/text", "Content-Encoding": "gzip"},
        timeout=TIMEOUT,
    )
    assert ok(query)["QueryResponse"]["totalCount"] == 2
    broken = requests.post(
        url,
        params={"minorversion": MINOR_VERSION},
        data=b"not gzip at all",
        headers={**headers, "Content-Encoding": "gzip"},
        timeout=TIMEOUT,
    )
    assert broken.status_code == 400 and broken.json()["Fault"]["Error"][0]["code"] == "2010"
