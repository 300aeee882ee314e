"""QuickBooks changes (from webhooks or CDC) → Pending records of the sync types that follow them.

A realm maps to its workspaces through their QuickBooks connection. Estimates feed quote sync
(when its direction reads QuickBooks), invoices feed invoice sync when its direction is
QuickBooks → HubSpot, items feed product sync when QuickBooks is the products' source of truth.
"""

from __future__ import annotations

from collections.abc import Iterable

from simplecommercesync.connections.models import Connection
from simplecommercesync.sync.engine.models import LinkKind, RecordLink, SourceSide, SyncDirection, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.products.models import ProductSyncSettings
from simplecommercesync.sync.types.quotes.sync import queue_quote_changes, quotes_follow

# The QuickBooks entities some sync type follows (what CDC asks for and webhooks are sorted by).
FOLLOWED = ("Estimate", "Invoice", "Item")


def workspaces_of_realm(realm_id: str) -> list[int]:
    return list(Connection.objects.filter(provider="quickbooks", account_id=str(realm_id))
                .values_list("workspace_id", flat=True))


def invoices_from_quickbooks(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(
        workspace_id=workspace_id, enabled=True, direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT).exists()


def followed_entities(workspace_id: int) -> list[str]:
    entities = []
    if quotes_follow(workspace_id, SourceSide.QUICKBOOKS):
        entities.append("Estimate")
    if invoices_from_quickbooks(workspace_id):
        entities.append("Invoice")
    if ProductSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True,
                                          direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT).exists():
        entities.append("Item")
    return entities


def written_from_hubspot(workspace_id: int, realm_id: str, invoice_ids: Iterable[str]) -> set[str]:
    """QuickBooks invoices this workspace wrote from HubSpot invoices: never synced back (Skip
    Integration Source), so switching the direction leaves them as they are."""
    links = RecordLink.objects.filter(workspace_id=workspace_id, kind=LinkKind.INVOICE, quickbooks_realm_id=realm_id,
                                      quickbooks_id__in=list(invoice_ids))
    from_hubspot = set(SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type="invoices", source_side=SourceSide.HUBSPOT,
        source_id__in=[link.hubspot_id for link in links]).values_list("source_id", flat=True))
    return {link.quickbooks_id for link in links if link.hubspot_id in from_hubspot}


def queue_quickbooks_changes(realm_id: str, changed: dict[str, set[str]], trigger: str,
                             workspace_ids: Iterable[int] | None = None) -> set[tuple[int, str]]:
    """Upsert records for one realm's changed entities; returns the drains to wake."""
    wake: set[tuple[int, str]] = set()
    for workspace_id in workspace_ids if workspace_ids is not None else workspaces_of_realm(realm_id):
        entities = followed_entities(workspace_id)
        if "Estimate" in entities and changed.get("Estimate") and queue_quote_changes(
                workspace_id, SourceSide.QUICKBOOKS, realm_id, sorted(changed["Estimate"]), requested_by=trigger):
            wake.add((workspace_id, "quotes"))
        if "Invoice" in entities and changed.get("Invoice"):
            ours = written_from_hubspot(workspace_id, realm_id, changed["Invoice"])
            fresh = sorted(set(changed["Invoice"]) - ours)
            if fresh and upsert_pending(workspace_id, "invoices", realm_id, fresh, requested_by=trigger,
                                        source_side=SourceSide.QUICKBOOKS):
                wake.add((workspace_id, "invoices"))
        if "Item" in entities and changed.get("Item") and upsert_pending(
                workspace_id, "products", realm_id, sorted(changed["Item"]), requested_by=trigger,
                source_side=SourceSide.QUICKBOOKS):
            wake.add((workspace_id, "products"))
    return wake
