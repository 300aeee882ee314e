"""Money with Decimal: parse JSON numbers/strings, round like QuickBooks (half up, cents)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


class NotANumber(ValueError):
    pass


def to_decimal(value: Any) -> Decimal | None:
    """None for absent/empty (python-quickbooks sends "" for unset amounts), else a Decimal."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise NotANumber(str(value)) from exc
    if not result.is_finite():
        raise NotANumber(str(value))
    return result


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(value: Decimal) -> int | float:
    """QBO renders amounts as JSON numbers; the shortest float repr of a cent value is exact text."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
