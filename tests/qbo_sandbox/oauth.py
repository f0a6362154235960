"""OAuth 2.0 authorization server of the sandbox (Intuit's OAuth 2.0 pages and clients,
docs/ASSUMPTIONS.md#token-lifetimes).

Data kept in ``SandboxState`` (all plain JSON so it can be persisted):

- ``auth_codes[code]``: client_id, redirect_uri, realm_id, scope, expires_at, used,
  grant_id (set once exchanged);
- ``grants[grant_id]``: one connection (client + realm + scope), its ``latest_refresh``
  token, ``revoked`` flag and ``hard_expires_at`` (the end of its refresh tokens'
  five-year life); revoking a grant kills its refresh and access tokens;
- ``refresh_tokens[token]``: grant_id, expires_at, superseded_at;
- ``access_tokens[token]``: grant_id, realm_id, scope, expires_at.

Every function expects ``state.lock`` to be held by the caller.
"""

import base64
import binascii
import hmac
import secrets
import time
import urllib.parse
import uuid

from . import faults

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
KNOWN_SCOPES = {
    ACCOUNTING_SCOPE,
    "com.intuit.quickbooks.payment",
    # Restricted (Premium): pay types through the GraphQL API (payroll.py),
    # and the Projects API (intuit/oauth-pythonclient intuitlib/enums.py).
    "payroll.compensation.read",
    "project-management.project",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
}
AUTHORIZATION_CODE_TTL = 600
# The five-year hard cap announced in 2025 (blogs.intuit.com 2025-11-12
# "important changes to refresh token policy"); ``SandboxConfig`` can shorten it.
REFRESH_HARD_LIFETIME = 5 * 365 * 86400


class OAuthError(Exception):
    """An error of the token or revoke endpoint, answered as ``{"error": ...}``."""

    def __init__(self, status, error):
        super().__init__(error)
        self.status = status
        self.error = error


class AuthorizeError(Exception):
    """An authorization request that cannot go on.

    With ``redirect=True`` the error goes back to the client's redirect_uri; otherwise
    (unknown client, unusable redirect_uri) it is shown to the user as a page.
    """

    def __init__(self, error, description, redirect):
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect = redirect


def parse_basic_auth(header):
    if not header or not header.startswith("Basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _sep, secret = decoded.partition(":")
    return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)


def check_client(config, client_id, secret):
    expected = config.clients.get(client_id or "")
    if expected is None or not hmac.compare_digest(expected, secret or ""):
        raise OAuthError(401, "invalid_client")


def check_authorization_request(config, params):
    """Validate ``GET /connect/oauth2`` parameters; return them as a dict."""
    client_id = params.get("client_id", "")
    if client_id not in config.clients:
        raise AuthorizeError("invalid_client", "Unknown client_id.", redirect=False)
    redirect_uri = params.get("redirect_uri", "")
    parsed = urllib.parse.urlparse(redirect_uri)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise AuthorizeError(
            "invalid_request", "redirect_uri must be an http(s) URL.", redirect=False
        )
    request = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": params.get("scope", ""),
        "state": params.get("state", ""),
    }
    if params.get("response_type") != "code":
        raise AuthorizeError(
            "unsupported_response_type", "response_type must be code.", redirect=True
        )
    scopes = request["scope"].split()
    if not scopes or not set(scopes) <= KNOWN_SCOPES:
        raise AuthorizeError("invalid_scope", "Unknown or missing scope.", redirect=True)
    return request


