"""Command line: ``python -m tests.qbo_sandbox --port 8085 [options]``."""

import argparse
import json
import signal
import threading

from . import DEMO_SEED_PATH, SandboxConfig, SandboxServer
from .config import REQUESTID_MODES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.qbo_sandbox", description="Local QuickBooks Online sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8085)
    parser.add_argument(
        "--auto-approve", action="store_true", help="skip the consent page (first company)"
    )
    parser.add_argument(
        "--seed", metavar="FILE", help=f"seed JSON (default: {DEMO_SEED_PATH.name})"
    )
    parser.add_argument(
        "--state-file", metavar="FILE", help="load state from FILE and save it after writes"
    )
    parser.add_argument("--minute-seconds", type=float, default=60.0)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--requestid-mode", choices=REQUESTID_MODES, default="replay")
    parser.add_argument("--access-token-ttl", type=float, default=3600)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with open(args.seed or DEMO_SEED_PATH, encoding="utf-8") as handle:
        seed = json.load(handle)
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        auto_approve=args.auto_approve,
        minute_seconds=args.minute_seconds,
        latency_ms=args.latency_ms,
        requestid_mode=args.requestid_mode,
        access_token_ttl=args.access_token_ttl,
        seed=seed,
        state_file=args.state_file,
    )
    server = SandboxServer(config).start()
    print(f"QBO sandbox ready at {server.url}", flush=True)
    stopped = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_args: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
