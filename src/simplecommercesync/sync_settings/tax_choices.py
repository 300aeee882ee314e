"""Which Unmapped Tax Behaviors and codes a QuickBooks company's tax model can use, and why not.

US companies run automated sales tax: a line is TAX or NON. Companies outside the US put a real
tax code (a VAT/GST rate) on every line and have no TAX/NON codes at all (developer.intuit.com,
"Manage sales tax for non-US locales"), so those two options are hidden for them, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simplecommercesync.sync.models import (
    HubSpotTaxRate,
    QuickBooksCompanyFacts,
    QuickBooksTaxCode,
    TaxModel,
    UnmappedTaxBehavior,
)
from simplecommercesync.sync_settings.accounts_in_use import AccountsInUse

NON_US_HIDDEN = (UnmappedTaxBehavior.TAXABLE, UnmappedTaxBehavior.NON_TAXABLE)


@dataclass
class TaxChoices:
    """Everything the Tax tab offers for the workspace's current portal + company."""

    accounts: AccountsInUse
    facts: QuickBooksCompanyFacts | None
    rates: list[HubSpotTaxRate] = field(default_factory=list)
    codes: list[QuickBooksTaxCode] = field(default_factory=list)

    @property
    def us(self) -> bool | None:
        if self.facts is None:
            return None
        return self.facts.tax_model == TaxModel.US_AUTOMATED

    @property
    def model_label(self) -> str:
        return str(TaxModel(self.facts.tax_model).label) if self.facts else ""

    @property
    def hidden_behaviors(self) -> tuple[str, ...]:
        return tuple(b.value for b in NON_US_HIDDEN) if self.us is False else ()

    @property
    def hidden_reason(self) -> str:
        if not self.hidden_behaviors:
            return ""
        company = self.accounts.company_name or "This QuickBooks company"
        return (
            f"Mark as Taxable (TAX) and Mark as Non-Taxable (NON) are hidden: {company} is a non-US "
            "QuickBooks company, which puts a tax code (such as a VAT rate) on every line and has no "
            "TAX or NON codes. Use a Default Tax Code or Strict Mode instead."
        )

    def behavior_choices(self) -> list[tuple[str, str]]:
        return [(b.value, str(b.label)) for b in UnmappedTaxBehavior if b.value not in self.hidden_behaviors]

    def code_choices(self) -> list[tuple[str, str]]:
        return [(c.code_id, code_label(c)) for c in self.codes if c.active]

    def rate_choices(self) -> list[tuple[str, str]]:
        return [(r.rate_id, rate_label(r)) for r in self.rates]

    @property
    def rates_by_id(self) -> dict[str, HubSpotTaxRate]:
        return {r.rate_id: r for r in self.rates}

    @property
    def codes_by_id(self) -> dict[str, QuickBooksTaxCode]:
        return {c.code_id: c for c in self.codes}


def rate_label(rate: HubSpotTaxRate) -> str:
    return f"{rate.name} ({rate.percentage.normalize():f} %)"


def code_label(code: QuickBooksTaxCode) -> str:
    return f"{code.name} — {code.description}" if code.description and code.description != code.name else code.name


def tax_choices(workspace_id: int, accounts: AccountsInUse) -> TaxChoices:
    facts = QuickBooksCompanyFacts.objects.filter(
        workspace_id=workspace_id, quickbooks_realm_id=accounts.realm_id
    ).first() if accounts.realm_id else None
    rates = list(
        HubSpotTaxRate.objects.filter(workspace_id=workspace_id, hubspot_portal_id=accounts.portal_id).order_by("name")
    ) if accounts.portal_id else []
    codes = list(
        QuickBooksTaxCode.objects.filter(workspace_id=workspace_id, quickbooks_realm_id=accounts.realm_id).order_by("name")
    ) if accounts.realm_id else []
    return TaxChoices(accounts, facts, rates, codes)
