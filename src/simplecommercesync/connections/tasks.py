"""Background token care: a periodic pass over every connection, and per-connection refreshes
timed to each token's expiry.

Several `scs worker` processes may run; each runs Huey's scheduler, so the periodic pass takes a
lock (Redis, or a file lock without Redis) and a copy that finds it held skips its turn. `scs worker --no-periodic` leaves the pass to other workers entirely.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from simplecommercesync.connections.locks import periodic_pass_lock
from simplecommercesync.connections.models import RECOVERABLE_CAUSES, Connection, OAuthState, Status
from simplecommercesync.connections.operations import prove_access
from simplecommercesync.connections.refresh import PERIODIC_MARGIN, refresh_connection
from simplecommercesync.connections.signals import refresh_due
from simplecommercesync.providers.http.errors import ProviderError

logger = logging.getLogger(__name__)
# How often a quiet background call checks that each grant still works, so that an uninstall on
# the provider's side shows here within minutes rather than at the next token refresh.
CHECK_EVERY = timedelta(minutes=15)


@db_task()
def refresh_connection_task(connection_id: int) -> None:
    refresh_connection(connection_id, margin=PERIODIC_MARGIN)


@receiver(refresh_due)
def queue_refresh(sender: Any, connection_id: int, eta: datetime, **kwargs: Any) -> None:
    refresh_connection_task.schedule(args=(connection_id,), eta=eta)


@db_periodic_task(crontab(minute="*/5"))
def refresh_due_connections() -> None:
    with periodic_pass_lock() as ours:
        if not ours:
            logger.info("another worker is running the periodic connections pass; skipping this one")
            return
        run_periodic_pass()


def run_periodic_pass() -> None:
    refreshing = Connection.objects.filter(
        Q(status=Status.CONNECTED) | Q(status=Status.DISCONNECTED, cause__in=RECOVERABLE_CAUSES)
    )
    for connection_id in refreshing.values_list("pk", flat=True):
        try:
            refresh_connection(connection_id, margin=PERIODIC_MARGIN)
        except Exception:  # one broken connection must not starve the others
            logger.exception("refresh of connection %s failed unexpectedly", connection_id)
    check_connections_quietly()
    # States live 10 minutes; a day later nobody can be mid-authorization with them.
    OAuthState.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def check_connections_quietly() -> None:
    stale = timezone.now() - CHECK_EVERY
    due = Connection.objects.filter(status=Status.CONNECTED).filter(
        Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=stale)
    )
    for connection in due:
        try:
            prove_access(connection)
        except ProviderError:
            pass  # revocation was recorded by the refresh; other trouble is retried by the refresher
        except Exception:
            logger.exception("health check of connection %s failed unexpectedly", connection.pk)
