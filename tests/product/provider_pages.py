"""Driving the emulators' own sign-in and consent pages in the browser, as a person would."""

from __future__ import annotations

from typing import Any

HUBSPOT_USER = ("owner@northwind.example", "hubspot-demo")
HUBSPOT_REP = ("rep@northwind.example", "hubspot-demo")
INTUIT_USER = ("owner@northwind.example", "intuit-demo")
PORTAL_1, PORTAL_2 = 2468101, 2468102
REALM_1, REALM_2 = "9341453050011001", "9341453050011002"


def open_connections(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/settings/connections/")


def start_connect(page: Any, base_url: str, provider: str) -> None:
    open_connections(page, base_url)
    page.get_by_test_id(f"connection-{provider}").get_by_role("button", name="Connect").first.click()


def hubspot_authorize(
    page: Any,
    portal_id: int | None = PORTAL_2,
    user: tuple[str, str] = HUBSPOT_USER,
    decision: str = "Connect app",
) -> None:
    """On HubSpot's pages: log in if asked, pick the portal if asked, then decide."""
    if page.get_by_label("Password").count():
        page.get_by_label("Email address").fill(user[0])
        page.get_by_label("Password").fill(user[1])
        page.get_by_role("button", name="Log in").click()
    if portal_id is not None and page.locator(f"[data-portal-id='{portal_id}']").count():
        page.locator(f"[data-portal-id='{portal_id}']").click()
    page.get_by_role("button", name=decision).click()


def intuit_authorize(page: Any, realm_id: str = REALM_1, decision: str = "Connect") -> None:
    if page.get_by_label("Password").count():
        page.get_by_label("Email or user ID").fill(INTUIT_USER[0])
        page.get_by_label("Password").fill(INTUIT_USER[1])
        page.get_by_role("button", name="Sign in").click()
    company = page.locator(f"button[name='realmId'][value='{realm_id}']")
    if company.count():
        company.click()
    page.get_by_role("button", name=decision, exact=True).click()


def connect_hubspot(page: Any, base_url: str, portal_id: int = PORTAL_2) -> None:
    start_connect(page, base_url, "hubspot")
    hubspot_authorize(page, portal_id)
    page.wait_for_url(f"{base_url}/settings/connections/")


def connect_quickbooks(page: Any, base_url: str, realm_id: str = REALM_1) -> None:
    start_connect(page, base_url, "quickbooks")
    intuit_authorize(page, realm_id)
    page.wait_for_url(f"{base_url}/settings/connections/")


def status_of(page: Any, provider: str) -> str:
    text: str = page.get_by_test_id(f"status-{provider}").inner_text()
    return text


def flash_text(page: Any) -> str:
    return " ".join(page.locator(".messages .notice").all_inner_texts())
