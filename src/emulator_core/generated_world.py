"""Generated worlds for benchmarks: the same contacts, products, invoices and quotes on both sides.

Both emulators' `generate` control calls read these iterators with the same arguments, so every
generated invoice's SKUs exist as QuickBooks items and every contact's email as a customer, by
construction. Deterministic from (seed, index) alone, streamed, and cheap: 100,000 invoices are
produced without holding them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .northwind import Contact, Invoice, Line, Product, Quote

_STATUSES = ("open", "open", "open", "paid", "draft")
MAX_LINES_PER_INVOICE = 1000
MAX_SEED = 10**9


def whole_number(value: object, name: str, default: int, maximum: int) -> int:
    """A count, seed or line count from a `generate` body: a whole number from 0 to `maximum`
    (JSON integer, integral float or digits); absent or null is `default`. Anything else is a
    ValueError whose text says what was wrong (the control APIs answer it as a 400)."""
    if value is None:
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= maximum:
        raise ValueError(f"{name} must be a whole number from 0 to {maximum:,} (got {value!r})")
    return number


def generated_contacts(seed: int, count: int) -> Iterator[Contact]:
    for i in range(count):
        yield Contact(
            key=f"g{seed}-c{i}",
            firstname=f"Customer{i}",
            lastname=f"Gen{seed}",
            email=f"customer{i}.s{seed}@generated.example",
            company=f"Generated Co {i % 97}",
        )


def generated_products(seed: int, count: int) -> Iterator[Product]:
    for i in range(count):
        yield Product(
            sku=f"GEN-{seed}-{i:06d}",
            name=f"Generated product {seed}-{i}",
            price=Decimal(10 + (i * 37 + seed) % 490) + Decimal("0.50"),
        )


def generated_invoices(
    seed: int, count: int, *, contacts: int, products: int, lines_per_invoice: int = 3, status: str | None = None
) -> Iterator[Invoice]:
    """Invoice i bills contact i mod `contacts` for `lines_per_invoice` products spread over the catalog."""
    if count and (contacts < 1 or products < 1):  # items alone (no invoices) are a valid request
        raise ValueError("generated invoices need at least one contact and one product")
    for i in range(count):
        lines = tuple(
            Line(f"GEN-{seed}-{(i * 7 + j * 13 + seed) % products:06d}", Decimal(1 + (i + j) % 3))
            for j in range(lines_per_invoice)
        )
        yield Invoice(
            key=f"g{seed}-i{i}",
            contact=f"g{seed}-c{i % contacts}",
            status=status or _STATUSES[i % len(_STATUSES)],  # type: ignore[arg-type]
            lines=lines,
            day=i % 300,
        )


def generated_quotes(
    seed: int, count: int, *, contacts: int, products: int, lines_per_quote: int = 3, status: str = "APPROVED"
) -> Iterator[Quote]:
    """Quote i bills contact i mod `contacts` for `lines_per_quote` products spread over the catalog
    (HubSpot side only: QuickBooks has no quotes, it gets estimates from a sync)."""
    if count and (contacts < 1 or products < 1):
        raise ValueError("generated quotes need at least one contact and one product")
    for i in range(count):
        lines = tuple(
            Line(f"GEN-{seed}-{(i * 11 + j * 17 + seed) % products:06d}", Decimal(1 + (i + j) % 4))
            for j in range(lines_per_quote)
        )
        yield Quote(
            key=f"g{seed}-q{i}",
            title=f"Generated quote {seed}-{i}",
            contact=f"g{seed}-c{i % contacts}",
            status=status,  # type: ignore[arg-type]
            lines=lines,
            day=i % 300,
        )
