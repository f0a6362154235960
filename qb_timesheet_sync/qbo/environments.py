# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where QuickBooks Online lives: Intuit's production and sandbox hosts, or a
local sandbox that speaks the same API."""

from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

# Intuit uses the same authorization, token and revocation endpoints for
# production and sandbox companies; only the API host and UserInfo differ.
_AUTHORIZATION_ENDPOINT = "https://appcenter.intuit.com/connect/oauth2"
_TOKEN_ENDPOINT = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
_REVOCATION_ENDPOINT = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"


@dataclass(frozen=True)
class QboEnvironment:
    name: str
    api_base_url: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    userinfo_endpoint: str
    # Intuit's GraphQL API (pay types of QuickBooks Payroll).
    graphql_url: str = ""

    @property
    def is_loopback(self):
        """True when every endpoint is on this machine (the local sandbox)."""
        urls = (
            self.api_base_url,
            self.authorization_endpoint,
            self.token_endpoint,
            self.revocation_endpoint,
        )
        return all(urlsplit(url).hostname in LOOPBACK_HOSTS for url in urls)


PRODUCTION = QboEnvironment(
    name="production",
    api_base_url="https://quickbooks.api.intuit.com",
    authorization_endpoint=_AUTHORIZATION_ENDPOINT,
    token_endpoint=_TOKEN_ENDPOINT,
    revocation_endpoint=_REVOCATION_ENDPOINT,
    userinfo_endpoint="https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
    # developer.intuit.com, Payroll API "Get started": "For production apps:
    # https://qb.api.intuit.com/graphql".
    graphql_url="https://qb.api.intuit.com/graphql",
)

INTUIT_SANDBOX = QboEnvironment(
    name="sandbox",
    api_base_url="https://sandbox-quickbooks.api.intuit.com",
    authorization_endpoint=_AUTHORIZATION_ENDPOINT,
    token_endpoint=_TOKEN_ENDPOINT,
    revocation_endpoint=_REVOCATION_ENDPOINT,
    userinfo_endpoint="https://sandbox-accounts.platform.intuit.com/v1/openid_connect/userinfo",
    # guess: the GraphQL host of Intuit's sandbox companies. Intuit says "The
    # Payroll Employee Compensation API is currently not available in sandbox",
    # so pay types cannot be read there whatever the host.
    graphql_url="https://qb-sandbox.api.intuit.com/graphql",
)


def local_environment(base_url):
    """The environment of a server that serves the QuickBooks API and Intuit's
    OAuth endpoints under one base URL, such as the project's local sandbox.

    Plain HTTP is accepted on the loopback interface only.
    """
    base_url = (base_url or "").strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The QuickBooks server address must be an http(s) URL: {base_url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(
            "The QuickBooks server address must use https unless it is on this machine: "
            f"{base_url!r}"
        )
    return QboEnvironment(
        name="custom",
        api_base_url=base_url,
        authorization_endpoint=base_url + "/connect/oauth2",
        token_endpoint=base_url + "/oauth2/v1/tokens/bearer",
        revocation_endpoint=base_url + "/v2/oauth2/tokens/revoke",
        userinfo_endpoint=base_url + "/v1/openid_connect/userinfo",
        graphql_url=base_url + "/graphql",
    )


def get_environment(kind, base_url=None):
    """``kind`` is "production", "sandbox" (Intuit's) or "custom" (``base_url``)."""
    if kind == "production":
        return PRODUCTION
    if kind == "sandbox":
        return INTUIT_SANDBOX
    if kind == "custom":
        return local_environment(base_url)
    raise ValueError(f"Unknown QuickBooks environment: {kind!r}")
