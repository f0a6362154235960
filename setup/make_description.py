#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Build qb_timesheet_sync/static/description/index.html from the readme/
fragments and the screenshots the tours take.

    QBTS_SCREENSHOTS=/tmp/shots QBTS_TIERS=odoo bash setup/test.sh   # the tours take them
    python3 setup/make_description.py /tmp/shots

The screenshots found in the folder are copied to static/description/ (as
screenshot_<name>.png); those missing keep the copy already there. Plain
Python, standard library only: the fragments use a small part of Markdown
(paragraphs, lists, tables, *emphasis*, **strong**, `code`), turned into HTML
here.
"""

import html
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "qb_timesheet_sync"
README = ADDON / "readme"
DESCRIPTION = ADDON / "static" / "description"

# The fragments, in the order of the page (as OCA's readme generator).
FRAGMENTS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("CONTRIBUTORS.md", "Contributors"),
)
# The screens the tours capture, in the order of the flow, with their caption.
SCREENSHOTS = (
    ("connect", "Connected: the notification and the QuickBooks block of Settings."),
    ("test_connection", "Test connection: plan, time tracking, payroll and closed books."),
    ("connection_expiry", "Near QuickBooks' five-year limit: the date, and Reconnect now."),
    (
        "resync_preview",
        "Check for new users and customers: the preview, before Apply, with the closest "
        "QuickBooks record of a name that matched nobody.",
    ),
    ("send_preview", "Send to QuickBooks: the preview, with totals per employee."),
    ("refused_line", "After the send: the refused line shows Refused and why."),
    ("approver_warning", "A timesheet administrator editing a sent line is warned."),
    ("overview", "The overview: each company's connection health, read budget and lines."),
    ("failures", "Failures to fix: refused lines by reason, each with its fix."),
    ("disconnect", "Disconnected: when and by whom."),
)


def inline(text):
    """Inline Markdown of the fragments: `code`, **strong**, *emphasis*."""
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)


def blocks(markdown):
    """Split a fragment into blocks separated by blank lines."""
    block = []
    for line in markdown.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def list_items(block, marker):
    items = []
    for line in block:
        match = re.match(marker, line)
        if match:
            items.append(line[match.end() :].strip())
        elif items:
            items[-1] += " " + line.strip()
    return items


def to_html(markdown):
    parts = []
    for block in blocks(markdown):
        first = block[0]
        if first.startswith("|"):
            rows = [
                [cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in block
                if not re.match(r"^\|\s*-", line)
            ]
            head = "".join(f"<th>{inline(cell)}</th>" for cell in rows[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in row) + "</tr>"
                for row in rows[1:]
            )
            parts.append(f'<table class="table"><tr>{head}</tr>{body}</table>')
        elif re.match(r"^\d+\.\s", first):
            items = list_items(block, r"^\d+\.\s")
            parts.append("<ol>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ol>")
        elif re.match(r"^[-*]\s", first):
            items = list_items(block, r"^[-*]\s")
            parts.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>")
        else:
            parts.append("<p>" + inline(" ".join(line.strip() for line in block)) + "</p>")
    return "\n".join(parts)


def copy_screenshots(folder):
    """Copy the tours' screenshots; returns the names present afterwards."""
    present = []
    for name, _caption in SCREENSHOTS:
        target = DESCRIPTION / f"screenshot_{name}.png"
        source = folder / f"{name}.png" if folder else None
        if source and source.exists():
            shutil.copyfile(source, target)
        if target.exists():
            present.append(name)
    return present


def page(present):
    sections = []
    for filename, title in FRAGMENTS:
        path = README / filename
        if not path.exists():
            continue
        heading = f"<h2>{html.escape(title)}</h2>\n" if title else ""
        sections.append(f"<section>\n{heading}{to_html(path.read_text())}\n</section>")
        if filename == "DESCRIPTION.md" and present:
            figures = "\n".join(
                f'<figure><img src="screenshot_{name}.png" alt="{html.escape(caption)}" '
                f'style="max-width: 100%; border: 1px solid #ddd;"/>'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                for name, caption in SCREENSHOTS
                if name in present
            )
            sections.append(f"<section>\n<h2>Screenshots</h2>\n{figures}\n</section>")
    return (
        "<!-- Generated by setup/make_description.py from readme/ and the tours' "
        "screenshots: edit those, not this file. -->\n"
        '<div class="container">\n'
        "<h1>QuickBooks Online Timesheet Sync</h1>\n" + "\n".join(sections) + "\n</div>\n"
    )


def main(argv):
    folder = Path(argv[1]) if len(argv) > 1 else None
    if folder and not folder.is_dir():
        sys.exit(f"No screenshots folder {folder}")
    DESCRIPTION.mkdir(parents=True, exist_ok=True)
    present = copy_screenshots(folder)
    (DESCRIPTION / "index.html").write_text(page(present))
    missing = [name for name, _caption in SCREENSHOTS if name not in present]
    print(f"index.html written with {len(present)} screenshots", end="")
    print(f" (missing: {', '.join(missing)})" if missing else "")


if __name__ == "__main__":
    main(sys.argv)
