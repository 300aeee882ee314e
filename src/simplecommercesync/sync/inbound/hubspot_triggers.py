"""Triggers: each turns "something changed" into Pending SyncRecords and wakes a drain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from simplecommercesync.connections.models import Connection
from simplecommercesync.sync.engine.models import LinkKind, RecordLink, SyncDirection
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.inbound.hubspot_events import PortalChanges
from simplecommercesync.sync.types.invoices.line_items import note_line_item_changes
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.products.models import ProductSyncSettings


def workspaces_of_portal(portal_id: str) -> list[int]:
    """Every workspace whose HubSpot connection is (or was last) this portal."""
    return list(
        Connection.objects.filter(provider="hubspot", account_id=str(portal_id)).values_list("workspace_id", flat=True)
    )


def invoice_sync_enabled(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


def product_sync_from_hubspot(workspace_id: int) -> bool:
    """HubSpot product events matter only while HubSpot is the products' source of truth."""
    return ProductSyncSettings.objects.filter(
        workspace_id=workspace_id, enabled=True, direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS).exists()


def payment_sync_enabled(workspace_id: int) -> bool:
    from simplecommercesync.sync.types.payments.models import PaymentSyncSettings

    return PaymentSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()



def invoices_from_hubspot(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(
        workspace_id=workspace_id, direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS).exists()


def _queue_quotes(workspace_id: int, portal_id: str, quote_ids: set[str], trigger: str) -> int:
    from simplecommercesync.sync.types.quotes.sync import queue_quote_changes, quotes_follow

    if not quotes_follow(workspace_id, "hubspot"):
        return 0
    return queue_quote_changes(workspace_id, "hubspot", portal_id, sorted(quote_ids), requested_by=trigger)


@dataclass
class QueuedChanges:
    """What the caller must start after queueing: the drains to wake."""

    wake: list[tuple[int, str]] = field(default_factory=list)


def queue_portal_changes(portal_id: str, changes: PortalChanges, trigger: str = "webhook") -> QueuedChanges:
    """Upsert records for one portal's changes; returns what the caller must start."""
    queued = QueuedChanges()
    wake = queued.wake
    for workspace_id in workspaces_of_portal(portal_id):
        if changes.products and product_sync_from_hubspot(workspace_id):
            upsert_pending(workspace_id, "products", portal_id, changes.products, requested_by=trigger)
            wake.append((workspace_id, "products"))
        if changes.payments and payment_sync_enabled(workspace_id):
            upsert_pending(workspace_id, "payments", portal_id, changes.payments, requested_by=trigger)
            wake.append((workspace_id, "payments"))
        if changes.quotes and _queue_quotes(workspace_id, portal_id, changes.quotes, trigger):
            wake.append((workspace_id, "quotes"))
        if not invoice_sync_enabled(workspace_id):
            continue
        # QuickBooks → HubSpot invoices: HubSpot's own changes don't sync back (one direction at a time).
        if changes.invoices and invoices_from_hubspot(workspace_id):
            upsert_pending(workspace_id, "invoices", portal_id, changes.invoices, requested_by=trigger)
            wake.append((workspace_id, "invoices"))
        if changes.contacts:
            linked = linked_contacts(workspace_id, portal_id, changes.contacts)
            if linked:
                upsert_pending(workspace_id, "customers", portal_id, linked, requested_by=trigger)
                wake.append((workspace_id, "customers"))
        if changes.line_items:
            # Stored, not resolved here: the invoices drain turns them into invoices (line_items.py).
            note_line_item_changes(workspace_id, portal_id, changes.line_items)
            wake.append((workspace_id, "invoices"))
    return queued


def linked_contacts(workspace_id: int, portal_id: str, contact_ids: Iterable[str]) -> list[str]:
    return list(
        RecordLink.objects.filter(
            workspace_id=workspace_id, kind=LinkKind.CUSTOMER, hubspot_portal_id=str(portal_id),
            hubspot_id__in=list(contact_ids),
        ).values_list("hubspot_id", flat=True).distinct()
    )
