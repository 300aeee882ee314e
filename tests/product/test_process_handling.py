"""Issue 9 point 8: `scs serve` never orphans its children, stops the worker gracefully, and only
one process runs the periodic connections pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from simplecommercesync.connections.locks import periodic_pass_lock
from simplecommercesync.connections.models import Cause, Connection, Status
from simplecommercesync.connections.tasks import refresh_due_connections
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.launcher import Child, ProcessSupervisor

from .conftest import Providers
from .repo_paths import REPO_ROOT
from .test_serve import free_port, port_open

pytestmark = pytest.mark.integration


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SCS_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env["SCS_VAR_DIR"] = str(tmp_path)
    return env


def test_sigterm_during_start_up_leaves_no_child_running(tmp_path: Path) -> None:
    web, hub, qbo = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simplecommercesync",
            "serve",
            "--demo",
            "--port",
            str(web),
            "--hubspot-port",
            str(hub),
            "--quickbooks-port",
            str(qbo),
            "--web-workers",
            "1",
        ],
        env=clean_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open(hub) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_open(hub), "the HubSpot emulator child never started"
        process.send_signal(signal.SIGTERM)  # the web server is still starting
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(1.0)
    assert not any(port_open(port) for port in (web, hub, qbo)), "a child outlived scs serve"


def test_the_worker_is_stopped_with_sigint_and_others_with_sigterm(tmp_path: Path) -> None:
    script = (
        "import signal, sys, time, pathlib\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "def on(signum, frame):\n"
        "    out.write_text(signal.Signals(signum).name); sys.exit(0)\n"
        "signal.signal(signal.SIGINT, on); signal.signal(signal.SIGTERM, on)\n"
        "out.with_suffix('.ready').write_text('1')\n"
        "time.sleep(60)\n"
    )
    supervisor = ProcessSupervisor(dict(os.environ))
    worker_file, web_file = tmp_path / "worker.txt", tmp_path / "web.txt"
    supervisor.start(
        Child("worker", [sys.executable, "-c", script, str(worker_file)], stop_signal=signal.SIGINT)
    )
    supervisor.start(Child("web server", [sys.executable, "-c", script, str(web_file)]))
    deadline = time.monotonic() + 20
    while not (worker_file.with_suffix(".ready").exists() and web_file.with_suffix(".ready").exists()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    supervisor.stop()
    assert worker_file.read_text() == "SIGINT"
    assert web_file.read_text() == "SIGTERM"


def test_cli_starts_the_embedded_worker_with_sigint() -> None:
    source = REPO_ROOT / "src" / "simplecommercesync" / "cli.py"
    assert 'python_module("simplecommercesync", "worker"), stop_signal=signal.SIGINT' in source.read_text()


def test_worker_no_periodic_disables_the_scheduler(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simplecommercesync", "worker", "--no-periodic", "--workers", "1"],
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Periodic tasks are" in line or not line:
                break
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert any("Periodic tasks are disabled" in line for line in lines), "".join(lines)


def _stale_connection(providers: Providers, workspace: Any) -> Connection:
    vault = TokenVault()
    return Connection.objects.create(
        workspace=workspace,
        provider="hubspot",
        status=Status.CONNECTED,
        account_id="2468101",
        access_token_encrypted=vault.seal("expired-access"),
        refresh_token_encrypted=vault.seal("refresh-token-hubspot-never-issued"),
        access_expires_at=timezone.now(),
    )


def test_only_one_process_runs_the_periodic_pass(providers: Providers, workspace: Any) -> None:
    connection = _stale_connection(providers, workspace)
    with periodic_pass_lock() as ours:
        assert ours
        with periodic_pass_lock() as second:
            assert not second  # another process (or thread) can't take it meanwhile
        refresh_due_connections.call_local()  # another worker's copy of the pass: skipped
        assert Connection.objects.get(pk=connection.pk).status == Status.CONNECTED
        assert providers.requests_to("hubspot", "POST /oauth/2026-03/token") == 0
    refresh_due_connections.call_local()  # the lock is free: the pass runs
    connection = Connection.objects.get(pk=connection.pk)
    assert (connection.status, connection.cause) == (Status.DISCONNECTED, Cause.REVOKED)
