"""Which currency a transaction may be in: home currency, or with multicurrency on, the
customer's currency (https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-multiple-currencies:
"the transaction currency must match the customer's currency")."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..exceptions import BusinessValidationError
from ..money import units
from .base import Record, decimal_field, ref_value

if TYPE_CHECKING:
    from .company import CompanyBackend

# Units of home currency per unit of foreign currency, used when the client sends no
# ExchangeRate (QuickBooks looks one up; the emulator keeps a fixed, deterministic table).
EXCHANGE_RATES: dict[tuple[str, str], Decimal] = {
    ("EUR", "USD"): Decimal("0.92"),
    ("EUR", "GBP"): Decimal("1.17"),
    ("EUR", "CHF"): Decimal("1.05"),
    ("USD", "EUR"): Decimal("1.09"),
    ("USD", "GBP"): Decimal("1.27"),
    ("USD", "CAD"): Decimal("0.73"),
}


def customer_currency(company: CompanyBackend, fields: dict[str, Any]) -> dict[str, str]:
    """CurrencyRef of a customer being saved: home currency unless multicurrency allows another."""
    profile = company.profile
    code = ref_value(fields, "CurrencyRef") or profile.home_currency
    _check_allowed(company, code, "CurrencyRef")
    return profile.currency_ref(code)


def transaction_currency(company: CompanyBackend, fields: dict[str, Any], customer: Record) -> str:
    """The currency of a transaction for this customer; stores CurrencyRef and ExchangeRate."""
    profile = company.profile
    customer_code = ref_value(customer.fields, "CurrencyRef") or profile.home_currency
    code = ref_value(fields, "CurrencyRef") or customer_code
    _check_allowed(company, code, "CurrencyRef")
    if code != customer_code:
        raise BusinessValidationError(
            f"Business Validation Error: The transaction currency ({code}) must be the "
            f"customer's currency ({customer_code}).",
            element="CurrencyRef",
        )
    fields["CurrencyRef"] = profile.currency_ref(code)
    if code == profile.home_currency:
        fields.pop("ExchangeRate", None)
        if profile.multicurrency:
            fields["ExchangeRate"] = Decimal(1)
        return code
    rate = decimal_field(fields, "ExchangeRate")
    if rate is None or units(rate) <= 0:
        rate = EXCHANGE_RATES.get((profile.home_currency, code), Decimal(1))
    rate = units(rate)
    fields["ExchangeRate"] = rate
    return code


def _check_allowed(company: CompanyBackend, code: str, element: str) -> None:
    profile = company.profile
    if code in profile.currencies:
        return
    if not profile.multicurrency:
        raise BusinessValidationError(
            f"Business Validation Error: Multicurrency is off in this company, so every "
            f"transaction must be in its home currency {profile.home_currency} (got {code}).",
            element=element,
        )
    raise BusinessValidationError(
        f"Business Validation Error: The currency {code} isn't in this company's currency list "
        f"({', '.join(profile.currencies)}).",
        element=element,
    )
