"""Preview of product sync, both directions, against both emulators: the request logs show no
write during the preview, nothing is stored, and its counts equal what the real run then does.
Also the Preview table on the Products tab in a browser."""

from __future__ import annotations

from collections import Counter

import pytest

from simplecommercesync.sync import operations
from simplecommercesync.sync.engine.models import RecordLink, SyncAttempt, SyncDirection, SyncRecord
from simplecommercesync.sync.tasks import drain
from simplecommercesync.sync.types.products.catalog import queue_catalog
from tests.product.conftest import sign_in_browser
from tests.product.product_sync_support import ProductWorld, build_product_world, product_world_fixture  # noqa: F401
from tests.product.test_sync_support import hooked_hubspot, hooked_providers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration]
# What a run records (attempt action, or outcome for skips/failures) → the preview's action.
RUN_TO_PLAN = {"created": "create", "updated": "update", "unchanged": "unchanged", "skipped": "skip"}


def run_counts(world: ProductWorld) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="products"):
        attempt = SyncAttempt.objects.filter(record=record).first()
        assert attempt is not None
        counts["fail" if attempt.outcome == "failed" else RUN_TO_PLAN[attempt.action]] += 1
    return counts


def preview_then_run(world: ProductWorld) -> tuple[dict[str, int], Counter[str]]:
    queue_catalog(world.workspace_id, requested_by="test")
    links, attempts = RecordLink.objects.count(), SyncAttempt.objects.count()
    world.clear_logs()
    result = operations.preview(world.workspace_id, "products")
    assert not result.unavailable, result.unavailable
    assert world.writes_to("quickbooks") == 0 and world.writes_to("hubspot") == 0
    assert (RecordLink.objects.count(), SyncAttempt.objects.count()) == (links, attempts)
    planned = {k: v for k, v in result.counts.items() if v}
    drain(world.workspace_id, "products", trigger="test")
    return planned, run_counts(world)


def test_preview_hubspot_to_quickbooks_writes_nothing_and_matches_the_run(product_world: ProductWorld) -> None:
    world = product_world
    world.new_product({"name": f"No SKU {world.tag}", "price": "3"})
    planned, ran = preview_then_run(world)
    # PACK-65L and BOTTLE-1L have no exact twin; the product without SKU is skipped.
    assert planned["create"] == 2 and planned["skip"] == 1
    assert planned == dict(ran)


def test_preview_quickbooks_to_hubspot_writes_nothing_and_matches_the_run(hooked_providers, admin) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The page's and the CLI's preview, with QuickBooks as the source: it reads QuickBooks' items."""
    world = build_product_world(hooked_providers, admin, SyncDirection.QUICKBOOKS_TO_HUBSPOT)
    planned, ran = preview_then_run(world)
    assert planned.get("create", 0) >= 1, planned  # bottle-1l has no exact twin in HubSpot
    assert sum(planned.values()) == len(world.items())
    assert planned == dict(ran)


@pytest.mark.browser
def test_preview_table_on_the_products_tab(page, product_world: ProductWorld) -> None:  # type: ignore[no-untyped-def]
    world = product_world
    queue_catalog(world.workspace_id, requested_by="test")
    world.clear_logs()
    sign_in_browser(page, world.providers.base_url, world.admin.email)
    page.goto(f"{world.providers.base_url}/settings/sync/products/")
    card = page.get_by_test_id("preview-products")
    card.get_by_role("button", name="Preview").click()
    table = card.locator("table").first
    table.wait_for()
    text = card.inner_text()
    assert "PACK-65L" in text and "Create" in text
    assert world.writes_to("quickbooks") == 0 and world.writes_to("hubspot") == 0
