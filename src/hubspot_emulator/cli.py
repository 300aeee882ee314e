"""`scs emulator hubspot` / `python -m hubspot_emulator`: run the HubSpot emulator in the foreground."""

from __future__ import annotations

import argparse

from emulator_core.server import serve

from .app import create_app
from .config import DEFAULT_PORT, EmulatorConfig
from .exceptions import HubSpotError
from .seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, OWNER_EMAIL, REP_EMAIL
from .webhook_subscriptions import ALL, parse_spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
    parser.add_argument("--rate-limit-scale", type=float, default=1.0,
                        help="multiplies HubSpot's limits (110 per 10 s, search 5 per s)")
    parser.add_argument("--access-token-lifetime", type=int, default=1800, metavar="SECONDS")
    parser.add_argument("--webhook-url", default=None,
                        help="POST v3 webhook batches for record changes here")
    parser.add_argument("--redirect-uri", action="append", default=[], metavar="URL",
                        help="redirect URI of the demo app (repeatable; replaces the defaults)")
    parser.add_argument("--search-delay", type=float, default=None, metavar="SECONDS",
                        help="how long new and changed records lag in search "
                             "(default 1 with --seed demo, else 0)")
    parser.add_argument("--webhook-subscriptions", default=ALL, metavar="SPEC",
                        help="subscriptions every app starts with: 'all', 'none' or a comma "
                             "list of eventType[@objectTypeId][:propertyName], e.g. "
                             "contact.creation,object.propertyChange@0-53:hs_invoice_status")


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    if args.rate_limit_scale <= 0:
        raise SystemExit("--rate-limit-scale must be positive")
    if args.access_token_lifetime <= 0:
        raise SystemExit("--access-token-lifetime must be positive")
    try:
        parse_spec(args.webhook_subscriptions)
    except HubSpotError as exc:
        raise SystemExit(f"--webhook-subscriptions: {exc.message}") from exc
    search_delay = args.search_delay
    if search_delay is None:
        search_delay = 1.0 if args.seed == "demo" else 0.0
    if search_delay < 0:
        raise SystemExit("--search-delay must be 0 or more")
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        rate_limit_scale=args.rate_limit_scale,
        access_token_lifetime_s=args.access_token_lifetime,
        webhook_url=args.webhook_url,
        redirect_uris=list(args.redirect_uri),
        search_delay_s=search_delay,
        webhook_subscriptions=args.webhook_subscriptions,
    )


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    app = create_app(config)
    base = f"http://{config.host}:{config.port}"
    print(f"HubSpot emulator on {base} (seed: {config.seed})", flush=True)
    if config.seed == "demo":
        print(f"  app: client_id={DEMO_CLIENT_ID} client_secret={DEMO_CLIENT_SECRET}", flush=True)
        print(f"  users: {OWNER_EMAIL} / {REP_EMAIL}, password {DEMO_PASSWORD}", flush=True)
    print(f"  control API: {base}/_emulator/state", flush=True)
    serve(app, config.host, config.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubspot_emulator",
                                     description="A local HubSpot for demos, tests and benchmarks.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
