"""Which changes queue products: the side that is the products' source of truth (Sync Direction).
HubSpot products by webhook and poll; QuickBooks items by webhook and their own CDC poll
(`catalog.poll_quickbooks_items`). The router in `sync/inbound/` calls these only while product
sync is on."""

from __future__ import annotations

from collections.abc import Mapping

from simplecommercesync.sync.engine.models import SourceSide, SyncDirection
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.products.models import ProductSyncSettings


def products_from(workspace_id: int, direction: str) -> bool:
    return ProductSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True, direction=direction).exists()


def polls_hubspot(workspace_id: int) -> bool:
    """HubSpot product events matter only while HubSpot is the products' source of truth."""
    return products_from(workspace_id, SyncDirection.HUBSPOT_TO_QUICKBOOKS)


def queue_hubspot_changes(workspace_id: int, portal_id: str, changes: Mapping[str, set[str]], trigger: str) -> bool:
    if not (changes.get("products") and polls_hubspot(workspace_id)):
        return False
    upsert_pending(workspace_id, "products", portal_id, changes["products"], requested_by=trigger)
    return True


def followed_quickbooks_entities(workspace_id: int) -> list[str]:
    return ["Item"] if products_from(workspace_id, SyncDirection.QUICKBOOKS_TO_HUBSPOT) else []


def queue_quickbooks_changes(workspace_id: int, realm_id: str, changed: Mapping[str, set[str]], trigger: str) -> bool:
    return bool(upsert_pending(workspace_id, "products", realm_id, sorted(changed["Item"]), requested_by=trigger,
                               source_side=SourceSide.QUICKBOOKS))
