"""The consent pages in a real browser: sign in → choose account → consent → redirect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser

from hubspot_emulator.seed import DEMO_PASSWORD, EU_PORTAL, OWNER_EMAIL

pytestmark = pytest.mark.browser


def test_sign_in_choose_portal_consent_redirect(browser: Browser, base_url: str):
    callback = f"{base_url}/callback-probe/"
    app = httpx.post(f"{base_url}/_emulator/apps",
                     json={"name": "Browser test app", "redirect_uris": [callback]}).json()
    query = urlencode({"client_id": app["client_id"], "redirect_uri": callback,
                       "scope": "oauth crm.objects.invoices.read tax_rates.read",
                       "state": "browser-state"})
    page = browser.new_page()
    try:
        page.goto(f"{base_url}/oauth/authorize?{query}")
        page.fill("#email", OWNER_EMAIL)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-button")
        page.wait_for_selector("text=Choose an account")
        page.click(f"a[data-portal-id='{EU_PORTAL}']")
        page.wait_for_selector("#authorize-button")
        assert "View invoices" in page.inner_text("#required-scopes")
        assert "View tax rates" in page.inner_text("#required-scopes")
        page.click("#authorize-button")
        page.wait_for_url(f"{callback}**")
        redirected = parse_qs(urlsplit(page.url).query)
        assert redirected["state"] == ["browser-state"] and redirected["code"][0]
        # The sign-in cookie is remembered: a second authorize skips the sign-in form.
        page.goto(f"{base_url}/oauth/{EU_PORTAL}/authorize?{query}")
        assert page.is_visible("#authorize-button")
    finally:
        page.close()
    token = httpx.post(f"{base_url}/oauth/v3/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "redirect_uri": callback,
        "code": redirected["code"][0]})
    assert token.status_code == 200 and token.json()["hub_id"] == EU_PORTAL
