"""One token refresh per connection at a time, across every worker process and machine, without
ever holding a database transaction open while a provider is called.

With Redis configured a Redis lock does it. Otherwise a lease on the connection's row does: a
conditional UPDATE claims it for a minute, in autocommit, so on SQLite the database-wide write lock
lasts milliseconds instead of two provider timeouts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from simplecommercesync.connections.models import Connection
from simplecommercesync.coordination.redis_clients import redis_client
from simplecommercesync.coordination.task_locks import held_alone

LOCK_SECONDS = 60
POLL_SECONDS = 0.1


class LockBusy(Exception):
    """Another worker held the connection's refresh lock for longer than we would wait."""


@contextmanager
def connection_lock(connection_id: int) -> Iterator[None]:
    redis_url = settings.SCS_REDIS_URL
    if redis_url:
        lock = redis_client(redis_url).lock(
            f"scs:connection-refresh:{connection_id}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        )
        if not lock.acquire():
            raise LockBusy(f"refresh lock of connection {connection_id} is busy")
        try:
            yield
        finally:
            lock.release()
        return
    owner = _take_lease(connection_id)
    try:
        yield
    finally:
        Connection.objects.filter(pk=connection_id, refresh_lease_owner=owner).update(
            refresh_lease_owner="", refresh_lease_until=None
        )


def _take_lease(connection_id: int) -> str:
    owner = secrets.token_hex(16)
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        now = timezone.now()
        # A lease left by a crashed worker lapses by itself after LOCK_SECONDS.
        claimed = (
            Connection.objects.filter(pk=connection_id)
            .filter(Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lt=now))
            .update(refresh_lease_owner=owner, refresh_lease_until=now + timedelta(seconds=LOCK_SECONDS))
        )
        if claimed or not Connection.objects.filter(pk=connection_id).exists():
            return owner
        if time.monotonic() > deadline:
            raise LockBusy(f"refresh lease of connection {connection_id} is busy")
        time.sleep(POLL_SECONDS)


PERIODIC_PASS_SECONDS = 240  # the pass runs every 5 minutes; a crashed holder frees it before the next


@contextmanager
def periodic_pass_lock() -> Iterator[bool]:
    """Yields whether this process may run the periodic pass now: one process at a time, on every
    machine sharing Redis, or on this machine via a file lock when there is no Redis (SQLite mode
    runs on one machine). Both free themselves if the holder dies."""
    with held_alone("connections-periodic-pass", PERIODIC_PASS_SECONDS) as ours:
        yield ours
