"""The processes of one bench run: both emulators, the web server and the worker(s), on loopback.

Every part runs as its own subprocess through the `scs` command, exactly as an operator starts
them; the bench talks to them over HTTP and reads the product's database for completion times.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SCS = str(Path(sys.executable).with_name("scs"))
HUBSPOT_APP = ("scs-demo-hubspot", "scs-demo-hubspot-secret")
QUICKBOOKS_APP = ("scs-demo-quickbooks", "scs-demo-quickbooks-secret")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Ports:
    web: int = field(default_factory=free_port)
    hubspot: int = field(default_factory=free_port)
    quickbooks: int = field(default_factory=free_port)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web}"

    @property
    def hubspot_url(self) -> str:
        return f"http://127.0.0.1:{self.hubspot}"

    @property
    def quickbooks_url(self) -> str:
        return f"http://127.0.0.1:{self.quickbooks}"


def product_environment(ports: Ports, var_dir: Path, scale: float, database_url: str = "",
                        redis_url: str = "") -> dict[str, str]:
    """What the web server, the workers and this process share: one database, one var dir (so one
    encryption key), the emulators as the providers, and our limiter scaled like the emulators'."""
    env = {
        "DJANGO_SETTINGS_MODULE": "simplecommercesync.settings",
        "SCS_ENV": "local",
        "SCS_VAR_DIR": str(var_dir),
        "SCS_BASE_URL": ports.web_url,
        "SCS_HUBSPOT_CLIENT_ID": HUBSPOT_APP[0],
        "SCS_HUBSPOT_CLIENT_SECRET": HUBSPOT_APP[1],
        "SCS_HUBSPOT_AUTH_BASE_URL": ports.hubspot_url,
        "SCS_HUBSPOT_API_BASE_URL": ports.hubspot_url,
        "SCS_QBO_CLIENT_ID": QUICKBOOKS_APP[0],
        "SCS_QBO_CLIENT_SECRET": QUICKBOOKS_APP[1],
        "SCS_QBO_ENVIRONMENT": "sandbox",
        "SCS_QBO_DISCOVERY_URL": f"{ports.quickbooks_url}/.well-known/openid_sandbox_configuration",
        "SCS_QBO_API_BASE_URL": ports.quickbooks_url,
        "SCS_RATE_LIMIT_SCALE": str(scale),
        "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'scs.sqlite3'}",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


class Stack:
    """Starts and stops the subprocesses; each can be restarted alone (a fresh worker per scenario)."""

    def __init__(self, ports: Ports, env: dict[str, str], log_dir: Path) -> None:
        self.ports = ports
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], ready_url: str | None = None, timeout_s: float = 60) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                cwd=str(ROOT))
        if ready_url is None:
            return
        deadline = time.monotonic() + timeout_s
        while True:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} stopped at start; see {self.log_dir / (name + '.log')}")
            try:
                if httpx.get(ready_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer {ready_url} within {timeout_s:.0f} s")
            time.sleep(0.2)

    def start_emulators(self, scale: float) -> None:
        p = self.ports
        self.start("hubspot-emulator", [
            SCS, "emulator", "hubspot", "--port", str(p.hubspot), "--seed", "demo",
            "--rate-limit-scale", str(scale), "--search-delay", "0",
            "--webhook-url", f"{p.web_url}/webhooks/hubspot/",
            "--redirect-uri", f"{p.web_url}/settings/connections/hubspot/callback/",
        ], ready_url=f"{p.hubspot_url}/_emulator/state")
        self.start("quickbooks-emulator", [
            SCS, "emulator", "quickbooks", "--port", str(p.quickbooks), "--seed", "demo",
            "--rate-limit-scale", str(scale),
            "--redirect-uri", f"{p.web_url}/settings/connections/quickbooks/callback/",
        ], ready_url=f"{p.quickbooks_url}/_emulator/state")

    def start_web(self) -> None:
        p = self.ports
        self.start("web", [SCS, "serve", "--no-worker", "--port", str(p.web), "--web-workers", "2"],
                   ready_url=f"{p.web_url}/healthz", timeout_s=120)

    def start_worker(self, name: str = "worker", threads: int = 2, periodic: bool = False) -> int:
        argv = [SCS, "worker", "--workers", str(threads)]
        if not periodic:
            argv.append("--no-periodic")
        self.start(name, argv)
        # Ready when Huey says so in its log: a task queued earlier would count start-up as sync time.
        log = self.log_dir / f"{name}.log"
        deadline = time.monotonic() + 120
        while "Huey consumer started" not in log.read_text(errors="replace"):
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log}")
            time.sleep(0.1)
        return self.processes[name].pid

    def stop(self, name: str, sig: int = signal.SIGINT, timeout_s: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        # `scs serve` supervises gunicorn: SIGTERM stops it and its children together.
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, signal.SIGTERM if name == "web" else signal.SIGINT)


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set, kept by the kernel (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc/<pid>/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
