"""Products over HTTP against both emulators, both directions: the demo catalog's full sync with a
transform on a custom HubSpot property, edits on the source side, a missing SKU created, a
product without SKU skipped, and no echo of our own writes."""

from __future__ import annotations

import time

import pytest

from simplecommercesync.sync.engine.models import RecordLink, RecordStatus, SyncDirection, SyncRecord
from simplecommercesync.sync.inbound.hubspot_polling import poll_workspace
from simplecommercesync.sync.tasks import drain
from simplecommercesync.sync.types.products.models import ProductTransform
from tests.product.product_sync_support import ProductWorld, build_product_world, product_world_fixture  # noqa: F401
from tests.product.test_sync_support import hooked_hubspot, hooked_providers, money, wait_for  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration]
DEMO_SKUS = ("TENT-2P", "TENT-4P", "BAG-DOWN-20", "BAG-SYN-32", "PAD-INS-R4", "POLE-CARBON", "STOVE-CANISTER",
             "FUEL-230", "FILTER-SQZ", "LAMP-400", "BOTTLE-1L", "PACK-65L", "JKT-RAIN-M", "SVC-GUIDE-DAY",
             "SVC-REPAIR")


def test_full_sync_hubspot_to_quickbooks_maps_the_demo_catalog_with_a_transform(product_world: ProductWorld) -> None:
    world = product_world
    world.custom_property("vendor_code", "Vendor code")
    tent = world.hubspot_product("TENT-2P")
    world.edit_product(tent["id"], {"vendor_code": "trailworks-tx2"})
    world.map("vendor_code", "PurchaseDesc", ProductTransform.UPPERCASE)
    before = world.items()
    assert "PACK-65L" not in before and "BOTTLE-1L" not in before and "bottle-1l" in before
    world.clear_logs()

    report = world.full_sync()

    assert report.failed == 0 and report.succeeded == 15, report
    items = world.items()
    for sku in DEMO_SKUS:  # every HubSpot SKU now has its exact QuickBooks twin
        product = world.hubspot_product(sku)
        record = world.product_record(product["id"])
        assert record.status == RecordStatus.SUCCESS, (sku, record.error_message)
        assert record.destination_id == items[sku]["Id"]
        assert items[sku]["Name"].startswith(product["properties"]["name"])
        assert money(items[sku]["UnitPrice"]) == money(product["properties"]["price"])
    assert items["TENT-2P"]["PurchaseDesc"] == "TRAILWORKS-TX2"  # the Uppercase transform
    # Missing SKUs were created; the case variant stays, and the name clash is resolved and said.
    assert "bottle-1l" in items and items["BOTTLE-1L"]["Id"] != items["bottle-1l"]["Id"]
    assert items["BOTTLE-1L"]["Name"] == "Insulated Bottle 1 L (BOTTLE-1L)"
    bottle = world.product_record(world.hubspot_product("BOTTLE-1L")["id"])
    assert "bottle-1l" in bottle.note and "item names are unique" in bottle.note
    assert items["PACK-65L"]["IncomeAccountRef"]["value"] == "1"  # Sales of Product Income, the default
    assert RecordLink.objects.filter(kind="product", workspace=world.admin.workspace).count() == 15
    # Batches both ways: one HubSpot batch read for 15 products, QuickBooks writes in one batch.
    log = world.requests_log("quickbooks")
    writes = {route: sum(s.values()) for route, s in log.items() if route.startswith("POST")}
    assert sum(writes.values()) == 1 and any(route.endswith("/batch") for route in writes), writes
    hubspot_reads = world.requests_log("hubspot")
    assert not any("/crm/v3/objects/products/{" in route for route in hubspot_reads), hubspot_reads


def test_hubspot_edit_updates_quickbooks_and_our_writes_do_not_echo(product_world: ProductWorld) -> None:
    world = product_world
    world.full_sync()
    tent = world.hubspot_product("TENT-4P")
    world.clear_logs()
    world.edit_product(tent["id"], {"price": "459.00", "description": "Now with a gear loft."})
    # The product.propertyChange webhook reached the product, which only queued the record.
    wait_for(lambda: world.product_record(tent["id"]).status == RecordStatus.PENDING)
    report = drain(world.workspace_id, "products", trigger="test")
    assert report.succeeded == 1
    item = world.items()["TENT-4P"]
    assert money(item["UnitPrice"]) == money("459.00") and item["Description"] == "Now with a gear loft."
    attempt = world.product_record(tent["id"]).attempts.first()
    assert attempt is not None and attempt.action == "updated" and "UnitPrice" in attempt.changes

    # No echo: queue the whole catalog again; nothing is written anywhere.
    world.clear_logs()
    report = world.full_sync()
    assert report.succeeded == 15 and world.writes_to("quickbooks") == 0 and world.writes_to("hubspot") == 0
    actions = {r.attempts.first().action for r in SyncRecord.objects.filter(sync_type="products")}  # type: ignore[union-attr]
    assert actions == {"unchanged"}


