"""POST /webhooks/hubspot/: verify, upsert Pending records with plain ids, answer at once."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from simplecommercesync.providers.hubspot.webhooks import signature_valid
from simplecommercesync.sync.inbound.hubspot_events import sort_events
from simplecommercesync.sync.inbound.hubspot_triggers import queue_portal_changes
from simplecommercesync.sync.tasks import wake

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def hubspot_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    uris = [f"{settings.SCS_BASE_URL.rstrip('/')}{request.get_full_path()}", request.build_absolute_uri()]
    if not signature_valid(
        settings.SCS_HUBSPOT.client_secret, request.method or "POST", uris, body,
        request.headers.get("X-HubSpot-Signature-v3", ""), request.headers.get("X-HubSpot-Request-Timestamp", ""),
    ):
        logger.warning("HubSpot webhook rejected: bad signature or stale timestamp")
        return HttpResponse("Invalid signature or timestamp.", status=401, content_type="text/plain")
    try:
        events = json.loads(body or b"[]")
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return HttpResponse("The body must be a JSON array of events.", status=400, content_type="text/plain")
    if not isinstance(events, list):
        return HttpResponse("The body must be a JSON array of events.", status=400, content_type="text/plain")
    to_wake: set[tuple[int, str]] = set()
    for portal_id, changes in sort_events(events).items():
        to_wake.update(queue_portal_changes(portal_id, changes).wake)
    for workspace_id, sync_type in sorted(to_wake):
        wake(workspace_id, sync_type, "webhook")
    return HttpResponse(status=204)
