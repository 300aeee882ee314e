"""Fixtures for the HubSpot emulator tests: one real server per worker, reset before each test."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import hubspot
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator_core.server import ServerThread
from hubspot_emulator import EmulatorConfig, create_app
from hubspot_emulator.models import HubSpotWorld
from hubspot_emulator.seed import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    MAIN_PORTAL,
    OWNER_EMAIL,
)

REDIRECT_URI = "http://127.0.0.1:8000/settings/connections/hubspot/callback/"
PRODUCT_SCOPES = (
    "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.invoices.read "
    "crm.objects.invoices.write crm.objects.products.read crm.objects.products.write "
    "crm.objects.quotes.read crm.objects.quotes.write crm.objects.line_items.read "
    "crm.objects.commercepayments.read tax_rates.read crm.schemas.invoices.read "
    "crm.schemas.invoices.write"
)


@pytest.fixture(scope="session")
def emulator_app() -> Starlette:
    return create_app(EmulatorConfig(seed="demo"))


@pytest.fixture(scope="session")
def server(emulator_app: Starlette) -> Iterator[ServerThread]:
    with ServerThread(emulator_app) as running:
        yield running


@pytest.fixture
def world(emulator_app: Starlette, base_url: str) -> HubSpotWorld:
    """The running emulator's state, for arranging what HTTP cannot (e.g. an old auth code)."""
    return emulator_app.state.world  # type: ignore[no-any-return]


@pytest.fixture
def base_url(server: ServerThread) -> Iterator[str]:
    httpx.post(f"{server.url}/_emulator/reset", json={"seed": "demo"}).raise_for_status()
    yield server.url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, follow_redirects=False) as client:
        yield client


@pytest.fixture
def private_token(http: httpx.Client) -> str:
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token")
    assert response.status_code == 201
    return str(response.json()["token"])


@pytest.fixture
def sdk(base_url: str) -> Callable[[str], hubspot.Client]:
    def make(token: str) -> hubspot.Client:
        return hubspot.Client.create(access_token=token, host=base_url)

    return make


@pytest.fixture
def client(sdk: Callable[[str], hubspot.Client], private_token: str) -> hubspot.Client:
    return sdk(private_token)


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in page"
    return match.group(1).replace("&amp;", "&")


@dataclass
class ConsentFlow:
    """Drives the consent pages over raw HTTP, like a browser would."""

    http: httpx.Client

    def authorize_url(self, scope: str = PRODUCT_SCOPES, state: str = "st-1",
                      client_id: str = DEMO_CLIENT_ID, redirect_uri: str = REDIRECT_URI,
                      portal: int | None = None, optional_scope: str = "") -> str:
        query = {"client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
                 "state": state}
        if optional_scope:
            query["optional_scope"] = optional_scope
        path = f"/oauth/{portal}/authorize" if portal else "/oauth/authorize"
        return f"{path}?{urlencode(query)}"

    def sign_in(self, email: str = OWNER_EMAIL, password: str = DEMO_PASSWORD) -> httpx.Response:
        page = self.http.get("/login?next=/")
        return self.http.post("/oauth/sign-in", data={
            "email": email, "password": password, "next": "/",
            "form_token": form_value(page.text, "form_token")})

    def consent(self, decision: str = "approve", portal: int = MAIN_PORTAL,
                **kwargs: Any) -> dict[str, list[str]]:
        """Signs in if needed, approves or cancels; returns the redirect's query."""
        if "hubspot_emulator_session" not in self.http.cookies:
            assert self.sign_in().status_code == 303
        page = self.http.get(self.authorize_url(portal=portal, **kwargs))
        if page.status_code == 302:
            return parse_qs(urlsplit(page.headers["location"]).query)
        assert page.status_code == 200, page.text
        data = {name: form_value(page.text, name) for name in (
            "form_token", "client_id", "redirect_uri", "scope", "optional_scope", "state",
            "portal_id")}
        data["decision"] = decision
        response = self.http.post("/oauth/consent", data=data)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(data["redirect_uri"])
        return parse_qs(urlsplit(location).query)

    def tokens(self, **kwargs: Any) -> dict[str, Any]:
        query = self.consent(**kwargs)
        response = self.http.post("/oauth/v1/token", data={
            "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT_URI,
            "code": query["code"][0]})
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def flow(http: httpx.Client) -> ConsentFlow:
    return ConsentFlow(http)


def _api_exceptions() -> tuple[type[Exception], ...]:
    """Each SDK sub-package has its own ApiException class; tests accept any of them."""
    from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsError
    from hubspot.crm.commerce.invoices.exceptions import ApiException as InvoicesError
    from hubspot.crm.contacts.exceptions import ApiException as ContactsError
    from hubspot.crm.line_items.exceptions import ApiException as LineItemsError
    from hubspot.crm.objects.exceptions import ApiException as ObjectsError
    from hubspot.crm.products.exceptions import ApiException as ProductsError
    from hubspot.crm.properties.exceptions import ApiException as PropertiesError
    from hubspot.crm.quotes.exceptions import ApiException as QuotesError
    from hubspot.oauth.exceptions import ApiException as OAuthError

    return (AssociationsError, InvoicesError, ContactsError, ObjectsError, ProductsError,
            PropertiesError, OAuthError, LineItemsError, QuotesError)


API_ERRORS = _api_exceptions()


class Receiver:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_first = 0

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.calls.append({"headers": dict(request.headers), "body": body})
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response(status_code=503)
        return Response(status_code=204)

    def events(self, timeout: float = 5.0, count: int = 1) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            delivered = [c for c in self.calls]
            events = [e for c in delivered for e in json.loads(c["body"])]
            if len(events) >= count:
                return events
            time.sleep(0.02)
        raise AssertionError(f"only {len(self.calls)} webhook calls arrived")


@contextmanager
def hooked_server(**config: Any) -> Iterator[tuple[Receiver, str, str]]:
    """A webhook receiver and an emulator (demo seed) that posts to it."""
    receiver = Receiver()
    with ServerThread(Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])) as sink:
        url = f"{sink.url}/hook"
        with ServerThread(create_app(EmulatorConfig(seed="demo", webhook_url=url,
                                                    **config))) as server:
            yield receiver, server.url, url


@pytest.fixture
def hooked() -> Iterator[tuple[Receiver, str, str]]:
    with hooked_server() as running:
        yield running
