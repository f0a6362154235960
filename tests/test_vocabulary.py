# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One word for one thing in what users read: a person *links* an Odoo record
to a QuickBooks record (the addon never says "map"), and a resync reports
what it *matched* by name; the readme says what the filters show."""

import ast
import re
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "qb_timesheet_sync"
# "qbo.map.wizard" or records.mapped(...) are names, not words.
MAP = re.compile(r"(?<![\w.])(map|maps|mapped|mapping|mappings|unmapped)(?![\w.])", re.I)
# What a person does is linking: "match it/them", "match the project with"
# ask for it in the resync's word.
MATCH_ORDER = re.compile(r"\bmatch (it|them)\b|\bmatch the \w+ with\b", re.I)
XML_TEXT_ATTRIBUTES = ("string", "help", "confirm", "placeholder", "title")


def wrong_word(text):
    return MAP.search(text) or MATCH_ORDER.search(text)


def user_strings_in_python(path):
    """Every string literal of ``path`` but docstrings (identifiers such as
    field names hold no space and are left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and " " in node.value
        ):
            yield node.lineno, node.value


def user_strings_in_xml(path):
    for element in ElementTree.parse(path).iter():
        for text in (element.text, element.tail):
            if text and text.strip():
                yield element.tag, text.strip()
        for attribute in XML_TEXT_ATTRIBUTES:
            if element.get(attribute):
                yield element.tag, element.get(attribute)


def addon_files(suffix):
    return [
        path
        for path in sorted(ADDON.rglob(f"*{suffix}"))
        if not {"tests", "migrations", "i18n"} & set(path.relative_to(ADDON).parts)
    ]


def test_the_scanner_sees_the_words_it_forbids():
    assert wrong_word("Not mapped to QuickBooks")
    assert wrong_word("match it in the project form")
    assert not wrong_word("Matched by name with the QuickBooks employee 'Emily Platt'.")
    assert not wrong_word('env["qbo.map.wizard"] and lines.mapped("name")')


def test_sentences_and_labels_say_link_not_map():
    found = [
        f"{path.relative_to(ROOT)}:{where}: {text!r}"
        for suffix, strings in ((".py", user_strings_in_python), (".xml", user_strings_in_xml))
        for path in addon_files(suffix)
        for where, text in strings(path)
        if wrong_word(text)
    ]
    assert not found, "\n".join(found)


def test_usage_says_what_the_not_sent_filter_shows():
    view = ElementTree.parse(ADDON / "views" / "account_analytic_line_views.xml")
    (not_sent,) = [
        element for element in view.iter("filter") if element.get("name") == "qbo_not_sent"
    ]
    # The filter is "not in QuickBooks": it holds refused and failed lines too.
    assert not_sent.get("domain") == "[('qbo_sent', '=', False)]"
    usage = " ".join((ADDON / "readme" / "USAGE.md").read_text(encoding="utf-8").split())
    sentence = (
        f"The filter *{not_sent.get('string')}* shows every line QuickBooks does not have yet"
    )
    assert sentence in usage
    described = usage.split(sentence, 1)[1].split(".", 1)[0]
    for status in ("*Not sent*", "*Refused*", "*Queued*", "*Failed*"):
        assert status in described


def test_the_resync_preview_speaks_the_report_s_words():
    wizard = (ADDON / "wizards" / "qbo_resync_wizard.py").read_text(encoding="utf-8")
    labels = dict(re.findall(r'\("(\w+)", "([^"]+)"\)', wizard.split("class ", 1)[0]))
    counts = dict(re.findall(r'count_(\w+) = fields\.Integer\(string="([^"]+)"', wizard))
    assert labels["match"] == counts["matched"]
    for category in ("unmatched", "ambiguous", "inactive", "failed"):
        assert labels[category] == counts[category], category
    assert "leave" not in labels, "no 'Leave alone' that the report does not count"
