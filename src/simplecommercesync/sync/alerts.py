"""Sync failure alerts: a digest e-mail of new failures, at most once an hour per sync type.

Every few minutes (tasks.py) each (workspace, sync type) with records that failed since its last
digest gets one e-mail listing them — what failed, why, the fix, and a link to its Data row — sent
to the workspace's admins whose "Sync failure alerts" switch (Settings → Account) is on. The
newest `FailureDigest` is the cursor: the next digest lists only failures after its
`covered_until`, and none goes out within an hour of its `sent_at`; failures meanwhile wait for
the next one. E-mail leaves through Django's backend (console, files or SMTP: config.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.sync.catalogue import SYNC_TYPES, error_kind
from simplecommercesync.sync.engine.models import FailureDigest, RecordStatus, SyncRecord

logger = logging.getLogger(__name__)
DIGEST_EVERY = timedelta(hours=1)
# A workspace's first digest looks this far back; later ones start where the last one ended.
FIRST_LOOK_BACK = timedelta(hours=1)
# Failures older than this are not news any more (a workspace that was switched off for weeks).
OLDEST_NEWS = timedelta(days=7)
LISTED_MAX = 50


@dataclass
class DigestLine:
    label: str
    error: str
    message: str
    fix: str
    link: str
    failed_at: datetime


def recipients_of(workspace_id: int) -> list[str]:
    return list(
        User.objects.filter(workspace_id=workspace_id, role=Role.ADMIN, is_active=True, notify_sync_failures=True)
        .exclude(email="").order_by("email").values_list("email", flat=True)
    )


def send_failure_digests(now: datetime | None = None) -> list[FailureDigest]:
    """Send every digest that is due; returns the digests recorded (sent, or nobody to tell)."""
    now = now or timezone.now()
    pairs = (
        SyncRecord.objects.filter(status=RecordStatus.FAILED, updated_at__gt=now - OLDEST_NEWS, updated_at__lte=now)
        .values_list("workspace_id", "sync_type").distinct().order_by("workspace_id", "sync_type")
    )
    digests: list[FailureDigest] = []
    for workspace_id, sync_type in pairs:
        digest = _digest_for(workspace_id, sync_type, now)
        if digest is not None:
            digests.append(digest)
    return digests


def _digest_for(workspace_id: int, sync_type: str, now: datetime) -> FailureDigest | None:
    last = FailureDigest.objects.filter(workspace_id=workspace_id, sync_type=sync_type).first()
    if last is not None and now - last.sent_at < DIGEST_EVERY:
        return None
    since = max(last.covered_until if last is not None else now - FIRST_LOOK_BACK, now - OLDEST_NEWS)
    failed = SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type=sync_type, status=RecordStatus.FAILED,
        updated_at__gt=since, updated_at__lte=now,
    ).order_by("updated_at", "pk")
    total = failed.count()
    if not total:
        return None
    recipients = recipients_of(workspace_id)
    if recipients:
        workspace = Workspace.objects.get(pk=workspace_id)
        try:
            _send(workspace, sync_type, list(failed[:LISTED_MAX]), total, recipients)
        except OSError as exc:  # SMTP down or refusing: try again at the next run, nothing recorded
            logger.warning("failure digest for workspace %s (%s) not sent: %s", workspace_id, sync_type, exc)
            return None
    # Recorded even with nobody to tell, so switching alerts on later doesn't mail old news.
    return FailureDigest.objects.create(workspace_id=workspace_id, sync_type=sync_type, sent_at=now,
                                        covered_until=now, failures=total, recipients=recipients)


def _send(workspace: Workspace, sync_type: str, records: list[SyncRecord], total: int, recipients: list[str]) -> None:
    base = settings.SCS_BASE_URL.rstrip("/")
    title = SYNC_TYPES[sync_type].title if sync_type in SYNC_TYPES else sync_type.title()
    lines = []
    for record in records:
        kind = error_kind(record.error_kind)
        lines.append(DigestLine(
            label=record.label or record.source_id,
            error=kind.title if kind else record.error_kind or "Failed",
            message=record.error_message,
            fix=record.error_fix,
            link=f"{base}{reverse('data:detail', args=[sync_type, record.pk])}",
            failed_at=timezone.localtime(record.updated_at, workspace.zone),
        ))
    noun = title.lower() if total != 1 else title.lower().rstrip("s")
    subject = f"SimpleCommerceSync: {total} {noun} failed to sync ({workspace.name})"
    body = render_to_string("alerts/failure_digest.txt", {
        "workspace": workspace, "title": title, "lines": lines, "total": total, "more": total - len(lines),
        "failed_list": f"{base}{reverse('data:list', args=[sync_type])}?status=failed",
        "account_url": f"{base}{reverse('accounts:account')}#notifications", "every": DIGEST_EVERY,
    })
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    with get_connection() as connection:
        connection.send_messages(messages)
