"""TaxCode and TaxRate (read/query), and sales tax computed from a jurisdiction code.

US companies use the pseudo codes TAX/NON on lines and a jurisdiction code on the transaction
(TxnTaxDetail.TxnTaxCodeRef): https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-us-locales
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import cents
from .base import EntityKind, invalid_reference

if TYPE_CHECKING:
    from .company import CompanyBackend

PSEUDO_CODES = ("TAX", "NON")


class TaxCodeKind(EntityKind):
    name = "TaxCode"
    creatable = False
    updatable = False
    queryable = frozenset({"Name", "Active", "Taxable", "TaxGroup"})


class TaxRateKind(EntityKind):
    name = "TaxRate"
    creatable = False
    updatable = False
    queryable = frozenset({"Name", "Active", "RateValue"})


def rate_ids(code_fields: dict[str, Any]) -> list[str]:
    details = (code_fields.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    return [str(detail["TaxRateRef"]["value"]) for detail in details]


def is_taxable_line_code(company: CompanyBackend, code_id: str) -> bool:
    """TAX and any real code carrying rates make a line taxable; NON does not."""
    if code_id == "NON":
        return False
    if code_id == "TAX":
        return True
    code = company.find("TaxCode", code_id)
    if code is None:
        raise invalid_reference("TaxCodeRef", code_id, "TaxCode")
    return bool(rate_ids(code.fields))


def tax_detail(
    company: CompanyBackend, txn_code_id: str | None, taxable_by_code: dict[str, Decimal]
) -> dict[str, Any]:
    """TxnTaxDetail: lines coded TAX use the transaction's jurisdiction code, lines coded with a
    jurisdiction code use that one; one TaxLine per rate, each rounded to cents."""
    net_by_rate: dict[str, Decimal] = {}
    used_codes: list[str] = []
    for code_key, net in taxable_by_code.items():
        code_id = txn_code_id if code_key == "TAX" else code_key
        if code_id is None or code_id in PSEUDO_CODES:
            continue  # TAX without a jurisdiction: nothing to charge
        code = company.find("TaxCode", code_id)
        if code is None:
            raise invalid_reference("TxnTaxCodeRef", code_id, "TaxCode")
        if code_id not in used_codes:
            used_codes.append(code_id)
        for rate_id in rate_ids(code.fields):
            net_by_rate[rate_id] = net_by_rate.get(rate_id, Decimal("0")) + net
    lines: list[dict[str, Any]] = []
    total = Decimal("0")
    for rate_id, net in net_by_rate.items():
        rate = company.find("TaxRate", rate_id)
        if rate is None:
            continue
        percent = Decimal(str(rate.fields["RateValue"]))
        amount = cents(net * percent / Decimal(100))
        total += amount
        lines.append(
            {
                "Amount": amount,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate.id},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": net,
                },
            }
        )
    detail: dict[str, Any] = {"TotalTax": total}
    shown_code = txn_code_id if txn_code_id not in (None, *PSEUDO_CODES) else None
    if shown_code is None and len(used_codes) == 1:
        shown_code = used_codes[0]
    if shown_code is not None:
        detail["TxnTaxCodeRef"] = {"value": shown_code}
    if lines:
        detail["TaxLine"] = lines
    return detail
