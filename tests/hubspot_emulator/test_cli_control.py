"""The command line and the control API's set-up calls."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

import httpx

from hubspot_emulator.cli import add_arguments, config_from
from hubspot_emulator.seed import DEMO_CLIENT_ID, MAIN_PORTAL, OWNER_EMAIL, REP_EMAIL


def test_arguments_build_the_config():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from(parser.parse_args([
        "--port", "9001", "--seed", "empty", "--rate-limit-scale", "10",
        "--access-token-lifetime", "60", "--webhook-url", "http://127.0.0.1:1/hook",
        "--redirect-uri", "http://a/cb", "--redirect-uri", "http://b/cb"]))
    assert (config.port, config.seed, config.rate_limit_scale) == (9001, "empty", 10.0)
    assert config.access_token_lifetime_s == 60 and config.webhook_url.endswith("/hook")
    assert config.redirect_uris == ["http://a/cb", "http://b/cb"]


def test_python_dash_m_serves_the_demo_world():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "hubspot_emulator", "--port", str(port),
         "--redirect-uri", "http://127.0.0.1:7000/cb/"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_emulator/state").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        [app] = state["apps"]
        assert app["client_id"] == DEMO_CLIENT_ID
        assert app["redirect_uris"] == ["http://127.0.0.1:7000/cb/"]
        users = {u["email"]: u for u in state["users"]}
        assert users[OWNER_EMAIL]["password"] == "hubspot-demo"
        assert users[REP_EMAIL]["portals"] == [{"id": MAIN_PORTAL, "super_admin": False}]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_reset_to_empty_and_seed_again(http: httpx.Client):
    assert http.post("/_emulator/reset", json={"seed": "empty"}).json()["seed"] == "empty"
    state = http.get("/_emulator/state").json()
    assert state["apps"] == [] and state["portals"] == [] and state["users"] == []
    http.post("/_emulator/seed")
    counts = http.get("/_emulator/state").json()["counts"][str(MAIN_PORTAL)]
    assert counts["contacts"] == 25 and counts["products"] == 15 and counts["invoices"] == 20


def test_private_app_token_has_every_scope(http: httpx.Client):
    token = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
    assert "crm.schemas.invoices.write" in token["scopes"]
    assert http.post("/_emulator/portals/1/private-app-token").status_code == 404


def test_generate_bulk_records(http: httpx.Client, private_token: str):
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                         json={"contacts": 5, "products": 3, "invoices": 40,
                               "lines_per_invoice": 2})
    assert response.status_code == 201
    counts = http.get("/_emulator/state").json()["counts"][str(MAIN_PORTAL)]
    assert counts["invoices"] == 60 and counts["contacts"] == 30
    headers = {"Authorization": f"Bearer {private_token}"}
    last = http.get("/crm/v3/objects/invoices?limit=100&after=0&associations=line_items",
                    headers=headers).json()["results"]
    assert len(last[-1]["associations"]["line_items"]["results"]) == 2
    assert http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                     json={"invoices": -1}).status_code == 400


def test_register_app_validates_redirect_uris(http: httpx.Client):
    assert http.post("/_emulator/apps", json={"redirect_uris": "nope"}).status_code == 400
    updated = http.post("/_emulator/apps", json={"client_id": DEMO_CLIENT_ID,
                                                 "redirect_uris": ["http://x.example/cb"]})
    assert updated.status_code == 200
    assert updated.json()["redirect_uris"] == ["http://x.example/cb"]
    assert updated.json()["client_secret"] == "scs-demo-hubspot-secret"
