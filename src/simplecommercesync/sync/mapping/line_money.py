"""A HubSpot line item's money as a QuickBooks sales line: quantity, rate and amount.

HubSpot keeps a line's quantity and price as written and bills
`quantity × (price − unit discount)` (or less `hs_discount_percentage`), rounded half up to the
cent. QuickBooks keeps `Qty` and `UnitPrice` to 7 decimals and refuses a line whose `Amount` is
not `Qty × UnitPrice` at the cent (fault 6070). So the line's amount is always HubSpot's, the
quantity is HubSpot's to 7 decimals, and the rate is HubSpot's net unit price to 7 decimals —
unless the rounded quantity no longer reaches HubSpot's amount, in which case the rate is the one
that does (a fraction of a cent off the HubSpot price, shown in QuickBooks as the line's rate).
Rounding the price to the cent first would lose HubSpot's sub-cent prices (3 × 0.005 bills 0.02).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any

from simplecommercesync.sync.engine import errors

CENT = Decimal("0.01")
SEVEN_DECIMALS = Decimal("0.0000001")
# Enough digits for any product of two numbers HubSpot accepts (below 10^15, any decimals).
_WIDE = Context(prec=80)


@dataclass(frozen=True)
class SalesLineMoney:
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal

    def detail(self) -> dict[str, str]:
        """The `Qty` and `UnitPrice` of a SalesItemLineDetail, as QuickBooks reads them."""
        return {"Qty": _text(self.quantity), "UnitPrice": _text(self.unit_price)}


def _text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number(value: Any, default: str) -> Decimal:
    try:
        found = Decimal(str(value if value not in (None, "") else default))
    except InvalidOperation:
        return Decimal(default)
    return found if found.is_finite() else Decimal(default)


def hubspot_line_amount(props: dict[str, Any]) -> Decimal:
    """What HubSpot bills for a line: quantity × price less the discount, half up to the cent."""
    with localcontext(_WIDE):
        quantity = _number(props.get("quantity"), "1")
        price = _number(props.get("price"), "0")
        gross = quantity * price
        if props.get("hs_discount_percentage") not in (None, ""):
            discount = gross * _number(props.get("hs_discount_percentage"), "0") / 100
        else:
            discount = quantity * _number(props.get("discount"), "0")
        return (gross - discount).quantize(CENT, rounding=ROUND_HALF_UP)


def sales_line_money(props: dict[str, Any], line_name: str) -> SalesLineMoney:
    """The QuickBooks Qty, UnitPrice and Amount that bill exactly what HubSpot bills for the line."""
    with localcontext(_WIDE):
        quantity = _number(props.get("quantity"), "1")
        price = _number(props.get("price"), "0")
        if props.get("hs_discount_percentage") not in (None, ""):
            net = price * (1 - _number(props.get("hs_discount_percentage"), "0") / 100)
        else:
            net = price - _number(props.get("discount"), "0")
        amount = hubspot_line_amount(props)
        qty = quantity.quantize(SEVEN_DECIMALS, rounding=ROUND_HALF_UP)
        if qty == 0:
            raise errors.SyncFailure(errors.VALIDATION_ERROR, (
                f"Line “{line_name}” has quantity {quantity}, smaller than the 0.0000001 QuickBooks can hold: "
                "correct it in HubSpot, then press Retry Sync."))
        rate = net.quantize(SEVEN_DECIMALS, rounding=ROUND_HALF_UP)
        if (qty * rate).quantize(CENT, rounding=ROUND_HALF_UP) != amount:
            rate = (amount / qty).quantize(SEVEN_DECIMALS, rounding=ROUND_HALF_UP)
        if (qty * rate).quantize(CENT, rounding=ROUND_HALF_UP) != amount:
            raise errors.SyncFailure(errors.VALIDATION_ERROR, (
                f"Line “{line_name}” bills {amount} for quantity {quantity}, which QuickBooks can't show "
                "with its 7-decimal quantity and rate: round the quantity in HubSpot, then press Retry Sync."))
        return SalesLineMoney(qty, rate, amount)
