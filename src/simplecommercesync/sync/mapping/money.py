"""Amounts, quantities and dates as QuickBooks takes them: cents, exact quantities, YYYY-MM-DD."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from simplecommercesync.sync.engine import errors

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0")).quantize(CENT)
    except InvalidOperation:
        return Decimal("0.00")


def check_line_number(value: Any, what: str, line_name: str) -> None:
    """A line's quantity, price or discount that isn't a finite amount (NaN, Infinity, text, or too
    large to hold cents) fails the invoice; read as 0.00 it would write a wrong invoice."""
    if value in (None, ""):
        return
    try:
        finite = Decimal(str(value)).quantize(CENT).is_finite()
    except InvalidOperation:
        finite = False
    if not finite:
        raise errors.SyncFailure(errors.VALIDATION_ERROR, (
            f"Line “{line_name}” has {what} {str(value)[:40]!r}, which is not an amount QuickBooks can take: "
            "correct it in HubSpot, then press Retry Sync."))


def quantity(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0")).normalize()
    except InvalidOperation:
        return Decimal("0")


def qbo_date(value: Any) -> str | None:
    """HubSpot datetimes come as ISO 8601 or epoch milliseconds; QuickBooks wants YYYY-MM-DD."""
    if not value:
        return None
    text = str(value)
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC).date().isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None
