"""Reading HubSpot webhook requests: the v3 signature and the events' meaning for our sync types.

https://developers.hubspot.com/docs/api/webhooks/validating-requests: X-HubSpot-Signature-v3 is
base64(HMAC-SHA256(app client secret, method + URI + raw body + timestamp)); requests whose
X-HubSpot-Request-Timestamp is older than 5 minutes are rejected. Event shapes from
https://developers.hubspot.com/docs/api/webhooks: invoices arrive as `object.*` with objectTypeId
0-53 (there is no `invoice.*`), contacts as `contact.*`, line items as `line_item.*`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

MAX_AGE_MS = 5 * 60 * 1000
INVOICE_TYPE_ID = "0-53"
QUOTE_TYPE_ID = "0-14"
# Commerce payments: `object.*` with objectTypeId 0-101; a payment ↔ invoice association change
# comes as `object.associationChange` with from/toObjectTypeId and no objectId.
PAYMENT_TYPE_ID = "0-101"


def signature_valid(secret: str, method: str, uris: list[str], body: bytes, signature: str, timestamp: str,
                    now_ms: int | None = None) -> bool:
    if not secret or not signature or not timestamp.isdigit():
        return False
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if abs(now_ms - int(timestamp)) > MAX_AGE_MS:
        return False
    for uri in uris:
        message = method.encode() + uri.encode() + body + timestamp.encode()
        expected = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
        # Bytes: a header may carry any latin-1 character, and compare_digest refuses non-ASCII str.
        if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return True
    return False


@dataclass
class PortalChanges:
    """What one webhook request asks of one portal, as plain ids."""

    invoices: set[str] = field(default_factory=set)
    contacts: set[str] = field(default_factory=set)
    line_items: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)
    own_changes_skipped: int = 0


def sort_events(events: list[Any]) -> dict[str, PortalChanges]:
    by_portal: dict[str, PortalChanges] = {}
    for event in events:
        if isinstance(event, dict) and "portalId" in event and _payment_association(event):
            by_portal.setdefault(str(event["portalId"]), PortalChanges()).payments.add(_payment_association(event))
            continue
        if not isinstance(event, dict) or "portalId" not in event or "objectId" not in event:
            continue
        changes = by_portal.setdefault(str(event["portalId"]), PortalChanges())
        # Our own write-back comes back with sourceId = our app id: never a reason to sync again.
        if event.get("sourceId") is not None and str(event.get("sourceId")) == str(event.get("appId")):
            changes.own_changes_skipped += 1
            continue
        kind = str(event.get("subscriptionType") or "")
        object_id = str(event["objectId"])
        prefix, _, action = kind.partition(".")
        if prefix == "object" and str(event.get("objectTypeId")) == INVOICE_TYPE_ID:
            changes.invoices.add(object_id)
        elif prefix == "object" and str(event.get("objectTypeId")) == QUOTE_TYPE_ID:
            changes.quotes.add(object_id)
        elif prefix == "object" and str(event.get("objectTypeId")) == PAYMENT_TYPE_ID:
            changes.payments.add(object_id)
        elif prefix == "contact" and action != "deletion":
            changes.contacts.add(object_id)
        elif prefix == "line_item":
            changes.line_items.add(object_id)
        elif prefix == "product":
            changes.products.add(object_id)
    return by_portal


def _payment_association(event: dict[str, Any]) -> str:
    """The payment id of a payment ↔ invoice association change (either direction), else ""."""
    if str(event.get("subscriptionType") or "") != "object.associationChange":
        return ""
    types = (str(event.get("fromObjectTypeId")), str(event.get("toObjectTypeId")))
    if set(types) != {PAYMENT_TYPE_ID, INVOICE_TYPE_ID}:
        return ""
    side = "fromObjectId" if types[0] == PAYMENT_TYPE_ID else "toObjectId"
    return str(event.get(side) or "")
