"""OAuth 2.0 behaviour of the sandbox, over HTTP."""

import time
import urllib.parse

import requests

from tests.qbo_sandbox import DEMO_REALM_ID
from tests.qbo_sandbox.testing import (
    CLIENT_ID,
    REDIRECT_URI,
    TIMEOUT,
    SandboxApi,
    authorize,
    exchange_code,
    refresh_token_request,
    sandbox_token,
    token_request,
)

SECOND_REALM = {
    "realms": [
        {
            "realm_id": "4620816365000000001",
            "company_name": "Second Company",
            "Employee": [{"GivenName": "Zoe", "FamilyName": "Second"}],
        }
    ]
}


def _authorize_response(sandbox, **overrides):
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting openid",
        "redirect_uri": REDIRECT_URI,
        "state": "st4te",
        **overrides,
    }
    return requests.get(
        f"{sandbox.url}/connect/oauth2", params=params, allow_redirects=False, timeout=TIMEOUT
    )


def _callback_params(response):
    assert response.status_code == 302, response.text
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return dict(urllib.parse.parse_qsl(location.query))


def _consent_id(page):
    return page.split('name="consent_id" value="', 1)[1].split('"', 1)[0]


def _company_info(sandbox, access_token, realm_id=DEMO_REALM_ID):
    return SandboxApi(sandbox, realm_id, access_token).get(f"companyinfo/{realm_id}")


def test_discovery_documents_point_at_the_sandbox(sandbox):
    for path in (
        "/.well-known/openid_configuration",
        "/.well-known/openid_sandbox_configuration/",
    ):
        response = requests.get(sandbox.url + path, timeout=TIMEOUT)
        assert response.status_code == 200
        document = response.json()
        assert document["authorization_endpoint"] == f"{sandbox.url}/connect/oauth2"
        assert document["token_endpoint"] == f"{sandbox.url}/oauth2/v1/tokens/bearer"
        assert document["revocation_endpoint"] == f"{sandbox.url}/v2/oauth2/tokens/revoke"
        assert document["userinfo_endpoint"].startswith(sandbox.url)
        assert document["jwks_uri"].startswith(sandbox.url)
        assert document["issuer"]
        assert response.headers["intuit_tid"]


def test_auto_approve_code_flow_gives_working_tokens(sandbox):
    callback = _callback_params(_authorize_response(sandbox))
    assert callback["state"] == "st4te"
    assert callback["realmId"] == DEMO_REALM_ID
    response = exchange_code(sandbox, callback["code"])
    assert response.status_code == 200
    assert response.headers["intuit_tid"]
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] == 8726400
    assert "x_refresh_token_hard_expires_in" not in tokens
    info = _company_info(sandbox, tokens["access_token"])
    assert info.status_code == 200
    assert info.json()["CompanyInfo"]["CompanyName"] == "Northwind Consulting (sandbox)"
    assert sandbox.stats()["token_grants"]["authorization_code"] == 1


def test_auto_approve_picks_the_realm_given_in_the_request(sandbox):
    sandbox.seed(SECOND_REALM)
    callback = _callback_params(_authorize_response(sandbox, realm_id="4620816365000000001"))
    assert callback["realmId"] == "4620816365000000001"


def test_hard_expiry_is_reported_on_request(sandbox):
    _access_token, refresh_token = sandbox_token(sandbox)
    response = requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("sandbox-client-id", "sandbox-client-secret"),
        headers={"x-include-refresh-token-hard-expires-in": "true"},
        timeout=TIMEOUT,
    )
    hard = response.json()["x_refresh_token_hard_expires_in"]
    assert 5 * 365 * 86400 - 60 < hard <= 5 * 365 * 86400


def _refresh_with_hard_expiry(sandbox, refresh_token):
    return requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("sandbox-client-id", "sandbox-client-secret"),
        headers={"x-include-refresh-token-hard-expires-in": "true"},
        timeout=TIMEOUT,
    )


def test_hard_expiry_is_left_out_without_the_header(sandbox):
    _access_token, refresh_token = sandbox_token(sandbox)
    tokens = refresh_token_request(sandbox, refresh_token).json()
    assert "x_refresh_token_hard_expires_in" not in tokens
    assert tokens["x_refresh_token_expires_in"] == 8726400


def test_short_hard_cap_counts_from_the_consent_and_caps_the_rolling_expiry(sandbox):
    sandbox.configure(refresh_hard_lifetime=40 * 86400)
    _access_token, refresh_token = sandbox_token(sandbox)
    tokens = _refresh_with_hard_expiry(sandbox, refresh_token).json()
    hard = tokens["x_refresh_token_hard_expires_in"]
    assert 40 * 86400 - 60 < hard <= 40 * 86400
    # The 100-day rolling expiry cannot outlive the chain.
    assert tokens["x_refresh_token_expires_in"] <= hard
    # Another refresh does not move the hard expiry.
    again = _refresh_with_hard_expiry(sandbox, tokens["refresh_token"]).json()
    assert hard - 60 < again["x_refresh_token_hard_expires_in"] <= hard


