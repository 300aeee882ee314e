"""Issue 9: a grant still valid at the provider is never erased by us, and nobody is told
"revoked" unless the provider said so. Each test drives the product against the emulators over
HTTP, with their fault API for network trouble; the races also run on PostgreSQL + Redis."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from simplecommercesync.accounts.models import User, Workspace
from simplecommercesync.config import OAuthApp
from simplecommercesync.connections import messages
from simplecommercesync.connections.access import access_token_for, refreshed_access_token
from simplecommercesync.connections.models import Cause, Connection, EventKind, Status, Trouble
from simplecommercesync.connections.operations import disconnect, verify_connection
from simplecommercesync.connections.refresh import refresh_connection
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.providers.http.errors import Unreachable
from simplecommercesync.providers.registry import PROVIDERS
from tests.product.conftest import HUBSPOT_TEST_APP, Providers, sign_in_browser
from tests.product.provider_pages import (
    PORTAL_1,
    PORTAL_2,
    REALM_1,
    connect_hubspot,
    connect_quickbooks,
    open_connections,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]
HUBSPOT_TOKEN = "^/oauth/2026-03/token$"
QBO_TOKEN = "^/oauth2/v1/tokens/bearer$"


@pytest.fixture
def hubspot_connection(page: Any, providers: Providers, admin: User) -> Connection:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    providers.hubspot("DELETE", "/_emulator/requests")
    return Connection.objects.get(workspace=admin.workspace, provider="hubspot")


@pytest.fixture
def quickbooks_connection(page: Any, providers: Providers, admin: User) -> Connection:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_quickbooks(page, providers.base_url, REALM_1)
    return Connection.objects.get(workspace=admin.workspace, provider="quickbooks")


def fault(providers: Providers, provider: str, **spec: Any) -> None:
    control = providers.hubspot if provider == "hubspot" else providers.quickbooks
    control("POST", "/_emulator/faults", json=spec).raise_for_status()


def press(page: Any, base_url: str, provider: str, button: str) -> None:
    open_connections(page, base_url)
    page.get_by_test_id(f"connection-{provider}").get_by_role("button", name=button).click()
    page.wait_for_load_state()


def hubspot_introspect(providers: Providers, token: str) -> dict[str, Any]:
    client_id, secret = HUBSPOT_TEST_APP
    response = providers.hubspot(
        "POST",
        "/oauth/2026-03/token/introspect",
        data={"client_id": client_id, "client_secret": secret, "token": token},
    )
    body: dict[str, Any] = response.json()
    return body


# -- 1. network trouble after a 401 is never "revoked" ------------------------------------------------
def test_503_on_refresh_after_a_401_is_trouble_not_revoked(
    hubspot_connection: Connection, providers: Providers, page: Any
) -> None:
    providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, status=503, times=5)
    press(page, providers.base_url, "hubspot", "Test connection")
    assert "Having trouble reaching HubSpot — retrying" in page.get_by_test_id("trouble-hubspot").inner_text()
    assert status_of(page, "hubspot") == "Connected"
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert connection.status == Status.CONNECTED and connection.refresh_token_encrypted
    assert connection.trouble == Trouble.NETWORK
    assert not connection.events.filter(cause=Cause.REVOKED).exists()


# -- 2. every HubSpot OAuth call on 2026-03, tokens only in bodies; a 404 is never "revoked" ----------
def test_hubspot_oauth_uses_2026_03_and_never_puts_tokens_in_urls(
    hubspot_connection: Connection, providers: Providers, admin: User
) -> None:
    vault = TokenVault()
    refresh_token = vault.open(hubspot_connection.refresh_token_encrypted)
    providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
    assert verify_connection(hubspot_connection, admin).level == "success"  # introspect, refresh, introspect
    assert disconnect(Connection.objects.get(pk=hubspot_connection.pk), admin).level == "success"
    log = providers.hubspot("GET", "/_emulator/requests").json()
    routes = set(log["by_route"])
    assert {
        "POST /oauth/2026-03/token",
        "POST /oauth/2026-03/token/introspect",
        "POST /oauth/2026-03/token/revoke",
    } <= routes
    assert log["deprecated"] == {}
    assert not [route for route in routes if "/oauth/v1/" in route or refresh_token in route]
    assert hubspot_introspect(providers, refresh_token) == {"active": False}


def test_a_404_from_introspection_never_means_revoked(
    hubspot_connection: Connection, providers: Providers, admin: User
) -> None:
    fault(providers, "hubspot", path_regex="^/oauth/2026-03/token/introspect$", status=404, times=3)
    outcome = verify_connection(hubspot_connection, admin)
    assert outcome.level == "error" and "answered unexpectedly" in outcome.message
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert connection.status == Status.CONNECTED and connection.access_token_encrypted


def test_rfc6749_invalid_grant_is_the_one_answer_that_revokes(
    hubspot_connection: Connection, providers: Providers
) -> None:
    providers.hubspot("POST", f"/_emulator/portals/{PORTAL_1}/uninstall", json={}).raise_for_status()
    connection = refresh_connection(hubspot_connection.pk, force=True)
    assert connection.status == Status.DISCONNECTED and connection.cause == Cause.REVOKED
    assert "invalid_grant" in connection.cause_detail
    assert connection.refresh_token_encrypted == ""


# -- 3. a refresh in flight never undoes a Disconnect --------------------------------------------------
def test_refresh_in_flight_does_not_undo_a_disconnect(
    hubspot_connection: Connection, providers: Providers, admin: User
) -> None:
    refresh_token = TokenVault().open(hubspot_connection.refresh_token_encrypted)
    # HubSpot answers the refresh at once, but the answer takes 1.2 s to arrive.
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, answer_delay_s=1.2)
    done = threading.Event()

    def refresh() -> None:
        try:
            refresh_connection(hubspot_connection.pk, force=True)
        finally:
            from django.db import connection as thread_db

            thread_db.close()
            done.set()

    worker = threading.Thread(target=refresh)
    worker.start()
    time.sleep(0.4)  # the refresh is now waiting on HubSpot
    started = time.monotonic()
    assert disconnect(Connection.objects.get(pk=hubspot_connection.pk), admin).level == "success"
    assert time.monotonic() - started < 1.0, "Disconnect waited for the refresh's HTTP call"
    worker.join(10)
    assert done.is_set()
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert (connection.status, connection.cause) == (Status.DISCONNECTED, Cause.BY_USER)
    assert connection.access_token_encrypted == connection.refresh_token_encrypted == ""
    assert not connection.events.filter(kind=EventKind.REFRESHED, message__startswith="Access token").exists()
    assert connection.events.filter(message__contains="discarded and revoked").exists()
    assert hubspot_introspect(providers, refresh_token) == {"active": False}


def test_refresh_in_flight_does_not_undo_a_portal_switch(
    hubspot_connection: Connection, providers: Providers, admin: User
) -> None:
    import httpx

    from simplecommercesync.connections.authorization import _save_connection
    from simplecommercesync.connections.oauth import exchange_code
    from simplecommercesync.providers.base import provider_http
    from tests.hubspot_emulator.conftest import ConsentFlow

    provider = PROVIDERS["hubspot"]
    old_refresh = TokenVault().open(hubspot_connection.refresh_token_encrypted)
    with httpx.Client(base_url=providers.hubspot_url) as http:
        query = ConsentFlow(http).consent(
            portal=PORTAL_2,
            client_id=HUBSPOT_TEST_APP[0],
            redirect_uri=provider.redirect_uri(),
            scope=" ".join(provider.scope_names),
            state="switch",
        )
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, answer_delay_s=1.2)
    worker = threading.Thread(target=lambda: refresh_connection(hubspot_connection.pk, force=True))
    worker.start()
    time.sleep(0.4)  # the refresh of portal 1's grant is waiting for its answer
    with provider_http() as http:
        token = exchange_code(provider, provider.endpoints(http).token_url, query["code"][0])
        identity = provider.identify(http, str(token["access_token"]), token, {})
    _save_connection(provider, admin, token, identity)
    worker.join(10)
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert connection.status == Status.CONNECTED and connection.account_id == str(PORTAL_2)
    assert (
        hubspot_introspect(providers, TokenVault().open(connection.access_token_encrypted))["hub_id"]
        == PORTAL_2
    )
    assert hubspot_introspect(providers, old_refresh) == {"active": False}, (
        "the orphaned grant was handed back"
    )


# -- 4. a lost QuickBooks rotation is stored at once and gets its own cause ---------------------------
def test_lost_quickbooks_rotation_is_its_own_cause_not_revoked(
    quickbooks_connection: Connection, providers: Providers, page: Any
) -> None:
    providers.quickbooks("POST", "/_emulator/tokens/expire", json={"refresh_age_seconds": 100_000})
    # Intuit rotates and answers, but the answer arrives after our 2 s timeout.
    fault(providers, "quickbooks", path_regex=QBO_TOKEN, answer_delay_s=2.5)
    connection = refresh_connection(quickbooks_connection.pk, force=True)
    assert connection.status == Status.CONNECTED and connection.refresh_outcome_unknown_at is not None
    connection = refresh_connection(quickbooks_connection.pk, force=True)
    assert (connection.status, connection.cause) == (Status.DISCONNECTED, Cause.ROTATION_LOST)
    assert connection.refresh_token_encrypted, "the stored authorization is kept"
    assert not connection.events.filter(cause=Cause.REVOKED).exists()
    open_connections(page, providers.base_url)
    assert status_of(page, "quickbooks") == messages.cause_title(Cause.ROTATION_LOST)
    assert (
        "QuickBooks may have rotated the token while the network failed"
        in page.get_by_test_id("explanation-quickbooks").inner_text()
    )
    assert page.get_by_test_id("connection-quickbooks").get_by_role("button", name="Reconnect").count() == 1


def test_a_rotated_token_is_stored_before_anything_else_can_fail(
    quickbooks_connection: Connection, providers: Providers
) -> None:
    providers.quickbooks("POST", "/_emulator/tokens/expire", json={"refresh_age_seconds": 100_000})
    before = TokenVault().open(quickbooks_connection.refresh_token_encrypted)
    connection = refresh_connection(quickbooks_connection.pk, force=True)
    after = TokenVault().open(connection.refresh_token_encrypted)
    assert after != before and connection.refresh_outcome_unknown_at is None
    # The superseded token is dead at Intuit; ours works.
    assert refresh_connection(quickbooks_connection.pk, force=True).status == Status.CONNECTED


# -- 5. no database transaction across an HTTP call ----------------------------------------------------
def test_a_slow_refresh_does_not_block_other_writes(
    hubspot_connection: Connection, providers: Providers
) -> None:
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, delay_s=1.5)
    worker = threading.Thread(target=lambda: refresh_connection(hubspot_connection.pk, force=True))
    worker.start()
    time.sleep(0.4)
    started = time.monotonic()
    Workspace.objects.create(name="Another workspace signing in")
    Connection.objects.filter(pk=hubspot_connection.pk).update(last_tested_at=timezone.now())
    elapsed = time.monotonic() - started
    worker.join(10)
    assert elapsed < 0.5, f"a write waited {elapsed:.2f} s for the refresh's HTTP call"
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert connection.last_refresh_at is not None and connection.refresh_lease_owner == ""


# -- 6. wrong client id/secret: an operator-facing cause, tokens never erased --------------------------
def test_wrong_client_secret_never_erases_tokens_and_recovers_when_fixed(
    hubspot_connection: Connection, providers: Providers, settings: Any, page: Any
) -> None:
    good = settings.SCS_HUBSPOT
    settings.SCS_HUBSPOT = OAuthApp(good.client_id, "wrong-secret", good.auth_base_url, good.api_base_url)
    settings.SCS_REFRESH_GRACE_SECONDS = 0
    Connection.objects.filter(pk=hubspot_connection.pk).update(
        access_expires_at=timezone.now() - timedelta(minutes=1)
    )
    connection = refresh_connection(hubspot_connection.pk)
    assert (connection.status, connection.cause) == (Status.DISCONNECTED, Cause.CLIENT_REJECTED)
    assert connection.access_token_encrypted and connection.refresh_token_encrypted
    open_connections(page, providers.base_url)
    explanation = page.get_by_test_id("explanation-hubspot").inner_text()
    assert "check SCS_HUBSPOT_CLIENT_ID and SCS_HUBSPOT_CLIENT_SECRET" in explanation
    settings.SCS_HUBSPOT = good
    Connection.objects.filter(pk=connection.pk).update(next_refresh_attempt_at=None)
    connection = refresh_connection(hubspot_connection.pk)
    assert (connection.status, connection.cause) == (Status.CONNECTED, Cause.NONE)
    assert connection.events.filter(kind=EventKind.RECOVERED).exists()


def test_client_rejected_while_access_still_valid_shows_the_operator_note(
    hubspot_connection: Connection, providers: Providers, page: Any
) -> None:
    fault(
        providers,
        "hubspot",
        path_regex=HUBSPOT_TOKEN,
        status=400,
        body={
            "status": "BAD_CLIENT_SECRET",
            "message": "bad",
            "error": "invalid_client",
            "error_description": "bad",
        },
    )
    connection = refresh_connection(hubspot_connection.pk, force=True)
    assert connection.status == Status.CONNECTED and connection.trouble == Trouble.CLIENT_REJECTED
    open_connections(page, providers.base_url)
    assert "check SCS_HUBSPOT_CLIENT_SECRET" in page.get_by_test_id("trouble-hubspot").inner_text()


# -- 7. tokens no key can read ------------------------------------------------------------------------
def test_unreadable_tokens_need_reconnect_and_disconnect_still_works(
    hubspot_connection: Connection, providers: Providers, settings: Any, page: Any
) -> None:
    from cryptography.fernet import Fernet

    settings.SCS_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    open_connections(page, providers.base_url)
    assert status_of(page, "hubspot") == (
        "Needs reconnect — the stored authorization can't be read (encryption key missing)"
    )
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert connection.cause == Cause.UNREADABLE and connection.refresh_token_encrypted
    page.get_by_test_id("connection-hubspot").get_by_role("button", name="Disconnect").click()
    page.wait_for_load_state()
    assert "couldn't be read (encryption key missing), so it wasn't revoked" in page.content()
    connection = Connection.objects.get(pk=hubspot_connection.pk)
    assert (connection.status, connection.cause) == (Status.DISCONNECTED, Cause.BY_USER)


def test_test_connection_with_unreadable_tokens_is_no_500(
    hubspot_connection: Connection, providers: Providers, settings: Any, admin: User
) -> None:
    from cryptography.fernet import Fernet

    settings.SCS_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/connections/hubspot/test/", follow=True)
    assert response.status_code == 200
    assert "the stored authorization can't be read (encryption key missing)" in unescape(
        response.content.decode()
    )


# -- the entry points for API clients -------------------------------------------------------------------
def test_access_token_for_and_refreshed_access_token(
    hubspot_connection: Connection, providers: Providers
) -> None:
    token = access_token_for(hubspot_connection)
    assert hubspot_introspect(providers, token)["active"] is True
    newer = refreshed_access_token(hubspot_connection, token)
    assert newer != token and hubspot_introspect(providers, newer)["active"] is True
    # Another worker already replaced the refused token: no second refresh.
    providers.hubspot("DELETE", "/_emulator/requests")
    assert refreshed_access_token(hubspot_connection, token) == newer
    assert providers.requests_to("hubspot", "POST /oauth/2026-03/token") == 0
    # Expired and the refresh can't reach HubSpot: the transient error, never "revoked".
    Connection.objects.filter(pk=hubspot_connection.pk).update(access_expires_at=timezone.now())
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, status=503)
    with pytest.raises(Unreachable):
        access_token_for(hubspot_connection)
    assert Connection.objects.get(pk=hubspot_connection.pk).status == Status.CONNECTED


# -- 9. bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["state", "code", "realmId"])
def test_nul_or_odd_characters_in_the_callback_are_a_clear_error(
    providers: Providers, admin: User, field: str
) -> None:
    client = Client()
    client.force_login(admin)
    query = {"state": "s" * 20, "code": "c" * 20, "realmId": REALM_1, field: "abc\x00def"}
    response = client.get("/settings/connections/quickbooks/callback/", query, follow=True)
    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "contained characters no real reply has" in text


def test_non_json_token_answer_is_provider_trouble(
    hubspot_connection: Connection, providers: Providers
) -> None:
    fault(providers, "hubspot", path_regex=HUBSPOT_TOKEN, status=200, body="<html>maintenance</html>")
    connection = refresh_connection(hubspot_connection.pk, force=True)
    assert connection.status == Status.CONNECTED and connection.trouble == Trouble.NETWORK
    assert "isn't" in connection.last_refresh_error


def test_non_json_discovery_is_provider_trouble(providers: Providers, admin: User, settings: Any) -> None:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from emulator_core.server import ServerThread
    from simplecommercesync.providers.quickbooks import discovery

    async def html(request: Any) -> HTMLResponse:
        return HTMLResponse("<html><body>Service temporarily unavailable</body></html>")

    with ServerThread(Starlette(routes=[Route("/discovery", html)])) as proxy:
        app = settings.SCS_QUICKBOOKS
        settings.SCS_QUICKBOOKS = OAuthApp(
            app.client_id, app.client_secret, f"{proxy.url}/discovery", app.api_base_url, app.environment
        )
        discovery._cache.clear()
        client = Client()
        client.force_login(admin)
        response = client.post("/settings/connections/quickbooks/connect/", follow=True)
    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "We couldn't reach QuickBooks to finish connecting" in text
    assert "instead of JSON" in text


def test_providers_declare_who_rotates() -> None:
    assert PROVIDERS["quickbooks"].rotates_refresh_tokens and not PROVIDERS["hubspot"].rotates_refresh_tokens
