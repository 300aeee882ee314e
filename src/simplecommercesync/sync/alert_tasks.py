"""The Huey task of the failure alerts (alerts.py): every five minutes, send the digests due."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from simplecommercesync.coordination.task_locks import run_alone
from simplecommercesync.sync.alerts import send_failure_digests


@db_periodic_task(crontab(minute="*/5"))
@run_alone("scs-failure-digests", lambda: 300)
def send_failure_digests_task() -> None:
    """Five minutes: a first failure is told soon; the hourly limit is the digest's own rule. The
    lock keeps two workers from sending the same digest."""
    send_failure_digests()
