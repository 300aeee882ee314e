"""Which changes queue customers: a HubSpot contact that is linked to a QuickBooks customer.
Unlinked contacts wait until an invoice, payment or quote needs them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from simplecommercesync.sync.engine.models import LinkKind, RecordLink
from simplecommercesync.sync.engine.queue import upsert_pending


def linked_contacts(workspace_id: int, portal_id: str, contact_ids: Iterable[str]) -> list[str]:
    return list(
        RecordLink.objects.filter(
            workspace_id=workspace_id, kind=LinkKind.CUSTOMER, hubspot_portal_id=str(portal_id),
            hubspot_id__in=list(contact_ids),
        ).values_list("hubspot_id", flat=True).distinct()
    )


def queue_hubspot_changes(workspace_id: int, portal_id: str, changes: Mapping[str, set[str]], trigger: str) -> bool:
    if not changes.get("contacts"):
        return False
    linked = linked_contacts(workspace_id, portal_id, changes["contacts"])
    if linked:
        upsert_pending(workspace_id, "customers", portal_id, linked, requested_by=trigger)
    return bool(linked)
