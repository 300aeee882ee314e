"""Background token care: a periodic pass over every connection, and per-connection refreshes
timed to each token's expiry."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from simplecommercesync.provider_errors import ProviderError

from .models import Connection, OAuthState, Status
from .operations import prove_access
from .refresh import PERIODIC_MARGIN, ConnectionUnavailable, refresh_connection

logger = logging.getLogger(__name__)
# How often a quiet background call checks that each grant still works, so that an uninstall on
# the provider's side shows here within minutes rather than at the next token refresh.
CHECK_EVERY = timedelta(minutes=15)


@db_task()
def refresh_connection_task(connection_id: int) -> None:
    refresh_connection(connection_id, margin=PERIODIC_MARGIN)


@db_periodic_task(crontab(minute="*/5"))
def refresh_due_connections() -> None:
    for connection_id in Connection.objects.filter(status=Status.CONNECTED).values_list("pk", flat=True):
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
        except (ConnectionUnavailable, ProviderError):
            pass  # revocation was recorded by prove_access; network trouble is the refresher's job
        except Exception:
            logger.exception("health check of connection %s failed unexpectedly", connection.pk)
