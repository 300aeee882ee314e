"""Which changes queue invoices: HubSpot invoices and their line items while the direction is
HubSpot → QuickBooks, QuickBooks invoices while it is QuickBooks → HubSpot (one direction at a
time). The router in `sync/inbound/` calls these only while invoice sync is on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from simplecommercesync.sync.engine.models import LinkKind, RecordLink, SourceSide, SyncDirection, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.invoices.line_items import note_line_item_changes
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings


def invoices_from_hubspot(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(
        workspace_id=workspace_id, direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS).exists()


def invoices_from_quickbooks(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(
        workspace_id=workspace_id, enabled=True, direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT).exists()


def queue_hubspot_changes(workspace_id: int, portal_id: str, changes: Mapping[str, set[str]], trigger: str) -> bool:
    woken = False
    # QuickBooks → HubSpot invoices: HubSpot's own changes don't sync back (one direction at a time).
    if changes.get("invoices") and invoices_from_hubspot(workspace_id):
        upsert_pending(workspace_id, "invoices", portal_id, changes["invoices"], requested_by=trigger)
        woken = True
    if changes.get("line_items"):
        # Stored, not resolved here: the invoices drain turns them into invoices (line_items.py).
        note_line_item_changes(workspace_id, portal_id, changes["line_items"])
        woken = True
    return woken


def followed_quickbooks_entities(workspace_id: int) -> list[str]:
    return ["Invoice"] if invoices_from_quickbooks(workspace_id) else []


def written_from_hubspot(workspace_id: int, realm_id: str, invoice_ids: Iterable[str]) -> set[str]:
    """QuickBooks invoices this workspace wrote from HubSpot invoices: never synced back (Skip
    Integration Source), so switching the direction leaves them as they are."""
    links = RecordLink.objects.filter(workspace_id=workspace_id, kind=LinkKind.INVOICE, quickbooks_realm_id=realm_id,
                                      quickbooks_id__in=list(invoice_ids))
    from_hubspot = set(SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type="invoices", source_side=SourceSide.HUBSPOT,
        source_id__in=[link.hubspot_id for link in links]).values_list("source_id", flat=True))
    return {link.quickbooks_id for link in links if link.hubspot_id in from_hubspot}


def queue_quickbooks_changes(workspace_id: int, realm_id: str, changed: Mapping[str, set[str]], trigger: str) -> bool:
    ours = written_from_hubspot(workspace_id, realm_id, changed["Invoice"])
    fresh = sorted(set(changed["Invoice"]) - ours)
    return bool(fresh and upsert_pending(workspace_id, "invoices", realm_id, fresh, requested_by=trigger,
                                         source_side=SourceSide.QUICKBOOKS))


def two_way_workspaces() -> set[int]:
    """Workspaces whose invoices come from QuickBooks: the two-way poll reads their changes."""
    return set(InvoiceSyncSettings.objects.filter(
        enabled=True, direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT).values_list("workspace_id", flat=True))


def polls_hubspot(workspace_id: int) -> bool:
    """Invoices are read from HubSpot only while that is their direction (QuickBooks' side: the CDC poll)."""
    return invoices_from_hubspot(workspace_id)
