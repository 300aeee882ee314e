"""Bulk records for benchmarks (`POST /_emulator/companies/{realm}/generate`).

Customers and items come from `emulator_core.generated_world`, the iterators the HubSpot
emulator's `generate` reads too: with the same seed and counts, every generated contact's email
is a customer's PrimaryEmailAddr and every product's SKU an item's Sku, by construction. Invoices
(optional) are what the product's sync would have written for HubSpot's non-draft invoices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from emulator_core.generated_world import generated_contacts, generated_invoices, generated_products

from .entities.company import CompanyBackend

MAX_RECORDS = 500_000


def generate(
    company: CompanyBackend,
    customers: int = 0,
    items: int = 0,
    invoices: int = 0,
    lines_per_invoice: int = 3,
    seed: int = 1,
    invoice_status: str | None = "open",
) -> dict[str, int]:
    """Create the generated world's customers, items and (optionally) invoices through the normal
    validation path; invoice i bills customer i mod `customers` like on the HubSpot side.
    `invoice_status` None mixes open, paid and draft like `generated_invoices` does."""
    if min(customers, items, invoices, lines_per_invoice, seed) < 0:
        raise ValueError("counts and seed can't be negative")
    if customers + items + invoices > MAX_RECORDS:
        raise ValueError(f"at most {MAX_RECORDS} records in all")
    if invoices and (customers < 1 or items < 1):
        raise ValueError("invoices need customers and items in the same call (they bill them by index)")
    customer_ids: dict[str, str] = {}
    for contact in generated_contacts(seed, customers):
        record = company.create_record(
            "Customer",
            {
                "DisplayName": contact.display_name,
                "GivenName": contact.firstname,
                "FamilyName": contact.lastname,
                "CompanyName": contact.company,
                "PrimaryEmailAddr": {"Address": contact.email},
            },
        )
        customer_ids[contact.key] = record.id
    item_ids: dict[str, str] = {}
    for product in generated_products(seed, items):
        record = company.create_record(
            "Item",
            {
                "Name": product.name,
                "Sku": product.sku,
                "Type": product.item_type,
                "UnitPrice": product.price,
                "Taxable": True,
                "IncomeAccountRef": {"value": "1"},
            },
        )
        item_ids[product.sku] = record.id
    tax_code = _line_tax_code(company)
    created = 0
    for invoice in generated_invoices(
        seed,
        invoices,
        contacts=customers,
        products=items,
        lines_per_invoice=lines_per_invoice,
        status=invoice_status,
    ):
        if invoice.status == "draft":
            continue  # HubSpot drafts never reach QuickBooks
        lines: list[dict[str, Any]] = []
        for line in invoice.lines:
            detail: dict[str, Any] = {"ItemRef": {"value": item_ids[line.sku]}, "Qty": line.quantity}
            if tax_code is not None:
                detail["TaxCodeRef"] = {"value": tax_code}
            lines.append({"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail})
        record = company.create_record(
            "Invoice", {"CustomerRef": {"value": customer_ids[invoice.contact]}, "Line": lines}
        )
        created += 1
        if invoice.status == "paid":
            total: Decimal = record.fields["TotalAmt"]
            company.create_record(
                "Payment",
                {
                    "CustomerRef": {"value": customer_ids[invoice.contact]},
                    "TotalAmt": total,
                    "Line": [{"Amount": total, "LinkedTxn": [{"TxnId": record.id, "TxnType": "Invoice"}]}],
                },
            )
    return {"customers": customers, "items": items, "invoices": created}


def _line_tax_code(company: CompanyBackend) -> str | None:
    """TAX in US companies; the first sales tax code in VAT companies (a line must carry one)."""
    if company.profile.is_us:
        return "TAX"
    for record in company.live_records("TaxCode"):
        if (record.fields.get("SalesTaxRateList") or {}).get("TaxRateDetail"):
            return record.id
    return None
