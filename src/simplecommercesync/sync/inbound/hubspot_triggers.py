"""HubSpot changes (webhooks, polls) → Pending records of the sync types that follow them.

A portal maps to its workspaces through their HubSpot connection; each sync type that is turned on
there decides what its objects' changes queue (`Inbound.hubspot_changes` of its declaration).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simplecommercesync.connections.models import Connection
from simplecommercesync.sync.catalogue import SYNC_TYPES, enabled
from simplecommercesync.sync.inbound.hubspot_events import PortalChanges


def workspaces_of_portal(portal_id: str) -> list[int]:
    """Every workspace whose HubSpot connection is (or was last) this portal."""
    return list(
        Connection.objects.filter(provider="hubspot", account_id=str(portal_id)).values_list("workspace_id", flat=True)
    )


@dataclass
class QueuedChanges:
    """What the caller must start after queueing: the drains to wake."""

    wake: list[tuple[int, str]] = field(default_factory=list)


def queue_portal_changes(portal_id: str, changes: PortalChanges, trigger: str = "webhook") -> QueuedChanges:
    """Upsert records for one portal's changes; returns what the caller must start."""
    queued = QueuedChanges()
    if not changes.changed:
        return queued
    for workspace_id in workspaces_of_portal(portal_id):
        for declared in SYNC_TYPES.values():
            take = declared.inbound.hubspot_changes
            if take is None or not any(changes.changed.get(o) for o in declared.inbound.hubspot_objects):
                continue
            if enabled(declared.key, workspace_id) and take(workspace_id, portal_id, changes.changed, trigger):
                queued.wake.append((workspace_id, declared.key))
    return queued
