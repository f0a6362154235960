# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The checks Odoo applies to its own addons (the ``test_lint`` addon of the
Odoo source, ``odoo/addons/test_lint/tests``), run on this addon only.

Odoo's tests walk every module of the addons path; here each one runs with
its module list narrowed to ``qb_timesheet_sync`` (``get_modules`` patched),
so the rules are Odoo's own code, not a copy. The checks that go through
the whole registry (method signatures, routes) keep Odoo's rule and look
only at this addon's classes. Odoo's pylint checkers and its ESLint
configuration run in the plain-Python tier (tests/test_lint.py): they need
no database."""

import inspect
import os
from pathlib import Path
from unittest import skipIf
from unittest.mock import patch

from odoo import http
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

try:
    from odoo.addons.test_lint.tests import (
        lint_case,
        test_dunderinit,
        test_i18n,
        test_jstranslate,
        test_l10n,
        test_manifests,
        test_markers,
        test_onchange_domains,
        test_override_signatures,
        test_pofile,
    )
except ImportError:  # an Odoo installed without its test addons
    lint_case = None

MODULE = "qb_timesheet_sync"


def only_this_addon():
    """Odoo's lint tests, with this addon as the only module there is."""
    patches = [
        patch.object(module, "get_modules", return_value=[MODULE])
        for module in (lint_case, test_dunderinit, test_pofile)
    ]
    for one in patches:
        one.start()
    return patches


@tagged("post_install", "-at_install")
@skipIf(lint_case is None, "Odoo's test_lint addon (odoo/addons/test_lint) is not in this Odoo")
class TestOdooLint(TransactionCase):
    def setUp(self):
        super().setUp()
        for one in only_this_addon():
            self.addCleanup(one.stop)

    def run_odoo_test(self, case_class, method_name):
        """Run ``case_class.method_name`` of Odoo's test_lint on this addon."""
        getattr(case_class(method_name), method_name)()

    def test_manifest(self):
        # Odoo's test_manifests, without its subTest (which needs a running case).
        linter = test_manifests.ManifestLinter("test_manifests")
        manifest = linter._load_manifest(MODULE)
        linter._test_manifest_keys(MODULE, manifest)
        linter._test_manifest_values(MODULE, manifest)

    def test_dunderinit(self):
        self.run_odoo_test(test_dunderinit.TestDunderinit, "test_dunderinit")

    def test_pot_has_no_duplicate_entries(self):
        self.run_odoo_test(test_pofile.PotLinter, "test_pot_duplicate_entries")

    def test_component_props_are_translatable(self):
        self.run_odoo_test(test_i18n.TestI18n, "test_user_content_as_prop_is_translatable")

    def test_js_translations(self):
        self.run_odoo_test(test_jstranslate.TestJsTranslations, "test_js_translations")

    def test_no_domains_in_onchanges(self):
        self.run_odoo_test(
            test_onchange_domains.TestOnchangeDomains, "test_forbid_domains_in_onchanges"
        )

    def test_l10n_test_tags(self):
        self.run_odoo_test(test_l10n.L10nLinter, "test_l10n_test_tags")

    def test_no_conflict_markers(self):
        # Odoo's test walks the whole addons path: this addon's files only.
        checker = test_markers.TestConflictMarkers("test_conflict_markers")
        checked = 0
        for root, _dirs, names in os.walk(get_module_path(MODULE)):
            for name in names:
                if name.endswith(test_markers.EXTENSIONS):
                    checker.check_file(os.path.join(root, name))
                    checked += 1
        self.assertGreater(checked, 0)

    def test_override_signatures(self):
        """Odoo's rule for overrides of public model methods, on the
        overrides this addon defines."""
        signatures = test_override_signatures
        checked = 0
        for model_name, model_cls in self.registry.items():
            for method_name, _method in inspect.getmembers(model_cls, inspect.isroutine):
                if method_name not in signatures.methods_to_sanitize:
                    continue
                # One iterator, as in Odoo's test: the overrides are looked
                # for below the class that defines the method first.
                reverse_mro = reversed(model_cls.mro()[1:-1])
                for parent_class in reverse_mro:
                    original = getattr(parent_class, method_name, None)
                    if callable(original):
                        break
                for child_class in reverse_mro:
                    if method_name not in child_class.__dict__:
                        continue
                    child_module = signatures.get_odoo_module_name(child_class.__module__)
                    if child_module != MODULE:
                        continue
                    override = getattr(child_class, method_name)
                    with self.subTest(model=model_name, method=method_name):
                        try:
                            signatures.assert_valid_override(
                                inspect.signature(original), inspect.signature(override)
                            )
                        except AssertionError as error:
                            self.fail(
                                signatures.failure_message.format(
                                    message=error.args[0],
                                    model=model_name,
                                    method=method_name,
                                    child_module=child_module,
                                    parent_module=signatures.get_odoo_module_name(
                                        parent_class.__module__
                                    ),
                                    original_signature=inspect.signature(original),
                                    override_signature=inspect.signature(override),
                                )
                            )
                    checked += 1
        self.assertGreater(checked, 0, "the addon overrides public methods (write, unlink...)")

    def test_routes(self):
        """Odoo's rule for routes (test_lint/tests/test_routes.py): an
        inherited route repeats none of its parent's settings."""
        check_route = http._check_and_complete_route_definition
        repeated = {}
        ours = []

        def extended_check(controller_cls, submethod, merged_routing):
            if submethod.__module__.startswith(f"odoo.addons.{MODULE}."):
                ours.append(submethod.__name__)
                if "type" in merged_routing:
                    same = {
                        key: value
                        for key, value in submethod.original_routing.items()
                        if key not in ("routes", "type") and merged_routing.get(key) == value
                    }
                    if same:
                        repeated[f"{controller_cls.__name__}.{submethod.__name__}"] = same
            check_route(controller_cls, submethod, merged_routing)

        installed = set(
            self.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name")
        )
        with patch("odoo.http._check_and_complete_route_definition", extended_check):
            for _rule in http._generate_routing_rules(installed, nodb_only=False):
                pass
        self.assertTrue(ours, "the addon's routes were seen")
        self.assertEqual(repeated, {})

    def test_the_narrowed_walk_reads_this_addon(self):
        """Narrowed, Odoo's walk over module files reads this addon's files,
        and only them."""
        root = Path(get_module_path(MODULE)).resolve()
        self.assertEqual(root, Path(__file__).resolve().parents[1])
        walker = test_jstranslate.TestJsTranslations("test_js_translations")
        for pattern in ("*.py", "*.js", "*.xml"):
            files = [Path(name).resolve() for name in walker.iter_module_files(pattern)]
            self.assertTrue(files, pattern)
            self.assertTrue(all(root in path.parents for path in files), pattern)