def test_refresh_past_the_hard_cap_is_invalid_grant(sandbox):
    sandbox.configure(refresh_hard_lifetime=1)
    _access_token, refresh_token = sandbox_token(sandbox)
    # Waiting longer than the cap is safe on a loaded machine.
    time.sleep(1.5)
    response = refresh_token_request(sandbox, refresh_token)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_hard_cap_set_later_applies_to_new_consents_only(sandbox):
    _access_token, refresh_token = sandbox_token(sandbox)
    sandbox.configure(refresh_hard_lifetime=10 * 86400)
    tokens = _refresh_with_hard_expiry(sandbox, refresh_token).json()
    assert tokens["x_refresh_token_hard_expires_in"] > 4 * 365 * 86400


def test_consent_page_lists_companies_and_connects(sandbox):
    sandbox.configure(auto_approve=False)
    sandbox.seed(SECOND_REALM)
    response = _authorize_response(sandbox)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "wants to connect" in page
    assert 'id="connect"' in page and 'id="cancel"' in page
    assert page.count('name="realm_id"') == 2
    assert "Northwind Consulting (sandbox)" in page and "Second Company" in page
    decided = requests.post(
        f"{sandbox.url}/connect/oauth2/decide",
        data={
            "consent_id": _consent_id(page),
            "realm_id": "4620816365000000001",
            "decision": "connect",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    callback = _callback_params(decided)
    assert callback["realmId"] == "4620816365000000001"
    assert callback["state"] == "st4te"
    tokens = exchange_code(sandbox, callback["code"]).json()
    assert _company_info(sandbox, tokens["access_token"], "4620816365000000001").ok
    # The token opens only the chosen company.
    assert _company_info(sandbox, tokens["access_token"]).status_code == 403


def test_consent_cancel_redirects_with_access_denied(sandbox):
    sandbox.configure(auto_approve=False)
    page = _authorize_response(sandbox).text
    decided = requests.post(
        f"{sandbox.url}/connect/oauth2/decide",
        data={"consent_id": _consent_id(page), "decision": "cancel"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    callback = _callback_params(decided)
    assert callback == {"error": "access_denied", "state": "st4te"}
    # A consent form is single-use.
    again = requests.post(
        f"{sandbox.url}/connect/oauth2/decide",
        data={"consent_id": _consent_id(page), "decision": "connect"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert again.status_code == 400


def test_authorization_request_validation(sandbox):
    unknown_client = _authorize_response(sandbox, client_id="who-is-this")
    assert unknown_client.status_code == 400
    assert "Unknown client_id" in unknown_client.text
    bad_redirect = _authorize_response(sandbox, redirect_uri="javascript:alert(1)")
    assert bad_redirect.status_code == 400
    bad_type = _callback_params(_authorize_response(sandbox, response_type="token"))
    assert bad_type == {"error": "unsupported_response_type", "state": "st4te"}
    bad_scope = _callback_params(_authorize_response(sandbox, scope="com.example.nothing"))
    assert bad_scope["error"] == "invalid_scope"


def test_scope_without_accounting_gives_no_realm_and_no_api_access(sandbox):
    callback = _callback_params(_authorize_response(sandbox, scope="openid email"))
    assert "realmId" not in callback
    tokens = exchange_code(sandbox, callback["code"]).json()
    response = _company_info(sandbox, tokens["access_token"])
    assert response.status_code == 403
    assert response.json()["fault"]["error"][0]["code"] == "3100"
    userinfo = requests.get(
        f"{sandbox.url}/v1/openid_connect/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=TIMEOUT,
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["email"]


def test_replayed_code_is_refused_and_revokes_its_tokens(sandbox):
    callback = authorize(sandbox)
    first = exchange_code(sandbox, callback["code"])
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    refresh_token = first.json()["refresh_token"]
    assert _company_info(sandbox, access_token).status_code == 200
    replay = exchange_code(sandbox, callback["code"])
    assert replay.status_code == 400
    assert replay.text == '{"error":"invalid_grant"}'
    assert _company_info(sandbox, access_token).status_code == 401
    assert refresh_token_request(sandbox, refresh_token).status_code == 400


def test_code_exchange_checks_redirect_uri_and_client(sandbox):
    callback = authorize(sandbox)
    wrong_redirect = exchange_code(sandbox, callback["code"], "http://127.0.0.1/other")
    assert wrong_redirect.status_code == 400
    assert wrong_redirect.json() == {"error": "invalid_grant"}
    callback = authorize(sandbox)
    bad_client = token_request(
        sandbox,
        {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": REDIRECT_URI,
        },
        client_secret="wrong",
    )
    assert bad_client.status_code == 401
    assert bad_client.json() == {"error": "invalid_client"}
    unknown_grant = token_request(sandbox, {"grant_type": "password"})
    assert unknown_grant.status_code == 400
    assert unknown_grant.json() == {"error": "unsupported_grant_type"}


def test_refresh_rotates_and_the_old_token_has_a_grace_period(sandbox):
    sandbox.configure(refresh_grace_seconds=0.5)
    _access, first_refresh = sandbox_token(sandbox)
    rotated = refresh_token_request(sandbox, first_refresh)
    assert rotated.status_code == 200
    second_refresh = rotated.json()["refresh_token"]
    assert second_refresh != first_refresh
    assert _company_info(sandbox, rotated.json()["access_token"]).status_code == 200
    # Inside the grace period the superseded token still works and hands back the
    # current refresh token of the chain.
    grace = refresh_token_request(sandbox, first_refresh)
    assert grace.status_code == 200
    assert grace.json()["refresh_token"] == second_refresh
    time.sleep(0.6)
    expired = refresh_token_request(sandbox, first_refresh)
    assert expired.status_code == 400
    assert expired.text == '{"error":"invalid_grant"}'
    assert refresh_token_request(sandbox, second_refresh).status_code == 200
    assert sandbox.stats()["token_grants"]["refresh_token"] == 3


def test_unknown_and_expired_refresh_tokens_are_invalid_grant(sandbox):
    assert refresh_token_request(sandbox, "RT1-not-a-token").json() == {"error": "invalid_grant"}
    sandbox.configure(refresh_token_ttl=0.2)
    _access, refresh_token = sandbox_token(sandbox)
    time.sleep(0.3)
    response = refresh_token_request(sandbox, refresh_token)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_refresh_token_of_another_client_is_refused(sandbox):
    sandbox.configure(clients={"sandbox-client-id": "sandbox-client-secret", "other": "s3cret"})
    _access, refresh_token = sandbox_token(sandbox)
    response = token_request(
        sandbox,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        client_id="other",
        client_secret="s3cret",
    )
    assert response.status_code == 400


def _revoke(sandbox, token, secret="sandbox-client-secret"):
    return requests.post(
        f"{sandbox.url}/v2/oauth2/tokens/revoke",
        json={"token": token},
        auth=("sandbox-client-id", secret),
        timeout=TIMEOUT,
    )


def test_revoke_kills_the_whole_grant(sandbox):
    access_token, refresh_token = sandbox_token(sandbox)
    other_access, other_refresh = sandbox_token(sandbox)
    rotated = refresh_token_request(sandbox, refresh_token).json()
    assert _revoke(sandbox, refresh_token, secret="nope").status_code == 401
    response = _revoke(sandbox, refresh_token)
    assert response.status_code == 200
    assert response.headers["intuit_tid"]
    for token in (access_token, rotated["access_token"]):
        assert _company_info(sandbox, token).status_code == 401
    assert refresh_token_request(sandbox, rotated["refresh_token"]).status_code == 400
    # Another connection to the same company is untouched.
    assert _company_info(sandbox, other_access).status_code == 200
    assert _revoke(sandbox, other_access).status_code == 200
    assert refresh_token_request(sandbox, other_refresh).status_code == 400
    assert _revoke(sandbox, "unknown-token").status_code == 200
    assert sandbox.stats()["revokes"] == 2


def test_expired_access_token_gets_the_lower_case_401_envelope(sandbox):
    access_token, refresh_token = sandbox_token(sandbox)
    expired = requests.post(
        f"{sandbox.url}/_sandbox/realms/{DEMO_REALM_ID}/expire-access-tokens", timeout=TIMEOUT
    )
    assert expired.json() == {"expired": 1}
    response = _company_info(sandbox, access_token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    assert response.headers["intuit_tid"]
    body = response.json()
    error = body["fault"]["error"][0]
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"].startswith("Token expired: ")
    assert isinstance(body["time"], int)
    assert body["batchItemResponse"] == []
    fresh = refresh_token_request(sandbox, refresh_token).json()["access_token"]
    assert _company_info(sandbox, fresh).status_code == 200


def test_access_token_ttl_is_configurable(sandbox):
    sandbox.configure(access_token_ttl=0.2)
    access_token, _refresh = sandbox_token(sandbox)
    assert _company_info(sandbox, access_token).status_code == 200
    time.sleep(0.3)
    assert _company_info(sandbox, access_token).status_code == 401


def test_missing_or_malformed_bearer_is_401(sandbox):
    response = requests.get(
        f"{sandbox.url}/v3/company/{DEMO_REALM_ID}/companyinfo/{DEMO_REALM_ID}", timeout=TIMEOUT
    )
    assert response.status_code == 401
    assert response.json()["fault"]["error"][0]["detail"].startswith("Malformed bearer token")
    unknown = _company_info(sandbox, "x" * 40)
    assert unknown.status_code == 401


def test_unknown_realm_is_403_3100(sandbox):
    access_token, _refresh = sandbox_token(sandbox)
    response = _company_info(sandbox, access_token, realm_id="123145000000000")
    assert response.status_code == 403
    body = response.json()
    assert body["fault"]["type"] == "SERVICE"
    assert body["fault"]["error"][0]["code"] == "3100"
