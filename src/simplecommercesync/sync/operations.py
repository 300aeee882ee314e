"""What pages, the CLI and the dashboard do to syncs. Pages call these; they never touch the queue.

- `retry_record(record_id, by_user)`: Retry Sync on one Failed/Pending record.
- `retry_all_failed(workspace, sync_type)`: Retry all failed.
- `sync_now(workspace, sync_type, full=False)`: queue changes (or everything) and drain.
- `refresh_tax_cache(workspace)`: Refresh Cache on Settings → Sync → Tax.
- `counts_by_status(workspace, since)`: {sync_type: {status: count}} for the dashboard.
- `save_invoice_settings(workspace, by_user, **fields)`, `save_payment_settings(...)`: Save
  Configuration (the type's own save; turning sync on starts a full sync here).
- `preview(workspace, sync_type) -> PreviewResult`: Preview — what a run would do now, writing
  nothing (sync/preview.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from simplecommercesync.accounts.models import User, Workspace
from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.sync.catalogue import SYNC_TYPES, get_sync_type
from simplecommercesync.sync.engine.drain import build_context
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.engine.outcomes import OperationResult, Saved
from simplecommercesync.sync.inbound.hubspot_polling import poll_workspace, queue_everything
from simplecommercesync.sync.mapping.tax import refresh_tax_cache as refresh
from simplecommercesync.sync.preview import PreviewResult
from simplecommercesync.sync.preview import preview as plan_without_writing
from simplecommercesync.sync.tasks import wake
from simplecommercesync.sync.types.invoices import settings as invoice_settings
from simplecommercesync.sync.types.payments import settings as payment_settings


def _workspace_id(workspace: Workspace | int) -> int:
    return workspace if isinstance(workspace, int) else workspace.pk


def retry_record(record_id: int, by_user: User | None = None) -> OperationResult:
    record = SyncRecord.objects.get(pk=record_id)
    if by_user is not None and by_user.workspace_id != record.workspace_id:
        raise PermissionError("That record belongs to another workspace.")
    if record.status == RecordStatus.PROCESSING:
        return OperationResult("warning", "This record is being synced right now.")
    SyncRecord.objects.filter(pk=record.pk).update(
        status=RecordStatus.PENDING, next_attempt_at=None, requested_at=timezone.now(), requested_by="retry",
        updated_at=timezone.now(),
    )
    wake(record.workspace_id, record.sync_type, "retry")
    return OperationResult("success", f"{record.label or 'The record'} is queued to sync again.")


def retry_all_failed(workspace: Workspace | int, sync_type: str) -> OperationResult:
    get_sync_type(sync_type)
    workspace_id = _workspace_id(workspace)
    count = SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type=sync_type, status=RecordStatus.FAILED
    ).update(status=RecordStatus.PENDING, next_attempt_at=None, requested_at=timezone.now(),
             requested_by="retry", updated_at=timezone.now())
    if count:
        wake(workspace_id, sync_type, "retry")
    return OperationResult("success", f"{count} failed record{'s' if count != 1 else ''} queued to sync again.")


def sync_now(workspace: Workspace | int, sync_type: str, *, full: bool = False) -> OperationResult:
    """Sync now: a poll from the cursor (or, `full`, every object), then a drain."""
    get_sync_type(sync_type)
    workspace_id = _workspace_id(workspace)
    reason = SyncGate.closed_because(workspace_id)
    if reason is not None:
        return OperationResult("error", f"Syncs are paused: {reason}. Reconnect in Settings → Connections.")
    if full:
        woken: list[int] = []

        def first_chunk_queued(count: int) -> None:
            # The first records drain while the rest are still being listed (a 2,000-invoice
            # listing is 20 HubSpot pages: most of a second before the drain could start).
            if not woken:
                woken.append(count)
                wake(workspace_id, sync_type, "sync_now")

        queued = queue_everything(workspace_id, sync_type, requested_by="sync_now", progress=first_chunk_queued)
    else:
        polled = poll_workspace(workspace_id)
        queued = polled.get(sync_type, 0)
        for other, count in polled.items():
            if count and other != sync_type:
                wake(workspace_id, other, "poll")
    wake(workspace_id, sync_type, "sync_now")
    return OperationResult("success", f"Sync started: {queued} record{'s' if queued != 1 else ''} queued.")


def refresh_tax_cache(workspace: Workspace | int) -> OperationResult:
    workspace_id = _workspace_id(workspace)
    reason = SyncGate.closed_because(workspace_id)
    if reason is not None:
        return OperationResult("error", f"Can't refresh: {reason}. Reconnect in Settings → Connections.")
    context = build_context(workspace_id, "invoices")
    try:
        rates, codes = refresh(context)
    finally:
        context.close()
    return OperationResult("success", f"Loaded {rates} HubSpot tax rates and {codes} QuickBooks tax codes.")


def preview(workspace: Workspace | int, sync_type: str) -> PreviewResult:
    """Preview on a sync tab: what a run would do now, record by record, writing nothing."""
    return plan_without_writing(workspace, sync_type)


def counts_by_status(workspace: Workspace | int, since: datetime | None = None) -> dict[str, dict[str, int]]:
    rows = SyncRecord.objects.filter(workspace_id=_workspace_id(workspace))
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    counts: dict[str, dict[str, int]] = {key: {s.value: 0 for s in RecordStatus} for key in SYNC_TYPES}
    for row in rows.values("sync_type", "status").annotate(n=Count("id")):
        counts.setdefault(row["sync_type"], {s.value: 0 for s in RecordStatus})[row["status"]] = row["n"]
    return counts


def settle(workspace_id: int, sync_type: str, saved: Saved) -> OperationResult:
    """What saving a sync type's settings says, after starting the full sync that turning it on asks for."""
    if not saved.start_full_sync:
        return saved.outcome
    started = sync_now(workspace_id, sync_type, full=True)
    return OperationResult(started.level, f"{saved.outcome.message} {started.message}")


def save_invoice_settings(workspace: Workspace | int, by_user: User | None = None, **fields: Any) -> OperationResult:
    """Save Configuration on Settings → Sync → Invoices (turning sync on starts a full sync)."""
    workspace_id = _workspace_id(workspace)
    return settle(workspace_id, "invoices", invoice_settings.save_invoice_settings(workspace_id, by_user, **fields))


def save_payment_settings(workspace: Workspace | int, by_user: User | None = None, **fields: Any) -> OperationResult:
    """Save Configuration on Settings → Sync → Payments (turning sync on starts a full sync)."""
    workspace_id = _workspace_id(workspace)
    return settle(workspace_id, "payments", payment_settings.save_payment_settings(workspace_id, by_user, **fields))
