"""The polling safety net: HubSpot search on `hs_lastmodifieddate` from a cursor, with overlap.

HubSpot's search index lags behind writes, so each poll reads from `cursor − OVERLAP` and drops
what it already synced (by id and modification time); the stored cursor is the newest change
seen but never later than the run's start (singer-io tap-hubspot; dlt `lag`). Full syncs list
every invoice instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.providers.hubspot.crm import HubSpotCrm
from simplecommercesync.sync.catalogue import SYNC_TYPES, SyncType, enabled, enabled_workspaces
from simplecommercesync.sync.engine.clients import open_clients
from simplecommercesync.sync.engine.models import (
    RecordStatus,
    RunKind,
    SyncCursor,
    SyncRecord,
    SyncRun,
)
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.mapping.to_hubspot import hubspot_time

logger = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=2)
CHUNK = 500


def _modified(record: dict[str, Any]) -> datetime | None:
    properties = record.get("properties")
    raw = properties.get("hs_lastmodifieddate") if isinstance(properties, dict) else None
    return hubspot_time(raw or record.get("updatedAt"))


def polled_sync_types(workspace_id: int) -> list[SyncType]:
    """The sync types that are on and read HubSpot by cursor now (their direction reads HubSpot;
    the QuickBooks side is the CDC poll's)."""
    return [t for t in SYNC_TYPES.values()
            if t.cursor_property is not None and t.inbound.polls_hubspot is not None
            and enabled(t.key, workspace_id) and t.inbound.polls_hubspot(workspace_id)]


def _polling(declared: SyncType) -> bool:
    return declared.inbound.polls_hubspot is not None or declared.inbound.extra_poll is not None


def poll_due_workspaces(every: timedelta) -> list[tuple[int, str]]:
    """Poll each enabled workspace not polled within `every`; returns the drains to wake."""
    now = timezone.now()
    to_wake: list[tuple[int, str]] = []
    workspaces = sorted(set().union(*(enabled_workspaces(t.key) for t in SYNC_TYPES.values() if _polling(t))))
    for workspace_id in workspaces:
        if not SyncGate.is_open(workspace_id):
            continue
        last = SyncCursor.objects.filter(workspace_id=workspace_id).order_by("-updated_at").first()
        if last is not None and now - last.updated_at < every:
            continue
        try:
            queued = poll_workspace(workspace_id)
        except ProviderError as exc:
            logger.warning("poll of workspace %s failed: %s", workspace_id, exc.message)
        except Exception:
            logger.exception("poll of workspace %s failed unexpectedly", workspace_id)
        else:
            to_wake.extend((workspace_id, key) for key, count in queued.items() if count)
    return to_wake


def poll_workspace(workspace_id: int, *, kind: str = RunKind.POLL) -> dict[str, int]:
    """Queue what changed since each cursor; returns records queued per sync type (the caller
    wakes the drains of those with any)."""
    polled = polled_sync_types(workspace_id)
    if not SyncGate.is_open(workspace_id):
        return {}
    queued: dict[str, int] = {}
    if polled:
        with open_clients(workspace_id) as clients:
            queued = {t.key: _poll_one(workspace_id, t, clients.portal_id, clients.hubspot, kind) for t in polled}
    for declared in SYNC_TYPES.values():
        extra_poll = declared.inbound.extra_poll
        found = extra_poll(workspace_id, kind) if extra_poll is not None and enabled(declared.key, workspace_id) else 0
        if found:
            queued[declared.key] = queued.get(declared.key, 0) + found
    return queued


def _poll_one(workspace_id: int, sync_type: SyncType, portal_id: str, hubspot: HubSpotCrm, kind: str) -> int:
    assert sync_type.cursor_property is not None
    run = SyncRun.objects.create(workspace_id=workspace_id, sync_type=sync_type.key, kind=kind)
    started = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(
        workspace_id=workspace_id, sync_type=sync_type.key, source_account=portal_id,
        name=f"{sync_type.hubspot_object}.{sync_type.cursor_property}",
    )
    if cursor.value is None:
        # A new cursor starts now: what existed before is the full sync's job.
        cursor.value, cursor.updated_at = started, started
        cursor.save()
        run.finished_at = timezone.now()
        run.note = "cursor started"
        run.save()
        return 0
    newest = cursor.value
    found = hubspot.search_modified_since(sync_type.hubspot_object, cursor.value - OVERLAP, [sync_type.cursor_property])
    count = 0
    for chunk in _chunks(found, CHUNK):
        stamps = {str(r["id"]): _modified(r) for r in chunk}
        newest = max([newest, *[s for s in stamps.values() if s is not None]])
        fresh = _not_yet_synced(workspace_id, sync_type.key, portal_id, stamps)
        count += upsert_pending(workspace_id, sync_type.key, portal_id, fresh, requested_by=kind)
    cursor.value = min(newest, started)
    cursor.updated_at = timezone.now()
    cursor.save()
    run.queued, run.finished_at = count, timezone.now()
    run.save()
    return count


def _not_yet_synced(workspace_id: int, sync_type: str, portal_id: str, stamps: dict[str, datetime | None]) -> list[str]:
    """The overlap re-reads recent changes: drop those synced after they were last modified."""
    done = dict(
        SyncRecord.objects.filter(
            workspace_id=workspace_id, sync_type=sync_type, source_account=portal_id,
            source_id__in=list(stamps), status=RecordStatus.SUCCESS,
        ).values_list("source_id", "last_success_at")
    )
    fresh = []
    for source_id, stamp in stamps.items():
        synced = done.get(source_id)
        if synced is None or stamp is None or stamp > synced:
            fresh.append(source_id)
    return fresh


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def queue_everything(workspace_id: int, sync_type_key: str, *, requested_by: str = "full",
                     progress: Callable[[int], None] | None = None) -> int:
    """Full sync: every HubSpot object of the type, queued (the drain then reads them in batches)."""
    sync_type = SYNC_TYPES[sync_type_key]
    if sync_type.full_sync is not None:
        return sync_type.full_sync(workspace_id, requested_by=requested_by, progress=progress)
    started = timezone.now()
    total = 0
    with open_clients(workspace_id) as clients:
        portal_id = clients.portal_id
        for chunk in _chunks(clients.hubspot.list_all(sync_type.hubspot_object, ["hs_lastmodifieddate"]), CHUNK):
            total += upsert_pending(workspace_id, sync_type.key, portal_id, [str(r["id"]) for r in chunk],
                                    requested_by=requested_by)
            if progress is not None:
                progress(len(chunk))
    if sync_type.cursor_property:
        SyncCursor.objects.update_or_create(
            workspace_id=workspace_id, sync_type=sync_type.key, source_account=portal_id,
            name=f"{sync_type.hubspot_object}.{sync_type.cursor_property}",
            defaults={"value": started, "updated_at": timezone.now()},
        )
    return total


def connected_portal(workspace_id: int) -> str | None:
    connection = Connection.objects.filter(workspace_id=workspace_id, provider="hubspot", status=Status.CONNECTED).first()
    return connection.account_id if connection else None
