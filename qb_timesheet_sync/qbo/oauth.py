# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""OAuth 2.0 with Intuit: consent URL, code exchange, token refresh, revocation."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests.auth import HTTPBasicAuth

from .errors import QboAuthError, QboConnectionError, error_from_response
from .text import _lt

_logger = logging.getLogger(__name__)

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"

# Since 2025 a refresh token lives at most five years, however often it is
# used; Intuit adds the seconds left of those five years
# (``x_refresh_token_hard_expires_in``) to a token answer when the request
# carries this header (blogs.intuit.com 2025-11-12 "important changes to
# refresh token policy"; IntuitDeveloper/SampleApp-Webhooks-Java-Cloudevents
# ``RefreshTokenHardExpirationService.java``). See
# docs/ASSUMPTIONS.md#refresh-token-hard-expiry.
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
HARD_EXPIRY_FIELD = "x_refresh_token_hard_expires_in"
_TOKEN_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded",
    HARD_EXPIRY_HEADER: "true",
}
# Days before the hard expiry at which QuickBooks managers are warned, the
# earliest first (docs/ASSUMPTIONS.md#refresh-token-hard-expiry).
EXPIRY_WARNING_DAYS = (60, 30, 7)


@dataclass
class TokenSet:
    """Tokens from one answer of Intuit's token endpoint (datetimes: naive UTC)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
    # End of the five-year life of the refresh token chain; None when Intuit
    # did not say.
    refresh_hard_expires_at: datetime | None = None
    intuit_tid: str | None = None


class OAuthClient:
    """The Intuit app's side of the OAuth 2.0 authorization-code flow."""

    def __init__(self, client_id, client_secret, redirect_uri, environment, timeout=20):
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.environment = environment
        self.timeout = timeout

    def __repr__(self):
        return f"OAuthClient(client_id={self.client_id!r}, environment={self.environment.name!r})"

    def authorization_url(self, state, scopes=(ACCOUNTING_SCOPE,)):
        """The Intuit consent page URL; ``state`` comes back unchanged to the redirect URI."""
        params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", " ".join(scopes)),
            ("state", state),
        ]
        return add_params_to_uri(self._endpoint("authorization_endpoint"), params)

    def exchange_code(self, code):
        """Trade the authorization code of the redirect for tokens."""
        client = WebApplicationClient(self.client_id)
        body = client.prepare_request_body(
            code=code, redirect_uri=self.redirect_uri, include_client_id=False
        )
        return self._token_request(client, body)

    def refresh(self, refresh_token):
        """New tokens from ``refresh_token``.

        Intuit rotates refresh tokens: the caller must store the returned
        ``refresh_token`` and use it next time.
        """
        client = WebApplicationClient(self.client_id)
        body = client.prepare_refresh_body(refresh_token=refresh_token)
        tokens = self._token_request(client, body)
        # RFC 6749 6: a server that does not rotate keeps the refresh token valid.
        tokens.refresh_token = tokens.refresh_token or refresh_token
        return tokens

    def revoke(self, token):
        """Revoke a refresh token (or an access token) at Intuit: the app's access
        to the company ends."""
        try:
            response = requests.post(
                self._endpoint("revocation_endpoint"),
                json={"token": token},
                auth=self._basic_auth(),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise QboConnectionError(detail=type(exc).__name__) from exc
        intuit_tid = response.headers.get("intuit_tid")
        _logger.debug(
            "QBO token revocation -> %s (intuit_tid=%s)", response.status_code, intuit_tid
        )
        if response.status_code == 200:
            return
        error = error_from_response(response.status_code, response.content, response.headers)
        if response.status_code >= 500 or isinstance(error, QboAuthError):
            raise error
        raise QboAuthError(
            _lt(
                "QuickBooks refused to revoke the connection; it was probably already revoked "
                "or expired."
            ),
            code=error.code,
            detail=error.detail,
            intuit_tid=intuit_tid,
            http_status=response.status_code,
        )

    def _basic_auth(self):
        # Intuit wants the client credentials in a Basic header, not in the body.
        return HTTPBasicAuth(self.client_id, self._client_secret)

    def _endpoint(self, name):
        """The environment's endpoint ``name``: https, or plain http on the
        loopback interface (the local sandbox) only.

        oauthlib's own check can only be relaxed for the whole process (the
        ``OAUTHLIB_INSECURE_TRANSPORT`` variable), so the requests are sent
        with ``requests`` and oauthlib only builds and reads the messages; the
        rule lives here, per call, and touches no process-wide state.
        """
        url = getattr(self.environment, name)
        if urlsplit(url).scheme != "https" and not self.environment.is_loopback:
            raise ValueError(f"QuickBooks' OAuth endpoints must use https: {url!r}")
        return url

    def _token_request(self, client, body):
        """Send ``body`` (prepared by oauthlib's ``client``) to the token
        endpoint; refusals and network failures become :class:`QboError`
        subclasses."""
        try:
            response = requests.post(
                self._endpoint("token_endpoint"),
                data=body,
                auth=self._basic_auth(),
                headers=dict(_TOKEN_HEADERS),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise QboConnectionError(detail=type(exc).__name__) from exc
        intuit_tid = response.headers.get("intuit_tid")
        _logger.debug("QBO token request -> %s (intuit_tid=%s)", response.status_code, intuit_tid)
        if response.status_code != 200:
            raise error_from_response(response.status_code, response.content, response.headers)
        try:
            token = client.parse_request_body_response(response.text)
        except OAuth2Error as exc:
            # A 200 answer without tokens (or with an error inside).
            body = {"error": exc.error, "error_description": exc.description}
            raise error_from_response(200, body, {"intuit_tid": intuit_tid}) from exc
        return _token_set(token, intuit_tid)


def _seconds(value):
    """A lifetime field of a token answer as whole seconds, or None when it
    is missing or not a non-negative number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _token_set(token, intuit_tid):
    now = datetime.now(UTC).replace(tzinfo=None)
    hard_lifetime = _seconds(token.get(HARD_EXPIRY_FIELD))
    refresh_lifetimes = [
        seconds
        for seconds in (_seconds(token.get("x_refresh_token_expires_in")), hard_lifetime)
        if seconds is not None
    ]
    return TokenSet(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=now + timedelta(seconds=int(token.get("expires_in") or 3600)),
        refresh_expires_at=(
            now + timedelta(seconds=min(refresh_lifetimes)) if refresh_lifetimes else None
        ),
        refresh_hard_expires_at=(
            now + timedelta(seconds=hard_lifetime) if hard_lifetime is not None else None
        ),
        intuit_tid=intuit_tid,
    )


def expiry_warning_due(days_left, warned_days):
    """The warning threshold (one of EXPIRY_WARNING_DAYS) to send now, or None.

    ``days_left``: whole days until the hard expiry (None: unknown, never
    warned). ``warned_days``: the threshold of the last warning sent for this
    chain of tokens (0 or None: none yet). Only the tightest threshold
    reached is sent: a warning missed while the server was down is not sent
    late, one after the other.
    """
    if days_left is None:
        return None
    reached = [days for days in EXPIRY_WARNING_DAYS if days_left <= days]
    if not reached:
        return None
    due = min(reached)
    if warned_days and warned_days <= due:
        return None
    return due
