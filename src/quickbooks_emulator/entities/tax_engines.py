"""Sales tax of one sales form (Invoice, Estimate, CreditMemo, RefundReceipt), per tax model.

US automated sales tax (AST): https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-us-locales
and Intuit's "Automated Sales Tax in the QuickBooks Online API" blog (2018-03-28): a line without
TaxCodeRef is TAX, taxed only if its item is taxable; the destination is the transaction's ShipAddr,
else the company address; TxnTaxDetail.TotalTax overrides the engine.
US manual sales tax: lines TAX/NON, the rate from TxnTaxDetail.TxnTaxCodeRef.
Non-US (VAT/GST): https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales
(a TaxCodeRef on every line; GlobalTaxCalculation TaxExcluded | TaxInclusive | NotApplicable).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..exceptions import BusinessValidationError
from ..money import cents, units
from .base import Record, bool_field, decimal_field, invalid_reference, ref_value
from .taxes import PSEUDO_CODES, rate_ids, tax_detail

if TYPE_CHECKING:
    from .company import CompanyBackend

ZERO = Decimal("0")
HUNDRED = Decimal("100")
GLOBAL_TAX_CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")
# Intuit's own wording for a non-US line without a tax code (fault 6000).
VAT_RATE_MISSING = "Business Validation Error: Make sure all your transactions have a VAT rate before you save."
# Where the hidden "TotalTax was overridden" mark lives in a stored record (never rendered).
TAX_OVERRIDE_KEY = "_TaxOverride"


@dataclass
class SalesLineTax:
    """One normalized SalesItemLineDetail line and what the engine needs to tax it."""

    line: dict[str, Any]
    code: str | None  # TaxCodeRef as sent (None: not sent)
    item: Record


@dataclass
class TaxOutcome:
    detail: dict[str, Any]
    subtotal: Decimal  # net of tax
    total: Decimal
    global_tax_calculation: str | None  # None: not applicable (US companies)
    overridden: bool = False


def compute(
    company: CompanyBackend,
    fields: dict[str, Any],
    customer: Record,
    lines: list[SalesLineTax],
    previous: dict[str, Any] | None,
) -> TaxOutcome:
    model = company.profile.tax_model
    if model == "vat":
        return _vat(company, fields, lines)
    if model == "us_automated":
        return _us_automated(company, fields, customer, lines, previous)
    return _us_manual(company, fields, customer, lines)


# -- US -------------------------------------------------------------------------------------------
def _us_line_code(company: CompanyBackend, taxed: SalesLineTax, automated: bool) -> str:
    default = "TAX" if bool_field(taxed.item.fields, "Taxable", False) else "NON"
    code = taxed.code or default
    if code in PSEUDO_CODES:
        return code
    if automated:
        raise BusinessValidationError(
            f"Business Validation Error: this company uses automated sales tax, so a line's "
            f"TaxCodeRef must be TAX or NON (got {code}).",
            element="Line.SalesItemLineDetail.TaxCodeRef",
        )
    tax_code = company.find("TaxCode", code)
    if tax_code is None:
        raise invalid_reference("TaxCodeRef", code, "TaxCode")
    return code


def _net_total(lines: list[SalesLineTax]) -> Decimal:
    return sum((taxed.line["Amount"] for taxed in lines), ZERO)


def _us_manual(
    company: CompanyBackend, fields: dict[str, Any], customer: Record, lines: list[SalesLineTax]
) -> TaxOutcome:
    taxable_by_code: dict[str, Decimal] = {}
    for taxed in lines:
        code = _us_line_code(company, taxed, automated=False)
        taxed.line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": code}
        if code == "NON" or (code != "TAX" and not rate_ids(company.get("TaxCode", code).fields)):
            continue
        taxable_by_code[code] = taxable_by_code.get(code, ZERO) + taxed.line["Amount"]
    code_id = ref_value(fields.get("TxnTaxDetail") or {}, "TxnTaxCodeRef")
    if code_id is None:
        code_id = ref_value(customer.fields, "DefaultTaxCodeRef")
    if not customer.fields.get("Taxable", True):
        taxable_by_code = {}  # a tax-exempt customer pays no sales tax
    detail = tax_detail(company, code_id, taxable_by_code)
    subtotal = _net_total(lines)
    return TaxOutcome(detail, subtotal, cents(subtotal + detail["TotalTax"]), None)


def destination_state(company: CompanyBackend, fields: dict[str, Any], customer: Record) -> str:
    """AST's destination: the transaction's ShipAddr, else the customer's shipping then billing
    address, else the company's own address (in-person sale)."""
    for address in (fields.get("ShipAddr"), customer.fields.get("ShipAddr"), customer.fields.get("BillAddr")):
        if isinstance(address, dict) and address.get("CountrySubDivisionCode"):
            return str(address["CountrySubDivisionCode"]).strip().upper()
    return company.profile.address.get("CountrySubDivisionCode", "")


