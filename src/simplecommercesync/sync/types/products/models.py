"""Product sync's stored state: Settings → Sync → Products and the added field mappings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from simplecommercesync.sync.engine.models import (
    SyncDirection,
)


class ProductTransform(models.TextChoices):
    DIRECT = "direct", "Direct"
    UPPERCASE = "uppercase", "Uppercase"
    LOWERCASE = "lowercase", "Lowercase"
    CURRENCY = "currency", "Currency"


class ProductSyncSettings(models.Model):
    """Settings → Sync → Products of one workspace (added field mappings are `ProductFieldMapping`)."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="product_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # The source of truth: products are read on this side and written to the other.
    direction = models.CharField(
        max_length=32, choices=SyncDirection.choices, default=SyncDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # QuickBooks Account id new items get as IncomeAccountRef; blank: the company's product income
    # account, chosen when first needed (`products.default_income_account`).
    income_account_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"product sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class ProductFieldMapping(models.Model):
    """One added mapping (Manage Mappings): a HubSpot product property ↔ a QuickBooks item field.

    Values flow from the source of truth to the other side; the transform is applied on the way.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="product_mappings")
    hubspot_property = models.CharField(max_length=100)
    # A key of `products.QUICKBOOKS_ITEM_FIELDS` ("PurchaseDesc", "PurchaseCost", …).
    quickbooks_field = models.CharField(max_length=32)
    transform = models.CharField(max_length=16, choices=ProductTransform.choices, default=ProductTransform.DIRECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "quickbooks_field"], name="one_mapping_per_item_field"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hubspot_property} ↔ {self.quickbooks_field} ({self.transform})"
