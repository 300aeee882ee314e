"""Tax: a HubSpot tax rate on a line → a QuickBooks tax code, under either QuickBooks tax model.

US companies use automated sales tax: a line is `TAX` or `NON`, and the jurisdiction code goes on
the transaction (`TxnTaxDetail.TxnTaxCodeRef`); other countries put a real tax code on every line
(developer.intuit.com, "Manage sales tax for US locales" / "… for non-US locales"). The company's
`CompanyInfo.Country` tells which. Unmapped rates follow the Unmapped Tax Behavior setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.tax_models import (
    HubSpotTaxRate,
    QuickBooksCompanyFacts,
    QuickBooksTaxCode,
    TaxMapping,
    TaxModel,
    TaxSettings,
    UnmappedTaxBehavior,
)

FACTS_FRESH_FOR = timedelta(hours=6)
TAXABLE, NON_TAXABLE = "TAX", "NON"


def company_facts(context: SyncContext) -> QuickBooksCompanyFacts:
    cached: QuickBooksCompanyFacts | None = context.cache.get("company_facts")
    if cached is not None:
        return cached
    facts = QuickBooksCompanyFacts.objects.filter(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id
    ).first()
    if facts is None or timezone.now() - facts.refreshed_at > FACTS_FRESH_FOR:
        facts = read_company_facts(context)
    context.cache["company_facts"] = facts
    return facts


def read_company_facts(context: SyncContext) -> QuickBooksCompanyFacts:
    context.checkpoint()
    info = context.quickbooks.company_info()
    context.checkpoint()
    preferences = context.quickbooks.preferences()
    country = str(info.get("Country") or "US").upper()
    currency_prefs = preferences.get("CurrencyPrefs") or {}
    home = (currency_prefs.get("HomeCurrency") or {}).get("value") or ""
    facts, _ = QuickBooksCompanyFacts.objects.update_or_create(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id,
        defaults={
            "country": country,
            "home_currency": str(home),
            "tax_model": TaxModel.US_AUTOMATED if country in ("US", "USA") else TaxModel.PER_LINE_CODE,
            "multicurrency": bool(currency_prefs.get("MultiCurrencyEnabled")),
            "refreshed_at": timezone.now(),
        },
    )
    return facts


def tax_settings(workspace_id: int) -> TaxSettings:
    settings, _ = TaxSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


@dataclass
class LineTax:
    code: str  # the line's TaxCodeRef value
    jurisdiction: str | None = None  # US: the mapped code for TxnTaxCodeRef


class TaxPlan:
    """How this drain codes lines; built once per drain from settings, mappings and caches."""

    def __init__(self, context: SyncContext) -> None:
        self.facts = company_facts(context)
        self.settings = tax_settings(context.workspace_id)
        self.mappings = {
            m.hubspot_tax_rate_id: m.quickbooks_tax_code_id
            for m in TaxMapping.objects.filter(
                workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id,
                quickbooks_realm_id=context.realm_id, active=True,
            )
        }
        self.rate_names = {
            r.rate_id: f"{r.name} ({r.percentage.normalize()} %)"
            for r in HubSpotTaxRate.objects.filter(workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id)
        }
        self.codes = {
            c.code_id: c for c in QuickBooksTaxCode.objects.filter(
                workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id)
        }

    @property
    def us(self) -> bool:
        return self.facts.tax_model == TaxModel.US_AUTOMATED

    def transaction_fields(self, jurisdiction: str | None) -> dict[str, Any]:
        """What a sales form (invoice, estimate) carries for tax besides its lines: US, the
        jurisdiction's code on the transaction; elsewhere, amounts that exclude the lines' tax."""
        if not self.us:
            return {"GlobalTaxCalculation": "TaxExcluded"}
        return {"TxnTaxDetail": {"TxnTaxCodeRef": {"value": jurisdiction}}} if jurisdiction else {}

    def for_line(self, rate_id: str | None) -> LineTax:
        """The line's tax code, or SyncFailure (Unmapped tax rate) under Strict Mode."""
        rate_id = (rate_id or "").strip() or None
        if rate_id is not None and self.settings.mapping_enabled and rate_id in self.mappings:
            return self._mapped(self.mappings[rate_id])
        if rate_id is None:
            if self.us:
                return LineTax(NON_TAXABLE)
            return self._unmapped(None)
        if not self.settings.mapping_enabled:
            return LineTax(TAXABLE) if self.us else self._unmapped(rate_id)
        return self._unmapped(rate_id)

    def _mapped(self, code_id: str) -> LineTax:
        if not self.us:
            return LineTax(code_id)
        if code_id in (TAXABLE, NON_TAXABLE):
            return LineTax(code_id)
        code = self.codes.get(code_id)
        taxable = code is None or code.percentage is None or code.percentage > 0
        return LineTax(TAXABLE, code_id) if taxable else LineTax(NON_TAXABLE)

    def _unmapped(self, rate_id: str | None) -> LineTax:
        behavior = self.settings.unmapped_behavior
        default = self.settings.default_tax_code_id
        if behavior == UnmappedTaxBehavior.DEFAULT_CODE and default:
            return self._mapped(default)
        if self.us and behavior == UnmappedTaxBehavior.TAXABLE:
            return LineTax(TAXABLE)
        if self.us and behavior == UnmappedTaxBehavior.NON_TAXABLE:
            return LineTax(NON_TAXABLE)
        if not self.us and default and behavior != UnmappedTaxBehavior.STRICT:
            return LineTax(default)
        name = self.rate_names.get(rate_id or "", f"tax rate {rate_id}") if rate_id else "no tax rate"
        reason = "Strict Mode" if behavior == UnmappedTaxBehavior.STRICT else (
            "this company needs a tax code on every line and no default tax code is chosen")
        raise errors.SyncFailure(
            mapping_errors.UNMAPPED_TAX_RATE,
            f"Unmapped tax rate: {name} has no QuickBooks tax code ({reason}).")


