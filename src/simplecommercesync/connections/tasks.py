"""Background token care: a periodic pass over every connection, and per-connection refreshes
timed to each token's expiry."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Connection, Status
from .refresh import PERIODIC_MARGIN, refresh_connection

logger = logging.getLogger(__name__)


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
