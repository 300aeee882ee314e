"""After each invoice sync, QuickBooks' total is compared with HubSpot's billed amount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from simplecommercesync.sync.types.invoices.to_quickbooks import InvoiceSync


def written(total: str, lines: int) -> dict[str, Any]:
    sales = [{"DetailType": "SalesItemLineDetail", "Amount": "1.00"}] * lines
    return {"TotalAmt": total, "CurrencyRef": {"value": "USD"}, "Line": [*sales, {"DetailType": "SubTotalLineDetail"}]}


def billed(amount: str) -> dict[str, Any]:
    return {"properties": {"hs_amount_billed": amount}}


def test_equal_totals_say_nothing() -> None:
    assert InvoiceSync._compare_totals(billed("107.25"), written("107.25", 1)) == (None, "")


def test_a_real_difference_is_flagged_with_the_fix() -> None:
    difference, note = InvoiceSync._compare_totals(billed("100.00"), written("100.07", 1))
    assert difference == Decimal("0.07")
    assert note.startswith("Totals differ by $0.07 — check the tax mapping")


def test_a_rounding_cent_is_explained_not_flagged() -> None:
    # Two taxed lines: HubSpot rounds each line's tax, QuickBooks the invoice's.
    difference, note = InvoiceSync._compare_totals(billed("437.97"), written("437.96", 2))
    assert difference is None
    assert note == ("QuickBooks' total is -$0.01 off HubSpot's: QuickBooks rounds tax on the invoice "
                    "total, HubSpot on each line. Nothing to fix.")


def test_more_than_rounding_can_explain_is_flagged() -> None:
    difference, _ = InvoiceSync._compare_totals(billed("10.00"), written("10.02", 2))
    assert difference == Decimal("0.02")
