"""Invoices: HubSpot invoice ↔ QuickBooks invoice, one direction at a time (docs/invoices.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.types.invoices.directions import InvoiceDirections
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings


def invoice_sync_enabled(workspace_id: int) -> bool:
    return InvoiceSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


INVOICES = SyncType(
    key="invoices",
    title="Invoices",
    docs_page="invoices.md",
    hubspot_object="invoices",
    quickbooks_entity="Invoice",
    # Either direction (InvoiceSyncSettings.direction); each record goes to its own side's handler.
    handler=InvoiceDirections,
    enabled=invoice_sync_enabled,
    cursor_property="hs_lastmodifieddate",
    error_kinds=(errors.SKU_NOT_FOUND, errors.CUSTOMER_EMAIL_MISSING, errors.CUSTOMER_NOT_FOUND,
                 errors.UNMAPPED_TAX_RATE, errors.ALREADY_SYNCED, errors.SYNC_DISABLED, errors.SOURCE_DELETED,
                 errors.HUBSPOT_SKU_NOT_FOUND, errors.QUICKBOOKS_EMAIL_MISSING, errors.UNMAPPED_TAX_CODE,
                 errors.DELETED_IN_QUICKBOOKS),
)
