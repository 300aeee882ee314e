"""`scs serve --demo` as `make run` starts it: banner, sign-in with the printed credentials, both
emulators up, and everything stopped by one SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_demo_end_to_end(tmp_path: Path) -> None:
    web, hub, qbo = free_port(), free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SCS_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env["SCS_VAR_DIR"] = str(tmp_path)
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        output = "".join(banner)
        assert f"SimpleCommerceSync is running at http://127.0.0.1:{web}/" in output, output
        match = re.search(r"Demo sign-in: (\S+) / (\S+)", output)
        assert match, output
        assert f"Demo HubSpot: http://127.0.0.1:{hub}/ — sign in there as owner@northwind.example" in output

        with httpx.Client(base_url=f"http://127.0.0.1:{web}", follow_redirects=True) as browser:
            page = browser.get("/sign-in/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            assert token
            home = browser.post(
                "/sign-in/",
                data={
                    "username": match.group(1),
                    "password": match.group(2),
                    "csrfmiddlewaretoken": token.group(1),
                },
            )
            assert (
                home.status_code == 200 and "Dashboard" in home.text and "Northwind Outfitters" in home.text
            )
            assert browser.get("/readyz").json()["status"] == "ready"
        assert httpx.get(f"http://127.0.0.1:{hub}/_emulator/state").status_code == 200
        assert (
            httpx.get(f"http://127.0.0.1:{qbo}/.well-known/openid_sandbox_configuration").status_code == 200
        )
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
    time.sleep(0.5)
    assert not any(port_open(port) for port in (web, hub, qbo))
