"""QuickBooks changes (from webhooks or CDC) → Pending records of the sync types that follow them.

A realm maps to its workspaces through their QuickBooks connection. Each sync type declares which
QuickBooks entities it follows now (`Inbound.quickbooks_entities`: estimates while quotes read
QuickBooks, invoices while their direction is QuickBooks → HubSpot, items while QuickBooks is the
products' source of truth) and what their changes queue.
"""

from __future__ import annotations

from collections.abc import Iterable

from simplecommercesync.connections.models import Connection
from simplecommercesync.sync.catalogue import SYNC_TYPES, enabled
from simplecommercesync.sync.engine.declaration import SyncType

# The QuickBooks entities some sync type can follow (what webhooks are sorted by).
FOLLOWED = tuple(sorted({t.quickbooks_entity for t in SYNC_TYPES.values() if t.inbound.quickbooks_changes}))


def workspaces_of_realm(realm_id: str) -> list[int]:
    return list(Connection.objects.filter(provider="quickbooks", account_id=str(realm_id))
                .values_list("workspace_id", flat=True))


def _following(workspace_id: int) -> list[tuple[SyncType, list[str]]]:
    found = []
    for declared in SYNC_TYPES.values():
        entities = declared.inbound.quickbooks_entities
        if entities is not None and enabled(declared.key, workspace_id):
            followed = entities(workspace_id)
            if followed:
                found.append((declared, followed))
    return found


def followed_entities(workspace_id: int) -> list[str]:
    """The QuickBooks entities this workspace's syncs follow now (what its CDC poll asks for)."""
    return sorted({entity for _, entities in _following(workspace_id) for entity in entities})


def queue_quickbooks_changes(realm_id: str, changed: dict[str, set[str]], trigger: str,
                             workspace_ids: Iterable[int] | None = None) -> set[tuple[int, str]]:
    """Upsert records for one realm's changed entities; returns the drains to wake."""
    wake: set[tuple[int, str]] = set()
    for workspace_id in workspace_ids if workspace_ids is not None else workspaces_of_realm(realm_id):
        for declared, entities in _following(workspace_id):
            take = declared.inbound.quickbooks_changes
            if take is not None and any(changed.get(e) for e in entities) and \
                    take(workspace_id, realm_id, changed, trigger):
                wake.add((workspace_id, declared.key))
    return wake
