"""The Connections page driven in a real browser against both emulators."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from simplecommercesync.accounts.models import User
from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.connections.models import Connection, ConnectionEvent, EventKind, Status
from simplecommercesync.connections.signals import account_switched, connection_healthy
from simplecommercesync.connections.vault import TokenVault
from tests.product.conftest import Providers, sign_in_browser
from tests.product.provider_pages import (
    PORTAL_1,
    PORTAL_2,
    REALM_1,
    connect_hubspot,
    connect_quickbooks,
    flash_text,
    hubspot_authorize,
    open_connections,
    start_connect,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def disconnect(page, provider: str) -> None:
    section = page.get_by_test_id(f"connection-{provider}")
    section.get_by_role("button", name="Disconnect").click()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("^Disconnect ")).click()
    page.wait_for_load_state()


def test_connect_second_portal_then_quickbooks(page, providers: Providers, admin: User) -> None:
    admin.workspace.time_zone = "America/New_York"
    admin.workspace.save()
    sign_in_browser(page, providers.base_url, admin.email)
    open_connections(page, providers.base_url)
    assert status_of(page, "hubspot") == "Not connected"
    expect(page.get_by_role("link", name="OAuth Scopes Explained")).to_be_visible()

    connect_hubspot(page, providers.base_url, PORTAL_2)
    assert f"Connected to HubSpot portal {PORTAL_2}" in flash_text(page)
    assert status_of(page, "hubspot") == "Connected"
    section = page.get_by_test_id("connection-hubspot")
    assert page.get_by_test_id("account-id-hubspot").inner_text() == str(PORTAL_2)
    assert "owner@northwind.example (HubSpot user)" in section.inner_text()
    assert re.search(
        r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", page.get_by_test_id("connected-since-hubspot").inner_text()
    )
    expect(section.locator(".dot-on")).to_have_count(1)

    connect_quickbooks(page, providers.base_url, REALM_1)
    assert status_of(page, "quickbooks") == "Connected"
    assert page.get_by_test_id("account-id-quickbooks").inner_text() == REALM_1
    assert page.get_by_test_id("environment").inner_text() == "Sandbox"
    assert "Northwind Outfitters LLC" in page.get_by_test_id("connection-quickbooks").inner_text()
    assert SyncGate.is_open(admin.workspace_id)

    page.get_by_role("link", name="Dashboard").click()
    assert status_of(page, "hubspot") == "Connected" and status_of(page, "quickbooks") == "Connected"
    expect(page.get_by_role("alert")).to_have_count(0)


def test_disconnect_stops_syncs_keeps_history_and_revokes(page, providers: Providers, admin: User) -> None:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    connection = Connection.objects.get(workspace=admin.workspace, provider="hubspot")
    refresh_token = TokenVault().open(connection.refresh_token_encrypted)
    assert providers.hubspot("GET", f"/oauth/v1/refresh-tokens/{refresh_token}").status_code == 200

    disconnect(page, "hubspot")
    assert "All syncs stopped; sync history and configuration are kept" in flash_text(page)
    assert status_of(page, "hubspot") == "Disconnected"
    assert "Disconnected by Ada Admin" in page.get_by_test_id("connection-hubspot").inner_text()
    connection.refresh_from_db()
    assert connection.status == Status.DISCONNECTED
    assert connection.access_token_encrypted == "" and connection.refresh_token_encrypted == ""
    assert not SyncGate.is_open(admin.workspace_id)
    assert providers.hubspot("GET", f"/oauth/v1/refresh-tokens/{refresh_token}").status_code == 404
    kinds = list(ConnectionEvent.objects.filter(connection=connection).values_list("kind", flat=True))
    assert kinds == [EventKind.DISCONNECTED, EventKind.CONNECTED]
    # Member-visible history on the page too.
    assert "Disconnected by admin@acme.example" in page.get_by_test_id("connection-hubspot").inner_text()


def test_reconnect_resumes_and_signals_healthy(page, providers: Providers, admin: User) -> None:
    healthy: list[str] = []

    def on_healthy(sender, workspace_id, provider, **kwargs):
        healthy.append(provider)

    connection_healthy.connect(on_healthy, weak=False)
    try:
        sign_in_browser(page, providers.base_url, admin.email)
        connect_hubspot(page, providers.base_url, PORTAL_1)
        disconnect(page, "hubspot")
        page.get_by_test_id("connection-hubspot").get_by_role("button", name="Connect HubSpot").click()
        hubspot_authorize(page, PORTAL_1)  # still signed in at HubSpot: no sign-in page this time
        page.wait_for_url(f"{providers.base_url}/settings/connections/")
    finally:
        connection_healthy.disconnect(on_healthy)
    assert "Reconnected to HubSpot portal 2468101" in flash_text(page)
    assert "Syncs resume automatically" in flash_text(page)
    assert status_of(page, "hubspot") == "Connected"
    assert healthy == ["hubspot", "hubspot"]


def test_switching_portal_warns_before_and_after(page, providers: Providers, admin: User) -> None:
    def tax_mappings(sender, workspace_id, provider, old_account_id, new_account_id, **kwargs):
        return [f"Tax mapping “CA Sales Tax” names a tax rate of portal {old_account_id}"]

    account_switched.connect(tax_mappings, weak=False)
    try:
        sign_in_browser(page, providers.base_url, admin.email)
        connect_hubspot(page, providers.base_url, PORTAL_1)
        disconnect(page, "hubspot")
        warning = page.get_by_test_id("switch-warning-hubspot").inner_text()
        assert f"Last connected to portal {PORTAL_1}" in warning
        assert "won't link to the new portal's records" in warning
        page.get_by_test_id("connection-hubspot").get_by_role("button", name="Connect HubSpot").click()
        hubspot_authorize(page, PORTAL_2)
        page.wait_for_url(f"{providers.base_url}/settings/connections/")
    finally:
        account_switched.disconnect(tax_mappings)
    text = flash_text(page)
    assert f"Connected to a different HubSpot portal: {PORTAL_2}" in text
    assert f"(before: {PORTAL_1}" in text
    assert "Tax mapping “CA Sales Tax” names a tax rate of portal 2468101" in page.content()
    connection = Connection.objects.get(workspace=admin.workspace, provider="hubspot")
    assert connection.account_id == str(PORTAL_2) and connection.needs_review
    assert connection.events.filter(kind=EventKind.SWITCHED).count() == 1


def test_uninstall_in_hubspot_connected_apps_shows_revoked_on_test(
    page, providers: Providers, admin: User
) -> None:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    page.goto(f"{providers.hubspot_url}/")
    connected_apps = page.get_by_role("link", name=re.compile("Connected apps", re.I)).first
    connected_apps.click()
    page.get_by_role("button", name="Uninstall").first.click()
    open_connections(page, providers.base_url)
    page.get_by_test_id("connection-hubspot").get_by_role("button", name="Test connection").click()
    assert "access was revoked or the authorization expired" in flash_text(page)
    assert status_of(page, "hubspot") == "Disconnected — access was revoked or the authorization expired"
    explanation = page.get_by_test_id("explanation-hubspot").inner_text()
    assert "Connected Apps" in explanation and "Reconnect" in explanation
    page.get_by_role("link", name="Dashboard").click()
    assert "access was revoked" in page.get_by_test_id("banner-hubspot").inner_text()
    # Recovering is one click and one consent away.
    page.get_by_test_id("banner-hubspot").get_by_role("link", name="Reconnect").click()
    page.get_by_test_id("connection-hubspot").get_by_role("button", name="Reconnect").click()
    hubspot_authorize(page, PORTAL_1)
    page.wait_for_url(f"{providers.base_url}/settings/connections/")
    assert status_of(page, "hubspot") == "Connected"
    assert "Reconnected to HubSpot portal 2468101" in flash_text(page)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("banner-hubspot")).to_have_count(0)


def test_cancel_on_hubspot_consent_changes_nothing(page, providers: Providers, admin: User) -> None:
    sign_in_browser(page, providers.base_url, admin.email)
    start_connect(page, providers.base_url, "hubspot")
    hubspot_authorize(page, PORTAL_1, decision="Cancel")
    page.wait_for_url(f"{providers.base_url}/settings/connections/")
    assert "HubSpot authorization was cancelled or refused, so nothing changed" in flash_text(page)
    assert status_of(page, "hubspot") == "Not connected"


def test_user_without_install_rights_is_told_why(page, providers: Providers, admin: User) -> None:
    from tests.product.provider_pages import HUBSPOT_REP

    sign_in_browser(page, providers.base_url, admin.email)
    start_connect(page, providers.base_url, "hubspot")
    hubspot_authorize(page, PORTAL_1, user=HUBSPOT_REP)
    page.wait_for_url(f"{providers.base_url}/settings/connections/**")
    text = flash_text(page)
    assert "HubSpot authorization was cancelled or refused" in text
    assert "HubSpot said:" in text and "admin" in text.lower()
    assert status_of(page, "hubspot") == "Not connected"


def test_replayed_callback_is_rejected(page, providers: Providers, admin: User) -> None:
    sign_in_browser(page, providers.base_url, admin.email)
    callbacks: list[str] = []
    page.on(
        "request",
        lambda request: callbacks.append(request.url) if "/hubspot/callback/" in request.url else None,
    )
    connect_hubspot(page, providers.base_url, PORTAL_1)
    assert len(callbacks) == 1
    page.goto(callbacks[0])
    assert "was already used" in flash_text(page)
    assert status_of(page, "hubspot") == "Connected"


def test_member_sees_status_but_no_buttons(page, providers: Providers, admin: User, member: User) -> None:
    sign_in_browser(page, providers.base_url, admin.email)
    connect_hubspot(page, providers.base_url, PORTAL_1)
    page.context.clear_cookies()
    sign_in_browser(page, providers.base_url, member.email)
    open_connections(page, providers.base_url)
    assert status_of(page, "hubspot") == "Connected"
    expect(page.get_by_role("button", name="Disconnect")).to_have_count(0)
    expect(page.get_by_role("button", name="Test connection")).to_have_count(0)
    expect(page.get_by_role("button", name="Connect QuickBooks")).to_have_count(0)
    assert "Only a workspace admin can connect QuickBooks" in page.content()
