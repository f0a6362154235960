# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""OAuth 2.0 with Intuit: consent URL, code exchange, token refresh, revocation."""

import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from oauthlib.oauth2 import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from .errors import QboAuthError, QboConnectionError, error_from_response

_logger = logging.getLogger(__name__)

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"

# Intuit adds the refresh token's hard (5-year) expiry to the answer when asked.
_TOKEN_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded",
    "x-include-refresh-token-hard-expires-in": "true",
}
_INSECURE_TRANSPORT_VARIABLE = "OAUTHLIB_INSECURE_TRANSPORT"
_insecure_transport_lock = threading.Lock()


class _DropDebugRecords(logging.Filter):
    """requests-oauthlib logs token requests and answers, tokens included, at
    DEBUG level; a server run with debug logging must still never write them."""

    def filter(self, record):
        return record.levelno > logging.DEBUG


logging.getLogger("requests_oauthlib.oauth2_session").addFilter(_DropDebugRecords())


@dataclass
class TokenSet:
    """Tokens from one answer of Intuit's token endpoint (datetimes: naive UTC)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
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
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri, scope=list(scopes))
        with _plain_http_allowed(self.environment):
            url, _state = session.authorization_url(
                self.environment.authorization_endpoint, state=state
            )
        return url

    def exchange_code(self, code):
        """Trade the authorization code of the redirect for tokens."""
        return self._token_request(
            lambda session: session.fetch_token(
                self.environment.token_endpoint,
                code=code,
                auth=self._basic_auth(),
                headers=dict(_TOKEN_HEADERS),
                timeout=self.timeout,
            )
        )

    def refresh(self, refresh_token):
        """New tokens from ``refresh_token``.

        Intuit rotates refresh tokens: the caller must store the returned
        ``refresh_token`` and use it next time.
        """
        return self._token_request(
            lambda session: session.refresh_token(
                self.environment.token_endpoint,
                refresh_token=refresh_token,
                auth=self._basic_auth(),
                headers=dict(_TOKEN_HEADERS),
                timeout=self.timeout,
            )
        )

    def revoke(self, token):
        """Revoke a refresh token (or an access token) at Intuit: the app's access
        to the company ends."""
        try:
            response = requests.post(
                self.environment.revocation_endpoint,
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
            "QuickBooks refused to revoke the connection; it was probably already revoked "
            "or expired.",
            code=error.code,
            detail=error.detail,
            intuit_tid=intuit_tid,
            http_status=response.status_code,
        )

    def _basic_auth(self):
        # Intuit wants the client credentials in a Basic header, not in the body.
        return HTTPBasicAuth(self.client_id, self._client_secret)

    def _token_request(self, send):
        """Run one token-endpoint call made by ``send(session)``; refusals and
        network failures become :class:`QboError` subclasses."""
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri)
        answer = {}

        def check_answer(response):
            answer["intuit_tid"] = response.headers.get("intuit_tid")
            _logger.debug(
                "QBO token request -> %s (intuit_tid=%s)",
                response.status_code,
                answer["intuit_tid"],
            )
            if response.status_code != 200:
                raise error_from_response(response.status_code, response.content, response.headers)
            return response

        session.register_compliance_hook("access_token_response", check_answer)
        session.register_compliance_hook("refresh_token_response", check_answer)
        try:
            with _plain_http_allowed(self.environment):
                token = send(session)
        except requests.RequestException as exc:
            raise QboConnectionError(detail=type(exc).__name__) from exc
        except OAuth2Error as exc:
            # A 200 answer without tokens (or with an error inside).
            body = {"error": exc.error, "error_description": exc.description}
            raise error_from_response(200, body, {"intuit_tid": answer.get("intuit_tid")}) from exc
        finally:
            session.close()
        return _token_set(token, answer.get("intuit_tid"))


def _token_set(token, intuit_tid):
    now = datetime.now(UTC).replace(tzinfo=None)
    refresh_lifetimes = [
        int(token[key])
        for key in ("x_refresh_token_expires_in", "x_refresh_token_hard_expires_in")
        if token.get(key) is not None
    ]
    return TokenSet(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=now + timedelta(seconds=int(token.get("expires_in") or 3600)),
        refresh_expires_at=(
            now + timedelta(seconds=min(refresh_lifetimes)) if refresh_lifetimes else None
        ),
        intuit_tid=intuit_tid,
    )


@contextmanager
def _plain_http_allowed(environment):
    """oauthlib refuses http:// endpoints unless OAUTHLIB_INSECURE_TRANSPORT is
    set for the whole process. The local sandbox serves plain HTTP on the
    loopback interface only: allow it for calls to that environment, and only
    while the call runs (serialized, so the variable is restored reliably)."""
    if not environment.is_loopback:
        yield
        return
    with _insecure_transport_lock:
        previous = os.environ.get(_INSECURE_TRANSPORT_VARIABLE)
        os.environ[_INSECURE_TRANSPORT_VARIABLE] = "1"
        try:
            yield
        finally:
            if previous is None:
                del os.environ[_INSECURE_TRANSPORT_VARIABLE]
            else:
                os.environ[_INSECURE_TRANSPORT_VARIABLE] = previous
