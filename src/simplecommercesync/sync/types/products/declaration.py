"""Products: HubSpot product ↔ QuickBooks item, matched by SKU, either way (docs/products.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.types.products import errors as product_errors
from simplecommercesync.sync.types.products import inbound, settings_page
from simplecommercesync.sync.types.products.catalog import poll_quickbooks_items, queue_catalog
from simplecommercesync.sync.types.products.models import ProductSyncSettings
from simplecommercesync.sync.types.products.sync import ProductSync

PRODUCTS = SyncType(
    key="products",
    title="Products",
    docs_page="products.md",
    hubspot_object="products",
    quickbooks_entity="Item",
    # Either way: ProductSyncSettings.direction names the source of truth.
    handler=ProductSync,
    settings_model=ProductSyncSettings,
    settings_pages=settings_page.settings_pages,
    inbound=Inbound(
        hubspot_objects=("products",), hubspot_changes=inbound.queue_hubspot_changes,
        polls_hubspot=inbound.polls_hubspot,
        # QuickBooks items: by webhook, and by their own CDC poll beside HubSpot's.
        extra_poll=poll_quickbooks_items,
        quickbooks_entities=inbound.followed_quickbooks_entities,
        quickbooks_changes=inbound.queue_quickbooks_changes,
    ),
    cursor_property="hs_lastmodifieddate",
    error_kinds=(product_errors.SKU_NOT_UNIQUE, product_errors.INCOME_ACCOUNT_MISSING),
    full_sync=queue_catalog,
)
