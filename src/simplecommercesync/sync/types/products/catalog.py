"""Which products need a sync: the whole catalog (Start Full Sync), and QuickBooks' changes.

- `queue_catalog`: every product of the source side, queued (HubSpot: the products list, 100 a
  page; QuickBooks: the item query, 1000 a page). A `SyncRun` of kind Full records how many, and
  `full_sync_progress` counts how far the drain got, for the progress bar.
- `poll_quickbooks_items`: when QuickBooks is the source of truth, Change Data Capture from a
  stored cursor (Intuit CDC: ≤ 30 days back, ≤ 1000 changes per entity per call). HubSpot's side is
  polled by polling.py like any HubSpot object (`hs_lastmodifieddate`) and heard by webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from simplecommercesync.sync.engine.drain import build_context
from simplecommercesync.sync.engine.models import (
    RecordStatus,
    RunKind,
    SourceSide,
    SyncCursor,
    SyncRecord,
    SyncRun,
)
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.products.sync import product_settings, source_side_of

CHUNK = 500
CDC_CURSOR = "Item.cdc"
# CDC reaches 30 days back at most (Intuit ChangeDataCapture docs); stay inside it.
CDC_REACH = timedelta(days=29)
# Our read starts a little before the stored cursor: QuickBooks stamps LastUpdatedTime when the
# write lands, which may be a moment before our clock read "now" at the previous poll.
CDC_OVERLAP = timedelta(minutes=2)
STAMP_RESOLUTION = timedelta(seconds=1)


def queue_catalog(workspace_id: int, requested_by: str = "full",
                  progress: Callable[[int], None] | None = None) -> int:
    """Queue every product of the source of truth; returns how many."""
    settings = product_settings(workspace_id)
    source = source_side_of(settings.direction)
    context = build_context(workspace_id, "products")
    run = SyncRun.objects.create(workspace_id=workspace_id, sync_type="products", kind=RunKind.FULL,
                                 note=requested_by)
    started = timezone.now()
    total = 0
    try:
        if source == SourceSide.HUBSPOT:
            ids = (str(p["id"]) for p in context.hubspot.list_all("products", ["hs_sku"]))
            account = context.portal_id
        else:
            ids = (str(i["Id"]) for i in context.quickbooks.query("Item", "Active = true"))
            account = context.realm_id
        chunk: list[str] = []
        for source_id in ids:
            chunk.append(source_id)
            if len(chunk) >= CHUNK:
                total += _queue(workspace_id, source, account, chunk, requested_by, progress)
                chunk = []
        total += _queue(workspace_id, source, account, chunk, requested_by, progress)
        # What changed before this moment is in the catalog just queued; polls go on from here.
        cursor_account, name = ((context.portal_id, "products.hs_lastmodifieddate") if source == SourceSide.HUBSPOT
                                else (context.realm_id, CDC_CURSOR))
        SyncCursor.objects.update_or_create(
            workspace_id=workspace_id, sync_type="products", source_account=cursor_account, name=name,
            defaults={"value": started, "updated_at": timezone.now()})
    finally:
        run.queued, run.finished_at = total, timezone.now()
        run.save(update_fields=["queued", "finished_at"])
        context.close()
    return total


def _queue(workspace_id: int, source: str, account: str, ids: list[str], requested_by: str,
           progress: Callable[[int], None] | None) -> int:
    if not ids:
        return 0
    count = upsert_pending(workspace_id, "products", account, ids, requested_by=requested_by, source_side=source)
    if progress is not None:
        progress(count)
    return count


@dataclass
class FullSyncProgress:
    run_id: int
    started_at: datetime
    total: int
    done: int
    failed: int
    waiting: int

    @property
    def finished(self) -> bool:
        return self.waiting == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


def full_sync_progress(workspace_id: int) -> FullSyncProgress | None:
    """How far the latest full product sync got: records it queued that have ended since."""
    run = SyncRun.objects.filter(workspace_id=workspace_id, sync_type="products", kind=RunKind.FULL).first()
    if run is None:
        return None
    rows = SyncRecord.objects.filter(workspace_id=workspace_id, sync_type="products", requested_at__gte=run.started_at)
    counts = {s: rows.filter(status=s).count() for s in RecordStatus}
    done = counts[RecordStatus.SUCCESS] + counts[RecordStatus.FAILED]
    waiting = counts[RecordStatus.PENDING] + counts[RecordStatus.PROCESSING]
    total = max(run.queued, done + waiting)
    return FullSyncProgress(run.pk, run.started_at, total, min(done, total), counts[RecordStatus.FAILED], waiting)


def poll_quickbooks_items(workspace_id: int, kind: str = RunKind.POLL) -> int:
    """Queue the QuickBooks items changed since the stored cursor (QuickBooks → HubSpot only)."""
    settings = product_settings(workspace_id)
    if not settings.enabled or source_side_of(settings.direction) != SourceSide.QUICKBOOKS:
        return 0
    context = build_context(workspace_id, "products")
    try:
        started = timezone.now()
        cursor, _ = SyncCursor.objects.get_or_create(
            workspace_id=workspace_id, sync_type="products", source_account=context.realm_id, name=CDC_CURSOR)
        if cursor.value is None:
            # A new cursor starts now: what existed before is the full sync's job.
            cursor.value, cursor.updated_at = started, started
            cursor.save()
            return 0
        since = max(cursor.value - CDC_OVERLAP, started - CDC_REACH)
        context.checkpoint()
        changed = context.quickbooks.cdc(["Item"], since).get("Item") or []
        ids = [str(i["Id"]) for i in changed if i.get("Id") is not None]
        fresh = _not_yet_synced(workspace_id, context.realm_id, {str(i["Id"]): i for i in changed if i.get("Id")})
        run = SyncRun.objects.create(workspace_id=workspace_id, sync_type="products", kind=kind,
                                     note=f"CDC: {len(ids)} changed, {len(fresh)} to sync")
        count = upsert_pending(workspace_id, "products", context.realm_id, fresh, requested_by=kind,
                               source_side=SourceSide.QUICKBOOKS)
        cursor.value, cursor.updated_at = started, timezone.now()
        cursor.save()
        run.queued, run.finished_at = count, timezone.now()
        run.save(update_fields=["queued", "finished_at"])
    finally:
        context.close()
    return count


def _not_yet_synced(workspace_id: int, realm_id: str, items: dict[str, dict[str, object]]) -> list[str]:
    """The overlap re-reads recent changes: drop items synced after their LastUpdatedTime."""
    done = dict(SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type="products", source_side=SourceSide.QUICKBOOKS,
        source_account=realm_id, source_id__in=list(items), status=RecordStatus.SUCCESS,
    ).values_list("source_id", "last_success_at"))
    fresh = []
    for item_id, item in items.items():
        stamp = _updated(item)
        synced = done.get(item_id)
        # LastUpdatedTime has whole seconds only: an edit in the same second as our last sync
        # reads as older than it, so only a sync a full second later proves the edit was seen.
        if synced is None or stamp is None or stamp + STAMP_RESOLUTION > synced:
            fresh.append(item_id)
    return fresh


def _updated(item: dict[str, object]) -> datetime | None:
    meta = item.get("MetaData")
    raw = meta.get("LastUpdatedTime") if isinstance(meta, dict) else None
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
