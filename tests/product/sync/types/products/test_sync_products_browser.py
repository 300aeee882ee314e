"""Settings → Sync → Products and Data → Products in a real Chromium against both emulators:
save the settings, add a mapping of a custom HubSpot property, Start Full Sync and watch the
progress bar fill as the engine drains (htmx polling, no reload), then the rows in Data."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from simplecommercesync.accounts.models import Role, User
from simplecommercesync.sync.engine.models import SyncDirection, SyncRecord
from simplecommercesync.sync.tasks import drain
from simplecommercesync.sync.types.products.models import ProductFieldMapping, ProductSyncSettings
from tests.product.conftest import PASSWORD, sign_in_browser
from tests.product.product_sync_support import ProductWorld, build_product_world
from tests.product.provider_pages import flash_text
from tests.product.test_sync_support import hooked_hubspot, hooked_providers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(name="world")
def world_fixture(hooked_providers, admin) -> ProductWorld:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_product_world(hooked_providers, admin)
    ProductSyncSettings.objects.filter(workspace=admin.workspace).update(enabled=False)
    return world


def test_products_tab_settings_mapping_and_full_sync_progress(page, world: ProductWorld) -> None:  # type: ignore[no-untyped-def]
    base = world.providers.base_url
    world.custom_property("vendor_code", "Vendor code")
    sign_in_browser(page, base, world.admin.email)
    page.goto(f"{base}/settings/sync/invoices/")
    page.get_by_role("navigation", name="Sync types").get_by_role("link", name="Products").click()
    page.wait_for_url(f"{base}/settings/sync/products/")
    mappings = page.get_by_test_id("mapping-table").inner_text()
    for default in ("Name → Name", "SKU → SKU", "Price → Unit Price", "Description → Description"):
        assert default in mappings
    # The income account picker is read from the company's accounts; the default is named.
    assert "Default: Sales of Product Income" in page.get_by_label("Income Account").inner_text()

    page.get_by_label("Enable Product Sync").check()
    page.get_by_label("HubSpot to QuickBooks").check()
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_load_state()
    assert "Configuration saved." in flash_text(page) and "Start Full Sync" in flash_text(page)
    saved = ProductSyncSettings.objects.get(workspace=world.admin.workspace)
    assert saved.enabled and saved.direction == SyncDirection.HUBSPOT_TO_QUICKBOOKS

    add = page.get_by_test_id("add-mapping")
    add.get_by_label("HubSpot product property").select_option("vendor_code")  # a custom property
    add.get_by_label("QuickBooks item field").select_option("PurchaseDesc")
    add.get_by_label("Transform").select_option("uppercase")
    add.get_by_role("button", name="Add Mapping").click()
    page.wait_for_load_state()
    assert "Mapping added: vendor_code" in flash_text(page)
    assert "Uppercase" in page.get_by_test_id("mapping-PurchaseDesc").inner_text()
    assert ProductFieldMapping.objects.get(workspace=world.admin.workspace).transform == "uppercase"

    url_before = page.url
    page.get_by_role("button", name="Start Full Sync").click()
    count = page.get_by_test_id("full-sync-count")
    count.wait_for()
    assert count.inner_text() == "0 of 15"  # queued; no worker drains in tests until we do
    assert page.locator("#full-sync-bar").get_attribute("value") == "0"
    drain(world.workspace_id, "products", trigger="test")
    # The bar polls every second: it fills without a reload.
    deadline = time.monotonic() + 10
    while count.inner_text() != "15 of 15" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count.inner_text() == "15 of 15"
    assert page.locator("#full-sync-bar").get_attribute("value") == "15" and page.url == url_before
    assert "Last full sync: done" in page.get_by_test_id("full-sync-progress").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.wait_for_url(f"{base}/data/products/")
    rows = page.get_by_test_id("records")
    assert rows.locator("tbody tr").count() == 15
    pack = world.hubspot_product("PACK-65L")
    row = page.get_by_test_id(f"record-{pack['id']}")
    assert "Success" in row.inner_text() and "Expedition Backpack 65 L" in row.inner_text()


def test_member_sees_the_products_tab_but_cannot_change_it(page, world: ProductWorld) -> None:  # type: ignore[no-untyped-def]
    base = world.providers.base_url
    User.objects.create_user("viewer@acme.example", PASSWORD, workspace=world.admin.workspace, role=Role.MEMBER)
    sign_in_browser(page, base, "viewer@acme.example")
    page.goto(f"{base}/settings/sync/products/")
    assert page.get_by_label("Enable Product Sync").is_disabled()
    expect(page.get_by_role("button", name="Start Full Sync")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(f"{base}/settings/sync/products/full-sync/", headers={"X-CSRFToken": token})
    assert answer.status == 403
    assert not SyncRecord.objects.filter(sync_type="products").exists()
