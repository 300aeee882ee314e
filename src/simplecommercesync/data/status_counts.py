"""How many records of a sync type wait or failed: the counts on the status filters.

Only the unfinished and failed statuses are counted. They are the few rows a person acts on and
the (workspace, sync type, status, …) index reads them directly; counting Success (nearly every
row) would scan the whole table on every page load.
"""

from __future__ import annotations

from django.db.models import Count

from simplecommercesync.sync.models import RecordStatus, SyncRecord

COUNTED = (RecordStatus.PENDING, RecordStatus.PROCESSING, RecordStatus.FAILED)


def status_counts(workspace_id: int, sync_type: str) -> dict[str, int]:
    found = dict(
        SyncRecord.objects.filter(workspace_id=workspace_id, sync_type=sync_type, status__in=COUNTED)
        .values_list("status").annotate(n=Count("id")).values_list("status", "n").order_by()
    )
    return {status.value: found.get(status.value, 0) for status in COUNTED}
