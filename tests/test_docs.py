# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The repository's own documentation holds together: every entry of
docs/ASSUMPTIONS.md is complete, every anchor of that list cited anywhere
exists, and no comment cites what a reader of the repository does not have
(an issue number of the project's tracker, or a note kept outside it)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSUMPTIONS = ROOT / "docs" / "ASSUMPTIONS.md"
BULLETS = ("Assumed", "Source", "If wrong", "Tested by")
TEXT_SUFFIXES = {".py", ".md", ".xml", ".js", ".rst", ".txt", ".csv", ".cfg", ".toml", ".yml"}
TEXT_SUFFIXES |= {".yaml", ".sh", ".scss", ".css", ".html"}
# Folders whose comments and docstrings must stand alone.
CHECKED_FOLDERS = ("qb_timesheet_sync", "tests", "setup")
SKIPPED_PARTS = {"__pycache__", ".git", "node_modules"}

# Built from pieces, so that this file does not cite what it forbids.
_ISSUE = "iss" + "ue"
_FACTS = "fac" + "ts"
FORBIDDEN = {
    "an issue number": re.compile(rf"\b{_ISSUE}s?\s+#?\d", re.IGNORECASE),
    "the outside facts note": re.compile(rf"qbo-api-{_FACTS}", re.IGNORECASE),
    "a section of the facts file": re.compile(rf"\b{_FACTS}\s+(?:section\s+)?\d", re.IGNORECASE),
    "a section sign": re.compile("\N{SECTION SIGN}"),
}
CITATION = re.compile(r"ASSUMPTIONS\.md#([A-Za-z0-9_-]+)")
HEADING = re.compile(r"^### (\S+)\s*$", re.MULTILINE)


def _entries():
    """{anchor: body} of every ``### anchor`` entry of docs/ASSUMPTIONS.md."""
    text = ASSUMPTIONS.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    entries = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[heading.end() : end]
        body = body.split("\n## ", 1)[0]  # the entry ends at the next section
        entries[heading.group(1)] = body
    return entries


def _bullets(body):
    """{name: text} of the ``- **Name**: text`` bullets of one entry."""
    found = {}
    for match in re.finditer(r"^- \*\*([^*]+)\*\*:(.*?)(?=^- \*\*|\Z)", body, re.M | re.S):
        found[match.group(1)] = " ".join(match.group(2).split())
    return found


def _text_files(folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts):
                    yield path


def _all_text_files():
    yield from (path for path in ROOT.glob("*.md"))
    yield from _text_files(("docs", ".github", ".ci", *CHECKED_FOLDERS))


def test_the_list_has_entries_and_unique_anchors():
    text = ASSUMPTIONS.read_text(encoding="utf-8")
    anchors = HEADING.findall(text)
    assert anchors, "docs/ASSUMPTIONS.md has no entry"
    assert len(anchors) == len(set(anchors)), "an anchor is used twice"
    for anchor in anchors:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", anchor), anchor


@pytest.mark.parametrize("anchor", sorted(_entries()))
def test_each_entry_has_its_four_bullets(anchor):
    bullets = _bullets(_entries()[anchor])
    assert list(bullets) == list(BULLETS), f"{anchor}: bullets {list(bullets)}"
    for name, text in bullets.items():
        assert text, f"{anchor}: '{name}' is empty"


def _named_tests(tested_by):
    """The tests a *Tested by* bullet names: ``tests/x.py::test_y`` (a later
    ``::test_z`` is in the same file), or an Odoo ``TestClass.test_method`` /
    ``TestClass`` of ``qb_timesheet_sync/tests``; other code spans (a sandbox
    switch, a value) are left alone."""
    path = None
    for span in re.findall(r"`([^`]+)`", tested_by):
        if span.startswith(("tests/", "qb_timesheet_sync/")) and ".py" in span:
            path, _sep, name = span.partition("::")
            yield path, name or None, None
        elif span.startswith("::") and path:
            yield path, span[2:], None
        elif re.fullmatch(r"Test[A-Za-z0-9]+(?:\.test_\w+)?", span):
            cls, _sep, method = span.partition(".")
            yield None, method or None, cls


def _odoo_test_sources():
    return {
        path: path.read_text(encoding="utf-8")
        for path in (ROOT / "qb_timesheet_sync" / "tests").glob("*.py")
    }


@pytest.mark.parametrize("anchor", sorted(_entries()))
def test_the_tests_an_entry_names_exist(anchor):
    tested_by = _bullets(_entries()[anchor]).get("Tested by", "")
    odoo_sources = None
    for path, name, cls in _named_tests(tested_by):
        if cls is None:
            file = ROOT / path
            assert file.is_file(), f"{anchor}: no file {path}"
            if name:
                text = file.read_text(encoding="utf-8")
                # pytest's form for a method: path::Class::method
                *classes, name = name.split("::")
                for holder in classes:
                    assert f"class {holder}(" in text, f"{anchor}: {holder}"
                assert f"def {name}(" in text, f"{anchor}: {name}"
            continue
        odoo_sources = odoo_sources or _odoo_test_sources()
        holders = [text for text in odoo_sources.values() if f"class {cls}(" in text]
        assert holders, f"{anchor}: no Odoo test class {cls}"
        if name:
            assert any(f"def {name}(" in text for text in holders), f"{anchor}: {cls}.{name}"


def test_every_cited_anchor_is_an_entry():
    anchors = set(_entries())
    missing = []
    for path in _all_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for anchor in CITATION.findall(line):
                if anchor not in anchors:
                    missing.append(f"{path.relative_to(ROOT)}:{number}: #{anchor}")
    assert not missing, "cited but not in docs/ASSUMPTIONS.md:\n" + "\n".join(missing)


def test_comments_cite_nothing_outside_the_repository():
    found = []
    for path in _text_files(CHECKED_FOLDERS):
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for what, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_checks_catch_what_they_are_for():
    # The patterns themselves, so that a change to them cannot quietly pass all.
    cites = ["(" + _ISSUE.title() + " 14)", f"see {_FACTS} section 7", f"{_FACTS} 9.4"]
    cites += [f"qbo-api-{_FACTS}.md", "\N{SECTION SIGN}3"]
    for text in cites:
        assert any(pattern.search(text) for pattern in FORBIDDEN.values()), text
    for text in ("preferences_facts(prefs)", "LineFacts(", "an issue with the body"):
        assert not any(pattern.search(text) for pattern in FORBIDDEN.values()), text
    assert _bullets("- **Assumed**: a\n  b\n- **Source**: c\n") == {"Assumed": "a b", "Source": "c"}
    spans = "`tests/a.py::test_b`, `::test_c`; Odoo `TestD.test_e`, `TestF`; switch `mode`"
    assert list(_named_tests(spans)) == [
        ("tests/a.py", "test_b", None),
        ("tests/a.py", "test_c", None),
        (None, "test_e", "TestD"),
        (None, None, "TestF"),
    ]
