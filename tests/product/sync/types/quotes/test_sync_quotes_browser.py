"""Settings → Sync → Quotes and Data → Quotes in a real Chromium against both emulators."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes
from tests.product.conftest import sign_in_browser
from tests.product.sync.types.quotes.test_sync_quotes import hs_product, qb_estimate, settle
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_quotes_tab_saves_and_data_quotes_shows_the_direction(page, world: World) -> None:  # type: ignore[no-untyped-def]
    base = world.providers.base_url
    sign_in_browser(page, base, world.admin.email)
    page.goto(f"{base}/settings/sync/quotes/")
    assert page.get_by_label("Approved (recommended)").is_checked()
    assert page.get_by_label("Accepted (recommended)").is_checked()
    assert not page.get_by_label("Draft").is_checked()
    assert page.get_by_label("HubSpot to QuickBooks").is_checked()
    page.get_by_label("Enable Quote Sync").check()
    page.get_by_label("Bidirectional").check()
    page.get_by_label("Sync Void Status").uncheck()
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_url(f"{base}/settings/sync/quotes/")
    expect(page.get_by_text("Configuration saved.")).to_be_visible()
    saved = QuoteSyncSettings.objects.get(workspace_id=world.workspace_id)
    assert saved.enabled and saved.direction == QuoteDirection.BIDIRECTIONAL and not saved.sync_void_status
    assert page.get_by_label("Bidirectional").is_checked()

    # Nothing checked while enabled: refused with the fix, nothing saved.
    for label in ("Approved (recommended)", "Approval Not Needed (recommended)", "Accepted (recommended)"):
        page.get_by_label(label).uncheck()
    page.get_by_role("button", name="Save Configuration").click()
    expect(page.get_by_text("Check at least one quote status to sync")).to_be_visible()
    assert QuoteSyncSettings.objects.get(workspace_id=world.workspace_id).status_filter

    sku = f"BRW-{world.tag}"
    item_id = world.item(sku)
    hs_product(world, sku)
    estimate = qb_estimate(world, world.customer(f"Bria {world.tag}", f"b.{world.tag}@example.com"), item_id)
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = SyncRecord.objects.get(sync_type="quotes", source_id=estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, record.error_message
    # Calculated changes HubSpot makes after our write (quote amount, number) arrive as webhooks a
    # moment later and queue the pair once more for an echo check; let the drain settle them first.
    for _ in range(10):
        settle(world)
        page.goto(f"{base}/data/quotes/")
        row = page.get_by_test_id(f"record-{estimate['Id']}")
        if "Success" in row.inner_text():
            break
        time.sleep(0.5)
    assert row.get_by_test_id("direction").inner_text() == "QuickBooks → HubSpot"
    assert "Success" in row.inner_text()
    assert record.destination_id in row.inner_text()
    row.get_by_role("link", name=record.label).click()
    expect(page.get_by_text("created").first).to_be_visible()
