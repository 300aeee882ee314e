"""Invoices: HubSpot invoice ↔ QuickBooks invoice, one direction at a time (docs/invoices.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.types.invoices import inbound
from simplecommercesync.sync.types.invoices.directions import InvoiceDirections
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

INVOICES = SyncType(
    key="invoices",
    title="Invoices",
    docs_page="invoices.md",
    hubspot_object="invoices",
    quickbooks_entity="Invoice",
    # Either direction (InvoiceSyncSettings.direction); each record goes to its own side's handler.
    handler=InvoiceDirections,
    settings_model=InvoiceSyncSettings,
    inbound=Inbound(
        hubspot_objects=("invoices", "line_items"), hubspot_changes=inbound.queue_hubspot_changes,
        polls_hubspot=inbound.polls_hubspot,
        quickbooks_entities=inbound.followed_quickbooks_entities,
        quickbooks_changes=inbound.queue_quickbooks_changes,
        two_way_workspaces=inbound.two_way_workspaces,
    ),
    cursor_property="hs_lastmodifieddate",
    error_kinds=(errors.SKU_NOT_FOUND, errors.CUSTOMER_EMAIL_MISSING, errors.CUSTOMER_NOT_FOUND,
                 errors.UNMAPPED_TAX_RATE, errors.ALREADY_SYNCED, errors.SYNC_DISABLED, errors.SOURCE_DELETED,
                 errors.HUBSPOT_SKU_NOT_FOUND, errors.QUICKBOOKS_EMAIL_MISSING, errors.UNMAPPED_TAX_CODE,
                 errors.DELETED_IN_QUICKBOOKS),
)
