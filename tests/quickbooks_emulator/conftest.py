"""Fixtures: one in-process QuickBooks emulator per worker (reset before each test) and helpers
that drive it through the official clients (intuit-oauth, python-quickbooks) and raw HTTP."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator_core.server import ServerThread
from quickbooks_emulator.app import create_app
from quickbooks_emulator.config import DEMO_REDIRECT_URI, EmulatorConfig
from quickbooks_emulator.seed import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    EU_REALM,
    MAIN_REALM,
    TEST_REALM,
)

# requests-oauthlib (inside python-quickbooks) refuses plain http unless told this is a test.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="quickbooks")

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_REDIRECT_URI",
    "DEMO_USER_EMAIL",
    "DEMO_USER_PASSWORD",
    "EU_REALM",
    "MAIN_REALM",
    "TEST_REALM",
]


@dataclass
class Emulator:
    url: str
    http: httpx.Client

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid_configuration"

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, f"{self.url}/_emulator{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def token(self, realm: str = MAIN_REALM) -> dict[str, Any]:
        return self.control("POST", f"/companies/{realm}/token")

    def api(
        self, method: str, path: str, token: str, realm: str = MAIN_REALM, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        params = {"minorversion": "75", **kwargs.pop("params", {})}
        return self.http.request(
            method, f"{self.url}/v3/company/{realm}/{path}", headers=headers, params=params, **kwargs
        )

    def query(self, text: str, token: str, realm: str = MAIN_REALM) -> httpx.Response:
        return self.api("GET", "query", token, realm, params={"query": text})

    def auth_client(self, redirect_uri: str = DEMO_REDIRECT_URI, **kwargs: Any) -> Any:
        from intuitlib.client import AuthClient

        return AuthClient(
            DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, redirect_uri, environment=self.discovery_url, **kwargs
        )

    def qb(self, realm: str = MAIN_REALM) -> Any:
        """A python-quickbooks client, set up as its README says, pointed at the emulator."""
        from quickbooks import QuickBooks

        tokens = self.token(realm)
        auth_client = self.auth_client(
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )
        client = QuickBooks(
            auth_client=auth_client,
            refresh_token=tokens["refresh_token"],
            company_id=realm,
            minorversion=75,
        )
        client.api_url_v3 = f"{self.url}/v3"
        return client

    def consent_code(self, authorize_url: str, realm: str = MAIN_REALM) -> dict[str, str]:
        """Walk the HTML pages like a person would: sign in, choose company, Connect."""
        with httpx.Client(follow_redirects=False) as browser:
            page = browser.get(authorize_url)
            assert page.status_code == 200 and "Sign in" in page.text
            fields = hidden_fields(page.text)
            fields.update(email=DEMO_USER_EMAIL, password=DEMO_USER_PASSWORD)
            signed_in = browser.post(f"{self.url}/connect/oauth2/signin", data=fields)
            assert signed_in.status_code == 303
            chooser = browser.get(f"{self.url}{signed_in.headers['location']}")
            assert "Choose a company" in chooser.text
            consent = browser.get(authorize_url + f"&realmId={realm}")
            assert "Connect" in consent.text
            decision = hidden_fields(consent.text)
            decision["decision"] = "connect"
            done = browser.post(f"{self.url}/connect/oauth2/decision", data=decision)
            assert done.status_code == 302
            return query_of(done.headers["location"])


def hidden_fields(html: str) -> dict[str, str]:
    pattern = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'
    return {name: unescape(value) for name, value in re.findall(pattern, html)}


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="session")
def qbo_server() -> Iterator[ServerThread]:
    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        yield server


@pytest.fixture
def emulator(qbo_server: ServerThread) -> Iterator[Emulator]:
    with httpx.Client(timeout=10) as http:
        emulator = Emulator(qbo_server.url, http)
        emulator.control("POST", "/reset")
        yield emulator


@pytest.fixture
def qb(emulator: Emulator) -> Any:
    return emulator.qb()
