"""One token refresh per connection at a time, across every worker process and machine.

With Redis configured a Redis lock serializes refreshes without holding a database transaction
open during the HTTP call; otherwise a row lock (SELECT ... FOR UPDATE on PostgreSQL, the
IMMEDIATE write transaction on SQLite) does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings
from django.db import transaction

from .models import Connection

LOCK_SECONDS = 60


class LockBusy(Exception):
    """Another worker held the connection's refresh lock for longer than we would wait."""


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@contextmanager
def connection_lock(connection_id: int) -> Iterator[None]:
    redis_url = settings.SCS_REDIS_URL
    if redis_url:
        lock = _redis(redis_url).lock(
            f"scs:connection-refresh:{connection_id}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        )
        if not lock.acquire():
            raise LockBusy(f"refresh lock of connection {connection_id} is busy")
        try:
            yield
        finally:
            lock.release()
        return
    with transaction.atomic():
        Connection.objects.select_for_update().filter(pk=connection_id).first()
        yield
