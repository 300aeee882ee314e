"""A new user's first run of the demo, in a real Chromium: connect HubSpot and QuickBooks through
the demo-seeded emulators' own consent pages, turn on invoice sync, and read Data → Invoices —
every Northwind invoice in QuickBooks except the three that fail by design, each with its fix
(the Northwind match tables in both emulators' READMEs say which and why)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.tasks import drain

from .conftest import Providers, sign_in_browser
from .provider_pages import PORTAL_1, REALM_1, connect_hubspot, connect_quickbooks, flash_text, status_of
from .test_sync_support import hooked_hubspot, hooked_providers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SKU_FIX = ("Create a QuickBooks item with exactly this SKU (SKUs match exactly, including upper and lower case), "
           "or correct the SKU on the HubSpot product, then press Retry Sync.")
EMAIL_FIX = ("Add an email address to the HubSpot contact on this invoice (or associate a contact that has one), "
             "then press Retry Sync.")
# The by-design failures: (what the row says, its fix).
BY_DESIGN = {
    "SKU not found: PACK-65L": SKU_FIX,
    "SKU not found: BOTTLE-1L (QuickBooks has bottle-1l — SKUs match exactly)": SKU_FIX,
    "Customer email missing: Felix Haddad has no email address in HubSpot.": EMAIL_FIX,
}
# Open and paid Northwind invoices of portal 2468101 (drafts and the voided one have no QuickBooks twin).
EXPECTED_IN_QUICKBOOKS = 12


def run_worker(workspace_id: int, seconds: float = 30) -> None:
    """What `scs serve`'s embedded worker does: drain the queued invoices until none is left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        drain(workspace_id, "invoices", trigger="test")
        waiting = SyncRecord.objects.filter(workspace_id=workspace_id, sync_type="invoices",
                                            status__in=[RecordStatus.PENDING, RecordStatus.PROCESSING])
        if SyncRecord.objects.filter(workspace_id=workspace_id, sync_type="invoices").exists() and not waiting.exists():
            return
        time.sleep(0.3)
    raise AssertionError("invoices still queued after the worker's time")


def test_new_user_connects_both_turns_on_invoice_sync_and_sees_every_outcome(
        page: Any, hooked_providers: Providers, admin: User) -> None:  # noqa: F811
    base = hooked_providers.base_url
    started = time.monotonic()
    sign_in_browser(page, base, admin.email)
    assert "Connect both accounts" in page.get_by_text("Nothing has synced yet").inner_text()

    connect_hubspot(page, base, PORTAL_1)
    connect_quickbooks(page, base, REALM_1)
    assert status_of(page, "hubspot").startswith("Connected") and status_of(page, "quickbooks").startswith("Connected")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync", exact=True).click()
    page.wait_for_url(f"{base}/settings/sync/invoices/")
    page.get_by_label("Enable Invoice Sync").check()
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_load_state()
    assert "Configuration saved. Sync started: 18 records queued." in flash_text(page)

    run_worker(admin.workspace_id)
    page.get_by_role("link", name="See synced and failed invoices in Data → Invoices").click()
    page.wait_for_url(f"{base}/data/invoices/")
    rows = page.get_by_test_id("records").locator("tbody tr")
    outcomes = [(row.locator(".badge").first.inner_text().strip(), row.inner_text()) for row in rows.all()]
    failed = [text for status, text in outcomes if status == "Failed"]
    assert len(failed) == len(BY_DESIGN), failed
    for message, fix in BY_DESIGN.items():
        row = page.get_by_test_id("records").locator("tbody tr", has_text=message)
        assert row.count() == 1, message
        assert "Failed" in row.inner_text() and f"Fix: {fix}" in row.inner_text()
        expect(row.get_by_role("button", name="Retry Sync")).to_be_visible()
    assert all(status == "Success" for status, _ in outcomes if status != "Failed"), outcomes
    # Every open or paid invoice reached QuickBooks, its number linked to the QuickBooks record page.
    quickbooks_links = page.get_by_test_id("records").get_by_title("Open in QuickBooks")
    assert quickbooks_links.count() == EXPECTED_IN_QUICKBOOKS
    first_number = quickbooks_links.first.inner_text()
    assert first_number.startswith("INV-")

    # The links lead to the emulators' record pages (the browser is still signed in there).
    page.goto(quickbooks_links.first.get_attribute("href"))
    assert page.get_by_test_id("record-title").inner_text() == f"Invoice {first_number}"
    page.go_back()
    hubspot_link = page.get_by_test_id("records").get_by_title("Open in HubSpot").first
    page.goto(hubspot_link.get_attribute("href"))
    assert page.get_by_test_id("record-name").inner_text() == first_number
    assert time.monotonic() - started < 60
