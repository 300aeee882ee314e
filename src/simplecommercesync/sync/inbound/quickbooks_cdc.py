"""The safety net under webhooks for the two-way syncs: QuickBooks Change Data Capture from a stored
cursor, and HubSpot quotes (and their line items) by `hs_lastmodifieddate`.

Intuit's ChangeDataCapture reaches 30 days back at most
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture);
an older cursor (a connection down for weeks) falls back to a query by `MetaData.LastUpdatedTime`
per entity, which has no such limit. The cursor never moves past the poll's own start, and each
read starts a little before it, since QuickBooks stamps a change when the write lands.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from django.utils import timezone

from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.engine.clients import ProviderClients, open_clients
from simplecommercesync.sync.engine.models import RunKind, SourceSide, SyncCursor, SyncRun
from simplecommercesync.sync.inbound.quickbooks_triggers import followed_entities, queue_quickbooks_changes
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.sync import queue_quote_changes, quotes_follow

logger = logging.getLogger(__name__)
CDC_REACH = timedelta(days=30)
# Inside Intuit's 30 days with room for clocks that disagree by a little.
CDC_SAFE_REACH = timedelta(days=29, hours=23)
OVERLAP = timedelta(minutes=2)
CURSOR_TYPE = "quickbooks"
CURSOR_NAME = "cdc"
QUOTES_CURSOR = "quotes.hs_lastmodifieddate"


def poll_workspace_changes(workspace_id: int, *, kind: str = RunKind.POLL) -> set[tuple[int, str]]:
    """Both safety nets for one workspace; returns the drains to wake."""
    wake: set[tuple[int, str]] = set()
    entities = followed_entities(workspace_id)
    hubspot_quotes = quotes_follow(workspace_id, SourceSide.HUBSPOT)
    if (not entities and not hubspot_quotes) or not SyncGate.is_open(workspace_id):
        return wake
    with open_clients(workspace_id) as clients:
        if entities:
            wake |= poll_quickbooks(workspace_id, clients, entities, kind)
        if hubspot_quotes:
            wake |= poll_hubspot_quotes(workspace_id, clients, kind)
    return wake


def poll_quickbooks(workspace_id: int, clients: ProviderClients, entities: list[str], kind: str) -> set[tuple[int, str]]:
    started = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(workspace_id=workspace_id, sync_type=CURSOR_TYPE,
                                                 source_account=clients.realm_id, name=CURSOR_NAME)
    if cursor.value is None:
        # A new cursor starts now: what existed before is a full sync's job.
        cursor.value = cursor.updated_at = started
        cursor.save()
        return set()
    since = cursor.value - OVERLAP
    run = SyncRun.objects.create(workspace_id=workspace_id, sync_type="quotes", kind=kind)
    changed: dict[str, set[str]] = {e: set() for e in entities}
    if started - since < CDC_SAFE_REACH:
        how = "CDC"
        for entity, rows in clients.quickbooks.cdc(entities, since).items():
            changed.setdefault(entity, set()).update(str(e["Id"]) for e in rows if e.get("Id") is not None)
    else:
        how = "query by MetaData.LastUpdatedTime (the gap is older than CDC's 30 days)"
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for entity in entities:
            for row in clients.quickbooks.query(entity, f"MetaData.LastUpdatedTime >= '{stamp}'"):
                changed[entity].add(str(row["Id"]))
    wake = queue_quickbooks_changes(clients.realm_id, changed, kind, [workspace_id])
    total = sum(len(ids) for ids in changed.values())
    cursor.value, cursor.updated_at = started, timezone.now()
    cursor.save()
    run.queued, run.finished_at = total, timezone.now()
    run.note = f"QuickBooks {how} since {since:%Y-%m-%d %H:%M} UTC: {total} changed"
    run.save()
    return wake


def poll_hubspot_quotes(workspace_id: int, clients: ProviderClients, kind: str) -> set[tuple[int, str]]:
    """Quotes changed since the cursor, and quotes whose line items changed (a line item edit
    doesn't touch its quote's `hs_lastmodifieddate`)."""
    started = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(workspace_id=workspace_id, sync_type="quotes",
                                                 source_account=clients.portal_id, name=QUOTES_CURSOR)
    if cursor.value is None:
        cursor.value = cursor.updated_at = started
        cursor.save()
        return set()
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
    return {(workspace_id, "quotes")} if queued else set()


def poll_due(every: timedelta) -> set[tuple[int, str]]:
    """Poll each workspace with a two-way sync on and no poll within `every`."""
    now = timezone.now()
    wake: set[tuple[int, str]] = set()
    candidates = set(QuoteSyncSettings.objects.filter(enabled=True).values_list("workspace_id", flat=True))
    from simplecommercesync.sync.engine.models import SyncDirection
    from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

    candidates |= set(InvoiceSyncSettings.objects.filter(
        enabled=True, direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT).values_list("workspace_id", flat=True))
    for workspace_id in sorted(candidates):
        last = SyncCursor.objects.filter(workspace_id=workspace_id, sync_type__in=(CURSOR_TYPE, "quotes")).order_by(
            "-updated_at").first()
        if last is not None and now - last.updated_at < every:
            continue
        try:
            wake |= poll_workspace_changes(workspace_id)
        except ProviderError as exc:
            logger.warning("two-way poll of workspace %s failed: %s", workspace_id, exc.message)
        except Exception:
            logger.exception("two-way poll of workspace %s failed unexpectedly", workspace_id)
    return wake

