"""Huey tasks of the two-way syncs: the QuickBooks/HubSpot-quotes safety-net poll and the
catch-up after a reconnect (imported by tasks.py so the consumer registers them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.connections.signals import connection_healthy
from simplecommercesync.coordination.task_locks import run_alone
from simplecommercesync.sync.engine.models import RunKind
from simplecommercesync.sync.engine.queue import lease_length
from simplecommercesync.sync.inbound.quickbooks_cdc import poll_due, poll_workspace_changes
from simplecommercesync.sync.tasks import _poll_every_seconds, wake


@db_task()
@run_alone("scs-two-way-poll", lambda: lease_length().total_seconds())
def two_way_poll_task() -> None:
    every = timedelta(seconds=max(5, _poll_every_seconds())) - timedelta(seconds=1)
    for workspace_id, sync_type in sorted(poll_due(every)):
        wake(workspace_id, sync_type, RunKind.POLL)


@db_periodic_task(crontab(minute="*"))
def poll_two_way_syncs() -> None:
    every = max(5, _poll_every_seconds())
    two_way_poll_task()
    for offset in range(every, 60, every):
        two_way_poll_task.schedule(delay=offset)


@db_task()
def two_way_catch_up_task(workspace_id: int) -> None:
    for found_workspace, sync_type in sorted(poll_workspace_changes(workspace_id, kind=RunKind.CATCH_UP)):
        wake(found_workspace, sync_type, RunKind.CATCH_UP)


@receiver(connection_healthy)
def catch_up_two_way(sender: Any, workspace_id: int, provider: str, **kwargs: Any) -> None:
    """Back after a disconnect: CDC (or the LastUpdatedTime query) finds what webhooks missed."""
    if SyncGate.is_open(workspace_id):
        two_way_catch_up_task(workspace_id)
