"""Set-up shared by the product sync tests: both emulators, both accounts connected, product sync
on in the chosen direction, and helpers that read and write products on either side over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.drain import DrainReport
from simplecommercesync.sync.engine.models import SyncDirection, SyncRecord
from simplecommercesync.sync.tasks import drain
from simplecommercesync.sync.types.products.catalog import queue_catalog
from simplecommercesync.sync.types.products.models import ProductFieldMapping, ProductSyncSettings

from .conftest import Providers
from .test_sync_support import US_PORTAL, US_REALM, World, connect_without_browser

# The Intuit batch endpoint and every QuickBooks write path (create/update are POSTs to the entity).
QBO_WRITE_PREFIX = "POST /v3/company/"


class ProductWorld(World):
    def products_on(self, direction: str = SyncDirection.HUBSPOT_TO_QUICKBOOKS) -> ProductSyncSettings:
        settings, _ = ProductSyncSettings.objects.update_or_create(
            workspace=self.admin.workspace, defaults={"enabled": True, "direction": direction})
        return settings

    def map(self, hubspot_property: str, quickbooks_field: str, transform: str) -> None:
        ProductFieldMapping.objects.create(workspace=self.admin.workspace, hubspot_property=hubspot_property,
                                           quickbooks_field=quickbooks_field, transform=transform)

    # -- HubSpot ---------------------------------------------------------------------------
    def custom_property(self, name: str, label: str) -> None:
        self.hs("POST", "/crm/v3/properties/products", {
            "name": name, "label": label, "type": "string", "fieldType": "text", "groupName": "productinformation"})

    def hubspot_products(self, *properties: str) -> dict[str, dict[str, Any]]:
        """SKU → product (every product, paged)."""
        wanted = ",".join(("hs_sku", "name", "price", "description", *properties))
        found: dict[str, dict[str, Any]] = {}
        after = ""
        while True:
            page = self.hs("GET", f"/crm/v3/objects/products?limit=100&properties={wanted}{after}")
            for product in page["results"]:
                found.setdefault(str(product["properties"].get("hs_sku") or f"(none {product['id']})"), product)
            cursor = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not cursor:
                return found
            after = f"&after={cursor}"

    def hubspot_product(self, sku: str, *properties: str) -> dict[str, Any]:
        return self.hubspot_products(*properties)[sku]

    def new_product(self, properties: dict[str, str]) -> str:
        return str(self.hs("POST", "/crm/v3/objects/products", {"properties": properties})["id"])

    def edit_product(self, product_id: str, properties: dict[str, str]) -> None:
        self.hs("PATCH", f"/crm/v3/objects/products/{product_id}", {"properties": properties})

    # -- QuickBooks ------------------------------------------------------------------------
    def items(self) -> dict[str, dict[str, Any]]:
        """Sku → item, active ones."""
        found = self.query("SELECT * FROM Item WHERE Active = true MAXRESULTS 1000")
        return {str(i.get("Sku") or f"(none {i['Id']})"): i for i in found}

    def edit_item(self, item_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        current = self.qb("GET", f"item/{item_id}")["Item"]
        body = {"Id": item_id, "SyncToken": current["SyncToken"], "sparse": True, **fields}
        updated: dict[str, Any] = self.qb("POST", "item", body)["Item"]
        return updated

    # -- product --------------------------------------------------------------------------
    def full_sync(self) -> DrainReport:
        queue_catalog(self.workspace_id, requested_by="test")
        return drain(self.workspace_id, "products", trigger="test")

    def product_record(self, source_id: str) -> SyncRecord:
        return SyncRecord.objects.get(workspace_id=self.workspace_id, sync_type="products", source_id=source_id)

    def writes_to(self, provider: str) -> int:
        """Write calls the emulator answered (QuickBooks: POSTs under the company; HubSpot: product
        create/update/archive, batch or single)."""
        control = self.providers.hubspot if provider == "hubspot" else self.providers.quickbooks
        by_route: dict[str, dict[str, int]] = control("GET", "/_emulator/requests").json()["by_route"]
        total = 0
        for route, statuses in by_route.items():
            method, _, path = route.partition(" ")
            if provider == "quickbooks":
                hit = method == "POST" and "/v3/company/" in path and not path.endswith("/query")
            else:
                hit = "/crm/v3/objects/products" in path and (
                    method in ("PATCH", "DELETE") or (method == "POST" and not path.endswith(("/search", "/read"))))
            total += sum(statuses.values()) if hit else 0
        return total

    def requests_log(self, provider: str) -> dict[str, dict[str, int]]:
        control = self.providers.hubspot if provider == "hubspot" else self.providers.quickbooks
        log: dict[str, dict[str, int]] = control("GET", "/_emulator/requests").json()["by_route"]
        return log

    def clear_logs(self) -> None:
        for control in (self.providers.hubspot, self.providers.quickbooks):
            control("DELETE", "/_emulator/requests").raise_for_status()


def build_product_world(providers: Providers, admin: User, direction: str = SyncDirection.HUBSPOT_TO_QUICKBOOKS,
                        portal_id: int = US_PORTAL, realm_id: str = US_REALM) -> ProductWorld:
    connect_without_browser(providers, admin, portal_id, realm_id)
    world = ProductWorld(providers, admin, portal_id, realm_id)
    world.products_on(direction)
    return world


@pytest.fixture(name="product_world")
def product_world_fixture(hooked_providers: Providers, admin: User) -> ProductWorld:
    return build_product_world(hooked_providers, admin)


def http_ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 300, response.text
    return response
