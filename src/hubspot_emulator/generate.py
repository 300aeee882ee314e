"""Generated worlds for benchmarks (`POST /_emulator/portals/{id}/generate`).

Records come from `emulator_core.generated_world`, the iterators the QuickBooks emulator reads
with the same arguments, so the same seed and counts give the same SKUs and emails on both
sides. They are written through the demo seed's operations (drafts opened, paid invoices paid by
a payment), so generated invoices carry the same calculated state as real ones.
"""

from __future__ import annotations

from dataclasses import replace

from emulator_core.generated_world import (
    generated_contacts,
    generated_invoices,
    generated_products,
    generated_quotes,
)
from emulator_core.northwind import DEMO_START, Payment

from .exceptions import ValidationError
from .models import HubSpotBackend
from .seed import Catalog, add_contact, add_invoice, add_product, add_quote

INVOICE_STATUSES = ("draft", "open", "paid", "voided")
QUOTE_STATUSES = ("DRAFT", "PENDING_APPROVAL", "APPROVAL_NOT_NEEDED", "APPROVED", "REJECTED", "ACCEPTED")


def generate(backend: HubSpotBackend, *, seed: int = 1, contacts: int = 0, products: int = 0,
             invoices: int = 0, lines_per_invoice: int = 3,
             invoice_status: str | None = None, quotes: int = 0,
             quote_status: str = "APPROVED") -> dict[str, int]:
    """Invoice and quote i bill generated contact i mod `contacts` (see generated_world), so
    invoices and quotes need contacts and products made by the same call. Quotes have
    `lines_per_invoice` lines too."""
    if (invoices or quotes) and (contacts < 1 or products < 1):
        raise ValidationError("generated invoices and quotes need contacts and products in the same call "
                              "(their SKUs and emails come from the same seed)")
    if invoice_status is not None and invoice_status not in INVOICE_STATUSES:
        raise ValidationError(f"invoice_status must be one of {', '.join(INVOICE_STATUSES)}")
    if quote_status not in QUOTE_STATUSES:
        raise ValidationError(f"quote_status must be one of {', '.join(QUOTE_STATUSES)}")
    with backend.quietly():
        catalog = _write(backend, seed, contacts, products, invoices, lines_per_invoice, invoice_status)
        for quote in generated_quotes(seed, quotes, contacts=contacts, products=products,
                                      lines_per_quote=lines_per_invoice, status=quote_status):
            add_quote(backend, catalog, quote)
    backend.index_now()
    created = {"contacts": contacts, "products": products, "invoices": invoices,
               "line_items": (invoices + quotes) * lines_per_invoice}
    if quotes:
        created["quotes"] = quotes
    return created


def _write(backend: HubSpotBackend, seed: int, contacts: int, products: int, invoices: int,
           lines_per_invoice: int, invoice_status: str | None) -> Catalog:
    catalog = Catalog()
    for contact in generated_contacts(seed, contacts):
        add_contact(backend, catalog, contact, DEMO_START)
    for product in generated_products(seed, products):
        add_product(backend, catalog, product, DEMO_START)
    for number, invoice in enumerate(generated_invoices(
            seed, invoices, contacts=contacts, products=products,
            lines_per_invoice=lines_per_invoice, status=invoice_status)):
        if invoice.status == "paid" and not invoice.payments:
            invoice = replace(invoice, payments=(Payment(reference=f"gen-{seed}-{number}"),))
        add_invoice(backend, catalog, invoice)
    return catalog
