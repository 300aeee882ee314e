"""Tax mapping's stored state: the tax settings, HubSpot rate → QuickBooks code mappings, both sides'
rates and codes as last read, and the QuickBooks company facts that decide the tax model.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone


class UnmappedTaxBehavior(models.TextChoices):
    DEFAULT_CODE = "default_code", "Use Default Tax Code"
    TAXABLE = "taxable", "Mark as Taxable (TAX)"
    NON_TAXABLE = "non_taxable", "Mark as Non-Taxable (NON)"
    STRICT = "strict", "Fail the Sync (Strict Mode)"


class ReverseUnmappedTaxBehavior(models.TextChoices):
    NO_TAX = "no_tax", "Leave the Line Without a Tax Rate"
    STRICT = "strict", "Fail the Sync (Strict Mode)"


class TaxSettings(models.Model):
    """Settings → Sync → Tax of one workspace (the mappings themselves are `TaxMapping` rows)."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="tax_settings")
    mapping_enabled = models.BooleanField(default=True)
    unmapped_behavior = models.CharField(
        max_length=16, choices=UnmappedTaxBehavior.choices, default=UnmappedTaxBehavior.TAXABLE
    )
    # QuickBooks TaxCode id used by "Use Default Tax Code".
    default_tax_code_id = models.CharField(max_length=32, blank=True)
    # QuickBooks → HubSpot (estimates, invoices): a tax code no active mapping names.
    reverse_unmapped_behavior = models.CharField(
        max_length=16, choices=ReverseUnmappedTaxBehavior.choices, default=ReverseUnmappedTaxBehavior.NO_TAX
    )
    # When Refresh Cache last loaded both sides' rates and codes.
    cache_refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"tax settings of {self.workspace_id}"


class TaxMapping(models.Model):
    """HubSpot tax rate → QuickBooks tax code, for one portal + company pair."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="tax_mappings")
    hubspot_portal_id = models.CharField(max_length=32)
    quickbooks_realm_id = models.CharField(max_length=32)
    hubspot_tax_rate_id = models.CharField(max_length=64)
    quickbooks_tax_code_id = models.CharField(max_length=32)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "quickbooks_realm_id", "hubspot_tax_rate_id"],
                name="one_mapping_per_tax_rate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hubspot_tax_rate_id} → {self.quickbooks_tax_code_id}"


class HubSpotTaxRate(models.Model):
    """Cached HubSpot tax rate (Refresh Cache), for pickers and the Current Mappings table."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    hubspot_portal_id = models.CharField(max_length=32)
    rate_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    label = models.CharField(max_length=255, blank=True)
    percentage = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "rate_id"], name="one_cached_hubspot_tax_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percentage} %)"


class QuickBooksTaxCode(models.Model):
    """Cached QuickBooks tax code (Refresh Cache). US companies also get the TAX/NON pseudo-codes."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    quickbooks_realm_id = models.CharField(max_length=32)
    code_id = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    # Sum of the sales rates of the code, when QuickBooks tells (informational).
    percentage = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "quickbooks_realm_id", "code_id"], name="one_cached_quickbooks_tax_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaxModel(models.TextChoices):
    US_AUTOMATED = "us_automated", "US automated sales tax (TAX/NON per line)"
    PER_LINE_CODE = "per_line_code", "A tax code on every line"


class QuickBooksCompanyFacts(models.Model):
    """What a company's Preferences and CompanyInfo say that changes how invoices are written."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    quickbooks_realm_id = models.CharField(max_length=32)
    country = models.CharField(max_length=8, blank=True)
    home_currency = models.CharField(max_length=8, blank=True)
    tax_model = models.CharField(max_length=16, choices=TaxModel.choices, default=TaxModel.US_AUTOMATED)
    multicurrency = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "quickbooks_realm_id"], name="one_facts_per_company")
        ]

    def __str__(self) -> str:
        return f"{self.quickbooks_realm_id}: {self.tax_model}"
