"""Running the engine: a drain of one sync type of the catalogue, and the Huey tasks that wake
drains (triggers, retries, the polling safety net, catch-ups)."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from simplecommercesync.coordination.task_locks import run_alone
from simplecommercesync.sync import catalogue
from simplecommercesync.sync.engine import drain as engine
from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.engine.models import RunKind
from simplecommercesync.sync.engine.queue import due_drains, lease_length
from simplecommercesync.sync.inbound.hubspot_polling import poll_due_workspaces, poll_workspace
from simplecommercesync.sync.types.invoices.line_items import workspaces_with_line_item_changes

logger = logging.getLogger(__name__)


class CataloguePeers:
    """How a drain reaches the other sync types: through the catalogue, and by waking their drains."""

    def enabled(self, workspace_id: int, key: str) -> bool:
        return catalogue.enabled(key, workspace_id)

    def wake(self, workspace_id: int, key: str, trigger: str) -> None:
        wake(workspace_id, key, trigger)

    def error_kind(self, key: str) -> ErrorKind | None:
        return catalogue.error_kind(key)


def drain(workspace_id: int, sync_type: str, **options: Any) -> engine.DrainReport:
    """Work the queue of one (workspace, sync type) now: the engine's drain with the type's declaration,
    the types waiting on it, and the way to the others (options: see `engine.drain`)."""
    return engine.drain(workspace_id, catalogue.get_sync_type(sync_type), dependents=catalogue.dependents_of(sync_type),
                        peers=CataloguePeers(), **options)


def helper_drains() -> int:
    """Drains one busy queue may add beside itself: the worker's other threads (`scs worker
    --workers N` sets SCS_WORKER_THREADS); none where that is unknown (tests, `scs sync run`)."""
    threads = os.environ.get("SCS_WORKER_THREADS", "")
    return max(0, int(threads) - 1) if threads.isdigit() else 0


@db_task()
def drain_task(workspace_id: int, sync_type: str, trigger: str = "drain", helper: bool = False) -> None:
    helpers = 0 if helper else helper_drains()

    def call_helpers() -> None:
        # A backfill is a chain of round trips; a second drain on another batch fills the waits.
        for _ in range(helpers):
            drain_task(workspace_id, sync_type, trigger, helper=True)

    report = drain(workspace_id, sync_type, trigger=trigger, on_backlog=call_helpers if helpers else None)
    if report.next_due is not None and not report.stopped_because.startswith("Syncs are paused"):
        # Records waiting out a backoff: come back when the first is due.
        drain_task.schedule(args=(workspace_id, sync_type, "retry"), eta=max(report.next_due, timezone.now()))


def wake(workspace_id: int, sync_type: str, trigger: str) -> None:
    """Ask a worker to drain (workspace, sync type) soon; cheap, and harmless if one already runs."""
    drain_task(workspace_id, sync_type, trigger)


@db_task()
def catch_up_task(workspace_id: int) -> None:
    for sync_type, queued in poll_workspace(workspace_id, kind=RunKind.CATCH_UP).items():
        if queued:
            wake(workspace_id, sync_type, RunKind.CATCH_UP)


def _poll_every_seconds() -> int:
    """Default 30 s, so that with no webhooks at all every change syncs within a minute."""
    configured = os.environ.get("SCS_SYNC_POLL_SECONDS") or str(getattr(settings, "SCS_SYNC_POLL_SECONDS", 30))
    return int(configured)


@db_task()
# A dead worker's poll lock lapses like its claims do (SCS_SYNC_LEASE_SECONDS).
@run_alone("scs-sync-poll", lambda: lease_length().total_seconds())
def poll_task() -> None:
    every = timedelta(seconds=max(5, _poll_every_seconds())) - timedelta(seconds=1)
    to_wake = set(poll_due_workspaces(every))
    # The database is the queue of record: work whose wake-up was lost (a killed worker, a lease
    # run out, a task queue emptied) is found here and drained, not only work new to this poll.
    to_wake.update(due_drains(timezone.now()))
    to_wake.update((workspace_id, "invoices") for workspace_id in workspaces_with_line_item_changes())
    for workspace_id, sync_type in sorted(to_wake):
        wake(workspace_id, sync_type, RunKind.POLL)


def pick_up_after_restart() -> None:
    """A worker (re)started after a crash takes up what the dead one left now, not at the next
    minute's poll: due records and lost wake-ups at once, its claimed records once their lease ran out."""
    poll_task()
    poll_task.schedule(delay=lease_length().total_seconds() + 1)


@db_periodic_task(crontab(minute="*"))
def poll_all_workspaces() -> None:
    """The safety net under webhooks, and the only trigger of an installation HubSpot can't reach:
    a poll now and, for intervals under a minute, more polls queued for later in this minute
    (queued, not slept, so the worker stays free for drains)."""
    every = max(5, _poll_every_seconds())
    poll_task()
    for offset in range(every, 60, every):
        poll_task.schedule(delay=offset)
