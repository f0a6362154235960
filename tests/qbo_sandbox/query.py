"""The QBO query language, as far as Intuit's data-queries page describes it
(https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries).

``SELECT * | count(*) FROM <Entity> [WHERE <cond> [AND <cond>]...]
[ORDERBY|ORDER BY <field> [ASC|DESC] [, ...]] [STARTPOSITION n] [MAXRESULTS m]``
with ``= < > <= >= IN LIKE`` (``%`` only). No OR; property names after SELECT
are read and everything is returned (no projections).

Keywords and entity names are read in any case. Intuit's query page calls
entity names case-sensitive, but QuickBooks answers
``select * from timeActivity where ... startposition 1 maxresults 1000`` as
node-quickbooks has sent it since 2014 (mcohen01/node-quickbooks ``index.js``,
``module.query``; its live tests read ``QueryResponse.Account`` after ``from
account``): the answer names the entity as Intuit spells it. GUESS: field names
are read in any case too; no client shows QuickBooks either way, and every
client writes them as Intuit does (docs/ASSUMPTIONS.md#query-names-any-case).
"""

import copy
import dataclasses
import datetime
import decimal
import re

from . import entities, faults

DEFAULT_MAX_RESULTS = 100  # guess, the commonly cited default: docs/ASSUMPTIONS.md#query-page-size
MAX_RESULTS_LIMIT = 1000

_COMMON_FIELDS = ("Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime")
_NAME_FIELDS = (
    "DisplayName",
    "GivenName",
    "MiddleName",
    "FamilyName",
    "CompanyName",
    "PrintOnCheckName",
    "Active",
)
QUERYABLE_FIELDS = {
    "Customer": (
        *_COMMON_FIELDS,
        *_NAME_FIELDS,
        "FullyQualifiedName",
        "Job",
        "ParentRef",
        "IsProject",
        "Balance",
    ),
    "Employee": (*_COMMON_FIELDS, *_NAME_FIELDS, "EmployeeNumber"),
    "Vendor": (*_COMMON_FIELDS, *_NAME_FIELDS, "Vendor1099"),
    "Item": (*_COMMON_FIELDS, "Name", "FullyQualifiedName", "Type", "Active", "Sku"),
    "Class": (*_COMMON_FIELDS, "Name", "FullyQualifiedName", "Active"),
    "Department": (*_COMMON_FIELDS, "Name", "FullyQualifiedName", "Active"),
    "TimeActivity": (
        *_COMMON_FIELDS,
        "TxnDate",
        "NameOf",
        "EmployeeRef",
        "VendorRef",
        "CustomerRef",
        "ItemRef",
        "ClassRef",
        "DepartmentRef",
        "BillableStatus",
    ),
    "CompanyInfo": _COMMON_FIELDS,
    "Preferences": _COMMON_FIELDS,
}
# Entity names as a query may write them (any case) -> as Intuit spells them.
ENTITY_NAMES = {name.lower(): name for name in (*QUERYABLE_FIELDS, *entities.ABSENT_ENTITIES)}
DATETIME_FIELDS = ("MetaData.CreateTime", "MetaData.LastUpdatedTime")
DATE_FIELDS = ("TxnDate",)
COMPARISON_OPERATORS = ("=", "<", ">", "<=", ">=")
_NUMBER_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


