"""Reading Intuit webhook requests: the `intuit-signature` check and both payload formats.

https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications:
`intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)); answer within 3 seconds;
events may be delivered more than once, so they are deduplicated by id. Two formats exist:
- CloudEvents (Intuit's blog "Upcoming change to webhooks payload structure", 2025-11-12): a JSON
  array of `{"id", "type": "qbo.<entity>.<verb>.v1", "time", "intuitaccountid", "intuitentityid"}`;
- classic: `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name", "id",
  "operation", "lastUpdated"}]}}]}`, which has no event id, so realm, entity, id, operation and
  lastUpdated together stand for one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

VERBS = {"created": "Create", "updated": "Update", "deleted": "Delete", "voided": "Void", "merged": "Merge",
         "emailed": "Emailed"}


def signature_valid(verifier: str, body: bytes, signature: str) -> bool:
    if not verifier or not signature:
        return False
    expected = base64.b64encode(hmac.new(verifier.encode(), body, hashlib.sha256).digest()).decode()
    # Bytes: a header may carry any latin-1 character, and compare_digest refuses non-ASCII str.
    return hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace"))


@dataclass(frozen=True)
class EntityChange:
    """One change of one QuickBooks entity, whichever format it came in."""

    event_id: str
    realm_id: str
    entity: str  # Intuit's entity name: Estimate, Invoice, Customer, Item…
    entity_id: str
    operation: str  # Create | Update | Delete | Void | Merge | Emailed


class PayloadError(ValueError):
    """The body is neither of Intuit's formats."""


def read_changes(payload: Any) -> list[EntityChange]:
    if isinstance(payload, list):
        return [change for event in payload if (change := _cloud_event(event)) is not None]
    if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        return _classic(payload["eventNotifications"])
    raise PayloadError("expected a JSON array of CloudEvents or an object with eventNotifications")


def _cloud_event(event: Any) -> EntityChange | None:
    if not isinstance(event, dict):
        return None
    kind = str(event.get("type") or "")
    parts = kind.split(".")
    realm, entity_id = event.get("intuitaccountid"), event.get("intuitentityid")
    if len(parts) < 3 or parts[0] != "qbo" or not realm or not entity_id:
        return None
    entity = _entity_name(parts[1])
    operation = VERBS.get(parts[2], parts[2].capitalize())
    event_id = str(event.get("id") or f"{realm}:{entity}:{entity_id}:{operation}:{event.get('time') or ''}")
    return EntityChange(event_id, str(realm), entity, str(entity_id), operation)


def _classic(notifications: list[Any]) -> list[EntityChange]:
    changes: list[EntityChange] = []
    for notification in notifications:
        if not isinstance(notification, dict) or not notification.get("realmId"):
            continue
        realm = str(notification["realmId"])
        entities = ((notification.get("dataChangeEvent") or {}).get("entities")) or []
        for entity in entities:
            if not isinstance(entity, dict) or not entity.get("name") or not entity.get("id"):
                continue
            name, entity_id = _entity_name(str(entity["name"])), str(entity["id"])
            operation = str(entity.get("operation") or "Update")
            event_id = f"{realm}:{name}:{entity_id}:{operation}:{entity.get('lastUpdated') or ''}"
            changes.append(EntityChange(event_id, realm, name, entity_id, operation))
    return changes


ENTITY_NAMES = {name.lower(): name for name in (
    "Estimate", "Invoice", "Customer", "Item", "Payment", "CreditMemo", "RefundReceipt", "SalesReceipt",
)}


def _entity_name(raw: str) -> str:
    return ENTITY_NAMES.get(raw.lower(), raw[:1].upper() + raw[1:])