def wants_company(scope):
    """Only the accounting (or payment) scope connects a company and yields realmId."""
    return bool({ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment"} & set(scope.split()))


def issue_code(state, request, realm_id):
    code = "AB11" + secrets.token_urlsafe(36)
    state.auth_codes[code] = {
        "client_id": request["client_id"],
        "redirect_uri": request["redirect_uri"],
        "scope": request["scope"],
        "realm_id": realm_id if wants_company(request["scope"]) else None,
        "expires_at": time.time() + AUTHORIZATION_CODE_TTL,
        "used": False,
        "grant_id": None,
    }
    state.changed()
    return code


def callback_url(redirect_uri, params):
    separator = "&" if urllib.parse.urlparse(redirect_uri).query else "?"
    return redirect_uri + separator + urllib.parse.urlencode(params)


def exchange_code(state, config, client_id, code, redirect_uri):
    entry = state.auth_codes.get(code or "")
    if entry is None or entry["client_id"] != client_id:
        raise OAuthError(400, "invalid_grant")
    if entry["used"]:
        # A replayed code also invalidates what the first exchange issued
        # (docs/ASSUMPTIONS.md#authorization-code-once).
        if entry["grant_id"]:
            revoke_grant(state, entry["grant_id"])
        raise OAuthError(400, "invalid_grant")
    entry["used"] = True
    state.changed()
    if time.time() > entry["expires_at"] or redirect_uri != entry["redirect_uri"]:
        raise OAuthError(400, "invalid_grant")
    grant_id = uuid.uuid4().hex
    state.grants[grant_id] = {
        "client_id": client_id,
        "realm_id": entry["realm_id"],
        "scope": entry["scope"],
        "created": time.time(),
        "hard_expires_at": time.time() + config.refresh_hard_lifetime,
        "revoked": False,
        "latest_refresh": None,
    }
    entry["grant_id"] = grant_id
    state.count("token_grants", "authorization_code")
    return _issue_tokens(state, config, grant_id, rotate=True)


def refresh(state, config, client_id, refresh_token):
    entry = state.refresh_tokens.get(refresh_token or "")
    if entry is None:
        raise OAuthError(400, "invalid_grant")
    grant = state.grants[entry["grant_id"]]
    now = time.time()
    superseded_at = entry["superseded_at"]
    if (
        grant["revoked"]
        or grant["client_id"] != client_id
        or now > entry["expires_at"]
        or (superseded_at is not None and now > superseded_at + config.refresh_grace_seconds)
    ):
        raise OAuthError(400, "invalid_grant")
    state.count("token_grants", "refresh_token")
    # A superseded token still inside its grace period gets a new access token and the
    # chain's current refresh token, not a new one: the chain stays linear and a client
    # that lost the newest token (a crash before saving it) gets it back.
    return _issue_tokens(state, config, entry["grant_id"], rotate=superseded_at is None)


def _hard_expires_at(grant):
    return grant.get("hard_expires_at", grant["created"] + REFRESH_HARD_LIFETIME)


def _issue_tokens(state, config, grant_id, rotate):
    grant = state.grants[grant_id]
    now = time.time()
    if rotate:
        previous = grant["latest_refresh"]
        if previous:
            state.refresh_tokens[previous]["superseded_at"] = now
        refresh_token = "RT1-" + secrets.token_urlsafe(40)
        # Refresh tokens live 100 days, rolling: each new one starts a new period,
        # which never runs past the grant's hard expiry: near the end the rolling
        # expiry stops moving (IntuitDeveloper/SampleApp-Webhooks-Java-Cloudevents
        # RefreshTokenHardExpirationService.isHardExpired).
        state.refresh_tokens[refresh_token] = {
            "grant_id": grant_id,
            "expires_at": min(now + config.refresh_token_ttl, _hard_expires_at(grant)),
            "superseded_at": None,
        }
        grant["latest_refresh"] = refresh_token
    refresh_token = grant["latest_refresh"]
    access_token = "eyJzYW5kYm94In0." + secrets.token_urlsafe(48)
    state.access_tokens[access_token] = {
        "grant_id": grant_id,
        "realm_id": grant["realm_id"],
        "scope": grant["scope"],
        "expires_at": now + config.access_token_ttl,
    }
    state.changed()
    refresh_expires_at = state.refresh_tokens[refresh_token]["expires_at"]
    return {
        "token_type": "bearer",
        "access_token": access_token,
        "expires_in": int(config.access_token_ttl),
        "refresh_token": refresh_token,
        "x_refresh_token_expires_in": max(0, int(refresh_expires_at - now)),
        # Sent only when the request asks for it (oauth_routes.py).
        "x_refresh_token_hard_expires_in": max(0, int(_hard_expires_at(grant) - now)),
    }


def revoke_grant(state, grant_id):
    state.grants[grant_id]["revoked"] = True
    state.changed()


def revoke(state, client_id, token):
    """Revoke the grant behind a refresh or access token of this client.

    An unknown token is not an error (RFC 7009): the answer is the same 200.
    """
    entry = state.refresh_tokens.get(token) or state.access_tokens.get(token)
    if entry is None:
        return
    if state.grants[entry["grant_id"]]["client_id"] == client_id:
        revoke_grant(state, entry["grant_id"])
        state.count("revokes")


def authenticate(state, authorization_header, realm_id):
    """Return the access-token entry for an API call, or raise a ``GatewayFault``."""
    header = authorization_header or ""
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if len(token) < 20:
        raise faults.authentication_failed("Malformed bearer token: too short or too long")
    entry = state.access_tokens.get(token)
    prefix = token[:20]
    if entry is None:
        raise faults.authentication_failed(f"Token invalid: {prefix}")
    if state.grants[entry["grant_id"]]["revoked"]:
        raise faults.authentication_failed(f"Token revoked: {prefix}")
    if time.time() > entry["expires_at"]:
        raise faults.authentication_failed(f"Token expired: {prefix}")
    if not wants_company(entry["scope"]):
        raise faults.authorization_failed("The access token does not have sufficient scope")
    # A token only opens the company it was issued for. An unknown realm (for example one
    # from another environment) answers the same 403/3100 as the real gateway
    # (docs/ASSUMPTIONS.md#token-scoped-to-realm).
    if entry["realm_id"] != realm_id or state.realm(realm_id) is None:
        raise faults.authorization_failed(
            "The access token is not authorized for this company (realmId)."
        )
    return entry


def expire_access_tokens(state, realm_id):
    expired = 0
    for entry in state.access_tokens.values():
        if entry["realm_id"] == realm_id and entry["expires_at"] > 0:
            entry["expires_at"] = 0
            expired += 1
    state.changed()
    return expired
