"""Settings → Sync → Invoices and Tax, and Data → Invoices with Retry Sync, in a real Chromium
against both emulators (accounts connected with real tokens, records made by the engine)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import TaxMapping, TaxSettings
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from tests.product.conftest import sign_in_browser
from tests.product.provider_pages import flash_text
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_save_invoice_and_tax_settings(page, world: World) -> None:  # type: ignore[no-untyped-def]
    base = world.providers.base_url
    sign_in_browser(page, base, world.admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync", exact=True).click()
    page.wait_for_url(f"{base}/settings/sync/invoices/")
    assert page.get_by_label("QuickBooks to HubSpot").is_enabled()
    expect(page.get_by_text("Switching never changes invoices that already synced")).to_be_visible()
    assert page.get_by_label("Open").is_checked() and page.get_by_label("Paid").is_checked()
    page.get_by_label("Voided").check()
    page.get_by_label("Sync Void Status").uncheck()
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_load_state()
    assert "Configuration saved." in flash_text(page)
    assert page.get_by_label("Voided").is_checked()
    saved = InvoiceSyncSettings.objects.get(workspace=world.admin.workspace)
    assert saved.status_filter == ["open", "paid", "voided"] and saved.sync_void_status is False

    page.get_by_role("navigation", name="Sync types").get_by_role("link", name="Tax").click()
    page.get_by_role("button", name="Refresh Cache").click()
    page.wait_for_load_state()
    assert "HubSpot tax rates and" in flash_text(page) and "QuickBooks tax codes" in flash_text(page)
    assert "US automated sales tax" in page.get_by_test_id("tax-model-label").inner_text()
    assert page.get_by_label("Mark as Taxable (TAX)").is_checked()  # the recommended default
    # The QuickBooks → HubSpot direction has its own Unmapped Tax Behavior group on the page.
    page.locator("input[name=unmapped_behavior][value=strict]").check()
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_load_state()
    assert "Configuration saved." in flash_text(page)
    assert TaxSettings.objects.get(workspace=world.admin.workspace).unmapped_behavior == "strict"

    add = page.get_by_test_id("add-mapping")
    rate = add.get_by_label("HubSpot tax rate")
    rate.select_option(index=1)
    chosen_rate = rate.locator("option:checked").inner_text()
    add.get_by_label("QuickBooks tax code").select_option(index=1)
    add.get_by_role("button", name="Add Tax Mapping").click()
    page.wait_for_load_state()
    assert "Tax mapping added" in flash_text(page)
    table = page.get_by_test_id("tax-mappings").locator("table").inner_text()
    assert chosen_rate in table and "Active" in table
    assert TaxMapping.objects.filter(workspace=world.admin.workspace, active=True).count() == 1


def settled_failure(world: World, invoice_id: str) -> None:
    """Drain until the invoice has failed and no late webhook has put it back in the queue."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if SyncRecord.objects.filter(workspace_id=world.workspace_id, source_id=invoice_id).exists():
            world.drain()
            time.sleep(0.5)
            if world.record(invoice_id).status == RecordStatus.FAILED:
                return
        time.sleep(0.1)
    raise AssertionError(f"invoice {invoice_id} did not settle as Failed")


def test_retry_a_failed_invoice_from_data(page, world: World) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact(f"retry.{world.tag}@example.com", "Rita", f"Retry{world.tag}")
    missing = f"NOPE-{world.tag}"
    invoice_id = world.invoice(contact, [(missing, "1", "10.00")])
    settled_failure(world, invoice_id)

    base = world.providers.base_url
    sign_in_browser(page, base, world.admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.wait_for_url(f"{base}/data/invoices/")
    row = page.get_by_test_id(f"record-{invoice_id}")
    assert row.get_by_test_id("status-badge").inner_text() == "Failed"
    assert f"SKU not found: {missing}" in row.inner_text()
    assert "Create a QuickBooks item with exactly this SKU" in row.inner_text()
    assert row.get_by_role("link", name=invoice_id).get_attribute("href").endswith(f"/record/0-53/{invoice_id}")

    row.get_by_role("button", name="Retry Sync").click()
    page.wait_for_load_state()
    assert "is queued to sync again." in flash_text(page)
    assert page.get_by_test_id(f"record-{invoice_id}").get_by_test_id("status-badge").inner_text() == "Pending"
    assert world.record(invoice_id).status == RecordStatus.PENDING
