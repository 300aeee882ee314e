"""Payment sync's stored state: Settings → Sync → Payments and the invoices each payment belongs to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from simplecommercesync.sync.engine.models import (
    SyncRecord,
)

# -- Payments (issue 11) -----------------------------------------------------------------------
# HubSpot `hs_latest_status` values a person can pick in the Payment Status Filter. Failed and
# canceled payments never sync; a partially refunded payment counts as Succeeded.
PAYMENT_STATUSES = ("processing", "succeeded", "refunded")


def default_payment_statuses() -> list[str]:
    return ["succeeded"]


class PaymentSyncSettings(models.Model):
    """Settings → Sync → Payments of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="payment_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # HubSpot payment statuses that sync (subset of PAYMENT_STATUSES).
    status_filter = models.JSONField(default=default_payment_statuses)
    # On: a payment syncs only once its invoice has, applied to it. Off: it may go unapplied.
    require_invoice = models.BooleanField(default=True)
    # A refund in HubSpot becomes a RefundReceipt in QuickBooks and reopens the invoice there.
    sync_refunds = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"payment sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class PaymentInvoice(models.Model):
    """A payment's HubSpot invoice: what Data → Payments shows it belongs to, and, while
    `waiting`, the invoice whose successful sync sends the payment again by itself."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    payment_record = models.ForeignKey(SyncRecord, on_delete=models.CASCADE, related_name="payment_invoices")
    hubspot_invoice_id = models.CharField(max_length=64)
    invoice_label = models.CharField(max_length=255, blank=True)
    # The QuickBooks invoice the payment is applied to ("" while not applied).
    quickbooks_invoice_id = models.CharField(max_length=64, blank=True)
    applied_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    waiting = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment_record", "hubspot_invoice_id"], name="one_row_per_payment_invoice")
        ]
        indexes = [models.Index(fields=["workspace", "hubspot_invoice_id"], name="payment_invoice_lookup")]

    def __str__(self) -> str:
        return f"payment record {self.payment_record_id} → invoice {self.hubspot_invoice_id}"
