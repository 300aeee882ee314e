"""One creator of new QuickBooks customers per workspace and company at a time.

Invoices are claimed one by one, but the customers they bill are shared: two drains holding
different invoices of one new contact would each find no customer and each create one. So the
step "no customer yet → create it" runs under this lock, and re-reads inside it what another
drain finished (links) or left in flight (journaled writes, replayed with their own requestid).
Redis when configured (every process on every machine); else a file lock (SQLite runs on one
machine). No database transaction is held while QuickBooks is called.

The Redis lock lives only HOLD_SECONDS unless its holder keeps renewing it, so a worker killed with
-9 holds up the other drains of its workspace for seconds, not for the two minutes a long batch
of creates may take.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from django.conf import settings

from simplecommercesync.coordination.redis_clients import redis_client
from simplecommercesync.sync.engine.errors import RetryLater

logger = logging.getLogger(__name__)
# How long a live holder may keep the others waiting: longer than creates with their retries take.
WAIT_SECONDS = 120
# A holder that died frees the lock after this; a live one renews it every third of it.
HOLD_SECONDS = 15.0


class CustomerCreationBusy(RetryLater):
    """Another drain kept creating customers for longer than we wait: the records wait, not fail."""

    def __init__(self) -> None:
        super().__init__("Another sync of this workspace is still creating QuickBooks customers; this record "
                         "retries by itself.")


@contextmanager
def customer_creation_lock(workspace_id: int, realm_id: str) -> Iterator[None]:
    redis_url = settings.SCS_REDIS_URL
    if redis_url:
        # Not thread-local: the renewing thread extends the lock this thread took.
        lock = redis_client(redis_url).lock(f"scs:customer-creation:{workspace_id}:{realm_id}",
                                            timeout=HOLD_SECONDS, blocking_timeout=WAIT_SECONDS, thread_local=False)
        if not lock.acquire():
            raise CustomerCreationBusy()
        try:
            with _renewed(lock):
                yield
        finally:
            # It ran out while we worked: whoever holds it now keeps it.
            with suppress(redis.exceptions.LockError):
                lock.release()
        return
    path = Path(settings.SCS_VAR_DIR) / f"customer-creation-{workspace_id}-{realm_id}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # the kernel frees it if this process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _renewed(lock: redis.lock.Lock) -> Iterator[None]:
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(HOLD_SECONDS / 3):
            try:
                lock.extend(HOLD_SECONDS, replace_ttl=True)
            except redis.exceptions.RedisError as exc:
                # Lost (Redis restarted): creates stay exactly once through the journal's replay.
                logger.warning("customer creation lock not renewed: %s", exc)
                return

    renewer = threading.Thread(target=renew, name="customer-creation-lock", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
