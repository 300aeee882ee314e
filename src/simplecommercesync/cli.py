"""The `scs` command: serve, worker, migrate, createadmin, rotate-keys, sync, hubspot-app, emulator."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simplecommercesync.demo import DemoPorts


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simplecommercesync.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(args.email)
    except ValidationError:
        print(f"scs createadmin: {args.email!r} is not an email address.", file=sys.stderr)
        return 2
    if len(args.password) < 8:
        print("scs createadmin: the password must have at least 8 characters.", file=sys.stderr)
        return 2
    _migrate(verbosity=0)
    from simplecommercesync.accounts.provisioning import ensure_admin

    result = ensure_admin(args.email, args.password, args.workspace)
    verb = "Created" if result.created else "Updated"
    print(f"{verb} admin {result.user.email} of workspace {result.user.workspace.name!r}.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    # SqliteHuey is polled: after an idle spell Huey's default backoff (up to 10 s) left a webhook's
    # drain waiting 8.5 s in `make bench` (P4). A 0.25 s ceiling costs a few cheap reads a second.
    options: dict[str, object] = {"workers": args.workers, "worker_type": "thread", "max_delay": 0.25}
    # A backlog's drain asks its idle siblings to help (sync/tasks.py `helper_drains`).
    os.environ["SCS_WORKER_THREADS"] = str(args.workers)
    if args.no_periodic:
        # With several workers, one runs the periodic passes (the pass also takes a lock).
        options["periodic"] = False
    else:
        from simplecommercesync.sync.tasks import pick_up_after_restart

        pick_up_after_restart()
    call_command("run_huey", **options)
    return 0


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    _setup_django()
    from simplecommercesync.connections.keys import rotate_all_tokens

    report = rotate_all_tokens()
    print(
        f"Re-sealed the tokens of {report.resealed} connection(s) with the first key of SCS_ENCRYPTION_KEYS."
    )
    if report.changed_meanwhile:
        print(
            f"{report.changed_meanwhile} connection(s) refreshed meanwhile; their new tokens use the first key."
        )
    if report.unreadable:
        print(
            "No configured key opens the stored authorization of: "
            + "; ".join(report.unreadable)
            + ". They show 'needs reconnect' on Settings → Connections: put the old key back (after the "
            "first) and run `scs rotate-keys` again, or Reconnect them.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from simplecommercesync.demo import DemoPorts, demo_environment, emulator_children
    from simplecommercesync.launcher import (
        Child,
        ProcessSupervisor,
        child_environment,
        python_module,
    )

    ports = DemoPorts(args.host, args.port, args.hubspot_port, args.quickbooks_port)
    extra_env = demo_environment(ports) if args.demo else {}
    os.environ.update(extra_env)
    _setup_django()  # generates local secrets once, before any child process could race to
    _migrate(verbosity=0)
    if args.demo:
        from simplecommercesync.demo import ensure_demo_admin

        ensure_demo_admin()

    supervisor = ProcessSupervisor(child_environment(extra_env))
    # Before the first child exists: a SIGTERM during start-up must still stop every child.
    supervisor.install_signal_handlers()
    base_url = ports.base_url
    if args.demo:
        for emulator in emulator_children(ports):
            supervisor.start(emulator)
    supervisor.start(
        Child(
            "web server",
            python_module(
                "gunicorn",
                "simplecommercesync.wsgi:application",
                "--bind",
                f"{args.host}:{args.port}",
                "--workers",
                str(args.web_workers),
                "--threads",
                "4",
                "--log-level",
                "warning",
            ),
            ready_url=f"{base_url}/healthz",
        )
    )
    if not args.no_worker:
        # SIGINT is Huey's graceful stop: the task in hand finishes, nothing new starts.
        supervisor.start(
            Child("worker", python_module("simplecommercesync", "worker"), stop_signal=signal.SIGINT)
        )
    try:
        supervisor.wait_ready()
    except RuntimeError as exc:
        print(f"scs serve: {exc}", file=sys.stderr)
        supervisor.stop()
        return 1
    if supervisor.stopping:
        supervisor.stop()
        return 0
    _print_banner(ports, args.demo)
    return supervisor.run_until_stopped()


def _print_banner(ports: DemoPorts, demo: bool) -> None:
    lines = [f"SimpleCommerceSync is running at {ports.base_url}/"]
    if demo:
        from simplecommercesync.demo import DEMO_EMAIL, DEMO_PASSWORD, emulator_sign_ins

        lines.append(f"Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        lines.extend(emulator_sign_ins(ports))
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


def cmd_sync(args: argparse.Namespace) -> int:
    if getattr(args, "sync_action", None) is None:
        args.sync_parser.print_help()
        return 2
    _setup_django()
    from simplecommercesync.sync import commands

    if args.sync_action == "run":
        return commands.run(args.type, full=args.full, workspace=args.workspace, dry_run=args.dry_run)
    return commands.status(args.workspace)


def cmd_hubspot_app(args: argparse.Namespace) -> int:
    _setup_django()
    from pathlib import Path

    from django.conf import settings

    from simplecommercesync.sync.hubspot_app_project import write_project

    for path in write_project(Path(args.out), settings.SCS_BASE_URL, distribution=args.distribution):
        print(path)
    print(f"HubSpot app project for {settings.SCS_BASE_URL} written to {args.out}: upload it with "
          "`hs project upload` (docs/hubspot-app.md).")
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    run = getattr(args, "emulator_run", None)
    if run is None:
        args.emulator_parser.print_help()
        return 2
    result: int = run(args)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scs", description="SimpleCommerceSync: keeps HubSpot and QuickBooks Online in step."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web app and a background worker")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: local HubSpot and QuickBooks emulators and a demo sign-in",
    )
    serve.add_argument(
        "--hubspot-port", type=int, default=8101, help="demo HubSpot emulator port (default 8101)"
    )
    serve.add_argument(
        "--quickbooks-port", type=int, default=8102, help="demo QuickBooks emulator port (default 8102)"
    )
    serve.add_argument(
        "--web-workers", type=int, default=2, help="web server processes (default 2), 4 threads each"
    )
    serve.add_argument("--no-worker", action="store_true", help="do not start the embedded worker")
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run only the background worker (Huey consumer)")
    worker.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    worker.add_argument(
        "--no-periodic",
        action="store_true",
        help="don't run the periodic passes here (run them in one worker when you run several)",
    )
    worker.set_defaults(func=cmd_worker)

    rotate = commands.add_parser(
        "rotate-keys", help="re-seal every stored token with the first key of SCS_ENCRYPTION_KEYS"
    )
    rotate.set_defaults(func=cmd_rotate_keys)

    migrate = commands.add_parser("migrate", help="create or upgrade the database tables")
    migrate.set_defaults(func=cmd_migrate)

    createadmin = commands.add_parser(
        "createadmin", help="create (or update) a workspace admin, non-interactively"
    )
    createadmin.add_argument("--email", required=True)
    createadmin.add_argument("--password", required=True, help="at least 8 characters")
    createadmin.add_argument("--workspace", default="My workspace", help="name of a new workspace")
    createadmin.set_defaults(func=cmd_createadmin)

    sync = commands.add_parser("sync", help="run a sync now, or show how syncs are doing")
    sync.set_defaults(func=cmd_sync, sync_parser=sync)
    sync_actions = sync.add_subparsers(dest="sync_action", metavar="ACTION")
    sync_run = sync_actions.add_parser("run", help="queue changes (or everything with --full) and sync them")
    sync_run.add_argument("--type", default="invoices", help="sync type (default invoices)")
    sync_run.add_argument("--full", action="store_true", help="queue every record, not only recent changes")
    sync_run.add_argument("--workspace", help="workspace name or id (needed when there are several)")
    sync_run.add_argument(
        "--dry-run", action="store_true", help="preview: show what would be created, updated, skipped or fail; write nothing"
    )
    sync_status = sync_actions.add_parser("status", help="counts per status for the last 24 hours")
    sync_status.add_argument("--workspace", help="workspace name or id (needed when there are several)")

    hubspot_app = commands.add_parser(
        "hubspot-app", help="write the HubSpot developer-platform project for this installation's SCS_BASE_URL"
    )
    hubspot_app.add_argument("--out", default="hubspot-app", help="folder to write (default ./hubspot-app)")
    hubspot_app.add_argument("--distribution", choices=("marketplace", "private"), default="marketplace",
                             help="marketplace (any account may install) or private (allowlisted accounts)")
    hubspot_app.set_defaults(func=cmd_hubspot_app)

    emulator = commands.add_parser("emulator", help="run a local HubSpot or QuickBooks emulator")
    emulator.set_defaults(func=cmd_emulator, emulator_parser=emulator)
    providers = emulator.add_subparsers(dest="provider", metavar="PROVIDER")
    _add_emulator(providers, "hubspot", "a HubSpot emulator (OAuth, CRM v3, limits, faults)")
    _add_emulator(providers, "quickbooks", "a QuickBooks Online emulator (Intuit OAuth, Accounting v3)")
    return parser


def _add_emulator(
    providers: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> None:
    import importlib

    # By name, on purpose: the product never imports an emulator (an import-linter contract), and an
    # installation without the emulators simply has no `scs emulator` subcommands.
    try:
        module = importlib.import_module(f"{name}_emulator.cli")
    except ImportError:
        return
    sub = providers.add_parser(name, help=help_text)
    module.add_arguments(sub)
    sub.set_defaults(emulator_run=module.run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result
