"""The sandbox's OAuth 2.0 and OpenID endpoints (Intuit's discovery document,
consent page, token, revoke and userinfo), a part of the request handler."""

import secrets
import time
import urllib.parse

from . import oauth, pages

DISCOVERY_PATHS = (
    "/.well-known/openid_configuration",
    "/.well-known/openid_sandbox_configuration",
)


class OAuthRoutes:
    """OAuth and discovery routes of the sandbox's request handler."""

    def _public(self, method):
        route = self.route.rstrip("/") or "/"
        handlers = {
            ("GET", "/connect/oauth2"): self._authorize,
            ("POST", "/connect/oauth2/decide"): self._decide,
            ("POST", "/oauth2/v1/tokens/bearer"): self._token,
            ("POST", "/v2/oauth2/tokens/revoke"): self._revoke,
            ("GET", "/v1/openid_connect/userinfo"): self._userinfo,
            ("GET", "/op/v1/jwks"): lambda: self._send_json(200, {"keys": []}),
            ("GET", "/"): lambda: self._redirect("/_sandbox/"),
        }
        if method == "GET" and route in DISCOVERY_PATHS:
            self._discovery()
        elif (method, route) in handlers:
            handlers[(method, route)]()
        else:
            self._send_json(404, {"error": "not_found"})

    def _discovery(self):
        self.state.count("requests", "discovery")
        base = self._base_url()
        self._send_json(
            200,
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": sorted(oauth.KNOWN_SCOPES),
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "claims_supported": ["sub", "email", "givenName", "familyName"],
            },
        )

    def _authorize(self):
        self.state.count("requests", "oauth_authorize")
        config = self.sandbox.config
        try:
            request = oauth.check_authorization_request(config, self.params)
        except oauth.AuthorizeError as error:
            self._authorize_error(error)
            return
        if not config.auto_approve:
            with self.state.lock:
                realms = list(self.state.realms.values())
                consent_id = secrets.token_urlsafe(24)
                self.state.consents[consent_id] = request
            page = pages.consent_page(
                request["client_id"],
                request["scope"],
                realms,
                consent_id,
                oauth.wants_company(request["scope"]),
            )
            self._send_html(200, page)
            return
        with self.state.lock:
            realm_id = self.params.get("realm_id") or next(iter(self.state.realms), None)
            location = self._approve(request, realm_id)
        if location is None:
            self._send_html(
                400, pages.error_page("No such company", "The sandbox has no such company.")
            )
        else:
            self._redirect(location)

    def _authorize_error(self, error):
        if error.redirect:
            params = {"error": error.error, "state": self.params.get("state", "")}
            self._redirect(oauth.callback_url(self.params["redirect_uri"], params))
        else:
            self._send_html(400, pages.error_page("Cannot connect", error.description))

    def _approve(self, request, realm_id):
        """Issue a code; return the callback URL, or None when the company is unknown."""
        needs_company = oauth.wants_company(request["scope"])
        if needs_company and self.state.realm(realm_id or "") is None:
            return None
        code = oauth.issue_code(self.state, request, realm_id)
        params = {"code": code, "state": request["state"]}
        if needs_company:
            params["realmId"] = realm_id
        return oauth.callback_url(request["redirect_uri"], params)

    def _decide(self):
        form = dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))
        connect = form.get("decision") == "connect"
        location = None
        with self.state.lock:
            request = self.state.consents.pop(form.get("consent_id", ""), None)
            if request is not None and connect:
                location = self._approve(request, form.get("realm_id"))
        if request is None:
            self._send_html(
                400,
                pages.error_page(
                    "Request expired", "Start the connection again from the application."
                ),
            )
        elif not connect:
            params = {"error": "access_denied", "state": request["state"]}
            self._redirect(oauth.callback_url(request["redirect_uri"], params))
        elif location is None:
            self._send_html(
                400, pages.error_page("No company selected", "Select a company to connect.")
            )
        else:
            self._redirect(location)

    def _token(self):
        self.state.count("requests", "oauth_token")
        config = self.sandbox.config
        client_id, secret = oauth.parse_basic_auth(self.headers.get("Authorization"))
        form = dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))
        grant_type = form.get("grant_type")
        try:
            oauth.check_client(config, client_id, secret)
            with self.state.lock:
                if grant_type == "authorization_code":
                    answer = oauth.exchange_code(
                        self.state, config, client_id, form.get("code"), form.get("redirect_uri")
                    )
                elif grant_type == "refresh_token":
                    answer = oauth.refresh(self.state, config, client_id, form.get("refresh_token"))
                else:
                    raise oauth.OAuthError(400, "unsupported_grant_type")
        except oauth.OAuthError as error:
            self.state.count("token_errors")
            self._send_json(error.status, {"error": error.error}, compact=True)
            return
        # The hard expiry is opt-in through a request header (intuit/oauth-jsclient OAuthClient.js).
        if self.headers.get("x-include-refresh-token-hard-expires-in", "").lower() != "true":
            del answer["x_refresh_token_hard_expires_in"]
        self._send_json(200, answer, headers=[("Cache-Control", "no-store")])

    def _revoke(self):
        self.state.count("requests", "oauth_revoke")
        client_id, secret = oauth.parse_basic_auth(self.headers.get("Authorization"))
        try:
            oauth.check_client(self.sandbox.config, client_id, secret)
        except oauth.OAuthError as error:
            self._send_json(error.status, {"error": error.error}, compact=True)
            return
        try:
            payload = self._json_body()
        except ValueError:
            # Intuit's SDKs send JSON; a form body (token=...) is accepted as well.
            payload = dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))
        token = payload.get("token") if isinstance(payload, dict) else None
        if not token:
            self._send_json(400, {"error": "invalid_request"}, compact=True)
            return
        with self.state.lock:
            oauth.revoke(self.state, client_id, token)
        self._send(200)

    def _userinfo(self):
        header = self.headers.get("Authorization") or ""
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        with self.state.lock:
            entry = self.state.access_tokens.get(token)
            valid = (
                entry is not None
                and not self.state.grants[entry["grant_id"]]["revoked"]
                and time.time() <= entry["expires_at"]
            )
        if not valid:
            self._send_json(401, {"error": "invalid_token"}, compact=True)
            return
        self._send_json(
            200,
            {
                "sub": entry["grant_id"],
                "email": "sandbox.admin@example.com",
                "emailVerified": True,
                "givenName": "Sandbox",
                "familyName": "Admin",
            },
        )
