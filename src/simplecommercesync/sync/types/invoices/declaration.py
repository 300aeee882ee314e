"""Invoices: HubSpot invoice ↔ QuickBooks invoice, one direction at a time (docs/invoices.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.invoices import inbound, settings_page
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
    settings_pages=settings_page.settings_pages,
    inbound=Inbound(
        hubspot_objects=("invoices", "line_items"), hubspot_changes=inbound.queue_hubspot_changes,
        polls_hubspot=inbound.polls_hubspot,
        quickbooks_entities=inbound.followed_quickbooks_entities,
        quickbooks_changes=inbound.queue_quickbooks_changes,
        two_way_workspaces=inbound.two_way_workspaces,
    ),
    cursor_property="hs_lastmodifieddate",
    error_kinds=(mapping_errors.SKU_NOT_FOUND, mapping_errors.CUSTOMER_EMAIL_MISSING,
                 mapping_errors.CUSTOMER_NOT_FOUND, mapping_errors.UNMAPPED_TAX_RATE, mapping_errors.ALREADY_SYNCED,
                 errors.SYNC_DISABLED, errors.SOURCE_DELETED, mapping_errors.HUBSPOT_SKU_NOT_FOUND,
                 mapping_errors.QUICKBOOKS_EMAIL_MISSING, mapping_errors.UNMAPPED_TAX_CODE,
                 errors.DELETED_IN_QUICKBOOKS),
)
