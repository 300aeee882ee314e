"""Quotes: HubSpot quote ↔ QuickBooks estimate, either way or both (docs/quotes.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.quotes import errors as quote_errors
from simplecommercesync.sync.types.quotes import inbound, settings_page
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.queueing import queue_all_quotes
from simplecommercesync.sync.types.quotes.sync import QuoteSync

QUOTES = SyncType(
    key="quotes",
    title="Quotes",
    docs_page="quotes.md",
    hubspot_object="quotes",
    quickbooks_entity="Estimate",
    # Either way, or both: QuoteSyncSettings.direction.
    handler=QuoteSync,
    settings_model=QuoteSyncSettings,
    settings_pages=settings_page.settings_pages,
    inbound=Inbound(
        hubspot_objects=("quotes",), hubspot_changes=inbound.queue_hubspot_changes,
        quickbooks_entities=inbound.followed_quickbooks_entities,
        quickbooks_changes=inbound.queue_quickbooks_changes,
        two_way_workspaces=inbound.two_way_workspaces,
        two_way_poll=inbound.hubspot_quotes_poll,
    ),
    # Polled with their line items and QuickBooks' estimates by the two-way poll (inbound.py), not by cursor.
    cursor_property=None,
    error_kinds=(mapping_errors.SKU_NOT_FOUND, mapping_errors.HUBSPOT_SKU_NOT_FOUND,
                 mapping_errors.CUSTOMER_EMAIL_MISSING, mapping_errors.QUICKBOOKS_EMAIL_MISSING,
                 mapping_errors.CUSTOMER_NOT_FOUND, mapping_errors.UNMAPPED_TAX_RATE,
                 mapping_errors.UNMAPPED_TAX_CODE, quote_errors.QUOTE_NOT_EDITABLE, mapping_errors.ALREADY_SYNCED),
    full_sync=queue_all_quotes,
)