def _us_automated(
    company: CompanyBackend,
    fields: dict[str, Any],
    customer: Record,
    lines: list[SalesLineTax],
    previous: dict[str, Any] | None,
) -> TaxOutcome:
    taxable = ZERO
    for taxed in lines:
        code = _us_line_code(company, taxed, automated=True)
        taxed.line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": code}
        if code == "TAX" and bool_field(taxed.item.fields, "Taxable", True):
            taxable += taxed.line["Amount"]
    if not customer.fields.get("Taxable", True):
        taxable = ZERO
    state = destination_state(company, fields, customer)
    percent = company.profile.sales_tax_by_state.get(state, ZERO)
    computed = cents(taxable * percent / HUNDRED)
    override = _total_tax_override(fields, previous)
    total_tax = computed if override is None else override
    detail: dict[str, Any] = {"TotalTax": total_tax}
    rate = company.ast_rate(state)
    if rate is not None and taxable:
        detail["TxnTaxCodeRef"] = {"value": rate[0]}
        detail["TaxLine"] = [
            {
                "Amount": total_tax,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate[1]},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": taxable,
                },
            }
        ]
    subtotal = _net_total(lines)
    return TaxOutcome(detail, subtotal, cents(subtotal + total_tax), None, overridden=override is not None)


def _total_tax_override(fields: dict[str, Any], previous: dict[str, Any] | None) -> Decimal | None:
    """TxnTaxDetail.TotalTax sent by the client replaces AST's figure; an update that sends no
    TotalTax keeps an earlier override."""
    sent = fields.get("TxnTaxDetail")
    if isinstance(sent, dict) and "TotalTax" in sent:
        value = decimal_field(sent, "TotalTax")
        if value is None:
            return None
        if value < 0:
            raise BusinessValidationError(
                "Business Validation Error: TxnTaxDetail.TotalTax can't be negative.",
                element="TxnTaxDetail.TotalTax",
            )
        return cents(value)
    if previous is not None and previous.get(TAX_OVERRIDE_KEY):
        return Decimal(str(previous["TxnTaxDetail"]["TotalTax"]))
    return None


# -- VAT ------------------------------------------------------------------------------------------
def _global_tax_calculation(fields: dict[str, Any]) -> str:
    value = str(fields.get("GlobalTaxCalculation") or "TaxExcluded")
    if value not in GLOBAL_TAX_CALCULATIONS:
        raise BusinessValidationError(
            f"Invalid Enumeration : {value} is not a GlobalTaxCalculation "
            f"({', '.join(GLOBAL_TAX_CALCULATIONS)})",
            element="GlobalTaxCalculation",
        )
    return value


def _sales_rates(company: CompanyBackend, code_id: str) -> list[tuple[Record, Decimal]]:
    code = company.find("TaxCode", code_id)
    if code is None or code_id in PSEUDO_CODES or not code.fields.get("Active", True):
        raise invalid_reference("TaxCodeRef", code_id, "TaxCode")
    if not (code.fields.get("SalesTaxRateList") or {}).get("TaxRateDetail"):
        raise BusinessValidationError(
            f"Business Validation Error: {code.fields['Name']} can't be used on sales.",
            element="Line.SalesItemLineDetail.TaxCodeRef",
        )
    rates = []
    for rate_id in rate_ids(code.fields):
        rate = company.get("TaxRate", rate_id)
        rates.append((rate, Decimal(str(rate.fields["RateValue"]))))
    return rates


def _vat(company: CompanyBackend, fields: dict[str, Any], lines: list[SalesLineTax]) -> TaxOutcome:
    mode = _global_tax_calculation(fields)
    net_by_rate: dict[str, Decimal] = {}
    tax_by_rate: dict[str, Decimal] = {}
    percent_of: dict[str, Decimal] = {}
    for taxed in lines:
        detail = taxed.line["SalesItemLineDetail"]
        if taxed.code is None:
            if mode == "NotApplicable":
                detail.pop("TaxCodeRef", None)
                continue
            raise BusinessValidationError(VAT_RATE_MISSING, element="Line.SalesItemLineDetail.TaxCodeRef")
        rates = _sales_rates(company, taxed.code)
        detail["TaxCodeRef"] = {"value": taxed.code}
        if mode == "NotApplicable":
            continue
        if mode == "TaxInclusive":
            gross = decimal_field(detail, "TaxInclusiveAmt") or taxed.line["Amount"]
            combined = sum((percent for _, percent in rates), ZERO)
            line_tax = ZERO
            for rate, percent in rates:
                share = cents(gross * percent / (HUNDRED + combined))
                tax_by_rate[rate.id] = tax_by_rate.get(rate.id, ZERO) + share
                line_tax += share
            net = cents(gross) - line_tax
            taxed.line["Amount"] = net
            qty = detail.get("Qty") or Decimal(1)
            detail["UnitPrice"] = units(net / qty) if qty else net
            detail["TaxInclusiveAmt"] = cents(gross)
        for rate, percent in rates:
            net_by_rate[rate.id] = net_by_rate.get(rate.id, ZERO) + taxed.line["Amount"]
            percent_of[rate.id] = percent
    if mode == "TaxExcluded":
        tax_by_rate = {rid: cents(net * percent_of[rid] / HUNDRED) for rid, net in net_by_rate.items()}
    tax_lines = [
        {
            "Amount": tax_by_rate[rate_id],
            "DetailType": "TaxLineDetail",
            "TaxLineDetail": {
                "TaxRateRef": {"value": rate_id},
                "PercentBased": True,
                "TaxPercent": percent_of[rate_id],
                "NetAmountTaxable": net,
            },
        }
        for rate_id, net in net_by_rate.items()
    ]
    total_tax = sum(tax_by_rate.values(), ZERO)
    tax_detail_body: dict[str, Any] = {"TotalTax": total_tax}
    if tax_lines:
        tax_detail_body["TaxLine"] = tax_lines
    subtotal = _net_total(lines)
    return TaxOutcome(tax_detail_body, subtotal, cents(subtotal + total_tax), mode)
