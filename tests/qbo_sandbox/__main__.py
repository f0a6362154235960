"""Command line: ``python -m tests.qbo_sandbox --port 8085 [options]``."""

import argparse
import json
import signal
import threading

from . import DEMO_SEED_PATH, SandboxConfig, SandboxServer
from .config import REQUESTID_MODES
from .webhooks import DEFAULT_ENTITIES, FORMATS


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
    webhooks = parser.add_argument_group("webhooks (one subscription, loopback URLs only)")
    webhooks.add_argument("--webhook-url", metavar="URL", help="endpoint of the app's webhooks")
    webhooks.add_argument("--webhook-verifier-token", metavar="TOKEN")
    webhooks.add_argument("--webhook-client", metavar="CLIENT_ID", default="sandbox-client-id")
    webhooks.add_argument(
        "--webhook-entities",
        metavar="LIST",
        default=",".join(DEFAULT_ENTITIES),
        help="comma-separated entities to follow",
    )
    webhooks.add_argument("--webhook-format", choices=FORMATS, default="cloudevents")
    webhooks.add_argument("--webhook-batch-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_verifier_token:
        parser.error("--webhook-url needs --webhook-verifier-token")
    return args


def webhook_subscriptions(args):
    if not args.webhook_url:
        return {}
    return {
        args.webhook_client: {
            "url": args.webhook_url,
            "verifier_token": args.webhook_verifier_token,
            "entities": args.webhook_entities,
            "format": args.webhook_format,
        }
    }


def build_config(args, seed):
    return SandboxConfig(
        host=args.host,
        port=args.port,
        auto_approve=args.auto_approve,
        minute_seconds=args.minute_seconds,
        latency_ms=args.latency_ms,
        requestid_mode=args.requestid_mode,
        access_token_ttl=args.access_token_ttl,
        seed=seed,
        state_file=args.state_file,
        webhooks=webhook_subscriptions(args),
        webhook_batch_seconds=args.webhook_batch_seconds,
    )


def main(argv=None):
    args = parse_args(argv)
    with open(args.seed or DEMO_SEED_PATH, encoding="utf-8") as handle:
        seed = json.load(handle)
    try:
        config = build_config(args, seed)
    except ValueError as error:
        raise SystemExit(f"python -m tests.qbo_sandbox: error: {error}") from None
    server = SandboxServer(config).start()
    print(f"QBO sandbox ready at {server.url}", flush=True)
    stopped = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_args: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
