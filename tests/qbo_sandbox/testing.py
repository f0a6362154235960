"""Test helpers to drive the sandbox over HTTP with ``requests`` (test-side only).

The server itself never imports this module, so it stays standard-library only.
"""

import http.server
import threading
import time
import urllib.parse

import requests

from . import DEMO_REALM_ID

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
REDIRECT_URI = "http://127.0.0.1:8069/qb_timesheet_sync/oauth/callback"
TIMEOUT = 10


def authorize(
    sandbox,
    realm_id=None,
    scope=ACCOUNTING_SCOPE,
    redirect_uri=REDIRECT_URI,
    state="test-state",
    client_id=CLIENT_ID,
):
    """Run the authorization step; return the callback query parameters as a dict.

    Works with and without ``auto_approve``: without it, the consent form is submitted
    with "Connect" for ``realm_id`` (or the first company offered).
    """
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scope,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if realm_id:
        params["realm_id"] = realm_id
    response = requests.get(
        f"{sandbox.url}/connect/oauth2", params=params, allow_redirects=False, timeout=TIMEOUT
    )
    if response.status_code == 200:
        consent_id = response.text.split('name="consent_id" value="', 1)[1].split('"', 1)[0]
        if realm_id is None and 'name="realm_id"' in response.text:
            realm_id = response.text.split('name="realm_id" id="realm-', 1)[1].split('"', 1)[0]
        response = requests.post(
            f"{sandbox.url}/connect/oauth2/decide",
            data={"consent_id": consent_id, "realm_id": realm_id or "", "decision": "connect"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
    if response.status_code != 302:
        raise AssertionError(f"authorization failed: {response.status_code} {response.text}")
    location = response.headers["Location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def token_request(sandbox, data, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    """POST to the token endpoint with HTTP Basic client authentication."""
    return requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data=data,
        auth=(client_id, client_secret),
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
    )


def exchange_code(sandbox, code, redirect_uri=REDIRECT_URI):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return token_request(sandbox, data)


def refresh_token_request(sandbox, refresh_token):
    return token_request(sandbox, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def sandbox_token(sandbox, realm_id=DEMO_REALM_ID):
    """Connect to ``realm_id`` through the code flow; return (access_token, refresh_token)."""
    callback = authorize(sandbox, realm_id=realm_id)
    response = exchange_code(sandbox, callback["code"])
    response.raise_for_status()
    tokens = response.json()
    return tokens["access_token"], tokens["refresh_token"]


class SandboxApi:
    """Calls to ``/v3/company/{realm}/...`` with a bearer token and JSON headers."""

    def __init__(self, sandbox, realm_id, access_token):
        self.sandbox = sandbox
        self.realm_id = realm_id
        self.access_token = access_token

    @property
    def base_url(self):
        return f"{self.sandbox.url}/v3/company/{self.realm_id}"

    def headers(self, extra=None):
        return {
            "Authorization": f"Bearer {self.access_token}",
            "Accept": "application/json",
            **(extra or {}),
        }

    def get(self, path, params=None, headers=None):
        return requests.get(
            f"{self.base_url}/{path}",
            params={"minorversion": "75", **(params or {})},
            headers=self.headers(headers),
            timeout=TIMEOUT,
        )

    def post(self, path, json=None, params=None, data=None, headers=None):
        return requests.post(
            f"{self.base_url}/{path}",
            json=json,
            data=data,
            params={"minorversion": "75", **(params or {})},
            headers=self.headers(headers),
            timeout=TIMEOUT,
        )

    def query(self, text):
        return self.get("query", params={"query": text})

    def create(self, entity, payload, **params):
        return self.post(entity.lower(), json=payload, params=params)

    def read(self, entity, record_id):
        return self.get(f"{entity.lower()}/{record_id}")


def api(sandbox, realm_id=DEMO_REALM_ID, access_token=None):
    """A ``SandboxApi`` for ``realm_id``; connects first when no token is given."""
    if access_token is None:
        access_token, _refresh = sandbox_token(sandbox, realm_id)
    return SandboxApi(sandbox, realm_id, access_token)


class WebhookReceiver:
    """A tiny local endpoint for the sandbox's webhooks: records every POST
    (headers and raw body) and answers the next status of ``statuses``
    (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append({"headers": dict(self.headers), "body": body})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count, timeout=30):
        """The first ``count`` notifications, waiting at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received[:count])
            time.sleep(0.02)
        raise AssertionError(f"{len(self.received)} webhook notifications, not {count}")
