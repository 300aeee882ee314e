"""The command line: flags map onto the config, and `python -m quickbooks_emulator` serves."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

import httpx

from quickbooks_emulator.cli import add_arguments, config_from_args
from quickbooks_emulator.config import DEMO_REDIRECT_URI


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_and_flags() -> None:
    config = config_from_args(parse([]))
    assert (config.port, config.seed, config.rate_limit_scale) == (8102, "demo", 1.0)
    assert config.redirect_uris == [DEMO_REDIRECT_URI]
    config = config_from_args(
        parse(
            [
                "--port",
                "9999",
                "--seed",
                "empty",
                "--rate-limit-scale",
                "10",
                "--access-token-lifetime",
                "60",
                "--refresh-rotation-seconds",
                "5",
                "--redirect-uri",
                "http://a/cb",
                "--redirect-uri",
                "http://b/cb",
                "--webhook-url",
                "http://h/hooks",
                "--webhook-verifier",
                "v",
            ]
        )
    )
    assert config.port == 9999 and config.seed == "empty" and config.rate_limit_scale == 10
    assert config.access_token_lifetime == 60 and config.refresh_rotation_seconds == 5
    assert config.redirect_uris == ["http://a/cb", "http://b/cb"]
    assert config.webhook_url == "http://h/hooks" and config.webhook_verifier == "v"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_module_serves_with_flags() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quickbooks_emulator",
            "--port",
            str(port),
            "--seed",
            "empty",
            "--access-token-lifetime",
            "120",
            "--redirect-uri",
            "http://a/cb",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"{url}/_emulator/state").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        assert state["apps"][0]["redirect_uris"] == ["http://a/cb"]
        assert all(c["counts"]["Customer"] == 0 for c in state["companies"])
        token = httpx.post(f"{url}/_emulator/companies/9341453050011001/token").json()
        assert token["expires_in"] == 120
    finally:
        process.terminate()
        process.wait(timeout=10)
