"""The HTTP server: its life cycle and the Accounting and GraphQL API pipeline;
the OAuth endpoints are in oauth_routes.py, the admin API in admin_routes.py."""

import datetime
import gzip
import http.server
import json
import logging
import os
import random
import secrets
import socket
import tempfile
import threading
import time
import urllib.parse
import zlib

from . import api, faults, oauth, payroll, webhooks
from .admin_routes import AdminRoutes
from .config import STARTUP_ONLY_FIELDS, SandboxConfig
from .limits import RealmLimiter
from .oauth_routes import OAuthRoutes
from .pages import HTML_TYPE
from .state import SandboxState

_logger = logging.getLogger(__name__)

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml;charset=UTF-8"
# requestid limits (docs/ASSUMPTIONS.md#requestid-idempotency): 50 characters, 36 for a batch.
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36
# A repeated requestid waits at most this long for the first request to finish
# (a little over QBO's 120 s request timeout).
REPLAY_WAIT_SECONDS = 130
UNAVAILABLE_PAGE = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    "<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)


def new_intuit_tid():
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def utc_time_text():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def decoded_body(body, encoding):
    """The request body without its ``Content-Encoding``: Intuit's .NET SDK can
    compress request bodies (gzip or deflate). guess: QuickBooks accepts them
    (docs/ASSUMPTIONS.md#compressed-requests);
    a body that does not decompress is left as sent (and fails as bad JSON)."""
    encoding = (encoding or "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate
    except (OSError, EOFError, zlib.error):
        return body
    return body


class SandboxServer:
    """A local QuickBooks Online: start it, point a client at ``url``, inspect ``state``."""

    def __init__(self, config=None):
        self.config = config or SandboxConfig()
        self.state = SandboxState()
        self.limiter = RealmLimiter()
        # (realm_id, requestid) -> Event set when the first request with that id is done.
        self.pending_requests = {}
        self._random = random.Random(self.config.random_seed)
        self._random_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._saved_revision = None
        self._httpd = None
        self._thread = None
        self.webhooks = webhooks.WebhookDispatcher(self)
        state_file = self.config.state_file
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as handle:
                self.state.load_dict(json.load(handle))
            self._saved_revision = self.state.revision
        elif self.config.seed:
            self.state.load_seed(self.config.seed)

    # Life cycle

    def start(self):
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        self._httpd = _HTTPServer((self.config.host, self.config.port), _Handler)
        self._httpd.sandbox = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="qbo-sandbox", daemon=True
        )
        self._thread.start()
        self.webhooks.start()
        self.persist()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self.webhooks.stop()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=10)
        self._httpd = None
        self._thread = None
        # A handler may still be saving what it answered: wait for it (the
        # save lock), and save what is left, so a stopped sandbox has written
        # its state file and left no temporary file behind.
        self.persist()

    @property
    def url(self):
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # Control

    def reset(self, seed=None):
        """Wipe every company, token, cache and counter; then load ``seed`` if given."""
        with self.state.lock:
            self.state.clear()
            self.pending_requests.clear()
            self.webhooks.clear()
            if seed:
                self.state.load_seed(seed)
        self.limiter.reset()
        with self._random_lock:
            self._random = random.Random(self.config.random_seed)
        self.persist()

    def seed(self, seed_dict):
        """Add the companies and records of ``seed_dict`` to the current state."""
        self.state.load_seed(seed_dict)
        self.persist()

    def configure(self, **changes):
        """Change runtime configuration (the keys of ``SandboxConfig``)."""
        fixed = [
            key
            for key in STARTUP_ONLY_FIELDS
            if key in changes and changes[key] != getattr(self.config, key)
        ]
        if fixed and self._httpd is not None:
            raise ValueError(f"cannot change {', '.join(fixed)} while the sandbox runs")
        self.config = self.config.replace(**changes)
        if "random_seed" in changes:
            with self._random_lock:
                self._random = random.Random(self.config.random_seed)
        return self.config

    def chance(self, rate):
        if rate <= 0:
            return False
        with self._random_lock:
            return self._random.random() < rate

    def delay_ms(self, kind, config=None):
        """QuickBooks' processing time of an API call of ``kind``: the
        latency, the batch latency for a batch, and a random jitter."""
        config = config or self.config
        delay = config.latency_ms + (config.batch_latency_ms if kind == "batch" else 0)
        if config.latency_jitter_ms > 0:
            with self._random_lock:
                delay += self._random.uniform(0, config.latency_jitter_ms)
        return delay

    def stats(self):
        with self.state.lock:
            stats = json.loads(json.dumps(self.state.stats))
        stats["max_concurrent_seen"] = self.limiter.max_in_flight_seen
        stats["busy_seconds"] = self.limiter.busy_seconds()
        return stats

    def persist(self):
        """Write the state file (atomically) when something changed since the last save."""
        path = self.config.state_file
        if not path:
            return
        with self._save_lock:
            with self.state.lock:
                if self.state.revision == self._saved_revision:
                    return
                revision = self.state.revision
                text = json.dumps(self.state.to_dict())
            directory = os.path.dirname(os.path.abspath(path))
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".qbo-sandbox-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
            self._saved_revision = revision


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._connections = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Cut kept-alive connections, so a stopped sandbox really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue


