"""Bulk records for benchmarks and load tests (`POST /_emulator/companies/{realm}/generate`)."""

from __future__ import annotations

from typing import Any

from .entities.company import CompanyBackend

MAX_RECORDS = 500_000


def generate(
    company: CompanyBackend, customers: int = 0, items: int = 0, invoices: int = 0, lines_per_invoice: int = 3
) -> dict[str, int]:
    """Create synthetic customers, items and invoices through the normal validation path."""
    if min(customers, items, invoices, lines_per_invoice) < 0:
        raise ValueError("counts can't be negative")
    if customers + items + invoices > MAX_RECORDS:
        raise ValueError(f"at most {MAX_RECORDS} records in all")
    start = company.next_ids["Customer"]
    customer_ids = [
        company.create(
            "Customer",
            {
                "DisplayName": f"Generated Customer {start + n}",
                "PrimaryEmailAddr": {"Address": f"customer{start + n}@generated.example"},
            },
        )["Id"]
        for n in range(customers)
    ]
    start = company.next_ids["Item"]
    item_ids = [
        company.create(
            "Item",
            {
                "Name": f"Generated Item {start + n}",
                "Sku": f"GEN-{start + n:06d}",
                "Type": "NonInventory",
                "UnitPrice": f"{10 + (start + n) % 90}.50",
                "Taxable": True,
                "IncomeAccountRef": {"value": "1"},
            },
        )["Id"]
        for n in range(items)
    ]
    if invoices and not customer_ids:
        customer_ids = [r.id for r in company.live_records("Customer")][:100]
    if invoices and not item_ids:
        item_ids = [r.id for r in company.live_records("Item")][:100]
    if invoices and (not customer_ids or not item_ids):
        raise ValueError("invoices need customers and items")
    for n in range(invoices):
        lines: list[dict[str, Any]] = [
            {
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item_ids[(n + k) % len(item_ids)]},
                    "Qty": 1 + k,
                    "TaxCodeRef": {"value": "TAX"},
                },
            }
            for k in range(max(1, lines_per_invoice))
        ]
        company.create(
            "Invoice",
            {
                "CustomerRef": {"value": customer_ids[n % len(customer_ids)]},
                "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}},
                "Line": lines,
            },
        )
    return {"customers": customers, "items": items, "invoices": invoices}