@dataclasses.dataclass
class Condition:
    field: str
    operator: str
    values: list
    # The IN values once normalised (see _matches); a query runs on one realm.
    wanted: set | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list = dataclasses.field(default_factory=list)
    order: list = dataclasses.field(default_factory=list)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _tokenize(text):
    tokens = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise faults.query_parse_error(
                f'Encountered "{text[position : position + 10].strip()}" at column {position + 1}.'
            )
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text):
        self.tokens = _tokenize(text)
        self.position = 0

    def peek(self):
        if self.position < len(self.tokens):
            return self.tokens[self.position]
        return (None, None)

    def next(self, expected=None):
        kind, value = self.peek()
        if kind is None:
            raise faults.query_parse_error("Unexpected end of query.")
        if expected and value.upper() != expected:
            raise faults.query_parse_error(f'Encountered "{value}", expected "{expected}".')
        self.position += 1
        return kind, value

    def keyword(self, word):
        kind, value = self.peek()
        if kind == "word" and value.upper() == word:
            self.position += 1
            return True
        return False

    def parse(self):
        self.next("SELECT")
        count = False
        if self.keyword("COUNT"):
            self.next("(")
            self.next("*")
            self.next(")")
            count = True
        else:
            # Property names are read and ignored: python-quickbooks sends "SELECT *,
            # Sku FROM Item", many clients "SELECT Id, DisplayName FROM Customer".
            # Intuit: "The response set always returns all properties for each
            # object. That is, projections are not supported." (Intuit's data
            # queries page, and its blog "Deep dive into QuickBooks Online data
            # queries", 2017-02-08). Guess: full records, never sparse ones
            # (docs/ASSUMPTIONS.md#query-property-names).
            self._selected()
            while self.peek()[1] == ",":
                self.next()
                self._selected()
        self.next("FROM")
        name = self._word()
        entity = ENTITY_NAMES.get(name.lower())
        if entity is None:
            raise faults.query_invalid(f"Entity {name} is not supported.")
        query = Query(entity=entity, count=count)
        if self.keyword("WHERE"):
            query.conditions.append(self._condition(entity))
            while self.keyword("AND"):
                query.conditions.append(self._condition(entity))
        if self.keyword("ORDERBY") or (self.keyword("ORDER") and self.next("BY")):
            query.order.append(self._order(entity))
            while self.peek()[1] == ",":
                self.next()
                query.order.append(self._order(entity))
        if self.keyword("STARTPOSITION"):
            query.start_position = self._integer()
        if self.keyword("MAXRESULTS"):
            query.max_results = self._integer()
        if self.peek()[0] is not None:
            raise faults.query_parse_error(f'Encountered "{self.peek()[1]}" after the query.')
        if query.start_position < 1:
            raise faults.query_invalid("STARTPOSITION must be 1 or more.")
        if not 1 <= query.max_results <= MAX_RESULTS_LIMIT:
            # Unknown whether QBO refuses or silently caps a larger MAXRESULTS
            # (docs/ASSUMPTIONS.md#query-page-size).
            raise faults.query_invalid(f"MAXRESULTS must be between 1 and {MAX_RESULTS_LIMIT}.")
        return query

    def _selected(self):
        kind, value = self.next()
        if value != "*" and (kind != "word" or value.upper() == "FROM"):
            raise faults.query_parse_error(f'Encountered "{value}", expected "*" or a name.')

    def _word(self):
        kind, value = self.next()
        if kind != "word":
            raise faults.query_parse_error(f'Encountered "{value}", expected a name.')
        return value

    def _integer(self):
        kind, value = self.next()
        if kind != "number" or not value.lstrip("-").isdigit():
            raise faults.query_parse_error(f'Encountered "{value}", expected a number.')
        return int(value)

    def _field(self, entity):
        name = self._word()
        if entity not in QUERYABLE_FIELDS:
            return name  # an entity the sandbox holds none of: nothing to compare
        for field in QUERYABLE_FIELDS[entity]:
            if field.lower() == name.lower():
                return field
        raise faults.query_invalid(f"property '{name}' is not queryable for {entity}")

    def _value(self):
        kind, value = self.next()
        if kind == "string":
            return value
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise faults.query_parse_error(f'Encountered "{value}", expected a value.')

    def _condition(self, entity):
        field = self._field(entity)
        if self.keyword("IN"):
            self.next("(")
            values = [self._value()]
            while self.peek()[1] == ",":
                self.next()
                values.append(self._value())
            self.next(")")
            return Condition(field, "IN", values)
        if self.keyword("LIKE"):
            value = self._value()
            if not isinstance(value, str):
                raise faults.query_invalid("LIKE needs a quoted string.")
            return Condition(field, "LIKE", [value])
        _kind, operator = self.next()
        if operator not in COMPARISON_OPERATORS:
            raise faults.query_parse_error(f'Encountered "{operator}", expected an operator.')
        value = self._value()
        if field in DATETIME_FIELDS:
            # A bad timestamp is refused even when no record would be compared.
            if not isinstance(value, str):
                raise faults.query_invalid(f"'{value}' is not a valid date or date-time.")
            _as_datetime(None, value)
        return Condition(field, operator, [value])

    def _order(self, entity):
        field = self._field(entity)
        descending = False
        if self.keyword("DESC"):
            descending = True
        else:
            self.keyword("ASC")
        return field, descending


