"""Intuit webhooks: entity changes POSTed in either of Intuit's payload formats, signed with
`intuit-signature` = base64(HMAC-SHA256(verifier token, body)).

https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications
- "cloudevents": a JSON array of CloudEvents 1.0 (`qbo.<entity>.<verb>.v1`, `intuitaccountid`,
  `intuitentityid`), the format Intuit moves every app to (blog "Upcoming change to webhooks
  payload structure", 2025-11-12);
- "eventNotifications": the classic `{"eventNotifications": [{"realmId", "dataChangeEvent":
  {"entities": [{"name", "id", "operation", "lastUpdated"}]}}]}`, one realm per POST as Intuit
  sends it ("it only uses one at this time").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any, Literal

from emulator_core.webhooks import WebhookDispatcher

from .entities.company import ChangeEvent

WebhookFormat = Literal["cloudevents", "eventNotifications"]
WEBHOOK_FORMATS: tuple[WebhookFormat, ...] = ("cloudevents", "eventNotifications")
VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}


def signature(verifier: str, body: bytes) -> str:
    digest = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _utc_text(event: ChangeEvent) -> str:
    return event.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cloud_event(event: ChangeEvent) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "intuit.quickbooks-emulator",
        "type": f"qbo.{event.entity.lower()}.{VERBS[event.operation]}.v1",
        "datacontenttype": "application/json",
        "time": _utc_text(event),
        "intuitentityid": event.entity_id,
        "intuitaccountid": event.realm_id,
        "data": {},
    }


def cloud_events_payloads(events: list[ChangeEvent]) -> list[Any]:
    return [[cloud_event(event) for event in events]]


def event_notifications_payloads(events: list[ChangeEvent]) -> list[Any]:
    """One POST per realm, entities in the order they changed."""
    by_realm: dict[str, list[dict[str, str]]] = {}
    for event in events:
        by_realm.setdefault(event.realm_id, []).append(
            {"name": event.entity, "id": event.entity_id, "operation": event.operation, "lastUpdated": _utc_text(event)}
        )
    return [
        {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}
        for realm_id, entities in by_realm.items()
    ]


PAYLOADS: dict[str, Callable[[list[ChangeEvent]], list[Any]]] = {
    "cloudevents": cloud_events_payloads,
    "eventNotifications": event_notifications_payloads,
}


class WebhookPublisher:
    """Collects change events during a request and sends them as one batch after it."""

    def __init__(self, url: str, verifier: str, payload_format: WebhookFormat = "cloudevents") -> None:
        if payload_format not in WEBHOOK_FORMATS:
            raise ValueError(f"webhook format must be one of {', '.join(WEBHOOK_FORMATS)}")
        self.verifier = verifier
        self.payload_format: WebhookFormat = payload_format
        self.dispatcher = WebhookDispatcher(url, self._sign)
        self._pending: list[ChangeEvent] = []
        self._lock = threading.Lock()
        self.batches_sent = 0

    def _sign(self, body: bytes) -> dict[str, str]:
        return {"intuit-signature": signature(self.verifier, body)}

    def collect(self, event: ChangeEvent) -> None:
        with self._lock:
            self._pending.append(event)

    def flush(self) -> None:
        with self._lock:
            events, self._pending = self._pending, []
        if events:
            for payload in PAYLOADS[self.payload_format](events):
                self.dispatcher.send(payload)
                self.batches_sent += 1

    def stats(self) -> dict[str, Any]:
        return {
            "url": self.dispatcher.url,
            "format": self.payload_format,
            "batches_sent": self.batches_sent,
            "delivered": self.dispatcher.delivered,
            "failed": self.dispatcher.failed,
        }

    def close(self) -> None:
        self.flush()
        self.dispatcher.close()