def refresh_tax_cache(context: SyncContext) -> tuple[int, int]:
    """Refresh Cache: both sides' rates and codes (and the company's tax model); returns counts."""
    context.checkpoint()
    rates = context.hubspot.tax_rates()
    context.checkpoint()
    codes = list(context.quickbooks.query("TaxCode", "Active IN (true, false)"))
    read_company_facts(context)
    with transaction.atomic():
        HubSpotTaxRate.objects.filter(workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id).delete()
        HubSpotTaxRate.objects.bulk_create([
            HubSpotTaxRate(
                workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id, rate_id=str(r["id"]),
                name=str(r.get("name") or r.get("label") or r["id"])[:255], label=str(r.get("label") or "")[:255],
                percentage=Decimal(str(r.get("percentageRate") or r.get("percentage") or "0")),
                active=bool(r.get("active", True)),
            )
            for r in rates
        ])
        QuickBooksTaxCode.objects.filter(workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id).delete()
        QuickBooksTaxCode.objects.bulk_create([
            QuickBooksTaxCode(
                workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id, code_id=str(c["Id"]),
                name=str(c.get("Name") or c["Id"])[:255], description=str(c.get("Description") or "")[:255],
                active=bool(c.get("Active", True)), percentage=_code_percentage(c),
            )
            for c in codes
        ])
        settings = tax_settings(context.workspace_id)
        settings.cache_refreshed_at = timezone.now()
        settings.save(update_fields=["cache_refreshed_at"])
    return len(rates), len(codes)


def _code_percentage(code: dict[str, Any]) -> Decimal | None:
    """A code without sales rates charges nothing (0); the rate values themselves live on TaxRate."""
    details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    if str(code.get("Id")) in (TAXABLE, NON_TAXABLE):
        return None if code.get("Id") == TAXABLE else Decimal("0")
    return None if details else Decimal("0")
