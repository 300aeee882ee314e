"""Preview (dry run): what a sync would do now, record by record, without writing anything.

    result = preview(workspace, "invoices")             # what a run would consider now
    result = preview(workspace, "invoices", full=True)  # every HubSpot object of the type
    result.counts      # {"create": 3, "update": 1, "void": 0, "unchanged": 4, "skip": 2, "fail": 1}
    result.rows        # PlannedRow(source_id, label, action, reason, error_kind) per record
    result.unavailable # non-empty: why there is no preview (paused, not connected, not supported)

"Considered now" is what `scs sync run` (without --full) would drain: the due Pending records of
the type plus what a poll would queue (changes since the cursor, read but the cursor left alone).
Each batch of `sync_type.batch_size` ids goes to the handler's `preview` (see planning.py), which
reads both sides in batches exactly as the real run does. Nothing is written to HubSpot or
QuickBooks; in our database only the QuickBooks company facts cache may be refreshed (as a run's
tax plan would). Records the real run would write can still be refused by QuickBooks itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import timezone

from simplecommercesync.accounts.models import Workspace
from simplecommercesync.connections.access import ConnectionUnavailable
from simplecommercesync.connections.gate import SyncGate, SyncsPaused
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.catalogue import SyncType, error_kind, get_sync_type
from simplecommercesync.sync.engine.declaration import NoPeers
from simplecommercesync.sync.engine.drain import SyncContext, build_context
from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.engine.models import SourceSide, SyncCursor, SyncRecord
from simplecommercesync.sync.engine.planning import ACTIONS, PlannedRow, PreviewUnavailable
from simplecommercesync.sync.engine.queue import claimable
from simplecommercesync.sync.inbound.hubspot_polling import OVERLAP, _chunks, _modified, _not_yet_synced

# A page waits for its preview: beyond this many records it shows the first ones and says so.
PAGE_LIMIT = 2000


class Previewable(Protocol):
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]: ...


class PreviewPeers(NoPeers):
    """A dry run wakes and queues no other sync type, but names their error kinds as a run does
    (a payment waiting for an invoice that failed says why)."""

    def error_kind(self, key: str) -> ErrorKind | None:
        return error_kind(key)


@dataclass
class PreviewResult:
    sync_type: str
    title: str
    rows: list[PlannedRow] = field(default_factory=list)
    # Records that would be considered; more than len(rows) when `truncated`.
    considered: int = 0
    truncated: bool = False
    unavailable: str = ""
    # True when the type never synced here: the preview covers the full sync turning it on starts.
    first_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        """(action, label, count) in table order, for templates."""
        counts = self.counts
        return [(key, label, counts[key]) for key, label in ACTIONS.items()]


def preview(
    workspace: Workspace | int,
    sync_type_key: str,
    *,
    full: bool = False,
    limit: int | None = PAGE_LIMIT,
    progress: Callable[[int], None] | None = None,
) -> PreviewResult:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    sync_type = get_sync_type(sync_type_key)
    result = PreviewResult(sync_type.key, sync_type.title)
    handler = sync_type.handler()
    if not hasattr(handler, "preview"):
        result.unavailable = f"Preview isn't available for {sync_type.title} yet."
        return result
    planner: Previewable = handler  # type: ignore[assignment]
    reason = SyncGate.closed_because(workspace_id)
    if reason is not None:
        result.unavailable = f"Syncs are paused: {reason}. Reconnect in Settings → Connections."
        return result
    try:
        context = build_context(workspace_id, sync_type.key)
    except ConnectionUnavailable as exc:
        result.unavailable = f"Can't preview: {exc.message}. Reconnect in Settings → Connections."
        return result
    context.peers = PreviewPeers()
    try:
        # Before a sync type ever ran, "now" is the full sync that switching it on starts.
        result.first_run = not full and not SyncRecord.objects.filter(
            workspace_id=workspace_id, sync_type=sync_type.key).exists()
        # A sync type whose source may be QuickBooks says itself which ids a run would take.
        own_ids = getattr(planner, "considered_ids", None)
        ids = (own_ids(context, full or result.first_run) if own_ids is not None
               else _considered(context, sync_type, full or result.first_run))
        result.considered = len(ids)
        if limit is not None and len(ids) > limit:
            ids, result.truncated = ids[:limit], True
        for start in range(0, len(ids), sync_type.batch_size):
            chunk = ids[start:start + sync_type.batch_size]
            result.rows.extend(planner.preview(context, chunk))
            if progress is not None:
                progress(len(chunk))
    except PreviewUnavailable as exc:
        result.rows, result.unavailable = [], str(exc)
    except SyncsPaused as exc:
        result.unavailable = f"Syncs are paused: {exc.reason}. Reconnect in Settings → Connections."
    except ProviderError as exc:
        result.unavailable = f"The preview stopped: {exc.message}. Try again in a minute."
    finally:
        context.close()
    return result


def _considered(context: SyncContext, sync_type: SyncType, full: bool) -> list[str]:
    """The source ids a run would take now, oldest request first, each once."""
    if full:
        context.checkpoint()
        return list(dict.fromkeys(
            str(r["id"]) for r in context.hubspot.list_all(sync_type.hubspot_object, ["hs_lastmodifieddate"])))
    pending = list(
        claimable(context.workspace_id, sync_type.key, timezone.now()).filter(source_side=SourceSide.HUBSPOT)
        .order_by("requested_at", "pk").values_list("source_id", flat=True)
    )
    return list(dict.fromkeys([*pending, *_polled(context, sync_type)]))


def _polled(context: SyncContext, sync_type: SyncType) -> list[str]:
    """What a poll would queue now (read only: the cursor stays where it is)."""
    if sync_type.cursor_property is None:
        return []
    cursor = SyncCursor.objects.filter(
        workspace_id=context.workspace_id, sync_type=sync_type.key, source_account=context.portal_id,
        name=f"{sync_type.hubspot_object}.{sync_type.cursor_property}",
    ).first()
    if cursor is None or cursor.value is None:
        return []  # a poll would only start the cursor
    context.checkpoint()
    found = context.hubspot.search_modified_since(
        sync_type.hubspot_object, cursor.value - OVERLAP, [sync_type.cursor_property])
    fresh: list[str] = []
    for chunk in _chunks(found, 500):
        stamps = {str(r["id"]): _modified(r) for r in chunk}
        fresh.extend(_not_yet_synced(context.workspace_id, sync_type.key, context.portal_id, stamps))
    return fresh
