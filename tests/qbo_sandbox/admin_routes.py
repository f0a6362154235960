"""The sandbox's admin API (loopback only): its page, company settings,
seeds, stats, webhook subscriptions and what a QuickBooks user does (bill,
edit or delete a time activity), a part of the request handler."""

import ipaddress
import urllib.parse

from . import admin_actions, entities, faults, oauth, pages
from .pages import HTML_TYPE


class AdminRoutes:
    """Admin routes of the sandbox's request handler."""

    def _admin(self, method):
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send_json(403, {"error": "the admin API only answers loopback clients"})
            return
        self.state.count("requests", "admin")
        parts = [part for part in self.route.split("/")[2:] if part]
        try:
            self._admin_route(method, parts)
        except (ValueError, TypeError, KeyError, faults.QboFault) as error:
            if self._is_form():
                self._send_html(400, pages.error_page("Not done", str(error)))
            else:
                self._send_json(400, {"error": str(error)})

    def _admin_route(self, method, parts):
        sandbox = self.sandbox
        if method == "GET" and not parts:
            with self.state.lock:
                page = pages.admin_page(
                    list(self.state.realms.values()),
                    self.state.stats["metered"],
                    {"subscriptions": sandbox.config.webhooks, **sandbox.webhooks.status()},
                )
            self._send_html(200, page)
        elif method == "GET" and parts == ["stats"]:
            self._send_json(200, sandbox.stats())
        elif parts == ["config"] and method in ("GET", "POST"):
            if method == "POST":
                sandbox.configure(**(self._json_body() or {}))
            self._send_json(200, sandbox.config.to_dict())
        elif method == "POST" and parts == ["reset"]:
            sandbox.reset(self._json_body())
            self._send_json(200, {"realms": sorted(self.state.realms)})
        elif method == "POST" and parts == ["seed"]:
            sandbox.seed(self._json_body() or {})
            self._send_json(200, {"realms": sorted(self.state.realms)})
        elif parts and parts[0] == "webhooks":
            self._admin_webhooks(method, parts[1:])
        elif len(parts) >= 3 and parts[0] == "realms":
            self._admin_realm(method, parts[1], parts[2:])
        else:
            self._send_json(404, {"error": "not_found"})

    def _admin_webhooks(self, method, parts):
        """Subscriptions per app: GET lists them with the recent deliveries;
        POST sets one (``client_id``, default the sandbox app); DELETE
        ``/webhooks/{client_id}`` removes one."""
        sandbox = self.sandbox
        subscriptions = dict(sandbox.config.webhooks)
        if method == "POST" and not parts:
            body = dict(self._json_body() or {})
            client_id = body.pop("client_id", None) or next(iter(sandbox.config.clients))
            subscriptions[client_id] = body
            sandbox.configure(webhooks=subscriptions)
        elif method == "DELETE" and len(parts) == 1:
            if subscriptions.pop(parts[0], None) is None:
                self._send_json(404, {"error": f"no subscription for {parts[0]}"})
                return
            sandbox.configure(webhooks=subscriptions)
        elif method != "GET" or parts:
            self._send_json(404, {"error": "not_found"})
            return
        self._send_json(
            200, {"subscriptions": sandbox.config.webhooks, **sandbox.webhooks.status()}
        )

    def _admin_realm(self, method, realm_id, parts):
        with self.state.lock:
            status, payload = self._admin_realm_answer(method, realm_id, parts)
        if self._is_form() and status == 200:
            # A form of the sandbox page: back to the page, on that company.
            self._send(303, b"", HTML_TYPE, headers=[("Location", f"/_sandbox/#realm-{realm_id}")])
        else:
            self._send_json(status, payload)

    def _is_form(self):
        content_type = self.headers.get("Content-Type") or ""
        return content_type.startswith("application/x-www-form-urlencoded")

    def _form(self):
        return admin_actions.form_changes(
            dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))
        )

    def _admin_realm_answer(self, method, realm_id, parts):
        realm = self.state.realm(realm_id)
        if realm is None:
            return 404, {"error": f"unknown realm {realm_id}"}
        if method == "POST" and parts == ["settings"]:
            realm.apply_settings(self._json_body() or {})
            self.state.changed()
            return 200, dict(realm.settings)
        if method == "GET" and len(parts) == 2 and parts[0] == "entities":
            entity = entities.ENTITY_BY_PATH.get(parts[1].lower())
            if entity is None:
                return 404, {"error": f"unknown entity {parts[1]}"}
            return 200, self.state.records(realm_id, entity)
        if method == "POST" and len(parts) == 3 and parts[0] == "time-activities":
            # A QuickBooks user bills, edits or deletes the time activity.
            changes = self._form() if self._is_form() else self._json_body()
            return 200, admin_actions.run(self.state, realm, parts[1], parts[2], changes)
        if method == "POST" and parts == ["expire-access-tokens"]:
            return 200, {"expired": oauth.expire_access_tokens(self.state, realm_id)}
        return 404, {"error": "not_found"}
