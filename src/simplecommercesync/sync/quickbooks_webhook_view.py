"""POST /webhooks/quickbooks/: verify `intuit-signature`, drop redeliveries, queue plain ids, answer.

Intuit wants an answer within 3 seconds (its webhooks docs), so nothing here calls QuickBooks:
records are upserted to Pending and the drains are woken.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from simplecommercesync.providers.quickbooks.webhooks import PayloadError, read_changes, signature_valid
from simplecommercesync.sync.inbound.models import QuickBooksWebhookEvent
from simplecommercesync.sync.inbound.quickbooks_triggers import FOLLOWED, queue_quickbooks_changes
from simplecommercesync.sync.tasks import wake

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def quickbooks_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    if not signature_valid(settings.SCS_QBO_WEBHOOK_VERIFIER_TOKEN, body, request.headers.get("intuit-signature", "")):
        logger.warning("QuickBooks webhook rejected: bad or missing intuit-signature")
        return HttpResponse("Invalid intuit-signature: check SCS_QBO_WEBHOOK_VERIFIER_TOKEN.", status=401,
                            content_type="text/plain")
    try:
        changes = read_changes(json.loads(body or b"null"))
    except (ValueError, RecursionError, PayloadError):  # RecursionError: JSON nested thousands deep
        return HttpResponse("The body must be Intuit webhook JSON (CloudEvents or eventNotifications).",
                            status=400, content_type="text/plain")
    by_realm: dict[str, dict[str, set[str]]] = {}
    duplicates = 0
    to_wake: set[tuple[int, str]] = set()
    # One transaction: an event is marked taken only together with the records it queued.
    with transaction.atomic():
        for change in changes:
            if change.entity not in FOLLOWED:
                continue
            if not _first_delivery(change.event_id, change.realm_id):
                duplicates += 1
                continue
            by_realm.setdefault(change.realm_id, {}).setdefault(change.entity, set()).add(change.entity_id)
        for realm_id, changed in by_realm.items():
            to_wake |= queue_quickbooks_changes(realm_id, changed, "webhook")
    for workspace_id, sync_type in sorted(to_wake):
        wake(workspace_id, sync_type, "webhook")
    if duplicates:
        logger.info("QuickBooks webhook: %d redelivered events skipped", duplicates)
    return HttpResponse(status=200)


def _first_delivery(event_id: str, realm_id: str) -> bool:
    try:
        with transaction.atomic():
            QuickBooksWebhookEvent.objects.create(event_id=event_id[:200], realm_id=realm_id)
    except IntegrityError:
        return False
    return True