def parse(text):
    if not text or not text.strip():
        raise faults.query_parse_error("The query is empty.")
    return _Parser(text).parse()


# --------------------------------------------------------------------------- evaluation


def _field_value(record, field):
    value = record
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _normalise(realm, field, value):
    """A value of ``field`` in a form that compares correctly with others of the field."""
    if value is None:
        return None
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if field in DATETIME_FIELDS:
        return (0, _as_datetime(realm, value).timestamp())
    if field in DATE_FIELDS:
        return (1, value[:10])
    if _NUMBER_RE.fullmatch(value.strip()):
        # Exact, never a float: class ids such as 5000000000000018727 are past
        # 2**53, where neighbouring ids would become one float.
        return (0, decimal.Decimal(value.strip()))
    # UNSURE: string comparisons ignore case, as QBO's name lookups do.
    return (1, value.casefold())


def _as_datetime(realm, text):
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError as error:
        raise faults.query_invalid(f"'{text}' is not a valid date or date-time.") from error
    if moment.tzinfo is None and realm is not None:
        # No offset: the company's time zone.
        moment = moment.replace(tzinfo=realm.tz)
    return moment


def _like(pattern, value):
    if not isinstance(value, str):
        return False
    regex = ".*".join(re.escape(part) for part in pattern.split("%"))
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _matches(realm, record, condition):
    raw = _field_value(record, condition.field)
    if condition.operator == "LIKE":
        return _like(condition.values[0], raw)
    actual = _normalise(realm, condition.field, raw)
    if actual is None:
        return False
    if condition.operator == "IN":
        # Normalised once per query, not once per record: an IN of 1,000 ids
        # over 10,000 records would otherwise take seconds.
        if condition.wanted is None:
            condition.wanted = {_normalise(realm, condition.field, v) for v in condition.values}
        return actual in condition.wanted
    expected = _normalise(realm, condition.field, condition.values[0])
    if actual[0] != expected[0]:
        return False
    return {
        "=": actual == expected,
        "<": actual < expected,
        ">": actual > expected,
        "<=": actual <= expected,
        ">=": actual >= expected,
    }[condition.operator]


def _sort_key(realm, field, record):
    value = _normalise(realm, field, _field_value(record, field))
    return (1, 0, "") if value is None else (0, *value)


def _candidates(realm, query):
    if query.entity in entities.ABSENT_ENTITIES:
        return []
    if query.entity == "CompanyInfo":
        return [realm.company_info()]
    if query.entity == "Preferences":
        return [realm.preferences()]
    records = [
        record for record in realm.records[query.entity].values() if not entities.is_deleted(record)
    ]
    filters_active = any(condition.field == "Active" for condition in query.conditions)
    if query.entity in entities.LIST_ENTITIES and not filters_active:
        # Inactive name-list records are hidden unless the query filters on Active.
        records = [record for record in records if record.get("Active", True)]
    return records


def run(realm, text):
    """Run a query on ``realm``; return the ``QueryResponse`` object."""
    query = parse(text)
    records = [
        record
        for record in _candidates(realm, query)
        if all(_matches(realm, record, condition) for condition in query.conditions)
    ]
    if query.count:
        return {"totalCount": len(records)}
    records.sort(key=lambda record: _sort_key(realm, "Id", record))
    for field, descending in reversed(query.order):
        records.sort(key=lambda record, f=field: _sort_key(realm, f, record), reverse=descending)
    page = records[query.start_position - 1 : query.start_position - 1 + query.max_results]
    if not page:
        return {}
    return {
        query.entity: copy.deepcopy(page),
        "startPosition": query.start_position,
        "maxResults": len(page),
    }