class _Handler(OAuthRoutes, AdminRoutes, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qbo-sandbox"
    # The headers and the body of an answer are two writes. With Nagle's
    # algorithm on, the body waits for the client to acknowledge the
    # headers, which a client delays by up to 40 ms on a kept-alive
    # connection: every answer would come about 40 ms late, on top of the
    # latency the sandbox is told to imitate. Intuit's servers answer without
    # such a pause.
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):
        # Paths only: query strings can carry authorization codes.
        _logger.debug("%s %s", self.command, urllib.parse.urlsplit(self.path).path)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    # Plumbing

    def _dispatch(self, method):
        self.sandbox = self.server.sandbox
        self.state = self.sandbox.state
        self.intuit_tid = new_intuit_tid()
        url = urllib.parse.urlsplit(self.path)
        self.route = url.path
        self.params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        self.body = decoded_body(
            self.rfile.read(int(self.headers.get("Content-Length") or 0)),
            self.headers.get("Content-Encoding"),
        )
        try:
            if self.route.startswith("/v3/company/"):
                self._api(method)
            elif self.route == "/_sandbox" or self.route.startswith("/_sandbox/"):
                self._admin(method)
            elif self.route.rstrip("/") == "/graphql" and method == "POST":
                self._graphql()
            else:
                self._public(method)
        except ConnectionError:
            # The client hung up (for example it timed out on a slow answer).
            self.close_connection = True
        except Exception:
            _logger.exception("qbo sandbox failed on %s %s", method, self.route)
            fault = faults.QboFault(
                10000,
                "An application error has occurred while processing your request",
                "System Failure Error: the sandbox hit an internal error.",
                status=500,
                fault_type="SystemFault",
            )
            self._send_json(500, fault.body(utc_time_text()))
        finally:
            self.sandbox.persist()

    def _send(self, status, body=b"", content_type=JSON_TYPE, headers=()):
        # Saved before the answer leaves, as QuickBooks commits before it
        # answers: a sandbox killed after answering never forgets a write
        # (and never hands out its ids again after a restart).
        self.sandbox.persist()
        self.send_response(status)
        self.send_header("intuit_tid", self.intuit_tid)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, payload, headers=(), compact=False):
        separators = (",", ":") if compact else None
        self._send(status, json.dumps(payload, separators=separators).encode(), headers=headers)

    def _send_html(self, status, text):
        self._send(status, text.encode(), HTML_TYPE)

    def _redirect(self, location):
        self._send(302, b"", HTML_TYPE, headers=[("Location", location)])

    def _json_body(self):
        return json.loads(self.body.decode("utf-8")) if self.body.strip() else None

    def _base_url(self):
        # Follow the Host the caller used, so a browser on "localhost" stays on it.
        return f"http://{self.headers.get('Host') or self.sandbox.url[7:]}"

    # Accounting API

    def _api(self, method):
        parts = [part for part in self.route.split("/")[3:] if part]
        if not parts:
            self._send_fault(None, faults.unsupported_operation("No company (realmId) given."))
            return
        realm_id, segments = parts[0], parts[1:]
        kind = api.classify(method, segments)
        self.state.count("requests", kind)
        config = self.sandbox.config
        try:
            with self.state.lock:
                oauth.authenticate(self.state, self.headers.get("Authorization"), realm_id)
        except faults.GatewayFault as fault:
            headers = []
            if fault.status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="Intuit", error="invalid_token"'))
            self._send_json(fault.status, fault.body(), headers=headers)
            return
        limiter = self.sandbox.limiter
        ticket = limiter.acquire(realm_id, kind == "batch", config)
        if ticket is None:
            self.state.count("throttled")
            self._send_throttled(realm_id, config)
            return
        metered_class = api.metered_class(kind, self.body)
        if metered_class:
            self.state.count_metered(realm_id, metered_class)
        try:
            self._api_admitted(method, realm_id, segments, kind, config)
        finally:
            limiter.release(realm_id, ticket)

    def _api_admitted(self, method, realm_id, segments, kind, config):
        # Injected failures happen before any work, as a load balancer's would.
        if self.sandbox.chance(config.drop_rate):
            self.state.count("injected_faults", "drop")
            self.close_connection = True
            return
        if self.sandbox.chance(config.fail_rate):
            self._inject_server_error(realm_id)
            return
        status, text = self._run_once(method, realm_id, segments, kind, config)
        # QuickBooks commits before it answers, however late the answer: a
        # sandbox killed while the answer waits has saved the work.
        self.sandbox.persist()
        if config.slow_after_commit_ms and self.sandbox.chance(config.slow_rate):
            # The work is done; the answer comes late ("saved in QuickBooks, client timed out").
            self.state.count("injected_faults", "slow")
            time.sleep(config.slow_after_commit_ms / 1000)
        self._send(status, text.encode())

    def _inject_server_error(self, realm_id):
        if self.sandbox.chance(0.5):
            self.state.count("injected_faults", "503")
            self._send_html(503, UNAVAILABLE_PAGE)
        else:
            self.state.count("injected_faults", "500")
            self._send_fault(realm_id, faults.internal_server_error())

    def _send_fault(self, realm_id, fault):
        with self.state.lock:
            realm = self.state.realm(realm_id or "")
            time_text = realm.envelope_time() if realm else utc_time_text()
        self._send_json(fault.status, fault.body(time_text))

    def _send_throttled(self, realm_id, config):
        fault = faults.throttled()
        if config.throttle_format != "xml":
            self._send_fault(realm_id, fault)
            return
        with self.state.lock:
            realm = self.state.realm(realm_id or "")
            time_text = realm.envelope_time() if realm else utc_time_text()
        self._send(fault.status, fault.xml_body(time_text).encode(), XML_TYPE)

    def _run_once(self, method, realm_id, segments, kind, config):
        """Run the request, honouring ``requestid`` per ``config.requestid_mode``.

        In replay mode the first response is stored per company and sent back for every
        repeat, whatever the repeat's body (Intuit does not say; QBO keys on the id,
        docs/ASSUMPTIONS.md#requestid-idempotency). It is stored with what the
        request changed, in one hold of the state's lock (see :meth:`_execute`), so
        a sandbox killed and restarted replays every write it saved.
        A repeat that arrives while the first is still running waits for it.
        """
        request_id = self.params.get("requestid")
        mode = config.requestid_mode
        delay_ms = self.sandbox.delay_ms(kind, config)
        if not request_id or mode == "ignore":
            return self._execute(method, realm_id, segments, delay_ms)
        limit = BATCH_REQUEST_ID_MAX if kind == "batch" else REQUEST_ID_MAX
        if len(request_id) > limit:
            return self._fault_text(
                realm_id, faults.invalid_string_length("requestid", limit, len(request_id))
            )
        key = (realm_id, request_id)
        with self.state.lock:
            realm = self.state.realm(realm_id)
            first = realm.request_log.get(request_id)
            running = self.sandbox.pending_requests.get(key) if first is None else None
            done = None
            if first is None and running is None:
                done = self.sandbox.pending_requests[key] = threading.Event()
        if running is not None and mode == "replay":
            running.wait(REPLAY_WAIT_SECONDS)
            with self.state.lock:
                first = realm.request_log.get(request_id)
        if first is not None or running is not None:
            if mode == "fault":
                return self._fault_text(realm_id, faults.duplicate_request_id(request_id))
            if first is not None:
                self.state.count("requestid_replays")
                return first["status"], first["body"]
            return self._execute(method, realm_id, segments, delay_ms)
        try:
            return self._execute(method, realm_id, segments, delay_ms, request_id)
        finally:
            with self.state.lock:
                self.sandbox.pending_requests.pop(key, None)
            done.set()

    def _execute(self, method, realm_id, segments, delay_ms, request_id=None):
        """(status, text) of the request, done under the state's lock; with
        ``request_id``, the answer is remembered for its repeats in the same
        hold of the lock, so that a save (which holds it too) never keeps the
        records a request made without its requestid, nor the reverse."""
        # The latency stands for QuickBooks' processing time, so a repeated requestid
        # arriving meanwhile finds the first request still running.
        if delay_ms:
            time.sleep(delay_ms / 1000)
        full_url = f"{self._base_url()}{self.path}"
        with self.state.lock:
            realm = self.state.realm(realm_id)
            try:
                answer = api.handle(
                    self.state,
                    realm,
                    method,
                    segments,
                    self.params,
                    self.body,
                    full_url,
                    config=self.sandbox.config,
                )
            except faults.QboFault as fault:
                status, text = fault.status, json.dumps(fault.body(realm.envelope_time()))
            else:
                status, text = 200, json.dumps(answer)
            if request_id is not None:
                realm.request_log[request_id] = {"status": status, "body": text}
                self.state.changed()
            return status, text

    def _fault_text(self, realm_id, fault):
        with self.state.lock:
            time_text = self.state.realm(realm_id).envelope_time()
        return fault.status, json.dumps(fault.body(time_text))

    # GraphQL API (pay types; see payroll.py)

    def _graphql(self):
        self.state.count("requests", "graphql")
        header = self.headers.get("Authorization")
        with self.state.lock:
            realm_id = payroll.token_realm(self.state, header)
            try:
                entry = oauth.authenticate(self.state, header, realm_id)
            except faults.GatewayFault as fault:
                status, answer = fault.status, payroll.gateway_error_body(fault)
            else:
                # A read: metered as CorePlus, like the Accounting API's reads.
                self.state.count_metered(realm_id, "CorePlus")
                status = 200
                answer = payroll.handle(self.state.realm(realm_id), entry["scope"], self.body)
        self._send_json(status, answer)
