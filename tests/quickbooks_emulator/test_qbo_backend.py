"""The company backend without HTTP: money arithmetic as a property, CDC rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quickbooks_emulator.config import EmulatorConfig
from quickbooks_emulator.entities.company import CompanyBackend
from quickbooks_emulator.exceptions import CdcWindowError
from quickbooks_emulator.models import World
from quickbooks_emulator.seed import MAIN_REALM, TEST_REALM

CENT = Decimal("0.01")


def demo_company(realm: str = MAIN_REALM) -> CompanyBackend:
    world = World(EmulatorConfig())
    world.seed("demo")
    return world.company(realm)


# The test company keeps QuickBooks' older manual US sales tax: the rate comes from TxnTaxCodeRef.
COMPANY = demo_company(TEST_REALM)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
quantities = st.integers(min_value=1, max_value=40)
lines = st.lists(st.tuples(quantities, prices, st.sampled_from(["TAX", "NON"])), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(lines=lines, code=st.sampled_from(["2", "3"]))
def test_invoice_totals_follow_quickbooks_rounding(lines: list[tuple[int, Decimal, str]], code: str) -> None:
    body = {
        "CustomerRef": {"value": "1"},
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": code}},
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": str(qty * price),
                "SalesItemLineDetail": {
                    "ItemRef": {"value": "1"},
                    "Qty": qty,
                    "UnitPrice": str(price),
                    "TaxCodeRef": {"value": tax},
                },
            }
            for qty, price, tax in lines
        ],
    }
    invoice = COMPANY.create("Invoice", body)
    subtotal = sum((qty * price for qty, price, _ in lines), Decimal(0))
    taxable = sum((qty * price for qty, price, tax in lines if tax == "TAX"), Decimal(0))
    rates = [Decimal("7.25")] if code == "2" else [Decimal("7.25"), Decimal("1.375")]
    tax = sum(((taxable * rate / 100).quantize(CENT, ROUND_HALF_UP) for rate in rates), Decimal(0))
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == tax
    assert Decimal(str(invoice["TotalAmt"])) == subtotal + tax
    assert Decimal(str(invoice["Balance"])) == subtotal + tax


def test_cdc_window_and_deleted_entries() -> None:
    company = demo_company()
    with pytest.raises(CdcWindowError):
        company.cdc(["Invoice"], datetime.now(UTC) - timedelta(days=31))
    since = datetime.now(UTC) - timedelta(seconds=1)
    estimate = company.create(
        "Estimate",
        {
            "CustomerRef": {"value": "1"},
            "Line": [
                {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "3"}}}
            ],
        },
    )
    # Qty 1 at the item's UnitPrice when none is given (249.95), plus CA automated tax 7.25 %
    assert estimate["TotalAmt"] == 268.07
    company.delete("Estimate", {"Id": estimate["Id"], "SyncToken": estimate["SyncToken"]})
    [changes, nothing] = company.cdc(["Estimate", "Customer"], since)
    assert nothing == {}
    assert changes["Estimate"] == [
        {
            "Id": estimate["Id"],
            "domain": "QBO",
            "status": "Deleted",
            "MetaData": changes["Estimate"][0]["MetaData"],
        }
    ]
