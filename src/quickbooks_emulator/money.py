"""Money with Decimal: parse JSON numbers/strings strictly, round like QuickBooks, render exactly.

- Amounts (line Amount, TotalAmt, TotalTax, balances) are kept to the cent, rounded half up:
  QuickBooks Online stores line amounts, tax, subtotals and totals with two decimals.
- Qty and UnitPrice keep at most 7 decimals (QuickBooks Online's precision for them), rounded
  half up.
- Every number must fit Intuit's documented "Max 15 digits in 10.5 format" (Line.Amount): at
  most 10 integer digits, |value| < 10^10. Intuit documents the format, not a fault for
  breaking it; answering 2010 like an unreadable number is our strict choice (README).
- Text that Java's BigDecimal would not read (spaces, commas, "1_000", NaN, Infinity, booleans,
  objects) is an unreadable number: Intuit answers those 400 ValidationFault code 2010
  "Request has invalid or unsupported property" ("Can not construct instance of
  java.math.BigDecimal ...").
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
UNIT = Decimal("0.0000001")  # Qty and UnitPrice: 7 decimals
MAX_DIGITS = 10  # "Max 15 digits in 10.5 format": ten integer digits
MAX_NUMBER = Decimal(10) ** MAX_DIGITS
# What java.math.BigDecimal(String) reads: sign, digits, one point, an optional exponent.
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class NotANumber(ValueError):
    pass


class OutOfRange(ValueError):
    pass


def to_decimal(value: Any) -> Decimal | None:
    """None for absent/empty (python-quickbooks sends "" for unset amounts), else a Decimal.
    Raises NotANumber for what isn't a number and OutOfRange past ten integer digits."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise NotANumber(repr(value))
    if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value):
        raise NotANumber(repr(value))
    try:
        result = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation as exc:
        raise NotANumber(repr(value)) from exc
    if not result.is_finite():
        raise NotANumber(repr(value))
    # adjusted() is the power of ten of the first digit; unlike abs() it needs no context, so
    # "1e999999999" can't overflow it.
    if not result.is_zero() and result.adjusted() >= MAX_DIGITS:
        raise OutOfRange(str(value))
    if result.is_zero() or result.adjusted() < -20:
        return Decimal(0)  # also -0, and values far below any precision QuickBooks keeps
    return result


def _rounded(value: Decimal, step: Decimal) -> Decimal:
    result = value.quantize(step, rounding=ROUND_HALF_UP)
    return abs(result) if result.is_zero() else result  # never -0.00


def cents(value: Decimal) -> Decimal:
    return _rounded(value, CENT)


def units(value: Decimal) -> Decimal:
    """Qty and UnitPrice as the emulator keeps them: 7 decimals at most (QuickBooks), and at
    most 15 significant digits (our choice: what a JSON number carries exactly), half up."""
    result = _rounded(value, UNIT)
    if len(result.as_tuple().digits) > 15:
        result = _rounded(result, Decimal(1).scaleb(result.adjusted() - 14))
    result = result.normalize()
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        result = result.quantize(Decimal(1))  # 1E+2 back to 100
    return result


def in_range(value: Decimal) -> bool:
    return abs(value) < MAX_NUMBER


def json_number(value: Decimal) -> int | float:
    """QBO renders amounts as JSON numbers (100.0, 12.5). Stored values are computed in Decimal
    and kept to cents (amounts) or to 7 decimals and 15 significant digits (Qty, UnitPrice), and
    a decimal of at most 15 significant digits is exactly the shortest text of its float, so no
    binary artefact (0.30000000000000004) ever reaches the wire."""
    if value == value.to_integral_value():
        return int(value)
    if len(value.as_tuple().digits) > 15:
        value = _rounded(value, Decimal(1).scaleb(value.adjusted() - 14))
    return float(value)
