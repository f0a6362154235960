"""Where the client sends its requests."""

import pytest

from qb_timesheet_sync.qbo import INTUIT_SANDBOX, PRODUCTION, get_environment


def test_intuit_environments():
    assert get_environment("production") is PRODUCTION
    assert get_environment("sandbox") is INTUIT_SANDBOX
    assert PRODUCTION.api_base_url == "https://quickbooks.api.intuit.com"
    assert INTUIT_SANDBOX.api_base_url == "https://sandbox-quickbooks.api.intuit.com"
    # Intuit shares the OAuth endpoints between both; only UserInfo differs.
    assert (
        PRODUCTION.token_endpoint
        == INTUIT_SANDBOX.token_endpoint
        == ("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
    )
    assert PRODUCTION.userinfo_endpoint != INTUIT_SANDBOX.userinfo_endpoint
    assert not PRODUCTION.is_loopback


def test_custom_environment_serves_everything_from_one_base_url():
    environment = get_environment("custom", base_url="http://127.0.0.1:8085/")
    assert environment.api_base_url == "http://127.0.0.1:8085"
    assert environment.authorization_endpoint == "http://127.0.0.1:8085/connect/oauth2"
    assert environment.token_endpoint == "http://127.0.0.1:8085/oauth2/v1/tokens/bearer"
    assert environment.revocation_endpoint == "http://127.0.0.1:8085/v2/oauth2/tokens/revoke"
    assert environment.is_loopback
    assert not get_environment("custom", "https://qbo.example.com").is_loopback


@pytest.mark.parametrize(
    ("kind", "base_url"),
    [
        ("custom", None),
        ("custom", "ftp://127.0.0.1"),
        ("custom", "http://qbo.example.com"),  # plain HTTP only on this machine
        ("staging", "https://qbo.example.com"),
    ],
)
def test_invalid_environments(kind, base_url):
    with pytest.raises(ValueError):
        get_environment(kind, base_url=base_url)
