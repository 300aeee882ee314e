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
    sign_in = page.get_by_label("Password")
    portal = page.locator(f"[data-portal-id='{portal_id}']")
    decide = page.get_by_role("button", name=decision)
    if _shows(page, sign_in, portal, decide) is sign_in:
        page.get_by_label("Email address").fill(user[0])
        sign_in.fill(user[1])
        page.get_by_role("button", name="Log in").click()
        sign_in.wait_for(state="detached")
    if portal_id is not None and _shows(page, portal, decide) is portal:
        portal.click()
    decide.click()


def intuit_authorize(page: Any, realm_id: str = REALM_1, decision: str = "Connect") -> None:
    sign_in = page.get_by_label("Password")
    company = page.locator(f"button[name='realmId'][value='{realm_id}']")
    decide = page.get_by_role("button", name=decision, exact=True)
    if _shows(page, sign_in, company, decide) is sign_in:
        page.get_by_label("Email or user ID").fill(INTUIT_USER[0])
        sign_in.fill(INTUIT_USER[1])
        page.get_by_role("button", name="Sign in").click()
        sign_in.wait_for(state="detached")
    if _shows(page, company, decide) is company:
        company.click()
    decide.click()


def _shows(page: Any, *steps: Any) -> Any:
    """The step the page shows once it has loaded: reading at once could see the page before."""
    either = steps[0]
    for step in steps[1:]:
        either = either.or_(step)
    either.first.wait_for()
    return next(step for step in steps if step.count())


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
