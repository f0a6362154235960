"""OAuth against the local sandbox: consent URL, code exchange, refresh, revoke."""

import logging
import os
import threading
from collections.abc import MutableMapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from qb_timesheet_sync.qbo import (
    ACCOUNTING_SCOPE,
    OAuthClient,
    QboAuthError,
    QboClient,
    QboConnectionError,
    RealmRateLimiter,
    local_environment,
)
from tests.client.helpers import sandbox_stats
from tests.conftest import DEMO_REALM_ID

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
# Never contacted: the test reads the redirect instead of following it.
REDIRECT_URI = "http://127.0.0.1:9/qb_timesheet_sync/oauth/callback"


@pytest.fixture
def oauth(environment):
    return OAuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment, timeout=5)


def consent(authorization_url):
    """What the browser would do: open the consent URL (auto-approved by the
    sandbox) and read where Intuit sends it back, without going there."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def connect(oauth):
    callback = consent(oauth.authorization_url("caller-state"))
    return oauth.exchange_code(callback["code"])


def api_client(environment, access_token, **kwargs):
    return QboClient(
        environment, DEMO_REALM_ID, access_token, rate_limiter=RealmRateLimiter(), **kwargs
    )


def utc_now():
    return datetime.now(UTC).replace(tzinfo=None)


def test_authorization_url(sandbox, oauth):
    url = oauth.authorization_url("caller-state")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.url}/connect/oauth2"
    query = parse_qs(parts.query)
    assert query == {
        "response_type": ["code"],
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT_URI],
        "scope": [ACCOUNTING_SCOPE],
        "state": ["caller-state"],
    }


def test_full_connection_flow(sandbox, oauth, environment):
    callback = consent(oauth.authorization_url("caller-state"))
    assert callback["state"] == "caller-state"
    assert callback["realmId"] == DEMO_REALM_ID

    tokens = oauth.exchange_code(callback["code"])

    assert tokens.access_token and tokens.refresh_token
    assert tokens.intuit_tid
    assert abs(tokens.expires_at - (utc_now() + timedelta(hours=1))) < timedelta(minutes=1)
    # The sandbox sends the 100-day rolling expiry and, when asked, the hard one.
    rolling = utc_now() + timedelta(seconds=8726400)
    assert abs(tokens.refresh_expires_at - rolling) < timedelta(minutes=1)
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token not in repr(tokens)
    info = api_client(environment, tokens.access_token).company_info()
    assert info["CompanyName"] == "Northwind Consulting (sandbox)"


def test_authorization_code_is_single_use(sandbox, oauth):
    callback = consent(oauth.authorization_url("s"))
    oauth.exchange_code(callback["code"])
    with pytest.raises(QboAuthError) as raised:
        oauth.exchange_code(callback["code"])
    assert raised.value.code == "invalid_grant"
    assert raised.value.http_status == 400


def test_refresh_rotates_the_refresh_token(sandbox, oauth, environment):
    first = connect(oauth)
    second = oauth.refresh(first.refresh_token)
    third = oauth.refresh(second.refresh_token)

    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert len({first.access_token, second.access_token, third.access_token}) == 3
    assert sandbox_stats(sandbox)["token_grants"]["refresh_token"] == 2
    assert api_client(environment, third.access_token).company_info()["Id"]


def test_unknown_refresh_token_is_refused(sandbox, oauth):
    with pytest.raises(QboAuthError) as raised:
        oauth.refresh("RT1-not-a-token")
    error = raised.value
    assert error.code == "invalid_grant"
    assert error.intuit_tid
    assert str(error) == (
        "The QuickBooks connection has expired or was revoked: an administrator must "
        "reconnect in Settings."
    )


def test_wrong_client_secret(sandbox, environment):
    oauth = OAuthClient(CLIENT_ID, "wrong-secret", REDIRECT_URI, environment, timeout=5)
    callback = consent(oauth.authorization_url("s"))
    with pytest.raises(QboAuthError) as raised:
        oauth.exchange_code(callback["code"])
    assert raised.value.code == "invalid_client"
    assert "client ID or client secret" in str(raised.value)


def test_revoke_ends_the_connection(sandbox, oauth, environment):
    tokens = connect(oauth)
    oauth.revoke(tokens.refresh_token)

    assert sandbox_stats(sandbox)["revokes"] == 1
    with pytest.raises(QboAuthError):
        oauth.refresh(tokens.refresh_token)
    with pytest.raises(QboAuthError) as raised:
        api_client(environment, tokens.access_token).company_info()
    assert raised.value.http_status == 401
    assert raised.value.code == "3200"


def test_revoke_refused_token_is_an_auth_error(sandbox, environment):
    oauth = OAuthClient(CLIENT_ID, "wrong-secret", REDIRECT_URI, environment, timeout=5)
    with pytest.raises(QboAuthError):
        oauth.revoke("RT1-anything")


def test_network_failures_are_connection_errors(unused_port):
    environment = local_environment(f"http://127.0.0.1:{unused_port}")
    oauth = OAuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment, timeout=2)
    with pytest.raises(QboConnectionError):
        oauth.revoke("RT1-anything")
    with pytest.raises(QboConnectionError):
        oauth.refresh("RT1-anything")


def test_tokens_and_secret_never_reach_the_log(sandbox, oauth, environment, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = connect(oauth)
    refreshed = oauth.refresh(tokens.refresh_token)
    api_client(environment, refreshed.access_token).company_info()
    oauth.revoke(refreshed.refresh_token)

    assert any("intuit_tid" in record.getMessage() for record in caplog.records)
    logged = caplog.text
    for secret in (
        CLIENT_SECRET,
        tokens.access_token,
        tokens.refresh_token,
        refreshed.access_token,
        refreshed.refresh_token,
    ):
        assert secret not in logged


def test_expired_access_token_is_refreshed_once(sandbox, oauth, environment):
    tokens = connect(oauth)
    refreshes = []

    def refresh_callback():
        new_tokens = oauth.refresh(tokens.refresh_token)
        refreshes.append(new_tokens)
        return new_tokens.access_token

    client = api_client(environment, tokens.access_token, refresh_callback=refresh_callback)
    requests.post(
        f"{sandbox.url}/_sandbox/realms/{DEMO_REALM_ID}/expire-access-tokens", timeout=5
    ).raise_for_status()

    assert client.company_info()["CompanyName"] == "Northwind Consulting (sandbox)"
    assert len(refreshes) == 1
    # The new token is kept: the next call needs no refresh.
    client.preferences()
    assert len(refreshes) == 1


def test_second_401_raises_auth_error(sandbox, oauth, environment):
    tokens = connect(oauth)
    calls = []

    def refresh_callback():
        calls.append(1)
        return tokens.access_token  # still revoked below: QuickBooks says 401 again

    oauth.revoke(tokens.refresh_token)
    client = api_client(environment, tokens.access_token, refresh_callback=refresh_callback)
    with pytest.raises(QboAuthError) as raised:
        client.company_info()
    assert calls == [1]
    assert "reconnect in Settings" in str(raised.value)


class WatchedEnvironment(MutableMapping):
    """Stands in for ``os.environ``: reads go to the real one, and every
    change is recorded (and still made)."""

    def __init__(self, real):
        self.real = real
        self.changes = []

    def __getitem__(self, key):
        return self.real[key]

    def __setitem__(self, key, value):
        self.changes.append(("set", key, threading.current_thread().name))
        self.real[key] = value

    def __delitem__(self, key):
        self.changes.append(("delete", key, threading.current_thread().name))
        del self.real[key]

    def __iter__(self):
        return iter(self.real)

    def __len__(self):
        return len(self.real)

    def copy(self):
        return dict(self.real)


def test_parallel_flows_over_http_leave_the_process_environment_alone(
    sandbox, oauth, environment, monkeypatch
):
    """Odoo serves requests and runs crons in threads of one process: the
    OAuth client allows plain http to the loopback sandbox without touching
    process-wide state (a Test connection once died with KeyError when another
    thread's call removed OAUTHLIB_INSECURE_TRANSPORT)."""
    assert environment.api_base_url.startswith("http://127.0.0.1")
    before = dict(os.environ)
    watched = WatchedEnvironment(os.environ)
    monkeypatch.setattr(os, "environ", watched)

    def connect_refresh_revoke(number):
        callback = consent(oauth.authorization_url(f"state-{number}"))
        assert callback["state"] == f"state-{number}"
        tokens = oauth.exchange_code(callback["code"])
        refreshed = [oauth.refresh(tokens.refresh_token)]
        for _round in range(2):
            refreshed.append(oauth.refresh(refreshed[-1].refresh_token))
        assert api_client(environment, refreshed[-1].access_token).company_info()["Id"]
        oauth.revoke(refreshed[-1].refresh_token)
        return [tokens.refresh_token] + [each.refresh_token for each in refreshed]

    flows = 8
    with ThreadPoolExecutor(max_workers=flows) as pool:
        refresh_tokens = [
            token for tokens in pool.map(connect_refresh_revoke, range(flows)) for token in tokens
        ]

    assert watched.changes == []
    assert dict(os.environ) == before
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in before
    assert len(set(refresh_tokens)) == flows * 4
    stats = sandbox_stats(sandbox)
    assert stats["token_grants"]["refresh_token"] == flows * 3
    assert stats["revokes"] == flows


def test_hard_expiry_is_asked_for_and_kept_on_exchange_and_refresh(sandbox, oauth):
    """The sandbox answers the hard expiry only to a request carrying
    Intuit's opt-in header: getting it back proves the header is sent."""
    sandbox.configure(refresh_hard_lifetime=45 * 86400)
    first = connect(oauth)
    cap = utc_now() + timedelta(days=45)
    assert abs(first.refresh_hard_expires_at - cap) < timedelta(minutes=1)
    # The rolling expiry is capped by it too.
    assert first.refresh_expires_at <= first.refresh_hard_expires_at + timedelta(seconds=1)
    second = oauth.refresh(first.refresh_token)
    assert abs(second.refresh_hard_expires_at - first.refresh_hard_expires_at) < timedelta(
        minutes=1
    )


def test_refresh_past_the_hard_expiry_is_an_auth_error(sandbox, oauth):
    sandbox.configure(refresh_hard_lifetime=1)
    tokens = connect(oauth)
    threading.Event().wait(1.5)
    with pytest.raises(QboAuthError) as raised:
        oauth.refresh(tokens.refresh_token)
    assert raised.value.code == "invalid_grant"
