"""Which QuickBooks company the contract runs against, and how it connects.

The live target is a company of Intuit's sandbox, given by environment
variables (``REQUIRED``); the connection starts from a refresh token (Intuit's
OAuth 2.0 Playground gives one) and every refresh Intuit answers rotates it:
the new one is written to ``QBTS_LIVE_TOKEN_FILE`` at once, so it is never
lost, whatever happens next.

``QBTS_LIVE_BASE_URL`` / ``QBTS_LIVE_TOKEN_URL`` point the same code at a
server on this machine (the local sandbox standing in for Intuit, for the
self-test of this plumbing); they refuse any other host.
"""

import dataclasses
import os
from pathlib import Path
from urllib.parse import urlsplit

from qb_timesheet_sync.qbo import (
    INTUIT_SANDBOX,
    OAuthClient,
    QboClient,
    RealmRateLimiter,
    local_environment,
)
from qb_timesheet_sync.qbo.environments import LOOPBACK_HOSTS

REQUIRED = (
    "QBTS_LIVE_CLIENT_ID",
    "QBTS_LIVE_CLIENT_SECRET",
    "QBTS_LIVE_REFRESH_TOKEN",
    "QBTS_LIVE_REALM_ID",
)
# Where the rotated refresh token goes when QBTS_LIVE_TOKEN_FILE is not set
# (outside the test logs, which CI uploads).
DEFAULT_TOKEN_FILE = "live-refresh-token"
DEFAULT_REPORT_FILE = "live-fidelity-report.txt"
# Not used: the refresh grant takes no redirect URI, but OAuthClient wants one.
_REDIRECT_URI = "https://localhost/qb_timesheet_sync/oauth/callback"


class LiveSettingsError(ValueError):
    """The live run's environment variables are missing or wrong."""


def qbts_home(environ):
    default = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qb_timesheet_sync"
    return Path(environ.get("QBTS_HOME") or default)


def missing_keys(environ):
    return [name for name in REQUIRED if not (environ.get(name) or "").strip()]


@dataclasses.dataclass
class LiveSettings:
    client_id: str
    client_secret: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    realm_id: str
    environment: object
    token_file: Path
    report_file: Path
    label: str = "Intuit sandbox"

    @classmethod
    def from_environ(cls, environ=None):
        environ = os.environ if environ is None else environ
        missing = missing_keys(environ)
        if missing:
            raise LiveSettingsError(
                "The live contract run needs these environment variables: " + ", ".join(missing)
            )
        environment = INTUIT_SANDBOX
        base_url = (environ.get("QBTS_LIVE_BASE_URL") or "").strip()
        token_url = (environ.get("QBTS_LIVE_TOKEN_URL") or "").strip()
        label = "Intuit sandbox"
        if base_url or token_url:
            for url in filter(None, (base_url, token_url)):
                if urlsplit(url).hostname not in LOOPBACK_HOSTS:
                    raise LiveSettingsError(
                        "QBTS_LIVE_BASE_URL and QBTS_LIVE_TOKEN_URL only point at a server on "
                        f"this machine (the local sandbox standing in for Intuit): {url!r}"
                    )
            if base_url:
                environment = local_environment(base_url)
            if token_url:
                environment = dataclasses.replace(environment, token_endpoint=token_url)
            label = f"stand-in for Intuit at {base_url or token_url}"
        home = qbts_home(environ)
        log_dir = Path(environ.get("QBTS_LOG_DIR") or home / "test-logs")
        return cls(
            client_id=environ["QBTS_LIVE_CLIENT_ID"].strip(),
            client_secret=environ["QBTS_LIVE_CLIENT_SECRET"].strip(),
            refresh_token=environ["QBTS_LIVE_REFRESH_TOKEN"].strip(),
            realm_id=environ["QBTS_LIVE_REALM_ID"].strip(),
            environment=environment,
            token_file=Path(environ.get("QBTS_LIVE_TOKEN_FILE") or home / DEFAULT_TOKEN_FILE),
            report_file=Path(environ.get("QBTS_LIVE_REPORT") or log_dir / DEFAULT_REPORT_FILE),
            label=label,
        )


def write_token_file(path, refresh_token):
    """Write ``refresh_token`` to ``path`` (owner-only, replaced atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(refresh_token + "\n")
    os.replace(partial, path)


class Connection:
    """An OAuth connection to one company: refreshes with the current refresh
    token, keeps the rotated one (in memory and in ``token_file``), and
    builds clients whose 401s refresh again through it."""

    def __init__(self, settings):
        self.settings = settings
        self.oauth = OAuthClient(
            settings.client_id, settings.client_secret, _REDIRECT_URI, settings.environment
        )
        self.refresh_token = settings.refresh_token
        self.refreshes = []  # TokenSet of each refresh, oldest first
        self.rotations = 0
        self.clients = []  # every client built, for their metered calls

    @property
    def metered_calls(self):
        """The metered calls of every client of this connection, as the
        client counts them (QboClient.metered_calls)."""
        total = {}
        for client in self.clients:
            for kind, count in client.metered_calls.items():
                total[kind] = total.get(kind, 0) + count
        return total

    def refresh(self):
        """A new access token; the rotated refresh token is stored before
        anything else happens."""
        tokens = self.oauth.refresh(self.refresh_token)
        if tokens.refresh_token != self.refresh_token:
            self.rotations += 1
        self.refresh_token = tokens.refresh_token
        write_token_file(self.settings.token_file, tokens.refresh_token)
        self.refreshes.append(tokens)
        return tokens.access_token

    def client(self, access_token, session=None, realm_id=None):
        client = QboClient(
            self.settings.environment,
            realm_id or self.settings.realm_id,
            access_token,
            refresh_callback=self.refresh,
            rate_limiter=RealmRateLimiter(),
            max_retries=2,
            backoff_base=0.5,
            timeout=(10, 60),
            session=session,
        )
        self.clients.append(client)
        return client