def test_product_without_sku_is_skipped_with_a_reason(product_world: ProductWorld) -> None:
    world = product_world
    product_id = world.new_product({"name": f"Gift card {world.tag}", "price": "25"})
    wait_for(lambda: SyncRecord.objects.filter(source_id=product_id, sync_type="products").exists())
    drain(world.workspace_id, "products", trigger="test")
    record = world.product_record(product_id)
    assert record.status == RecordStatus.SUCCESS and record.destination_id == ""
    assert "No SKU in HubSpot" in record.note and "Add a SKU" in record.note
    assert not any(i["Name"] == f"Gift card {world.tag}" for i in world.items().values())


def test_new_hubspot_product_with_a_missing_sku_is_created_in_quickbooks(product_world: ProductWorld) -> None:
    world = product_world
    sku = f"NEW-{world.tag}"
    product_id = world.new_product({"name": f"Camp Chair {world.tag}", "hs_sku": sku, "price": "64.5",
                                    "hs_product_type": "service"})
    wait_for(lambda: SyncRecord.objects.filter(source_id=product_id, sync_type="products").exists())
    drain(world.workspace_id, "products", trigger="test")
    item = world.items()[sku]
    assert item["Name"] == f"Camp Chair {world.tag}" and money(item["UnitPrice"]) == money("64.50")
    assert item["Type"] == "Service"
    record = world.product_record(product_id)
    assert record.destination_id == item["Id"] and record.attempts.first().action == "created"  # type: ignore[union-attr]


@pytest.fixture(name="reverse_world")
def reverse_world_fixture(hooked_providers, admin) -> ProductWorld:  # type: ignore[no-untyped-def]  # noqa: F811
    return build_product_world(hooked_providers, admin, SyncDirection.QUICKBOOKS_TO_HUBSPOT)


def test_full_sync_quickbooks_to_hubspot_with_a_transform_and_cdc_edits(reverse_world: ProductWorld) -> None:
    world = reverse_world
    world.custom_property("purchase_note", "Purchase note")
    world.map("purchase_note", "PurchaseDesc", ProductTransform.LOWERCASE)
    items = world.items()
    world.edit_item(items["LAMP-400"]["Id"], {"PurchaseDesc": "From LUMEN Supply"})
    hubspot_before = world.hubspot_products()
    assert "bottle-1l" not in hubspot_before
    world.clear_logs()

    report = world.full_sync()

    assert report.failed == 0 and report.succeeded == len(items), report
    products = world.hubspot_products("purchase_note")
    for sku, item in world.items().items():
        product = products[sku]  # exact SKU twins, created where missing (bottle-1l)
        assert product["properties"]["name"] == item["Name"]
        assert money(product["properties"]["price"]) == money(item["UnitPrice"])
        assert world.product_record(item["Id"]).destination_id == product["id"]
    assert products["LAMP-400"]["properties"]["purchase_note"] == "from lumen supply"
    assert products["bottle-1l"]["id"] not in {p["id"] for p in hubspot_before.values()}
    # Our HubSpot writes come back as webhooks from our own app: none of them queued anything.
    time.sleep(0.5)
    assert not SyncRecord.objects.filter(sync_type="products", source_side="hubspot").exists()

    # An edit in QuickBooks reaches HubSpot through Change Data Capture from the stored cursor.
    world.edit_item(items["FUEL-230"]["Id"], {"UnitPrice": "6.99"})
    queued = poll_workspace(world.workspace_id)
    # FUEL-230, and perhaps an item synced within the same second as its last edit (QuickBooks'
    # LastUpdatedTime has whole seconds, so such an item is read again; its fingerprint makes that
    # no write).
    assert 1 <= queued.get("products", 0) <= 2
    assert SyncRecord.objects.get(sync_type="products", source_id=items["FUEL-230"]["Id"]).status == "pending"
    world.clear_logs()
    drain(world.workspace_id, "products", trigger="test")
    assert money(world.hubspot_product("FUEL-230")["properties"]["price"]) == money("6.99")
    assert world.writes_to("hubspot") == 1
    # The same content again is no write at all.
    world.clear_logs()
    report = world.full_sync()
    assert report.failed == 0 and world.writes_to("hubspot") == 0 and world.writes_to("quickbooks") == 0


def test_quickbooks_item_without_sku_is_skipped(reverse_world: ProductWorld) -> None:
    world = reverse_world
    item = world.qb("POST", "item", {"Name": f"Misc {world.tag}", "Type": "Service", "UnitPrice": "1",
                                     "IncomeAccountRef": {"value": "2"}})["Item"]
    world.full_sync()
    record = world.product_record(str(item["Id"]))
    assert record.status == RecordStatus.SUCCESS and "No SKU in QuickBooks" in record.note
    assert not any(p["properties"].get("name") == f"Misc {world.tag}" for p in world.hubspot_products().values())
