"""One runner at a time of a periodic task, with a lock that a killed worker can't leave behind.

Huey's `lock_task` keeps its lock in the task queue's storage without an expiry (neither SqliteHuey
nor the Redis 7.0 we support can give it one): a worker killed with -9 in the middle of a poll left
the lock taken for good, every later poll of the installation was skipped ("unable to acquire
lock"), and the records the dead worker had claimed were never taken up again. These locks free
themselves: with Redis a lock that expires after `seconds` (a run that outlasts it may overlap the
next, which is harmless for the idempotent tasks below); without Redis a file lock the kernel drops
when its process dies. Used by the sync polls, the alert digests and the connections pass.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import redis
from django.conf import settings

from simplecommercesync.coordination.redis_clients import redis_client

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _queue_name() -> str:
    return str(settings.HUEY.get("name") or "scs")


@contextmanager
def held_alone(name: str, seconds: float) -> Iterator[bool]:
    """Yields True while this process holds the lock `name`, False (at once) when another does."""
    redis_url = settings.SCS_REDIS_URL
    if redis_url:
        lock = redis_client(redis_url).lock(f"scs:task-lock:{_queue_name()}:{name}", timeout=max(1.0, seconds))
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            # It ran out while we worked: whoever holds it now keeps it.
            with suppress(redis.exceptions.LockError):
                lock.release()
        return
    path = Path(settings.SCS_VAR_DIR) / f"task-lock-{_queue_name()}-{name}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_alone(name: str, seconds: Callable[[], float]) -> Callable[[Callable[P, R | None]], Callable[P, R | None]]:
    """Decorator: skip this run when another worker is running the task (`held_alone`)."""

    def decorate(function: Callable[P, R | None]) -> Callable[P, R | None]:
        @wraps(function)
        def alone(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with held_alone(name, seconds()) as mine:
                if not mine:
                    logger.info("%s not run: another worker is running it", name)
                    return None
                return function(*args, **kwargs)

        return alone

    return decorate
