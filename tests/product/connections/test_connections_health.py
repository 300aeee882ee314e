"""Token care and health against the emulators: refresh, rotation, trouble, revocation, locks."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from emulator_core.server import ServerThread
from simplecommercesync.accounts.models import User
from simplecommercesync.connections.models import Cause, Connection, EventKind, OAuthState, Status
from simplecommercesync.connections.operations import verify_connection
from simplecommercesync.connections.refresh import access_token_for, refresh_connection
from simplecommercesync.connections.vault import TokenVault
from tests.product.conftest import Providers, sign_in_browser, wire_providers
from tests.product.provider_pages import (
    PORTAL_1,
    REALM_1,
    connect_hubspot,
    connect_quickbooks,
    open_connections,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]
HUBSPOT_TOKEN_ROUTE = "POST /oauth/2026-03/token"
QBO_TOKEN_ROUTE = "POST /oauth2/v1/tokens/bearer"


@pytest.fixture
def hubspot_connection(page, providers: Providers, admin: User) -> Connection:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    providers.hubspot("DELETE", "/_emulator/requests")
    return Connection.objects.get(workspace=admin.workspace, provider="hubspot")


def expire_soon(connection: Connection, seconds: int = 60) -> None:
    Connection.objects.filter(pk=connection.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=seconds)
    )


def test_expired_access_token_is_refreshed_transparently(
    hubspot_connection: Connection, providers, admin
) -> None:
    old_token = TokenVault().open(hubspot_connection.access_token_encrypted)
    providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
    outcome = verify_connection(hubspot_connection, admin)  # 401 → refresh → works
    assert outcome.level == "success", outcome.message
    hubspot_connection.refresh_from_db()
    assert TokenVault().open(hubspot_connection.access_token_encrypted) != old_token
    assert providers.requests_to("hubspot", HUBSPOT_TOKEN_ROUTE) == 1
    assert hubspot_connection.events.filter(kind=EventKind.REFRESHED).count() == 1
    # And when our own clock says it is about to expire, a call refreshes first.
    first_refresh = hubspot_connection.last_refresh_at
    expire_soon(hubspot_connection)
    hubspot_connection.refresh_from_db()
    access_token_for(hubspot_connection)
    assert providers.requests_to("hubspot", HUBSPOT_TOKEN_ROUTE) == 2
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.last_refresh_at > first_refresh


def test_timeout_on_token_endpoint_keeps_connected_with_amber_note(
    hubspot_connection: Connection, providers, page
) -> None:
    providers.hubspot(
        "POST", "/_emulator/faults", json={"path_regex": "^/oauth/2026-03/token$", "delay_s": 4, "times": 3}
    ).raise_for_status()
    expire_soon(hubspot_connection, 120)
    connection = refresh_connection(hubspot_connection.pk)
    assert connection.status == Status.CONNECTED
    assert connection.having_trouble and connection.refresh_failures == 1
    assert "did not answer in time" in connection.last_refresh_error
    assert connection.next_refresh_attempt_at > timezone.now()
    open_connections(page, providers.base_url)
    assert status_of(page, "hubspot") == "Connected"
    assert "Having trouble reaching HubSpot — retrying" in page.get_by_test_id("trouble-hubspot").inner_text()
    assert connection.events.filter(kind=EventKind.REFRESH_FAILED, cause=Cause.NETWORK).exists()


def test_refresh_failing_past_the_grace_period_disconnects_with_network_cause(
    hubspot_connection: Connection, providers, page
) -> None:
    providers.hubspot(
        "POST", "/_emulator/faults", json={"path_regex": "^/oauth/2026-03/token$", "status": 503, "times": 5}
    )
    long_ago = timezone.now() - timedelta(hours=2)
    Connection.objects.filter(pk=hubspot_connection.pk).update(
        access_expires_at=timezone.now() - timedelta(minutes=1),
        refresh_failing_since=long_ago,
        refresh_failures=9,
    )
    connection = refresh_connection(hubspot_connection.pk)
    assert connection.status == Status.DISCONNECTED and connection.cause == Cause.NETWORK
    open_connections(page, providers.base_url)
    assert status_of(page, "hubspot") == "Disconnected — network problems during token refresh"
    expect(page.get_by_test_id("connection-hubspot").get_by_role("button", name="Reconnect")).to_be_visible()


def test_one_blip_within_grace_does_not_disconnect(hubspot_connection: Connection, providers) -> None:
    providers.hubspot(
        "POST", "/_emulator/faults", json={"path_regex": "^/oauth/2026-03/token$", "reset_connection": True}
    )
    Connection.objects.filter(pk=hubspot_connection.pk).update(
        access_expires_at=timezone.now() - timedelta(seconds=5)
    )
    connection = refresh_connection(hubspot_connection.pk)
    assert connection.status == Status.CONNECTED and connection.having_trouble
    Connection.objects.filter(pk=connection.pk).update(next_refresh_attempt_at=None)
    recovered = refresh_connection(connection.pk)
    assert recovered.status == Status.CONNECTED and not recovered.having_trouble


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    hubspot_connection: Connection, providers
) -> None:
    expire_soon(hubspot_connection)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            refresh_connection(hubspot_connection.pk)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert providers.requests_to("hubspot", HUBSPOT_TOKEN_ROUTE) == 1
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.events.filter(kind=EventKind.REFRESHED).count() == 1


def test_tokens_never_reach_pages_or_logs(
    hubspot_connection: Connection, providers, page, caplog, admin
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = TokenVault()
    secrets = [
        vault.open(hubspot_connection.access_token_encrypted),
        vault.open(hubspot_connection.refresh_token_encrypted),
    ]
    providers.hubspot("POST", "/_emulator/tokens/expire")
    verify_connection(hubspot_connection, admin)
    hubspot_connection.refresh_from_db()
    secrets.append(vault.open(hubspot_connection.access_token_encrypted))
    pages = []
    for path in ("/settings/connections/", "/", "/settings/connections/scopes/", "/settings/account/"):
        page.goto(f"{providers.base_url}{path}")
        pages.append(page.content())
    stored = [hubspot_connection.access_token_encrypted, hubspot_connection.refresh_token_encrypted]
    for secret in secrets:
        assert len(secret) > 10
        assert all(secret not in html for html in pages)
        assert secret not in caplog.text
        assert all(secret not in sealed for sealed in stored)
        assert all(secret not in event.message for event in hubspot_connection.events.all())


def test_quickbooks_rotation_stores_the_newest_refresh_token(
    settings, live_server, hubspot_server, page, admin
) -> None:
    from quickbooks_emulator.app import create_app
    from quickbooks_emulator.config import EmulatorConfig

    with ServerThread(create_app(EmulatorConfig(seed="demo", refresh_rotation_seconds=1))) as rotating:
        providers = wire_providers(settings, live_server.url, hubspot_server.url, rotating.url)
        sign_in_browser(page, providers.base_url, admin.email)
        connect_quickbooks(page, providers.base_url, REALM_1)
        connection = Connection.objects.get(workspace=admin.workspace, provider="quickbooks")
        first_refresh_token = TokenVault().open(connection.refresh_token_encrypted)
        import time

        time.sleep(1.2)  # older than the rotation age
        refreshed = refresh_connection(connection.pk, force=True)
        newest = TokenVault().open(refreshed.refresh_token_encrypted)
        assert newest != first_refresh_token
        old = httpx.post(
            f"{rotating.url}/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": first_refresh_token},
            auth=("scs-test-quickbooks", "scs-test-quickbooks-secret"),
        )
        assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
        assert verify_connection(refreshed, admin).level == "success"
        time.sleep(1.2)
        again = refresh_connection(connection.pk, force=True)
        assert again.status == Status.CONNECTED
        assert TokenVault().open(again.refresh_token_encrypted) not in (first_refresh_token, newest)


def test_missing_granted_scope_saves_nothing(page, providers: Providers, admin: User) -> None:
    # HubSpot's token introspection answers with one required scope missing (crafted at the emulator's edge).
    info = {
        "active": True,
        "token_use": "access_token",
        "token": "x",
        "token_type": "access",
        "hub_id": PORTAL_1,
        "hub_domain": "northwind-outfitters.hubspot.example",
        "app_id": 1,
        "user_id": 1,
        "user": "owner@northwind.example",
        "expires_in": 1800,
        "scopes": ["oauth", "crm.objects.contacts.read"],
    }
    providers.hubspot(
        "POST",
        "/_emulator/faults",
        json={
            "path_regex": "^/oauth/2026-03/token/introspect$",
            "method": "POST",
            "status": 200,
            "body": info,
        },
    )
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    text = " ".join(page.locator(".messages .notice").all_inner_texts())
    assert "granted fewer permissions than SimpleCommerceSync needs" in text
    assert "crm.objects.invoices.read" in text
    assert status_of(page, "hubspot") == "Not connected"
    connection = Connection.objects.get(workspace=admin.workspace, provider="hubspot")
    assert connection.access_token_encrypted == "" and connection.status == Status.NOT_CONNECTED


@pytest.mark.django_db
class TestStateChecks:
    """The callback refuses a missing, foreign, tampered, replayed or stale state; nothing is saved."""

    def _start(self, client: Client) -> str:
        response = client.post("/settings/connections/hubspot/connect/")
        assert response.status_code == 302
        query = httpx.URL(response.url).params
        assert query["scope"].split()[0] == "oauth"
        return query["state"]

    def _callback(self, client: Client, **params: str) -> str:
        response = client.get("/settings/connections/hubspot/callback/", params, follow=True)
        return response.content.decode()

    def test_all_bad_states(self, providers: Providers, admin: User) -> None:
        browser = Client()
        browser.force_login(admin)
        state = self._start(browser)
        assert "carried no security token" in self._callback(browser, code="c")
        assert "doesn&#x27;t match a connection started in this browser" in self._callback(
            browser, code="c", state=state + "x"
        )
        other_browser = Client()
        other_browser.force_login(admin)
        assert "doesn&#x27;t match" in self._callback(other_browser, code="c", state=state)
        assert "did not accept the authorization code" in self._callback(browser, code="bogus", state=state)
        assert "was already used" in self._callback(browser, code="bogus", state=state)
        stale = self._start(browser)
        OAuthState.objects.filter(state=stale).update(created_at=timezone.now() - timedelta(minutes=11))
        assert "took longer than 10 minutes" in self._callback(browser, code="c", state=stale)
        invalid_scope = self._start(browser)
        page = self._callback(
            browser, state=invalid_scope, error="invalid_scope", error_description="bad scope x"
        )
        assert "refused the permissions SimpleCommerceSync asks for" in page and "bad scope x" in page
        assert not Connection.objects.filter(status=Status.CONNECTED).exists()

    def test_member_cannot_connect_disconnect_or_test(self, providers: Providers, member: User) -> None:
        client = Client()
        client.force_login(member)
        for action in ("connect", "disconnect", "test"):
            response = client.post(f"/settings/connections/hubspot/{action}/")
            assert response.status_code == 403, action
            assert b"Admins only" in response.content
        assert not OAuthState.objects.exists()


def test_intuit_side_disconnect_is_found_by_the_background_check(
    page, providers: Providers, admin: User
) -> None:
    from simplecommercesync.connections.tasks import check_connections_quietly

    sign_in_browser(page, providers.base_url, admin.email)
    connect_quickbooks(page, providers.base_url, REALM_1)
    providers.quickbooks("POST", f"/_emulator/companies/{REALM_1}/disconnect", json={}).raise_for_status()
    check_connections_quietly()
    connection = Connection.objects.get(workspace=admin.workspace, provider="quickbooks")
    assert connection.status == Status.DISCONNECTED and connection.cause == Cause.REVOKED
    open_connections(page, providers.base_url)
    assert status_of(page, "quickbooks") == "Disconnected — access was revoked or the authorization expired"
    assert "QuickBooks" in page.get_by_test_id("explanation-quickbooks").inner_text()


def test_disconnect_when_the_provider_cannot_be_reached_still_disconnects(
    hubspot_connection: Connection, providers, page
) -> None:
    providers.hubspot(
        "POST",
        "/_emulator/faults",
        json={"path_regex": "^/oauth/2026-03/token/revoke$", "reset_connection": True},
    )
    open_connections(page, providers.base_url)
    page.get_by_test_id("connection-hubspot").get_by_role("button", name="Disconnect").click()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect HubSpot").click()
    page.wait_for_load_state()
    text = " ".join(page.locator(".messages .notice").all_inner_texts())
    assert "Disconnected here, but we couldn't reach HubSpot to revoke access" in text
    assert "Connected Apps" in text
    assert status_of(page, "hubspot") == "Disconnected"
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.refresh_token_encrypted == ""


def test_periodic_pass_refreshes_what_is_due_and_forgets_old_states(
    hubspot_connection: Connection, providers, admin: User
) -> None:
    from simplecommercesync.connections.tasks import refresh_due_connections

    expire_soon(hubspot_connection, 8 * 60)  # inside the periodic margin, outside the on-demand one
    old = OAuthState.objects.create(
        state="old", provider="hubspot", workspace=admin.workspace, user=admin, session_binding="x"
    )
    OAuthState.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    refresh_due_connections.call_local()
    assert providers.requests_to("hubspot", HUBSPOT_TOKEN_ROUTE) == 1
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.access_token_valid_for() > timedelta(minutes=25)
    assert hubspot_connection.last_checked_at is not None
    assert not OAuthState.objects.filter(state="old").exists()
