"""The P1 ceiling: the best rate a perfect client could reach for a workload, from the emulators'
configured limits and the calls the workload needs — computed, never measured (bench/README.md).

A perfect client rides every budget at once: QuickBooks' batch budget (30 operations per batch
call) *and* the single requests left in the per-minute budget after the batch calls, HubSpot's
10-second window with 100 records per batch call, all pipelined so the slower provider alone
sets the pace.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from math import ceil
from typing import Any

# Published limits at scale 1 (API_NOTES.md, PERFORMANCE.md).
HUBSPOT_PER_10S = 110
HUBSPOT_BATCH = 100
HUBSPOT_ASSOCIATIONS_BATCH = 1_000
QUICKBOOKS_PER_MIN = 500
QUICKBOOKS_BATCHES_PER_MIN = 40
QUICKBOOKS_BATCH_ITEMS = 30
QUICKBOOKS_IN_LIST = 40  # values in one `IN (...)` of a single query, as the product sends them


@dataclass(frozen=True)
class Limits:
    """The emulators' limits for one run (`--rate-limit-scale`), rounded as the emulators round them."""

    scale: float

    @staticmethod
    def _scaled(limit: int, scale: float) -> int:
        return max(1, round(limit * scale))  # emulator_core.ratelimit.scaled

    @property
    def hubspot_per_second(self) -> float:
        return self._scaled(HUBSPOT_PER_10S, self.scale) / 10

    @property
    def quickbooks_requests_per_second(self) -> float:
        return self._scaled(QUICKBOOKS_PER_MIN, self.scale) / 60

    @property
    def quickbooks_batches_per_second(self) -> float:
        return self._scaled(QUICKBOOKS_BATCHES_PER_MIN, self.scale) / 60

    @property
    def quickbooks_operations_per_second(self) -> float:
        """Every batch call carries 30 operations; the rest of the request budget goes as singles."""
        batches = self.quickbooks_batches_per_second
        singles = self.quickbooks_requests_per_second - batches
        return batches * QUICKBOOKS_BATCH_ITEMS + singles


@dataclass(frozen=True)
class BackfillWorkload:
    invoices: int
    lines_per_invoice: int
    contacts: int  # distinct contacts billed; all new to QuickBooks
    skus: int  # distinct SKUs on the lines; all exist in QuickBooks


@dataclass(frozen=True)
class Ceiling:
    hubspot_calls: int
    quickbooks_operations: int
    hubspot_seconds: float
    quickbooks_seconds: float
    records_per_second: float
    bound_by: str
    # The whole workload fits in the budget a rolling window holds at the start of a run (both
    # providers): no limit is ever met, so a run may beat this sustained ceiling, bound instead by
    # the machine (see bench/README.md).
    fits_first_windows: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def hubspot_calls(w: BackfillWorkload) -> int:
    """List the invoices (100 a page, properties included), their line-item and contact ids
    (associations batch read, 1,000 a call), the line items and contacts (batch read, 100 a
    call), and the write-back of QuickBooks ids (batch update, 100 a call)."""
    pages = ceil(w.invoices / HUBSPOT_BATCH)
    associations = 2 * ceil(w.invoices / HUBSPOT_ASSOCIATIONS_BATCH)
    lines = ceil(w.invoices * w.lines_per_invoice / HUBSPOT_BATCH)
    contacts = ceil(w.contacts / HUBSPOT_BATCH)
    write_back = pages
    return pages + associations + lines + contacts + write_back


def quickbooks_operations(w: BackfillWorkload) -> int:
    """One query per email (matching ignores case and stray spaces, which `=`/`IN` can't), the
    display-name clash check and the SKU lookup as `IN` lists, one create per customer and per
    invoice. Each operation is either a batch item or a single request."""
    email_queries = w.contacts
    name_checks = ceil(w.contacts / QUICKBOOKS_IN_LIST)
    sku_lookups = ceil(w.skus / QUICKBOOKS_IN_LIST)
    return email_queries + name_checks + sku_lookups + w.contacts + w.invoices


def fits_first_windows(hubspot: int, quickbooks: int, limits: Limits) -> bool:
    """Whether `hubspot` calls fit one HubSpot 10-second window and `quickbooks` operations one
    QuickBooks minute (its batch calls full, the rest of its requests as singles)."""
    first_minute = limits.quickbooks_operations_per_second * 60
    return hubspot <= limits.hubspot_per_second * 10 and quickbooks <= first_minute


def backfill_ceiling(w: BackfillWorkload, limits: Limits) -> Ceiling:
    calls = hubspot_calls(w)
    operations = quickbooks_operations(w)
    hubspot_s = calls / limits.hubspot_per_second
    quickbooks_s = operations / limits.quickbooks_operations_per_second
    slowest = max(hubspot_s, quickbooks_s)
    return Ceiling(calls, operations, hubspot_s, quickbooks_s, w.invoices / slowest,
                   "QuickBooks" if quickbooks_s >= hubspot_s else "HubSpot",
                   fits_first_windows(calls, operations, limits))


def payments_ceiling(payments: int, limits: Limits) -> Ceiling:
    """Payments of already synced invoices: list them (properties included), their invoice ids
    (associations batch read), one QuickBooks Payment each, linked to the invoice."""
    calls = ceil(payments / HUBSPOT_BATCH) + ceil(payments / HUBSPOT_ASSOCIATIONS_BATCH)
    hubspot_s = calls / limits.hubspot_per_second
    quickbooks_s = payments / limits.quickbooks_operations_per_second
    slowest = max(hubspot_s, quickbooks_s)
    return Ceiling(calls, payments, hubspot_s, quickbooks_s, payments / slowest,
                   "QuickBooks" if quickbooks_s >= hubspot_s else "HubSpot",
                   fits_first_windows(calls, payments, limits))


def quotes_ceiling(w: BackfillWorkload, limits: Limits) -> Ceiling:
    """Quotes backfill (HubSpot → QuickBooks estimates): the calls of an invoice backfill, quote for
    invoice. List the quotes (100 a page), their line-item and contact ids (associations batch
    read), the line items and contacts (batch read, 100 a call) and write the estimate's id and
    number back (batch update, 100 a call); in QuickBooks the customers' email queries, name
    checks and creates as in P1, the SKU lookups, one Estimate create per quote. `w.invoices`
    counts quotes."""
    return backfill_ceiling(w, limits)
