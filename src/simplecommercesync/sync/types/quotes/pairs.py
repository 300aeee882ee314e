"""A quote pair as read: the HubSpot quote with its lines and contact, the QuickBooks estimate,
and what each side's content, label and status mean for the other side (docs/quotes.md, *How a
quote syncs* and *Status mapping*).

Everything the pair's decisions and writes compare or carry over is read from here, so both
directions agree on what "the same quote" is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import RecordLink, SourceSide, SyncRecord, TwoWayState
from simplecommercesync.sync.engine.writes import WriteEntry, WriteOutcome
from simplecommercesync.sync.mapping.customers import CustomerMatch
from simplecommercesync.sync.mapping.money import qbo_date
from simplecommercesync.sync.mapping.to_hubspot import (
    ESTIMATE_ID,
    ESTIMATE_NUMBER,
    current_line_signatures,
    decimal_text,
    hubspot_time,
)

QUOTE_PROPERTIES = ("hs_title", "hs_expiration_date", "hs_status", "hs_currency", "hs_quote_number",
                    "hs_lastmodifieddate", "hs_object_source", "hs_object_source_id")
LINE_PROPERTIES = ("name", "quantity", "price", "hs_sku", "hs_product_id", "discount", "hs_discount_percentage",
                   "hs_tax_rate_group_id", "hs_lastmodifieddate")
# Read with the quote, never watched nor fingerprinted: our write-back of the estimate's id/number.
WRITE_BACK_NAMES = (ESTIMATE_ID, ESTIMATE_NUMBER)

# HubSpot hs_status → QuickBooks Estimate TxnStatus (Pending | Accepted | Closed | Rejected).
HUBSPOT_TO_QUICKBOOKS = {
    "DRAFT": "Pending", "PENDING_APPROVAL": "Pending", "APPROVAL_NOT_NEEDED": "Pending", "APPROVED": "Pending",
    "ACCEPTED": "Accepted", "REJECTED": "Rejected", "DECLINED": "Rejected",
}
# A Pending estimate keeps a HubSpot status that already means "pending"; a new quote gets this one.
NEW_PENDING_STATUS = "APPROVAL_NOT_NEEDED"
HUBSPOT, QUICKBOOKS = SourceSide.HUBSPOT.value, SourceSide.QUICKBOOKS.value
SIDE_NAMES = {HUBSPOT: "HubSpot", QUICKBOOKS: "QuickBooks"}


def estimate_write_back(estimate: dict[str, Any]) -> dict[str, str]:
    """Our own quote properties naming the QuickBooks estimate (group "SimpleCommerceSync")."""
    return {ESTIMATE_ID: str(estimate["Id"]), ESTIMATE_NUMBER: str(estimate.get("DocNumber") or "")}


def estimate_status(estimate: dict[str, Any], current_hubspot: str | None) -> str | None:
    """The HubSpot status for an estimate; None means voided (closed without an invoice)."""
    status = str(estimate.get("TxnStatus") or "Pending")
    if status == "Accepted":
        return "ACCEPTED"
    if status == "Rejected":
        return current_hubspot if current_hubspot in ("REJECTED", "DECLINED") else "REJECTED"
    if status == "Closed":
        # Closed by an invoice: the customer took it (QuickBooks "Estimate" → "Create invoice").
        return "ACCEPTED" if converted_to(estimate) else None
    return current_hubspot if HUBSPOT_TO_QUICKBOOKS.get(current_hubspot or "") == "Pending" else NEW_PENDING_STATUS


def converted_to(estimate: dict[str, Any]) -> list[str]:
    return [str(t.get("TxnId")) for t in estimate.get("LinkedTxn") or [] if t.get("TxnType") == "Invoice"]


# -- both sides as read -------------------------------------------------------------------------
@dataclass
class HubSpotQuote:
    quote: dict[str, Any]
    lines: list[dict[str, Any]]
    contact_id: str | None

    @property
    def props(self) -> dict[str, Any]:
        return dict(self.quote.get("properties") or {})

    @property
    def status(self) -> str:
        return str(self.props.get("hs_status") or "DRAFT").upper()

    @property
    def label(self) -> str:
        number, title = self.props.get("hs_quote_number"), self.props.get("hs_title")
        if number:
            return f"Quote {number}"
        return f"Quote “{title}”" if title else f"Quote {self.quote.get('id')}"

    def content(self) -> dict[str, Any]:
        p = self.props
        return {
            "status": self.status, "expires": qbo_date(p.get("hs_expiration_date")),
            "number": str(p.get("hs_quote_number") or ""), "currency": str(p.get("hs_currency") or ""),
            "contact": self.contact_id or "",
            "lines": current_line_signatures(sorted(self.lines, key=line_order)),
        }

    def modified_at(self) -> datetime | None:
        stamps = [hubspot_time(self.props.get("hs_lastmodifieddate"))]
        stamps += [hubspot_time((line.get("properties") or {}).get("hs_lastmodifieddate")) for line in self.lines]
        known = [s for s in stamps if s is not None]
        return max(known) if known else None


def line_order(line: dict[str, Any]) -> tuple[int, int]:
    p = line.get("properties") or {}
    position = str(p.get("hs_position_on_quote") or "")
    identity = int(line["id"]) if str(line.get("id")).isdigit() else 0
    return (int(position) if position.isdigit() else identity, identity)


def estimate_content(estimate: dict[str, Any]) -> dict[str, Any]:
    lines = []
    for line in estimate.get("Line") or []:
        if line.get("DetailType") != "SalesItemLineDetail":
            continue
        detail = line["SalesItemLineDetail"]
        lines.append(((detail.get("ItemRef") or {}).get("value"), decimal_text(detail.get("Qty")),
                      decimal_text(detail.get("UnitPrice")), (detail.get("TaxCodeRef") or {}).get("value")))
    return {
        "status": estimate.get("TxnStatus"), "expires": estimate.get("ExpirationDate"),
        "number": estimate.get("DocNumber"), "customer": (estimate.get("CustomerRef") or {}).get("value"),
        "lines": lines, "jurisdiction": ((estimate.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or {}).get("value"),
        "invoiced": converted_to(estimate),
    }


def estimate_label(estimate: dict[str, Any]) -> str:
    return f"Estimate {estimate.get('DocNumber') or estimate.get('Id')}"


@dataclass
class Pair:
    record: SyncRecord
    link: RecordLink | None
    state: TwoWayState | None
    hubspot_id: str | None
    quickbooks_id: str | None
    hubspot: HubSpotQuote | None = None
    estimate: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    # The link this attempt replaced because its object was deleted on the other side (history).
    replaced: dict[str, str] | None = None
    # The quote's QuickBooks customer, resolved for the whole batch at once (`_prepare_customers`).
    customer: CustomerMatch | errors.SyncFailure | None = None
    # "created"/"updated": a batched estimate write a dead worker left in flight was replayed for it.
    replayed: str = ""

    @property
    def label(self) -> str:
        if self.hubspot is not None:
            return self.hubspot.label
        if self.estimate is not None:
            return estimate_label(self.estimate)
        return self.record.label or f"Quote {self.record.source_id}"


@dataclass
class PendingWrite:
    """A HubSpot → QuickBooks estimate write a pair's decision asked for: the batch's writes are
    composed and sent together (`QuoteSync._write_estimates`)."""

    pair: Pair
    verb: str
    overwritten: dict[str, Any]
    body: dict[str, Any] = field(default_factory=dict)
    entry: WriteEntry | None = None
    outcome: WriteOutcome | None = None
    answered: list[int] = field(default_factory=list)  # journal rows of replayed in-flight writes
    back: dict[str, str] = field(default_factory=dict)  # the estimate's id/number for the quote


def read_hubspot_quotes(context: SyncContext, ids: list[str]) -> dict[str, HubSpotQuote]:
    """Quotes with their line items and first contact (batch reads); archived quotes are absent."""
    ids = [i for i in dict.fromkeys(ids) if i]
    if not ids:
        return {}
    context.checkpoint()
    quotes = context.hubspot.batch_read("quotes", ids, (*QUOTE_PROPERTIES, *WRITE_BACK_NAMES))
    live = list(quotes)
    if not live:
        return {}
    context.checkpoint()
    line_ids = context.hubspot.associations("quotes", "line_items", live)
    context.checkpoint()
    contact_ids = context.hubspot.associations("quotes", "contacts", live)
    every_line = [i for q in live for i in line_ids.get(q, [])]
    context.checkpoint()
    lines = context.hubspot.batch_read("line_items", every_line, LINE_PROPERTIES) if every_line else {}
    return {
        quote_id: HubSpotQuote(quote, [lines[i] for i in line_ids.get(quote_id, []) if i in lines],
                               next(iter(contact_ids.get(quote_id) or []), None))
        for quote_id, quote in quotes.items()
    }
