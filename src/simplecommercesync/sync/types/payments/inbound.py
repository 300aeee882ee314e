"""Which changes queue payments: a HubSpot payment that changed, or whose invoice association
changed. The router in `sync/inbound/` calls this only while payment sync is on."""

from __future__ import annotations

from collections.abc import Mapping

from simplecommercesync.sync.engine.queue import upsert_pending


def queue_hubspot_changes(workspace_id: int, portal_id: str, changes: Mapping[str, set[str]], trigger: str) -> bool:
    if not changes.get("commerce_payments"):
        return False
    upsert_pending(workspace_id, "payments", portal_id, changes["commerce_payments"], requested_by=trigger)
    return True


def polls_hubspot(workspace_id: int) -> bool:
    return True
