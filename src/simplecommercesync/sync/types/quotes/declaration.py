"""Quotes: HubSpot quote ↔ QuickBooks estimate, either way or both (docs/quotes.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.sync import QuoteSync, queue_all_quotes


def quote_sync_enabled(workspace_id: int) -> bool:
    return QuoteSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


QUOTES = SyncType(
    key="quotes",
    title="Quotes",
    docs_page="quotes.md",
    hubspot_object="quotes",
    quickbooks_entity="Estimate",
    # Either way, or both: QuoteSyncSettings.direction.
    handler=QuoteSync,
    enabled=quote_sync_enabled,
    # Polled with their line items and QuickBooks' estimates (inbound/quickbooks_cdc.py), not by cursor.
    cursor_property=None,
    error_kinds=(errors.SKU_NOT_FOUND, errors.HUBSPOT_SKU_NOT_FOUND, errors.CUSTOMER_EMAIL_MISSING,
                 errors.QUICKBOOKS_EMAIL_MISSING, errors.CUSTOMER_NOT_FOUND, errors.UNMAPPED_TAX_RATE,
                 errors.UNMAPPED_TAX_CODE, errors.QUOTE_NOT_EDITABLE, errors.ALREADY_SYNCED),
    full_sync=queue_all_quotes,
)
