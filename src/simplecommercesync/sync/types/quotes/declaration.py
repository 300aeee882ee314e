"""Quotes: HubSpot quote ↔ QuickBooks estimate, either way or both (docs/quotes.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.types.quotes import inbound
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
    inbound=Inbound(
        hubspot_objects=("quotes",), hubspot_changes=inbound.queue_hubspot_changes,
        quickbooks_entities=inbound.followed_quickbooks_entities,
        quickbooks_changes=inbound.queue_quickbooks_changes,
        two_way_workspaces=inbound.two_way_workspaces,
        two_way_poll=inbound.hubspot_quotes_poll,
    ),
    # Polled with their line items and QuickBooks' estimates by the two-way poll (inbound.py), not by cursor.
    cursor_property=None,
    error_kinds=(errors.SKU_NOT_FOUND, errors.HUBSPOT_SKU_NOT_FOUND, errors.CUSTOMER_EMAIL_MISSING,
                 errors.QUICKBOOKS_EMAIL_MISSING, errors.CUSTOMER_NOT_FOUND, errors.UNMAPPED_TAX_RATE,
                 errors.UNMAPPED_TAX_CODE, errors.QUOTE_NOT_EDITABLE, errors.ALREADY_SYNCED),
    full_sync=queue_all_quotes,
)
