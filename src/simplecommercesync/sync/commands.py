"""`scs sync run` and `scs sync status`: the engine from a terminal, with a progress bar on bulk runs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simplecommercesync.accounts.models import Workspace
from simplecommercesync.sync.catalogue import SYNC_TYPES
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.engine.planning import ACTIONS
from simplecommercesync.sync.inbound.hubspot_polling import poll_workspace, queue_everything
from simplecommercesync.sync.operations import counts_by_status
from simplecommercesync.sync.preview import PreviewResult, preview
from simplecommercesync.sync.tasks import drain


def pick_workspace(name_or_id: str | None) -> Workspace:
    workspaces = Workspace.objects.order_by("pk")
    if name_or_id:
        found = workspaces.filter(pk=int(name_or_id)) if name_or_id.isdigit() else workspaces.filter(name=name_or_id)
        workspace = found.first()
        if workspace is None:
            raise SystemExit(f"scs sync: no workspace {name_or_id!r}.")
        return workspace
    if workspaces.count() != 1:
        raise SystemExit("scs sync: several workspaces exist; choose one with --workspace NAME_OR_ID.")
    only = workspaces.first()
    assert only is not None
    return only


def run(sync_type: str, *, full: bool, workspace: str | None, console: Console | None = None,
        dry_run: bool = False) -> int:
    console = console or Console()
    if sync_type not in SYNC_TYPES:
        console.print(f"scs sync run: unknown type {sync_type!r}; known: {', '.join(SYNC_TYPES)}")
        return 2
    chosen = pick_workspace(workspace)
    if dry_run:
        return show_preview(preview(chosen, sync_type, full=full, limit=None), console)
    if full:
        queued = queue_everything(chosen.pk, sync_type, requested_by="cli")
    else:
        queued = poll_workspace(chosen.pk).get(sync_type, 0)
    pending = SyncRecord.objects.filter(workspace=chosen, sync_type=sync_type, status=RecordStatus.PENDING).count()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"{SYNC_TYPES[sync_type].title} ({queued} queued)", total=pending)
        report = drain(chosen.pk, sync_type, trigger="cli", progress=lambda n: progress.advance(task, n))
    console.print(f"Synced {report.succeeded}, failed {report.failed}, retrying later {report.retried}, "
                  f"held {report.held}.")
    if report.stopped_because:
        console.print(f"Stopped: {report.stopped_because}")
        return 1
    return 0


def show_preview(result: PreviewResult, console: Console, rows_shown: int = 200) -> int:
    """The dry run's table: counts per action, then each record that isn't unchanged."""
    if result.unavailable:
        console.print(f"Preview of {result.title}: {result.unavailable}")
        return 1
    counts = Table(title=f"Preview of {result.title} (dry run: nothing was written)")
    for _, label, _ in result.count_rows:
        counts.add_column(label, justify="right")
    counts.add_column("Considered", justify="right")
    counts.add_row(*[str(n) for _, _, n in result.count_rows], str(result.considered))
    console.print(counts)
    detail = Table(show_lines=False)
    for column in ("Record", "HubSpot id", "Would", "Why"):
        detail.add_column(column)
    shown = [row for row in result.rows if row.action != "unchanged"]
    for row in shown[:rows_shown]:
        detail.add_row(row.label, row.source_id, ACTIONS[row.action], row.reason)
    if shown:
        console.print(detail)
    if len(shown) > rows_shown:
        console.print(f"… and {len(shown) - rows_shown} more.")
    return 0


def status(workspace: str | None, console: Console | None = None) -> int:
    console = console or Console()
    chosen = pick_workspace(workspace)
    counts = counts_by_status(chosen, timezone.now() - timedelta(hours=24))
    table = Table(title=f"Syncs of {chosen.name}, last 24 hours")
    for column in ("Sync type", *[s.label for s in RecordStatus]):
        table.add_column(column)
    for key, by_status in counts.items():
        table.add_row(SYNC_TYPES[key].title if key in SYNC_TYPES else key, *[str(by_status[s.value]) for s in RecordStatus])
    console.print(table)
    failed = SyncRecord.objects.filter(workspace=chosen, status=RecordStatus.FAILED).order_by("-updated_at")[:10]
    for record in failed:
        console.print(f"[red]Failed[/red] {record.label or record.source_id}: {record.error_message} — {record.error_fix}")
    return 0
