"""How a HubSpot payment is linked to what it became in QuickBooks: a payment and, once refunded,
a refund receipt; a link whose fingerprint is `VOIDED` points at a voided one."""

from __future__ import annotations

from typing import Any

# RecordLink kinds (plain values: LinkKind's choices belong to the shared 0004 migration).
PAYMENT_LINK, REFUND_LINK = "payment", "refund"
VOIDED = "voided"


def label_of(entity: dict[str, Any]) -> str:
    return str(entity.get("DocNumber") or entity.get("PaymentRefNum") or entity.get("Id") or "")
