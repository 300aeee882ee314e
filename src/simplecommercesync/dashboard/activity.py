"""The Dashboard's sync panel: per sync type counts of the last 24 hours and the latest activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from simplecommercesync.sync.catalogue import SYNC_TYPES, error_kind
from simplecommercesync.sync.models import RecordStatus, SyncRecord, SyncRun
from simplecommercesync.sync.operations import counts_by_status

WINDOW = timedelta(hours=24)
RECENT_ROWS = 8


@dataclass(frozen=True)
class TypeCounts:
    key: str
    title: str
    success: int
    failed: int
    pending: int  # Pending + Processing: not finished yet


def sync_activity(workspace_id: int) -> dict[str, Any]:
    counts = counts_by_status(workspace_id, since=timezone.now() - WINDOW)
    per_type = [
        TypeCounts(
            key, sync_type.title,
            success=counts.get(key, {}).get(RecordStatus.SUCCESS, 0),
            failed=counts.get(key, {}).get(RecordStatus.FAILED, 0),
            pending=counts.get(key, {}).get(RecordStatus.PENDING, 0) + counts.get(key, {}).get(RecordStatus.PROCESSING, 0),
        )
        for key, sync_type in SYNC_TYPES.items()
    ]
    recent = list(
        SyncRecord.objects.filter(workspace_id=workspace_id, last_attempt_at__isnull=False)
        .order_by("-updated_at", "-id")[:RECENT_ROWS]
    )
    return {
        "sync_counts": per_type,
        "recent_records": [
            {"record": r, "title": SYNC_TYPES[r.sync_type].title if r.sync_type in SYNC_TYPES else r.sync_type,
             "error_title": (kind.title if (kind := error_kind(r.error_kind)) else r.error_kind) if r.error_kind else ""}
            for r in recent
        ],
        "last_run": SyncRun.objects.filter(workspace_id=workspace_id).order_by("-started_at", "-id").first(),
    }
