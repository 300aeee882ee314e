"""HubSpot v3 webhooks: record changes → signed JSON batches POSTed to the subscriber URL.

https://developers.hubspot.com/docs/api/webhooks (event fields, ≤ 100 events per request) and
https://developers.hubspot.com/docs/api/webhooks/validating-requests (signature v3:
base64(HMAC-SHA256(client secret, method + URI + body + timestamp))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from typing import Any

from emulator_core.webhooks import WebhookDispatcher

from .catalog import OBJECT_TYPES
from .clock import epoch_ms
from .events import ChangeEvent
from .oauth_models import App, OAuthServer
from .objects import AssociationType, association_event_name
from .webhook_subscriptions import Subscription, SubscriptionBook

MAX_EVENTS_PER_REQUEST = 100


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.encode() + uri.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(secret: str, url: str, body: bytes, now_ms: int | None = None) -> dict[str, str]:
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    return {
        "X-HubSpot-Signature-v3": signature_v3(secret, "POST", url, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
        # v1 (sha256 hex of secret + body) is still sent next to v3.
        "X-HubSpot-Signature": hashlib.sha256(secret.encode() + body).hexdigest(),
        "X-HubSpot-Signature-Version": "v1",
    }


def event_json(event: ChangeEvent, app: App, subscription: Subscription,
               event_id: int) -> dict[str, Any]:
    """One event as HubSpot sends it (webhooks guide, "Webhook payloads")."""
    kind = OBJECT_TYPES[event.object_type]
    body: dict[str, Any] = {
        "eventId": event_id,
        "subscriptionId": subscription.id,
        "portalId": event.portal_id,
        "appId": app.app_id,
        "occurredAt": epoch_ms(event.occurred_at),
        "subscriptionType": subscription.event_type,
        "attemptNumber": 0,
        "changeSource": event.source.kind,
    }
    if subscription.family == "object":
        body["objectTypeId"] = kind.type_id
    if event.source.source_id is not None:
        body["sourceId"] = event.source.source_id
    association = event.association
    if association is not None:
        # Association change payload: associationType, fromObjectId, toObjectId,
        # associationRemoved, isPrimaryAssociation (HubSpot changelog "New subscription types
        # for webhooks"); generic object.* events add the two objectTypeIds.
        linked = AssociationType(association.from_type, association.to_type,
                                 association.type_id)
        body.update({
            "associationType": association_event_name(linked),
            "fromObjectId": int(association.from_id),
            "toObjectId": int(association.to_id),
            "associationRemoved": association.removed,
            "isPrimaryAssociation": False,
        })
        if subscription.family == "object":
            body.pop("objectTypeId")
            body["fromObjectTypeId"] = OBJECT_TYPES[association.from_type].type_id
            body["toObjectTypeId"] = OBJECT_TYPES[association.to_type].type_id
        return body
    body["objectId"] = int(event.object_id)
    if event.kind == "propertyChange":
        body["propertyName"] = event.property_name
        body["propertyValue"] = event.property_value
    elif event.kind == "creation":
        body["changeFlag"] = "NEW"
    elif event.kind == "deletion":
        body["changeFlag"] = "DELETED"
    return body


class WebhookNotifier:
    """Collects change events while a request runs and sends them per installed app on flush."""

    def __init__(self, url: str, oauth: OAuthServer, subscriptions: SubscriptionBook,
                 dispatcher_factory: Callable[[str, App], WebhookDispatcher] | None = None) -> None:
        self.url = url
        self.oauth = oauth
        self.subscriptions = subscriptions
        self._pending: list[ChangeEvent] = []
        self._dispatchers: dict[str, WebhookDispatcher] = {}
        self._ids = itertools.count(1)
        self._factory = dispatcher_factory or self._default_dispatcher

    def _default_dispatcher(self, url: str, app: App) -> WebhookDispatcher:
        return WebhookDispatcher(url, lambda body: signed_headers(app.client_secret, url, body))

    def record(self, event: ChangeEvent) -> None:
        self._pending.append(event)

    def discard(self) -> None:
        """Drops collected events: seeding creates records too, not changes anyone awaits."""
        self._pending.clear()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        batches: dict[str, list[dict[str, Any]]] = {}
        for event in pending:
            for install in self.oauth.installs_of(event.portal_id):
                app = self.oauth.app(install.client_id)
                if app is None:
                    continue
                for subscription in self.subscriptions.matching(app.app_id, event):
                    batches.setdefault(app.client_id, []).append(
                        event_json(event, app, subscription, next(self._ids)))
        for client_id, events in batches.items():
            app = self.oauth.apps[client_id]
            dispatcher = self._dispatchers.get(client_id)
            if dispatcher is None:
                dispatcher = self._dispatchers[client_id] = self._factory(self.url, app)
            for start in range(0, len(events), MAX_EVENTS_PER_REQUEST):
                dispatcher.send(events[start:start + MAX_EVENTS_PER_REQUEST])

    def stats(self) -> dict[str, int]:
        return {
            "delivered": sum(d.delivered for d in self._dispatchers.values()),
            "failed": sum(d.failed for d in self._dispatchers.values()),
            "pending": sum(d.pending for d in self._dispatchers.values()),
        }

    def close(self) -> None:
        for dispatcher in self._dispatchers.values():
            dispatcher.close()
        self._dispatchers.clear()
