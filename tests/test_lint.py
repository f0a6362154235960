# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The linters Odoo runs on its own addons, run on this addon only.

- pylint with Odoo's own checkers, built as Odoo 18's
  ``odoo/addons/test_lint/tests/test_pylint.py`` builds its command (same
  messages, same plugins: SQL only through ``SQL()`` composition, literal
  strings in ``_()``, ``unlink`` overrides that do not raise), given this
  addon's folder instead of every addon of the addons path. A small addon
  with known faults is linted in the same run: the checkers are proven to
  be loaded and to fire, and this addon has no message of its own.
- ESLint with Odoo's configuration for addons
  (``test_lint/tests/eslintrc``, as ``test_eslint.py`` runs it) on the
  addon's JavaScript.

OCA's pylint-odoo runs through pre-commit (``.pre-commit-config.yaml``).
Its message names are unknown to the pylint above, which reports a pragma
that names them (``unknown-option-value``): the addon's pragmas disable
``unknown-option-value`` first, e.g.
``# pylint: disable=unknown-option-value,invalid-commit``.

Both need an Odoo 18.0 source tree (``ODOO_SRC``, or the one the venv
imports) and skip, saying why, without it. The rest of Odoo's test_lint
(manifest, routes, method signatures, translations...) needs a database:
``qb_timesheet_sync/tests/test_odoo_lint.py`` in the Odoo tier."""

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "qb_timesheet_sync"
QBTS_HOME = Path(
    os.environ.get("QBTS_HOME")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qb_timesheet_sync"
)
TIMEOUT = 900  # seconds; about 30 s of CPU, more on a loaded machine

# As odoo/addons/test_lint/tests/test_pylint.py (Odoo 18.0) passes them;
# --deprecated-modules gets odoo.tools.constants.SUPPORTED_DEBUGGER there.
PYLINT_OPTIONS = [
    f"--rcfile={os.devnull}",
    "--disable=all,useless-option-value",
    "--enable="
    + ",".join(
        [
            "used-before-assignment",
            "undefined-variable",
            "eval-used",
            "unreachable",
            "function-redefined",
            # Odoo's own checkers
            "sql-injection",
            "gettext-variable",
            "gettext-placeholders",
            "gettext-repr",
            "raise-unlink-override",
        ]
    ),
    "--reports=n",
    "--msg-template={msg} ({msg_id}) at {path}:{line}",
    "--load-plugins="
    + ",".join(
        [
            "_pylint_path_setup",
            "pylint.extensions.bad_builtin",
            "_odoo_checker_sql_injection",
            "_odoo_checker_gettext",
            "_odoo_checker_unlink_override",
        ]
    ),
    "--bad-functions=input",
]
MESSAGE = re.compile(r"^(?P<msg>.*) \((?P<msg_id>[A-Z]\d{4})\) at (?P<path>.+):(?P<line>\d+)$")

# The addon with known faults, and the messages each of them must raise.
FAULTY_ADDON = "qbts_lint_canary"
FAULTY_MODEL = """\
from odoo import _, models


class Canary(models.Model):
    _name = "qbts.lint.canary"
    _description = "Faults the linters must find"

    def read_by_name(self, name):
        self.env.cr.execute(f"SELECT id FROM res_partner WHERE name = '{name}'")

    def say(self, name):
        return _(f"Hello {name}")

    def say_both(self, first, second):
        return _("Hello %s and %s", first, second)

    def quote(self, name):
        return _("Hello %r", name)

    def unlink(self):
        raise ValueError("never")
