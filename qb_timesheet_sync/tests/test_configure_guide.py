# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The go-live guide (readme/CONFIGURE.md) names only what the addon has:
its URL paths, the Odoo names in italics, the scopes and webhook entities."""

import re
from pathlib import Path

from lxml import etree

from odoo.tests import TransactionCase, tagged

from ..qbo.webhooks import ENTITIES
from .common import qbo_sandbox

GUIDE = Path(__file__).resolve().parents[1] / "readme" / "CONFIGURE.md"
ROUTE_PREFIX = "/qb_timesheet_sync/"
# *name*, possibly over several lines; never **bold**.
ITALIC = re.compile(r"(?<![*\w])\*(?![*\s])(.+?)(?<![*\s])\*(?![*\w])", re.DOTALL)
PATH = re.compile(r"/qb_timesheet_sync/[\w/]*\w")
SCOPE_ROW = re.compile(r"^\s*\| `([^`]+)` \| ([^|]+) \|", re.MULTILINE)
ENTITIES_LINE = re.compile(r"Subscribe to the entities((?:\s*`\w+`,?)+)")
PLACEHOLDER = re.compile(r"<[^>]*>")


def normalized(text):
    return " ".join((text or "").split())


@tagged("post_install", "-at_install")
class TestConfigureGuide(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.guide = GUIDE.read_text(encoding="utf-8")
        cls.names = cls._odoo_names(cls.env)

    @staticmethod
    def _odoo_names(env):
        """What the screens say: the settings and connection views (text and
        labels), the timesheets' search filters, the settings' field labels
        and choices, menus, groups."""
        texts = set()
        views = (
            ("res.config.settings", "form", None),
            ("qbo.connection", "form", None),
            # The timesheets' filters (e.g. the cut-off date's).
            ("account.analytic.line", "search", "hr_timesheet.hr_timesheet_line_search"),
        )
        for model, view_type, xmlid in views:
            view_id = env.ref(xmlid).id if xmlid else None
            arch = etree.fromstring(
                env[model].get_view(view_id=view_id, view_type=view_type)["arch"]
            )
            for node in arch.iter(etree.Element):
                texts.update(normalized(text) for text in node.itertext())
                texts.update(
                    normalized(node.get(attr)) for attr in ("string", "title", "help", "confirm")
                )
        for field in env["res.config.settings"]._fields.values():
            texts.add(normalized(field.string))
            if field.type == "selection" and isinstance(field.selection, list):
                texts.update(normalized(label) for _value, label in field.selection)
        texts.update(normalized(name) for name in env["ir.ui.menu"].search([]).mapped("name"))
        texts.update(normalized(name) for name in env["res.groups"].search([]).mapped("name"))
        texts.discard("")
        return texts

    def unknown_names(self, text):
        """The italic names of ``text`` that no screen of the addon shows."""
        unknown = []
        for name in ITALIC.findall(text):
            for part in normalized(name).split(" > "):
                part = normalized(PLACEHOLDER.sub("", part)).rstrip(":")
                if not any(part in known for known in self.names):
                    unknown.append(part)
        return unknown

    def test_every_odoo_name_of_the_guide_is_on_screen(self):
        self.assertGreater(len(ITALIC.findall(self.guide)), 20)
        self.assertEqual(self.unknown_names(self.guide), [])
        # The check itself finds a name no screen shows.
        self.assertEqual(self.unknown_names("Click *Connect to Xero*."), ["Connect to Xero"])

    def test_the_guide_names_exactly_the_addon_routes(self):
        routes = {
            rule.rule
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if rule.rule.startswith(ROUTE_PREFIX)
        }
        self.assertEqual(set(PATH.findall(self.guide)), routes)
        connection = self.env.company._qbo_connection()
        redirect_uri = self.env["qbo.connection"]._qbo_redirect_uri()
        self.assertIn(
            f"https://<your Odoo>{redirect_uri[redirect_uri.index(ROUTE_PREFIX) :]}", self.guide
        )
        reconnect = connection._qbo_reconnect_url().split("?")[0]
        self.assertIn(
            f"https://<your Odoo>{reconnect[reconnect.index(ROUTE_PREFIX) :]}", self.guide
        )

    def test_the_scopes_are_those_the_consent_asks_for(self):
        rows = dict(SCOPE_ROW.findall(self.guide))
        self.assertTrue(rows)
        asked = {scope for scope, when in rows.items() if not when.strip().startswith("never")}
        connection = self.env.company._qbo_connection()
        company = self.env.company
        code = set()
        for payroll in (False, True):
            company.qbo_send_payroll_items = payroll
            code |= set(connection._qbo_scopes())
        self.assertEqual(asked, code)
        # Those the addon never asks for are Intuit's (as the sandbox knows them).
        qbo_sandbox()
        from tests.qbo_sandbox.oauth import KNOWN_SCOPES

        self.assertLessEqual(set(rows), KNOWN_SCOPES)
        for scope in set(rows) - asked:
            self.assertNotIn(scope, code)

    def test_the_webhook_entities_are_those_the_addon_follows(self):
        found = ENTITIES_LINE.search(self.guide)
        self.assertTrue(found, "the guide lists the entities to subscribe to")
        self.assertEqual(set(re.findall(r"`(\w+)`", found.group(1))), set(ENTITIES.values()))
