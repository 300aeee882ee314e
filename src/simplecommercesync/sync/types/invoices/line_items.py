"""Line-item changes: kept as rows until an invoices drain turns them into Pending invoices.

A `line_item.*` webhook only stores a `LineItemChange` (and wakes the invoices drain); the drain
resolves up to 1,000 of them per associations batch call (HubSpot's v4 batch read limit) before it
claims invoices. The invoices are queued and the rows deleted in one transaction, so a worker
killed anywhere in between leaves the rows for the next drain: nothing depends on a task surviving.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.invoices.models import LineItemChange

# HubSpot associations v4 batch read takes ≤ 1,000 inputs (since 2025-02-10).
RESOLVE_BATCH = 1000


def note_line_item_changes(workspace_id: int, portal_id: str, line_item_ids: Iterable[str]) -> int:
    """Upsert one row per changed line item (a repeat only bumps `requested_at`)."""
    now = timezone.now()
    rows = [
        LineItemChange(workspace_id=workspace_id, hubspot_portal_id=str(portal_id), line_item_id=str(i),
                       requested_at=now)
        for i in dict.fromkeys(str(i) for i in line_item_ids)
    ]
    if rows:
        LineItemChange.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True,
            unique_fields=["workspace", "hubspot_portal_id", "line_item_id"], update_fields=["requested_at"],
        )
    return len(rows)


def resolve_line_item_changes(context: SyncContext) -> int:
    """Queue the invoices of the workspace's changed line items; returns invoices queued."""
    # Rows of a portal that is no longer connected can't name an invoice of this one.
    LineItemChange.objects.filter(workspace_id=context.workspace_id).exclude(
        hubspot_portal_id=context.portal_id).delete()
    queued = 0
    while True:
        started = timezone.now()
        rows = list(
            LineItemChange.objects.filter(workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id)
            .order_by("requested_at", "pk")[:RESOLVE_BATCH]
        )
        if not rows:
            return queued
        context.checkpoint()
        parents = context.hubspot.associations("line_items", "invoices", [r.line_item_id for r in rows])
        invoices = sorted({i for ids in parents.values() for i in ids})
        with transaction.atomic():
            queued += upsert_pending(context.workspace_id, "invoices", context.portal_id, invoices,
                                     requested_by="webhook")
            # A row changed again while we read keeps its newer requested_at and stays for the next pass.
            LineItemChange.objects.filter(pk__in=[r.pk for r in rows], requested_at__lte=started).delete()
        if len(rows) < RESOLVE_BATCH:
            return queued


def workspaces_with_line_item_changes() -> list[int]:
    return list(LineItemChange.objects.values_list("workspace_id", flat=True).distinct())

