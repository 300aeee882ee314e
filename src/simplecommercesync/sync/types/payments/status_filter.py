"""Which payments sync at all, decided before their invoice is read: Enable Payment Sync, the
Payment Status Filter, and the payments that are voided instead (deleted, failed or canceled in
HubSpot after they synced)."""

from __future__ import annotations

from typing import Any

from simplecommercesync.sync.engine.models import RecordLink
from simplecommercesync.sync.types.payments.links import VOIDED
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings

# Failed and canceled payments never sync (PRODUCT.md §4); one already synced is voided.
NEVER_SYNC = ("failed", "canceled")
# The Payment Status Filter choices that let each HubSpot `hs_latest_status` through.
FILTER_OF_STATUS = {
    "processing": ("processing",),
    "succeeded": ("succeeded",),
    "partially_refunded": ("succeeded", "refunded"),
    "refunded": ("refunded",),
}


def early_decision(settings: PaymentSyncSettings, payment: dict[str, Any] | None,
                   link: RecordLink | None) -> tuple[str, str] | None:
    """("void" | "skip", why) for a payment decided without reading its invoice, else None."""
    linked = link is not None and link.fingerprint != VOIDED
    if payment is None:
        if linked:
            return "void", "Deleted in HubSpot: the QuickBooks payment is voided, so its invoice is open again."
        return "skip", "Deleted in HubSpot; nothing to sync."
    status = str((payment.get("properties") or {}).get("hs_latest_status") or "").lower()
    if not settings.enabled:
        return "skip", "Payment sync is turned off (Settings → Sync → Payments)."
    if status in NEVER_SYNC:
        if linked:
            return "void", f"The payment is {status} in HubSpot: the QuickBooks payment is voided."
        return "skip", f"The payment is {status}; {status} payments never sync."
    if status not in FILTER_OF_STATUS:
        return "skip", (f"The payment is {status or 'without a status'} in HubSpot; the QuickBooks payment is "
                        "left as it is.")
    if link is None and not set(FILTER_OF_STATUS[status]) & set(settings.status_filter):
        return "skip", f"Status {status} is not in the Payment Status Filter."
    return None
