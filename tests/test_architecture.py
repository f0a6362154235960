# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""docs/ARCHITECTURE.md stays true to the code: every value of a timesheet
line's ``qbo_state`` (read from the model's source, without importing Odoo)
has its row in the map, its place in the diagram, a way in and a way out;
the diagram and the table of transitions draw the same arrows; every
``path::function`` the map names exists in that file; and the words table
of readme/USAGE.md names every state. The README still opens with the two
commands, and the links of the newcomer's pages lead somewhere."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "qb_timesheet_sync"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
USAGE = ADDON / "readme" / "USAGE.md"
LINE_MODEL = "account.analytic.line"
ENDPOINT = "[*]"

CITED = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.py)::([\w.]+)`")
CODE_SPAN = re.compile(r"`([^`]+)`")
MERMAID_EDGE = re.compile(r"^\s*(\S+)\s*-->\s*(\S+?)\s*(?::.*)?$")


# ---------------------------------------------------------------------------
# The code: the selection of qbo_state, and the functions of a file
# ---------------------------------------------------------------------------
def _literal(node, constants):
    """The value of ``node``: a literal, or a module constant by name."""
    if isinstance(node, ast.Name):
        return constants[node.id]
    return ast.literal_eval(node)


def _constants(tree):
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    constants[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return constants


def _class_models(node, constants):
    """The models a class defines or extends (``_name``, ``_inherit``)."""
    models = set()
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                value = _literal(statement.value, constants)
                models.update([value] if isinstance(value, str) else value)
    return models


def _field_selection(statement, constants):
    """(values, added values) of a ``qbo_state = fields.Selection(...)``."""
    call = statement.value
    values, added = [], []
    if call.args:
        values = [key for key, _label in _literal(call.args[0], constants)]
    for keyword in call.keywords:
        if keyword.arg == "selection":
            values = [key for key, _label in _literal(keyword.value, constants)]
        elif keyword.arg == "selection_add":
            added = [item[0] for item in _literal(keyword.value, constants)]
    return values, added


def line_states(source_dir=ADDON / "models"):
    """The values of ``account.analytic.line.qbo_state``, in order: the
    selection declared by the addon, plus any ``selection_add``."""
    declared, added = [], []
    for path in sorted(source_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            if LINE_MODEL not in _class_models(node, constants):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and statement.targets[0].id == "qbo_state"
                    and isinstance(statement.value, ast.Call)
                ):
                    values, more = _field_selection(statement, constants)
                    declared += values
                    added += more
    return declared + [value for value in added if value not in declared]


def line_labels(path=ADDON / "models" / "account_analytic_line.py"):
    """{value: label} of the selection declared in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return dict(_constants(tree)["QBO_STATES"])


def defines(path, name):
    """Whether ``path`` defines ``name``: a function or class, at any depth,
    or ``Class.method``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    if "." in name:
        cls, method = name.split(".", 1)
        return any(
            isinstance(node, ast.ClassDef)
            and node.name == cls
            and any(isinstance(child, kinds) and child.name == method for child in node.body)
            for node in ast.walk(tree)
        )
    return any(isinstance(node, kinds) and node.name == name for node in ast.walk(tree))


# ---------------------------------------------------------------------------
# The map: its tables and its diagram
# ---------------------------------------------------------------------------
def _section(text, title):
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/ARCHITECTURE.md has no section '## {title}'"
    return match.group(1)


def _table_rows(text):
    """The cells of each row of the markdown tables of ``text`` (header and
    separator rows left out)."""
    rows = []
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        is_separator = re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line)
        next_is_separator = index + 1 < len(lines) and re.fullmatch(
            r"\|(\s*:?-+:?\s*\|)+", lines[index + 1]
        )
        if is_separator or next_is_separator:
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _spans(cell):
    return CODE_SPAN.findall(cell)


def map_text():
    return ARCHITECTURE.read_text(encoding="utf-8")


def state_rows(text):
    """{state: label} of the table of section 'The states'."""
    return {_spans(row[0])[0]: row[1] for row in _table_rows(_section(text, "The states")) if row}


def transitions(text):
    """[(from states, to states, made by)] of the table of transitions."""
    rows = _table_rows(_section(text, "Every transition and the function that makes it"))
    return [(_spans(row[0]), _spans(row[1]), row[3]) for row in rows]


def table_edges(rows):
    return {
        (source, target)
        for sources, targets, _made_by in rows
        for source in sources
        for target in targets
        if source != target
    }


def diagram_edges(text):
    match = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert match, "docs/ARCHITECTURE.md has no mermaid diagram"
    body = match.group(1)
    assert body.lstrip().startswith("stateDiagram-v2"), "the diagram is not a stateDiagram-v2"
    edges = set()
    for line in body.splitlines()[1:]:
        found = MERMAID_EDGE.match(line)
        if found and found.group(1) != found.group(2):
            edges.add((found.group(1), found.group(2)))
    return edges


def usage_words(text):
    """The labels in the first column of USAGE.md's table of words."""
    return {
        row[0].strip("*") for row in _table_rows(text) if row and re.fullmatch(r"\*[^*]+\*", row[0])
    }


def _resolve(path):
    for base in (ADDON, ROOT):
        if (base / path).is_file():
            return base / path
    return None


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------
def test_the_selection_is_read_from_the_source():
    states = line_states()
    assert states[0] == "not_sent", "the default comes first"
    assert {"sent", "queued", "deleted"} <= set(states)
    assert len(states) == len(set(states))


@pytest.mark.parametrize("state", line_states())
def test_each_state_has_its_row_with_its_label(state):
    rows = state_rows(map_text())
    assert state in rows, f"docs/ARCHITECTURE.md: no row for the state '{state}'"
    assert rows[state] == line_labels().get(state, rows[state]), (
        f"docs/ARCHITECTURE.md: the label of '{state}' is not the selection's"
    )


def test_the_map_names_no_state_the_code_does_not_have():
    text = map_text()
    known = set(line_states()) | {ENDPOINT}
    assert set(state_rows(text)) <= known
    for sources, targets, _made_by in transitions(text):
        assert set(sources) | set(targets) <= known, (sources, targets)
    for edge in diagram_edges(text):
        assert set(edge) <= known, edge


@pytest.mark.parametrize("state", line_states())
def test_each_state_has_a_way_in_and_a_way_out(state):
    edges = table_edges(transitions(map_text()))
    assert any(target == state for _source, target in edges), f"no way into '{state}'"
    assert any(source == state for source, _target in edges), f"no way out of '{state}'"


def test_the_diagram_and_the_table_draw_the_same_arrows():
    text = map_text()
    in_table = table_edges(transitions(text))
    in_diagram = diagram_edges(text)
    assert in_diagram - in_table == set(), "in the diagram only"
    assert in_table - in_diagram == set(), "in the table only"


def test_each_transition_names_the_function_that_makes_it():
    for sources, targets, made_by in transitions(map_text()):
        if ENDPOINT in sources:
            continue  # the field's default
        assert CITED.search(made_by), f"{sources} -> {targets}: no path::function"


def test_every_function_the_map_names_exists():
    missing = []
    cited = CITED.findall(map_text())
    assert len(cited) > 20
    for path, name in sorted(set(cited)):
        file = _resolve(path)
        if file is None:
            missing.append(f"{path} (no such file)")
        elif not defines(file, name):
            missing.append(f"{path}::{name}")
    assert not missing, "docs/ARCHITECTURE.md names what is gone:\n" + "\n".join(missing)


@pytest.mark.parametrize("state", line_states())
def test_the_words_of_usage_name_every_state(state):
    label = line_labels().get(state)
    assert label, f"'{state}' has no label in QBO_STATES"
    assert label in usage_words(USAGE.read_text(encoding="utf-8")), (
        f"readme/USAGE.md: the words table has no row '*{label}*'"
    )


def test_the_checks_catch_what_they_are_for(tmp_path):
    # A state added by another file, the way a later module would.
    models = tmp_path / "models"
    models.mkdir()
    (models / "line.py").write_text(
        "STATES = [('a', 'A'), ('b', 'B')]\n"
        "class Line:\n"
        "    _inherit = 'account.analytic.line'\n"
        "    qbo_state = fields.Selection(STATES, default='a')\n"
        "class Other:\n"
        "    _name = 'res.config.settings'\n"
        "    qbo_state = fields.Selection([('x', 'X')])\n",
        encoding="utf-8",
    )
    (models / "more.py").write_text(
        "class Line:\n"
        "    _inherit = ['account.analytic.line']\n"
        "    qbo_state = fields.Selection(selection_add=[('c', 'C')])\n"
        "    def _move(self):\n"
        "        pass\n",
        encoding="utf-8",
    )
    assert line_states(models) == ["a", "b", "c"]
    assert defines(models / "more.py", "_move")
    assert defines(models / "more.py", "Line._move")
    assert not defines(models / "more.py", "_gone")
    assert not defines(models / "line.py", "Line._move")
    text = (
        "## The states\n\n| state | label |\n| --- | --- |\n| `a` | A |\n\n"
        "## Every transition and the function that makes it\n\n"
        "| from | to | when | made by |\n| --- | --- | --- | --- |\n"
        "| `a`, `b` | `c` | w | `models/more.py::_move` |\n"
        "| `c` | `c` | w | x |\n\n"
        "```mermaid\nstateDiagram-v2\n    a --> c : w\n    b --> c\n```\n"
    )
    assert state_rows(text) == {"a": "A"}
    assert table_edges(transitions(text)) == {("a", "c"), ("b", "c")} == diagram_edges(text)
    assert CITED.findall(text) == [("models/more.py", "_move")]
    assert usage_words("| Status | Meaning |\n| --- | --- |\n| *Sent* | x |\n") == {"Sent"}


# ---------------------------------------------------------------------------
# The newcomer's pages: the two commands, and links that lead somewhere
# ---------------------------------------------------------------------------
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading):
    """GitHub's anchor of a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path):
    text = path.read_text(encoding="utf-8")
    return {_slug(title) for title in re.findall(r"^#+ (.+)$", text, re.M)}


def test_the_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["bash setup/run.sh", "bash setup/test.sh"]


@pytest.mark.parametrize("page", ["README.md", "docs/ARCHITECTURE.md", "docs/benchmarks.md"])
def test_the_links_of_a_page_lead_somewhere(page):
    path = ROOT / page
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file_part, _sep, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(target)
    assert not broken, f"{page}: " + ", ".join(broken)


def test_the_slugs_are_github_s():
    assert _slug("Against a real Intuit company") == "against-a-real-intuit-company"
    assert _slug("Security and translations") == "security-and-translations"
    assert _slug("Try it (demo database)") == "try-it-demo-database"
