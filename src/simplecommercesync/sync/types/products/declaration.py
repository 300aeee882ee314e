"""Products: HubSpot product ↔ QuickBooks item, matched by SKU, either way (docs/products.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.types.products.catalog import queue_catalog
from simplecommercesync.sync.types.products.models import ProductSyncSettings
from simplecommercesync.sync.types.products.sync import ProductSync


def product_sync_enabled(workspace_id: int) -> bool:
    return ProductSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


PRODUCTS = SyncType(
    key="products",
    title="Products",
    docs_page="products.md",
    hubspot_object="products",
    quickbooks_entity="Item",
    # Either way: ProductSyncSettings.direction names the source of truth.
    handler=ProductSync,
    enabled=product_sync_enabled,
    cursor_property="hs_lastmodifieddate",
    error_kinds=(errors.SKU_NOT_UNIQUE, errors.INCOME_ACCOUNT_MISSING),
    full_sync=queue_catalog,
)