"""
# sql-injection, gettext-variable, raise-unlink-override, gettext-placeholders, gettext-repr
FAULTY_EXPECTED = {"E8501", "E8502", "E8503", "E8505", "E8506"}


def odoo_source():
    """The Odoo 18.0 source tree: ``ODOO_SRC``, else the ``odoo`` package
    this Python imports; None when there is neither."""
    if os.environ.get("ODOO_SRC"):
        return Path(os.environ["ODOO_SRC"])
    spec = importlib.util.find_spec("odoo")
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).parent
    return None


def odoo_lint_dir():
    src = odoo_source()
    if src is None or not (src / "odoo" / "release.py").is_file():
        pytest.skip(
            "ODOO LINT NOT RUN: no Odoo 18.0 source (set ODOO_SRC, or install the venv with Odoo)"
        )
    here = src / "odoo" / "addons" / "test_lint" / "tests"
    if not (here / "_odoo_checker_sql_injection.py").is_file():
        pytest.skip(f"ODOO LINT NOT RUN: no test_lint addon in {src}")
    return src, here


def supported_debuggers(src):
    """odoo.tools.constants.SUPPORTED_DEBUGGER, read without importing Odoo
    into this process."""
    tree = ast.parse((src / "odoo" / "tools" / "constants.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "SUPPORTED_DEBUGGER"
            for target in node.targets
        ):
            return sorted(ast.literal_eval(node.value))
    raise AssertionError("odoo/tools/constants.py has no SUPPORTED_DEBUGGER")


def run_pylint(paths):
    src, here = odoo_lint_dir()
    if importlib.util.find_spec("pylint") is None:
        pytest.skip("ODOO LINT NOT RUN: pylint is not installed (pip install -r requirements.txt)")
    debuggers = supported_debuggers(src)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(here), str(src), str(ROOT)]),
        "ADDONS_PATH": os.pathsep.join(
            [str(src / "odoo" / "addons"), *sorted({str(Path(path).parent) for path in paths})]
        ),
    }
    options = [
        *PYLINT_OPTIONS,
        "--deprecated-modules=" + ",".join(["csv", "urllib", "cgi", *debuggers]),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pylint", *options, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=TIMEOUT,
        check=False,
    )
    return result


def test_odoo_pylint_checkers_find_nothing_in_the_addon(tmp_path):
    canary = tmp_path / FAULTY_ADDON
    (canary / "models").mkdir(parents=True)
    (canary / "__init__.py").write_text("from . import models\n")
    (canary / "__manifest__.py").write_text('{"name": "Canary", "license": "LGPL-3"}\n')
    (canary / "models" / "__init__.py").write_text("from . import canary\n")
    (canary / "models" / "canary.py").write_text(textwrap.dedent(FAULTY_MODEL))

    result = run_pylint([ADDON, canary])
    # Exit status bits 1 (fatal) and 32 (usage error): pylint itself failed.
    assert not result.returncode & (1 | 32), f"pylint failed:\n{result.stdout}\n{result.stderr}"
    found = {}
    others = []
    for line in result.stdout.splitlines():
        match = MESSAGE.match(line)
        if match:
            in_canary = (ROOT / match["path"]).resolve().is_relative_to(canary)
            found.setdefault(in_canary, []).append(line)
        elif line.strip() and not line.startswith(("*************", "---", "Your code has been")):
            others.append(line)
    canary_ids = {MESSAGE.match(line)["msg_id"] for line in found.get(True, [])}
    assert FAULTY_EXPECTED <= canary_ids, (
        f"Odoo's checkers did not fire on known faults:\n{result.stdout}\n{result.stderr}"
    )
    assert not found.get(False) and not others, (
        "Odoo's pylint checkers (test_lint/tests/test_pylint.py) on qb_timesheet_sync:\n"
        + "\n".join(found.get(False, []) + others)
    )


def eslint_command():
    for candidate in (
        os.environ.get("QBTS_ESLINT"),
        shutil.which("eslint"),
        QBTS_HOME / "eslint" / "node_modules" / ".bin" / "eslint",
    ):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def test_odoo_eslint_config_finds_nothing_in_the_addon():
    _src, here = odoo_lint_dir()
    eslint = eslint_command()
    if eslint is None:
        pytest.skip(
            "ESLINT NOT RUN: no eslint (setup/test.sh installs eslint@8 with npm into "
            f"{QBTS_HOME / 'eslint'}; or put eslint on PATH, or set QBTS_ESLINT)"
        )
    # As test_eslint.py picks them: static JavaScript, libraries left out.
    files = sorted(
        str(path)
        for path in ADDON.glob("static/**/*.js")
        if not re.match(r".*/libs?/.*", str(path))
    )
    assert files, "the addon's JavaScript (its tours) is found"
    result = subprocess.run(
        [eslint, "--no-ignore", "--no-eslintrc", "-c", str(here / "eslintrc"), *files],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"ESLint with Odoo's eslintrc:\n{result.stdout}\n{result.stderr}"
