"""Which changes queue quotes: HubSpot quotes and QuickBooks estimates, from each side the Sync
Direction reads, onto their pair's record. Besides webhooks, the two-way poll reads QuickBooks'
estimates by CDC and HubSpot's quotes here (`poll_hubspot_quotes`). The router in `sync/inbound/`
calls these only while quote sync is on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import partial

from django.utils import timezone

from simplecommercesync.sync.engine.clients import ProviderClients
from simplecommercesync.sync.engine.models import SourceSide, SyncCursor
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes, quotes_follow

QUOTES_CURSOR = "quotes.hs_lastmodifieddate"
# Each read starts a little before the cursor: HubSpot's search index lags behind its writes.
OVERLAP = timedelta(minutes=2)


def queue_hubspot_changes(workspace_id: int, portal_id: str, changes: Mapping[str, set[str]], trigger: str) -> bool:
    if not changes.get("quotes") or not quotes_follow(workspace_id, "hubspot"):
        return False
    return bool(queue_quote_changes(workspace_id, "hubspot", portal_id, sorted(changes["quotes"]),
                                    requested_by=trigger))


def followed_quickbooks_entities(workspace_id: int) -> list[str]:
    return ["Estimate"] if quotes_follow(workspace_id, SourceSide.QUICKBOOKS) else []


def queue_quickbooks_changes(workspace_id: int, realm_id: str, changed: Mapping[str, set[str]], trigger: str) -> bool:
    return bool(queue_quote_changes(workspace_id, SourceSide.QUICKBOOKS, realm_id, sorted(changed["Estimate"]),
                                    requested_by=trigger))


def two_way_workspaces() -> set[int]:
    return set(QuoteSyncSettings.objects.filter(enabled=True).values_list("workspace_id", flat=True))


def hubspot_quotes_poll(workspace_id: int) -> Callable[[ProviderClients, str], bool] | None:
    """Its part of the two-way poll, while the Sync Direction reads HubSpot's quotes."""
    if not quotes_follow(workspace_id, SourceSide.HUBSPOT):
        return None
    return partial(poll_hubspot_quotes, workspace_id)


def poll_hubspot_quotes(workspace_id: int, clients: ProviderClients, kind: str) -> bool:
    """Quotes changed since the cursor, and quotes whose line items changed (a line item edit
    doesn't touch its quote's `hs_lastmodifieddate`)."""
    started = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(workspace_id=workspace_id, sync_type="quotes",
                                                 source_account=clients.portal_id, name=QUOTES_CURSOR)
    if cursor.value is None:
        cursor.value = cursor.updated_at = started
        cursor.save()
        return False
    since = cursor.value - OVERLAP
    quote_ids = {str(q["id"]) for q in clients.hubspot.search_modified_since("quotes", since, ["hs_status"])}
    line_ids = [str(li["id"]) for li in clients.hubspot.search_modified_since("line_items", since, ["hs_sku"])]
    if line_ids:
        for parents in clients.hubspot.associations("line_items", "quotes", line_ids).values():
            quote_ids.update(parents)
    queued = queue_quote_changes(workspace_id, SourceSide.HUBSPOT, clients.portal_id, sorted(quote_ids),
                                 requested_by=kind)
    cursor.value, cursor.updated_at = started, timezone.now()
    cursor.save()
    return bool(queued)
