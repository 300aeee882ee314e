"""Intuit webhooks: entity changes POSTed as CloudEvents batches, signed with `intuit-signature`.

https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
(CloudEvents payload format; signature = base64(HMAC-SHA256(verifier token, body))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from typing import Any

from emulator_core.webhooks import WebhookDispatcher

from .entities.company import ChangeEvent

VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}


def signature(verifier: str, body: bytes) -> str:
    digest = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def cloud_event(event: ChangeEvent) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "intuit.quickbooks-emulator",
        "type": f"qbo.{event.entity.lower()}.{VERBS[event.operation]}.v1",
        "datacontenttype": "application/json",
        "time": event.at.isoformat().replace("+00:00", "Z"),
        "intuitentityid": event.entity_id,
        "intuitaccountid": event.realm_id,
        "data": {},
    }


class WebhookPublisher:
    """Collects change events during a request and sends them as one batch after it."""

    def __init__(self, url: str, verifier: str) -> None:
        self.verifier = verifier
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
            self.dispatcher.send([cloud_event(event) for event in events])
            self.batches_sent += 1

    def stats(self) -> dict[str, Any]:
        return {
            "url": self.dispatcher.url,
            "batches_sent": self.batches_sent,
            "delivered": self.dispatcher.delivered,
            "failed": self.dispatcher.failed,
        }

    def close(self) -> None:
        self.flush()
        self.dispatcher.close()
