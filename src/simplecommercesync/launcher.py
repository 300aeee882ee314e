"""`scs serve`: the web server, one background worker and (in demo mode) both emulators, as child
processes of one supervisor that stops them all together on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

import httpx


@dataclass
class Child:
    name: str
    argv: list[str]
    ready_url: str | None = None
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class ProcessSupervisor:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[Child] = []
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def install_signal_handlers(self) -> None:
        """Before starting children, so a signal during start-up never leaves orphans behind."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self._stopping = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

    def start(self, child: Child) -> None:
        if self._stopping:
            return
        child.process = subprocess.Popen(child.argv, env=self.env)
        self.children.append(child)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            if child.ready_url is None:
                continue
            while not self._stopping:
                self._check_alive()
                try:
                    if httpx.get(child.ready_url, timeout=1).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{child.name} did not start within {timeout_s:.0f} s")
                time.sleep(0.2)

    def _check_alive(self) -> None:
        for child in self.children:
            assert child.process is not None
            code = child.process.poll()
            if code is not None and not self._stopping:
                raise RuntimeError(f"{child.name} stopped unexpectedly (exit code {code})")

    def run_until_stopped(self) -> int:
        exit_code = 0
        while not self._stopping:
            try:
                self._check_alive()
            except RuntimeError as exc:
                print(f"scs: {exc}; stopping everything.", file=sys.stderr)
                exit_code = 1
                break
            time.sleep(0.5)
        self.stop()
        return exit_code

    def stop(self) -> None:
        self._stopping = True
        for child in reversed(self.children):
            if child.process and child.process.poll() is None:
                child.process.send_signal(child.stop_signal)
        # Long enough for the worker to finish a task in hand (a provider call times out well before).
        deadline = time.monotonic() + 30
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.setdefault("DJANGO_SETTINGS_MODULE", "simplecommercesync.settings")
    return env
