"""The shape of a JSON answer, and where two shapes differ.

A shape maps each field path of a decoded JSON document to its JSON type:
``{"CompanyInfo": "object", "CompanyInfo.CompanyName": "string",
"QueryResponse.Employee": "array", "QueryResponse.Employee[].Id": "string"}``.
The elements of an array share one path (``[]``): their shapes are merged, and
a path whose elements disagree has both types (``"number|string"``). Values
are left out, so two companies with different data but the same kind of
answer have the same shape; only what QuickBooks leaves out when a field has
no value makes data show through.
"""

from dataclasses import dataclass, field

ROOT = "$"


def json_type(value):
    """The JSON type of a decoded value (JSON has one number type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"Not a decoded JSON value: {type(value).__name__}")


def shape_of(document):
    """{path: type} of ``document`` (the root is ``$``)."""
    types = {}
    _walk(document, ROOT, types)
    return {path: "|".join(sorted(kinds)) for path, kinds in types.items()}


def _walk(value, path, types):
    types.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, key if path == ROOT else f"{path}.{key}", types)
    elif isinstance(value, list):
        for child in value:
            _walk(child, f"{path}[]", types)


def merge_shapes(*shapes):
    """One shape holding every path of ``shapes`` (types joined)."""
    types = {}
    for shape in shapes:
        for path, kinds in shape.items():
            types.setdefault(path, set()).update(kinds.split("|"))
    return {path: "|".join(sorted(kinds)) for path, kinds in types.items()}


def _parent(path):
    """The path that contains ``path`` (None for a top-level field)."""
    if path == ROOT:
        return None
    if path.endswith("[]"):
        return path[:-2] or ROOT
    head, dot, _tail = path.rpartition(".")
    return head if dot else ROOT


@dataclass
class Missing:
    """A path one side has and the other lacks; ``fields``: how many paths
    below it are missing with it (not listed one by one)."""

    path: str
    type: str
    fields: int = 0

    def __str__(self):
        inside = f", {self.fields} field{'s' if self.fields > 1 else ''}" if self.fields else ""
        return f"{self.path} ({self.type}{inside})"


@dataclass
class ShapeDiff:
    """Where shape ``other`` differs from shape ``reference``."""

    only_in_reference: list = field(default_factory=list)
    only_in_other: list = field(default_factory=list)
    # (path, type in reference, type in other)
    type_changed: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.only_in_reference or self.only_in_other or self.type_changed)


def compare_shapes(reference, other):
    """The :class:`ShapeDiff` of ``other`` against ``reference``.

    A missing object or array is listed once, with the number of fields below
    it, rather than field by field.
    """
    diff = ShapeDiff(
        only_in_reference=_missing(reference, other),
        only_in_other=_missing(other, reference),
    )
    for path in sorted(set(reference) & set(other)):
        if reference[path] != other[path]:
            diff.type_changed.append((path, reference[path], other[path]))
    return diff


def _missing(having, lacking):
    absent = set(having) - set(lacking)
    tops = []
    for path in sorted(absent):
        parent = _parent(path)
        if parent is None or parent not in absent:
            below = sum(1 for other in absent if other != path and _is_below(other, path))
            tops.append(Missing(path, having[path], below))
    return tops


def _is_below(path, ancestor):
    parent = _parent(path)
    while parent is not None:
        if parent == ancestor:
            return True
        parent = _parent(parent)
    return False
