"""`scs emulator quickbooks` / `python -m quickbooks_emulator`: start the QuickBooks Online emulator."""

from __future__ import annotations

import argparse
import sys

from emulator_core.server import serve

from .app import create_app
from .config import DEFAULT_PORT, EmulatorConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
    parser.add_argument(
        "--rate-limit-scale",
        type=float,
        default=1.0,
        help="multiply 500 req/min, 10 concurrent and 40 batch/min per company",
    )
    parser.add_argument("--access-token-lifetime", type=int, default=3600, help="seconds")
    parser.add_argument(
        "--refresh-rotation-seconds",
        type=int,
        default=86400,
        help="age after which a refresh returns a new refresh token",
    )
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-verifier", default="scs-demo-quickbooks-verifier")
    parser.add_argument(
        "--webhook-format",
        choices=["cloudevents", "eventNotifications"],
        default="cloudevents",
        help="webhook payload: CloudEvents array (current) or classic eventNotifications",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=None,
        dest="redirect_uris",
        help="redirect URI of the demo app (repeatable; replaces the default)",
    )
    parser.add_argument("--throttle-xml", action="store_true", help="answer 429 throttles with an XML body")
    parser.add_argument("--latency-ms", type=int, default=0, help="extra time each Accounting API call takes")


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        rate_limit_scale=args.rate_limit_scale,
        access_token_lifetime=args.access_token_lifetime,
        refresh_rotation_seconds=args.refresh_rotation_seconds,
        webhook_url=args.webhook_url,
        webhook_verifier=args.webhook_verifier,
        webhook_format=args.webhook_format,
        latency_ms=args.latency_ms,
        throttle_xml=args.throttle_xml,
    )
    if args.redirect_uris:
        config.redirect_uris = list(args.redirect_uris)
    return config


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    base = f"http://{config.host}:{config.port}"
    print(
        f"QuickBooks Online emulator on {base}\n"
        f"  discovery  {base}/.well-known/openid_configuration\n"
        f"  API        {base}/v3/company/<realmId>/...\n"
        f"  control    {base}/_emulator/state\n"
        f"  demo app   scs-demo-quickbooks / scs-demo-quickbooks-secret\n"
        f"  demo user  owner@northwind.example / intuit-demo",
        file=sys.stderr,
    )
    serve(create_app(config), config.host, config.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quickbooks_emulator", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
