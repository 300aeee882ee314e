"""Queueing quote changes: a changed quote or estimate goes onto its pair's one record (keyed by
the side the pair started on), and a full sync queues every quote and estimate the Sync Direction
reads. Webhooks, polling and `scs sync run --type quotes --full` all come in here.
"""

from __future__ import annotations

from collections.abc import Callable

from simplecommercesync.sync.engine.clients import open_clients
from simplecommercesync.sync.engine.models import LinkKind, RecordLink, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings
from simplecommercesync.sync.types.quotes.pairs import HUBSPOT, QUICKBOOKS
from simplecommercesync.sync.types.quotes.two_way import allows


# -- queueing -------------------------------------------------------------------------------------
def queue_all_quotes(workspace_id: int, requested_by: str = "full",
                     progress: Callable[[int], None] | None = None) -> int:
    """Full sync (turning quote sync on, `scs sync run --type quotes --full`): every HubSpot quote,
    every QuickBooks estimate, or both, by the Sync Direction. Already linked pairs go through
    their one record, and their fingerprints make an unchanged pair no write."""
    direction = QuoteSyncSettings.objects.filter(workspace_id=workspace_id).values_list("direction", flat=True).first()
    direction = direction or QuoteDirection.HUBSPOT_TO_QUICKBOOKS
    total = 0
    with open_clients(workspace_id) as clients:
        if direction != QuoteDirection.QUICKBOOKS_TO_HUBSPOT:
            ids = [str(quote["id"]) for quote in clients.hubspot.list_all("quotes", ["hs_lastmodifieddate"])]
            total += queue_quote_changes(workspace_id, HUBSPOT, clients.portal_id, ids, requested_by=requested_by)
        if direction != QuoteDirection.HUBSPOT_TO_QUICKBOOKS:
            ids = [str(estimate["Id"]) for estimate in clients.quickbooks.query("Estimate")]
            total += queue_quote_changes(workspace_id, QUICKBOOKS, clients.realm_id, ids, requested_by=requested_by)
    if progress is not None:
        progress(total)
    return total


def queue_quote_changes(workspace_id: int, source_side: str, source_account: str, ids: list[str],
                        *, requested_by: str) -> int:
    """Queue changed quotes (HubSpot ids) or estimates (QuickBooks ids) onto their pair's record."""
    ids = [str(i) for i in dict.fromkeys(ids)]
    if not ids:
        return 0
    side_field = "hubspot_id" if source_side == HUBSPOT else "quickbooks_id"
    links = {getattr(link, side_field): link for link in RecordLink.objects.filter(
        workspace_id=workspace_id, kind=LinkKind.QUOTE, **{f"{side_field}__in": ids})}
    other_side = QUICKBOOKS if source_side == HUBSPOT else HUBSPOT
    other_id_field = "quickbooks_id" if source_side == HUBSPOT else "hubspot_id"
    # The pairs whose record lives on the other side, in one query (a full sync passes every id).
    other_records = set(SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type="quotes", source_side=other_side,
        source_id__in=[getattr(link, other_id_field) for link in links.values()],
    ).values_list("source_account", "source_id"))
    own: list[str] = []
    other: dict[str, list[str]] = {}
    for source_id in ids:
        link = links.get(source_id)
        if link is None:
            own.append(source_id)
            continue
        other_id = getattr(link, other_id_field)
        other_account = link.quickbooks_realm_id if source_side == HUBSPOT else link.hubspot_portal_id
        if (other_account, other_id) in other_records:
            other.setdefault(f"{other_side}|{other_account}", []).append(other_id)
        else:
            own.append(source_id)
    count = upsert_pending(workspace_id, "quotes", source_account, own, requested_by=requested_by,
                           source_side=source_side)
    for key, other_ids in other.items():
        side, account = key.split("|", 1)
        count += upsert_pending(workspace_id, "quotes", account, other_ids, requested_by=requested_by,
                                source_side=side)
    return count


def quotes_follow(workspace_id: int, side: str) -> bool:
    """Do changes on `side` matter to this workspace's quote sync (enabled, direction)?"""
    settings = QuoteSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).first()
    return settings is not None and allows(settings, side)
