# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared fixtures: one local QuickBooks sandbox per test run, on 127.0.0.1.

The sandbox is the repository's ``tests/qbo_sandbox`` package (beside the
addon); it runs in a thread of the test process, so each test can reset and
seed it, and talks real HTTP like QuickBooks Online.
"""

import functools
import os
import sys
from datetime import date
from urllib.parse import parse_qs, urlparse

import requests

from odoo.tests import TransactionCase

from ..models.qbo_state_guard import qbo_trusted
from ..qbo import forget_limiters
from ..qbo.preferences_cache import PREFERENCES

REALM_A = "9130350000000001"
REALM_B = "9130350000000002"
CLIENT_ID = "odoo-test-client"
CLIENT_SECRET = "odoo-test-secret"


def base_seed():
    """Two QuickBooks companies, so realm changes and multi-company can be tested."""
    return {
        "realms": [
            {
                "realm_id": REALM_A,
                "company_name": "Test Company A",
                "Employee": [
                    {"GivenName": "Emily", "FamilyName": "Platt", "DisplayName": "Emily Platt"}
                ],
                "Customer": [
                    {"DisplayName": "Cool Cars", "children": [{"DisplayName": "Website"}]}
                ],
                "Item": [{"Name": "Hours", "Type": "Service", "UnitPrice": 100}],
            },
            {
                "realm_id": REALM_B,
                "company_name": "Test Company B",
                "Employee": [{"GivenName": "John", "FamilyName": "Doe", "DisplayName": "John Doe"}],
            },
        ]
    }


def qbo_write(records, vals):
    """Write QuickBooks state the way the addon's own code does: fixtures
    that start linked or sent (nobody else may write it, see qbo.state.guard)."""
    with qbo_trusted():
        records.write(vals)


@functools.cache
def qbo_sandbox():
    """Start the sandbox once for the whole test run."""
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if repo_root not in sys.path:
        sys.path.insert(0, repo_root)
    from tests.qbo_sandbox import SandboxConfig, SandboxServer

    server = SandboxServer(
        SandboxConfig(port=0, auto_approve=True, clients={CLIENT_ID: CLIENT_SECRET})
    )
    server.start()
    return server


def forget_process_state():
    """The sandbox was reset: nothing this process kept of the QuickBooks
    company before (rate windows, Preferences) is kept."""
    forget_limiters()
    PREFERENCES.clear()


class QboCase(TransactionCase):
    """A company pointed at a freshly seeded local QuickBooks sandbox."""

    qbo_connect_realm = None  # set to a realm id to start each test connected
    qbo_create_connection = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Token refreshes run in a cursor of their own (registry.cursor());
        # in test mode that cursor shares the test transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.sandbox = qbo_sandbox()
        cls.qbo_set_params(cls.env, cls.sandbox.url)
        cls.company = cls.env.company

    @classmethod
    def qbo_set_params(cls, env, base_url):
        params = env["ir.config_parameter"].sudo()
        params.set_param("qb_timesheet_sync.environment", "custom")
        params.set_param("qb_timesheet_sync.custom_base_url", base_url)
        params.set_param("qb_timesheet_sync.client_id", CLIENT_ID)
        params.set_param("qb_timesheet_sync.client_secret", CLIENT_SECRET)

    @classmethod
    def qbo_seed(cls):
        return base_seed()

    def setUp(self):
        super().setUp()
        # What one test switched in the sandbox does not reach the next.
        self.sandbox.configure(
            auto_approve=True,
            requestid_mode="replay",
            fail_rate=0.0,
            project_customer_ref="as_sent",
            class_ref_per_line_only="refuse",
            max_query_in_ids=0,
            max_query_chars=0,
            refuse_time_activity_fields={},
            webhook_mix_realms=False,
        )
        self.sandbox.reset(seed=self.qbo_seed())
        forget_process_state()
        if not self.qbo_create_connection:
            return
        self.connection = self.company._qbo_connection()
        if self.qbo_connect_realm:
            self.qbo_connect(self.connection, self.qbo_connect_realm)

    def qbo_authorize(self, connection, realm_id):
        """Walk the consent step the way a browser would; returns the callback
        query (code, state, realmId) the sandbox sends back."""
        url = connection.action_connect()["url"]
        response = requests.get(
            url, params={"realm_id": realm_id}, allow_redirects=False, timeout=10
        )
        self.assertEqual(response.status_code, 302, response.text)
        query = parse_qs(urlparse(response.headers["Location"]).query)
        return {key: values[0] for key, values in query.items()}

    def qbo_connect(self, connection, realm_id):
        callback = self.qbo_authorize(connection, realm_id)
        connection._qbo_finish_connect(callback["code"], callback["realmId"])
        return callback

    def sandbox_stats(self):
        return requests.get(self.sandbox.url + "/_sandbox/stats", timeout=10).json()


def sent_tour_line(env):
    """Emily Platt's 2:00 of design review on the project Website, sent to
    QuickBooks (time activity 901): the line the browser tours open."""
    employee = env["hr.employee"].create({"name": "Emily Platt"})
    project = env["project.project"].create({"name": "Website"})
    line = env["account.analytic.line"].create(
        {
            "name": "Design review",
            "employee_id": employee.id,
            "project_id": project.id,
            "unit_amount": 2.0,
            "date": date(2026, 3, 2),
        }
    )
    qbo_write(line, {"qbo_state": "sent", "qbo_time_activity_id": "901", "qbo_realm_id": REALM_A})
    return line
