"""Quote sync's stored state: Settings → Sync → Quotes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class QuoteDirection(models.TextChoices):
    HUBSPOT_TO_QUICKBOOKS = "hubspot_to_quickbooks", "HubSpot to QuickBooks"
    QUICKBOOKS_TO_HUBSPOT = "quickbooks_to_hubspot", "QuickBooks to HubSpot"
    BIDIRECTIONAL = "bidirectional", "Bidirectional"


# HubSpot `hs_status` values a person can check in Sync Statuses (DECLINED is the customer's own
# answer on a published quote; it syncs like Rejected and is not offered separately).
QUOTE_STATUSES = ("DRAFT", "PENDING_APPROVAL", "REJECTED", "APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED")


def default_quote_statuses() -> list[str]:
    return ["APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED"]


class QuoteSyncSettings(models.Model):
    """Settings → Sync → Quotes of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="quote_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    direction = models.CharField(
        max_length=32, choices=QuoteDirection.choices, default=QuoteDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # HubSpot quote statuses (QUOTE_STATUSES) whose quotes sync, whichever side changed.
    status_filter = models.JSONField(default=default_quote_statuses)
    # A voided quote (archived in HubSpot) closes the estimate, and a closed estimate that was never
    # invoiced (or a deleted one) archives the quote.
    sync_void_status = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"quote sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"
