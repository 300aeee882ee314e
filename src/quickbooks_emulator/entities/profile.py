"""What kind of company a realm is: country, currencies and sales-tax model.

QuickBooks behaves differently by region and settings, and tells a client which through
`CompanyInfo.Country` and `Preferences` (TaxPrefs, CurrencyPrefs):
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-us-locales
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-multiple-currencies
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

# us_automated: US automated sales tax (AST, companies created after 2017-11-10): lines TAX/NON,
#   tax from the destination address. us_manual: older US companies: lines TAX/NON, the rate from
#   the transaction's TxnTaxCodeRef. vat: non-US: a real TaxCodeRef on every line.
TaxModelName = Literal["us_automated", "us_manual", "vat"]

CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
    "CHF": "Swiss Franc",
    "CAD": "Canadian Dollar",
}


@dataclass(frozen=True)
class CompanyProfile:
    country: str = "US"
    home_currency: str = "USD"
    tax_model: TaxModelName = "us_manual"
    multicurrency: bool = False
    # Foreign currencies a multicurrency company has added (its home currency is always allowed).
    foreign_currencies: tuple[str, ...] = ()
    address: dict[str, str] = field(
        default_factory=lambda: {
            "Line1": "500 Battery St",
            "City": "San Francisco",
            "CountrySubDivisionCode": "CA",
            "PostalCode": "94111",
            "Country": "US",
        }
    )
    # Automated sales tax: state code -> percent (a deterministic stand-in for Intuit's engine).
    sales_tax_by_state: dict[str, Decimal] = field(default_factory=dict)

    @property
    def currencies(self) -> tuple[str, ...]:
        if not self.multicurrency:
            return (self.home_currency,)
        return (self.home_currency, *self.foreign_currencies)

    @property
    def is_us(self) -> bool:
        return self.tax_model in ("us_automated", "us_manual")

    def currency_ref(self, code: str | None = None) -> dict[str, str]:
        value = code or self.home_currency
        return {"value": value, "name": CURRENCY_NAMES.get(value, value)}
