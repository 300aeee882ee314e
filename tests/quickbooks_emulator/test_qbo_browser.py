"""A person in Chromium: Intuit sign-in -> choose company -> Connect -> back to the product."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from intuitlib.enums import Scopes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from emulator_core.server import ServerThread

from .conftest import MAIN_REALM, TEST_REALM, Emulator, query_of

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def product_callback() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the product's OAuth callback view, on a real port."""
    calls: list[str] = []

    async def callback(request: Request) -> Response:
        calls.append(str(request.url))
        return HTMLResponse("<h1>Product callback</h1>")

    app = Starlette(routes=[Route("/settings/connections/quickbooks/callback/", callback)])
    with ServerThread(app) as server:
        yield f"{server.url}/settings/connections/quickbooks/callback/", calls


def test_sign_in_choose_company_connect_redirects_with_code(
    page: Any, emulator: Emulator, product_callback: tuple[str, list[str]]
) -> None:
    redirect_uri, callbacks = product_callback
    emulator.control("POST", "/apps", {"client_id": "scs-demo-quickbooks", "redirect_uris": [redirect_uri]})
    auth = emulator.auth_client(redirect_uri)
    page.goto(auth.get_authorization_url([Scopes.ACCOUNTING], state_token="browser-state"))
    page.get_by_label("Email or user ID").fill("owner@northwind.example")
    page.get_by_label("Password").fill("intuit-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Choose a company").wait_for()
    page.get_by_role("button", name="Northwind Outfitters (Test Co.)").click()
    page.get_by_role(
        "heading", name="Connect SimpleCommerceSync (demo) to Northwind Outfitters (Test Co.)"
    ).wait_for()
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("heading", name="Product callback").wait_for()
    params = query_of(callbacks[-1])
    assert params["state"] == "browser-state"
    assert params["realmId"] == TEST_REALM
    auth.get_bearer_token(params["code"], realm_id=params["realmId"])
    assert emulator.api("GET", "preferences", auth.access_token, realm=TEST_REALM).status_code == 200


def test_connected_apps_page_disconnect_button(page: Any, emulator: Emulator) -> None:
    tokens = emulator.token(MAIN_REALM)
    page.goto(f"{emulator.url}/app/{MAIN_REALM}/connected-apps")
    page.get_by_label("Email or user ID").fill("owner@northwind.example")
    page.get_by_label("Password").fill("intuit-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("cell", name="SimpleCommerceSync (demo)").wait_for()
    page.get_by_role("button", name="Disconnect").click()
    assert page.get_by_role("status").inner_text() == "SimpleCommerceSync (demo) was disconnected."
    assert emulator.api("GET", "preferences", tokens["access_token"]).status_code == 401
