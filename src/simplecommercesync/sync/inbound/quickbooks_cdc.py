"""The safety net under webhooks for the two-way syncs: QuickBooks Change Data Capture from a stored
cursor, and each sync type's own part of the poll (`Inbound.two_way_poll`: HubSpot quotes and their
line items by `hs_lastmodifieddate`).

Intuit's ChangeDataCapture reaches 30 days back at most
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture);
an older cursor (a connection down for weeks) falls back to a query by `MetaData.LastUpdatedTime`
per entity, which has no such limit. The cursor never moves past the poll's own start, and each
read starts a little before it, since QuickBooks stamps a change when the write lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, timedelta

from django.utils import timezone

from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.catalogue import SYNC_TYPES, enabled
from simplecommercesync.sync.engine.clients import ProviderClients, open_clients
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.engine.models import RunKind, SyncCursor, SyncRun
from simplecommercesync.sync.inbound.quickbooks_triggers import followed_entities, queue_quickbooks_changes

logger = logging.getLogger(__name__)
CDC_REACH = timedelta(days=30)
# Inside Intuit's 30 days with room for clocks that disagree by a little.
CDC_SAFE_REACH = timedelta(days=29, hours=23)
OVERLAP = timedelta(minutes=2)
CURSOR_TYPE = "quickbooks"
CURSOR_NAME = "cdc"


def poll_workspace_changes(workspace_id: int, *, kind: str = RunKind.POLL) -> set[tuple[int, str]]:
    """Both safety nets for one workspace; returns the drains to wake."""
    wake: set[tuple[int, str]] = set()
    entities = followed_entities(workspace_id)
    own_polls = [(declared.key, poll) for declared, poll in _own_polls(workspace_id)]
    if (not entities and not own_polls) or not SyncGate.is_open(workspace_id):
        return wake
    with open_clients(workspace_id) as clients:
        if entities:
            wake |= poll_quickbooks(workspace_id, clients, entities, kind)
        for key, poll in own_polls:
            if poll(clients, kind):
                wake.add((workspace_id, key))
    return wake


def _own_polls(workspace_id: int) -> list[tuple[SyncType, Callable[[ProviderClients, str], bool]]]:
    polls = []
    for declared in SYNC_TYPES.values():
        part = declared.inbound.two_way_poll
        poll = part(workspace_id) if part is not None and enabled(declared.key, workspace_id) else None
        if poll is not None:
            polls.append((declared, poll))
    return polls


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
    # The run is logged under the sync type of the first entity it reads (estimates: quotes).
    owner = next(t.key for t in SYNC_TYPES.values() if t.quickbooks_entity == entities[0])
    run = SyncRun.objects.create(workspace_id=workspace_id, sync_type=owner, kind=kind)
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


def poll_due(every: timedelta) -> set[tuple[int, str]]:
    """Poll each workspace with a two-way sync on and no poll within `every`."""
    now = timezone.now()
    wake: set[tuple[int, str]] = set()
    candidates: set[int] = set()
    # The CDC cursor, and the cursors of the sync types' own parts of the poll.
    cursor_types = [CURSOR_TYPE, *(t.key for t in SYNC_TYPES.values() if t.inbound.two_way_poll is not None)]
    for declared in SYNC_TYPES.values():
        if declared.inbound.two_way_workspaces is not None:
            candidates |= declared.inbound.two_way_workspaces()
    for workspace_id in sorted(candidates):
        last = SyncCursor.objects.filter(workspace_id=workspace_id, sync_type__in=cursor_types).order_by(
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

