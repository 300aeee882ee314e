"""Invoice sync's stored state: Settings → Sync → Invoices, and HubSpot line-item changes waiting for the drain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from simplecommercesync.sync.engine.models import (
    SyncDirection,
)

INVOICE_STATUSES = ("draft", "open", "paid", "voided")


def default_invoice_statuses() -> list[str]:
    return ["open", "paid"]


class InvoiceSyncSettings(models.Model):
    """Settings → Sync → Invoices of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="invoice_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # Only HubSpot → QuickBooks is built; the other direction is shown disabled with that reason.
    direction = models.CharField(
        max_length=32, choices=SyncDirection.choices, default=SyncDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # HubSpot `hs_invoice_status` values that sync (subset of INVOICE_STATUSES).
    status_filter = models.JSONField(default=default_invoice_statuses)
    # Ignore invoices an integration created (including this product), so nothing loops.
    skip_integration_source = models.BooleanField(default=True)
    # Voiding in HubSpot voids the QuickBooks invoice.
    sync_void_status = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"invoice sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class LineItemChange(models.Model):
    """A HubSpot line item changed: its invoice must sync again. Stored by the webhook, resolved to
    invoices by the next invoices drain (one associations batch call per 1,000), and deleted in
    the transaction that queues those invoices, so a killed worker never loses the change."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    hubspot_portal_id = models.CharField(max_length=32)
    line_item_id = models.CharField(max_length=64)
    # Bumped by a repeated change; a row changed while it was being resolved is kept for the next pass.
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "line_item_id"], name="one_change_per_line_item"
            )
        ]

    def __str__(self) -> str:
        return f"line item {self.line_item_id}@{self.hubspot_portal_id}"
