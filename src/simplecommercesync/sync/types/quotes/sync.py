"""Quotes ↔ estimates (https://developers.hubspot.com/docs/api/crm/quotes,
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/estimate).

One SyncRecord per linked pair, keyed by the side the pair started on; a change on the other side
is queued onto that same record (`queue_quote_changes`). Per pair: read both sides → fingerprint
each → compare with the fingerprints stored right after our last sync (`TwoWayState`):
- neither changed → nothing to write (this is how our own writes never echo back);
- one changed → write it to the other side, if the Sync Direction allows;
- both changed → the newer by the providers' own modification times wins, and the attempt
  records the overwritten change.
Status mapping (both ways) is in docs/quotes.md and `HUBSPOT_TO_QUICKBOOKS` / `estimate_status`.

HubSpot → QuickBooks writes go a batch at a time, as invoices do: the pairs' decisions only
collect them, then the batch's contacts are read once, its customers resolved and created
together, its estimates sent ≤ 30 to a journaled QuickBooks batch request and their ids/numbers
written back to the quotes in one HubSpot batch update (`QuoteSync._write_estimates`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.http.failures import PartialBatchFailure
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.clients import open_clients
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, link_history, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
    QuickBooksWrite,
    RecordLink,
    SourceSide,
    SyncRecord,
    TwoWayState,
    WriteState,
)
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result, upsert_pending
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    is_stale,
    mark_answered,
    replay,
    unanswered_for,
    write_batch,
    write_one,
)
from simplecommercesync.sync.mapping.customers import (
    CONTACT_PROPERTIES,
    CustomerMatch,
    note_customers,
    plan_customers,
    resolve_customers,
)
from simplecommercesync.sync.mapping.items import ItemCatalog
from simplecommercesync.sync.mapping.line_money import sales_line_money
from simplecommercesync.sync.mapping.money import qbo_date
from simplecommercesync.sync.mapping.tax import TaxPlan
from simplecommercesync.sync.mapping.to_hubspot import (
    CLOCK_SKEW,
    ESTIMATE_ID,
    ESTIMATE_NUMBER,
    HUBSPOT_CREATE,
    QUOTE_STAMP,
    ReverseTax,
    SearchNotSettled,
    adopt_orphan,
    association,
    contact_for_customer,
    create_line_items,
    create_once,
    current_line_signatures,
    decimal_text,
    ensure_stamp,
    forget,
    hubspot_date,
    hubspot_time,
    qbo_time,
    quickbooks_entities,
    wanted_lines,
)
from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings

QUOTE_PROPERTIES = ("hs_title", "hs_expiration_date", "hs_status", "hs_currency", "hs_quote_number",
                    "hs_lastmodifieddate", "hs_object_source", "hs_object_source_id")
LINE_PROPERTIES = ("name", "quantity", "price", "hs_sku", "hs_product_id", "discount", "hs_discount_percentage",
                   "hs_tax_rate_group_id", "hs_lastmodifieddate")
# Read with the quote, never watched nor fingerprinted: our write-back of the estimate's id/number.
WRITE_BACK_NAMES = (ESTIMATE_ID, ESTIMATE_NUMBER)
# HubSpot's default association type ids (HubSpot "Associations v4" reference): quote→contact 69,
# line item→quote 68.
QUOTE_TO_CONTACT, LINE_ITEM_TO_QUOTE = 69, 68

# HubSpot hs_status → QuickBooks Estimate TxnStatus (Pending | Accepted | Closed | Rejected).
HUBSPOT_TO_QUICKBOOKS = {
    "DRAFT": "Pending", "PENDING_APPROVAL": "Pending", "APPROVAL_NOT_NEEDED": "Pending", "APPROVED": "Pending",
    "ACCEPTED": "Accepted", "REJECTED": "Rejected", "DECLINED": "Rejected",
}
# A Pending estimate keeps a HubSpot status that already means "pending"; a new quote gets this one.
NEW_PENDING_STATUS = "APPROVAL_NOT_NEEDED"
HUBSPOT, QUICKBOOKS = SourceSide.HUBSPOT.value, SourceSide.QUICKBOOKS.value
SIDE_NAMES = {HUBSPOT: "HubSpot", QUICKBOOKS: "QuickBooks"}
# Journaled estimate writes (writes.py operations) a quote pair's record may leave in flight.
ESTIMATE_WRITES = ("create:Estimate", "update:Estimate")
# …and journaled quote creates in HubSpot (to_hubspot.create_once).
QUOTE_CREATE = f"{HUBSPOT_CREATE}quotes"
IN_FLIGHT = (*ESTIMATE_WRITES, QUOTE_CREATE)
logger = logging.getLogger(__name__)
# Estimates written in one QuickBooks batch request (Intuit "Batch": ≤ 30 operations a request).
ESTIMATES_PER_BATCH = 30
REPLAYED_NOTE = ("An interrupted attempt had sent this estimate to QuickBooks; it was finished with the same "
                 "request id, not created again.")


def estimate_write_back(estimate: dict[str, Any]) -> dict[str, str]:
    """Our own quote properties naming the QuickBooks estimate (group "SimpleCommerceSync")."""
    return {ESTIMATE_ID: str(estimate["Id"]), ESTIMATE_NUMBER: str(estimate.get("DocNumber") or "")}


def quote_settings(workspace_id: int) -> QuoteSyncSettings:
    settings, _ = QuoteSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


def allows(settings: QuoteSyncSettings, side: str) -> bool:
    """May a change made on `side` be written to the other side?"""
    if settings.direction == QuoteDirection.BIDIRECTIONAL:
        return True
    wanted = QuoteDirection.HUBSPOT_TO_QUICKBOOKS if side == HUBSPOT else QuoteDirection.QUICKBOOKS_TO_HUBSPOT
    return bool(settings.direction == wanted)


def fingerprint(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


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
            "lines": current_line_signatures(sorted(self.lines, key=_line_order)),
        }

    def modified_at(self) -> datetime | None:
        stamps = [hubspot_time(self.props.get("hs_lastmodifieddate"))]
        stamps += [hubspot_time((line.get("properties") or {}).get("hs_lastmodifieddate")) for line in self.lines]
        known = [s for s in stamps if s is not None]
        return max(known) if known else None


def _line_order(line: dict[str, Any]) -> tuple[int, int]:
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


# -- queueing -------------------------------------------------------------------------------------
def queue_all_quotes(workspace_id: int, requested_by: str = "full",
                     progress: Callable[[int], None] | None = None) -> int:
    """Full sync (turning quote sync on, `scs sync run --type quotes --full`): every HubSpot quote,
    every QuickBooks estimate, or both, by the Sync Direction. Already linked pairs go through
    their one record, and their fingerprints make an unchanged pair no write."""
    direction = QuoteSyncSettings.objects.filter(workspace_id=workspace_id).values_list("direction", flat=True).first()
    direction = direction or QuoteDirection.HUBSPOT_TO_QUICKBOOKS
    total = 0
    with open_clients(workspace_id) as clients:
        if direction != QuoteDirection.QUICKBOOKS_TO_HUBSPOT:
            ids = [str(quote["id"]) for quote in clients.hubspot.list_all("quotes", ["hs_lastmodifieddate"])]
            total += queue_quote_changes(workspace_id, HUBSPOT, clients.portal_id, ids, requested_by=requested_by)
        if direction != QuoteDirection.HUBSPOT_TO_QUICKBOOKS:
            ids = [str(estimate["Id"]) for estimate in clients.quickbooks.query("Estimate")]
            total += queue_quote_changes(workspace_id, QUICKBOOKS, clients.realm_id, ids, requested_by=requested_by)
    if progress is not None:
        progress(total)
    return total


def queue_quote_changes(workspace_id: int, source_side: str, source_account: str, ids: list[str],
                        *, requested_by: str) -> int:
    """Queue changed quotes (HubSpot ids) or estimates (QuickBooks ids) onto their pair's record."""
    ids = [str(i) for i in dict.fromkeys(ids)]
    if not ids:
        return 0
    side_field = "hubspot_id" if source_side == HUBSPOT else "quickbooks_id"
    links = {getattr(link, side_field): link for link in RecordLink.objects.filter(
        workspace_id=workspace_id, kind=LinkKind.QUOTE, **{f"{side_field}__in": ids})}
    other_side = QUICKBOOKS if source_side == HUBSPOT else HUBSPOT
    other_id_field = "quickbooks_id" if source_side == HUBSPOT else "hubspot_id"
    # The pairs whose record lives on the other side, in one query (a full sync passes every id).
    other_records = set(SyncRecord.objects.filter(
        workspace_id=workspace_id, sync_type="quotes", source_side=other_side,
        source_id__in=[getattr(link, other_id_field) for link in links.values()],
    ).values_list("source_account", "source_id"))
    own: list[str] = []
    other: dict[str, list[str]] = {}
    for source_id in ids:
        link = links.get(source_id)
        if link is None:
            own.append(source_id)
            continue
        other_id = getattr(link, other_id_field)
        other_account = link.quickbooks_realm_id if source_side == HUBSPOT else link.hubspot_portal_id
        if (other_account, other_id) in other_records:
            other.setdefault(f"{other_side}|{other_account}", []).append(other_id)
        else:
            own.append(source_id)
    count = upsert_pending(workspace_id, "quotes", source_account, own, requested_by=requested_by,
                           source_side=source_side)
    for key, other_ids in other.items():
        side, account = key.split("|", 1)
        count += upsert_pending(workspace_id, "quotes", account, other_ids, requested_by=requested_by,
                                source_side=side)
    return count


def quotes_follow(workspace_id: int, side: str) -> bool:
    """Do changes on `side` matter to this workspace's quote sync (enabled, direction)?"""
    settings = QuoteSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).first()
    return settings is not None and allows(settings, side)


# -- the handler ------------------------------------------------------------------------------------
class QuoteSync:
    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = quote_settings(context.workspace_id)
        # Batched estimate writes a dead worker left in flight: replayed and linked before the
        # pairs are read, so every pair of such a batch finds its estimate, whichever drain has it.
        unanswered = unanswered_for(context, [r.pk for r in batch.records])  # one query for the batch
        replayed = self._settle_batch_replays(context, batch.records, unanswered)
        pairs = self._pairs(context, batch.records)
        self._read(context, pairs)
        for pair in pairs:
            if pair.record.pk in replayed:
                pair.replayed = replayed[pair.record.pk]
                pair.notes.append(REPLAYED_NOTE)
        # Records with a single write a dead worker left in flight (claims are exclusive: no other
        # drain journals for these records meanwhile).
        in_flight = {int(e["record"]) for row in unanswered if row.operation in IN_FLIGHT for e in row.record_ids}
        pending: list[PendingWrite] = []
        ended: list[tuple[SyncRecord, Result]] = []
        for pair in pairs:
            batch.keep_lease()
            if pair.record.pk in in_flight:
                batch.finish(pair.record, self._attempt_in_flight(context, settings, pair))
                continue
            # Estimate writes are only collected here, and sent for the whole batch below.
            result = self._attempt(context, settings, pair, pending)
            if result is not None:
                ended.append((pair.record, result))
        ended.extend(self._write_estimates(context, pending))
        batch.finish_many(ended)

    def _attempt_in_flight(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> Result:
        """A pair whose record has a write a dead worker left in flight: written on its own, with
        that write replayed or settled first."""
        result = self._attempt(context, settings, pair)
        assert result is not None
        if result.outcome != AttemptOutcome.RETRY:
            try:
                settled = self._settle_unwritten(context, pair)
            except SearchNotSettled as waiting:
                settled = False
                result = Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=pair.label,
                                message=waiting.message, retry_after=waiting.retry_after)
            if settled:
                # An interrupted attempt had made the other side's object: decide again, now linked.
                notes = list(pair.notes)
                again = self._attempt(context, settings, pair)
                assert again is not None
                result = again
                result.note = " ".join([*(n for n in notes if n not in result.note), result.note]).strip()
        return result

    def _attempt(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
                 pending: list[PendingWrite] | None = None) -> Result | None:
        """The pair's outcome; None when its estimate write was added to `pending` instead."""
        try:
            return self._sync(context, settings, pair, pending)
        except errors.SyncFailure as failure:
            return Result(AttemptOutcome.FAILED, kind=failure.kind, message=failure.message, label=pair.label,
                          note=" ".join(pair.notes))
        except Rejected as refused:
            return Result(AttemptOutcome.FAILED, kind=errors.QUOTE_NOT_EDITABLE, label=pair.label,
                          message=f"Can't change the other side: {refused.message}", note=" ".join(pair.notes))
        except SearchNotSettled as waiting:
            return Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=pair.label,
                          message=waiting.message, retry_after=waiting.retry_after)

    # -- Preview (plan without writing) ------------------------------------------------------------
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        """`process` up to the decision for HubSpot quotes: the same reads, fingerprints and Sync
        Direction / Sync Statuses rules; the estimate body is built (so SKU, email and strict tax
        failures show) but nothing is written anywhere (no estimate, no customer, no link)."""
        settings = (QuoteSyncSettings.objects.filter(workspace_id=context.workspace_id).first()
                    or QuoteSyncSettings(workspace_id=context.workspace_id))
        ids = list(dict.fromkeys(str(i) for i in source_ids))
        records = [SyncRecord(workspace_id=context.workspace_id, sync_type="quotes", source_side=HUBSPOT,
                              source_account=context.portal_id, source_id=i) for i in ids]
        pairs = self._pairs(context, records)
        self._read(context, pairs)
        self._prepare_customers(context, pairs, dry_run=True)
        return [self._planned(context, settings, pair) for pair in pairs]

    def _planned(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> PlannedRow:
        source_id, label = pair.record.source_id, pair.label
        try:
            action, reason = self._plan(context, settings, pair)
        except errors.SyncFailure as failure:
            return PlannedRow(source_id, label, "fail", failure.message, failure.kind.key)
        return PlannedRow(source_id, label, action, " ".join([reason, *pair.notes]).strip())

    def _plan(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> tuple[str, str]:
        """The decisions of `_sync` for a HubSpot quote, as (planned action, why)."""
        if pair.link is None:
            if not allows(settings, HUBSPOT):
                return "skip", (f"Sync Direction is {settings.get_direction_display()}: a quote made in "
                                "HubSpot doesn't sync.")
            if pair.hubspot is None:
                return "skip", "Deleted in HubSpot before it was ever synced; nothing to do."
            if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                return "skip", skip
            body = self._estimate_body(context, pair, dry_run=True)
            lines = len(body["Line"])
            return "create", f"New QuickBooks estimate with {lines} line{'s' if lines != 1 else ''}."
        target = f"QuickBooks estimate {pair.link.quickbooks_label or pair.link.quickbooks_id}"
        state = pair.state
        hubspot_changed = pair.hubspot is None or state is None or (
            fingerprint(pair.hubspot.content()) != state.hubspot_fingerprint)
        quickbooks_changed = pair.estimate is None or state is None or (
            fingerprint(estimate_content(pair.estimate)) != state.quickbooks_fingerprint)
        if not hubspot_changed and not quickbooks_changed:
            return "unchanged", f"{target} already matches."
        if hubspot_changed and quickbooks_changed:
            winner = self._newer(settings, pair)
            pair.notes.append(f"Both sides changed since the last sync; the {SIDE_NAMES[winner]} change is newer.")
        else:
            winner = HUBSPOT if hubspot_changed else QUICKBOOKS
            if not allows(settings, winner):
                return "skip", (f"Changed in {SIDE_NAMES[winner]}, but Sync Direction is "
                                f"{settings.get_direction_display()}; the change stays there.")
        if winner == QUICKBOOKS:
            if pair.estimate is None or estimate_status(
                    pair.estimate, pair.hubspot.status if pair.hubspot else None) is None:
                return "void", "The HubSpot quote would be closed: its estimate was closed or deleted in QuickBooks."
            return "update", "The HubSpot quote gets the estimate's changes from QuickBooks."
        if pair.hubspot is None:
            return "void", f"{target} would be closed: the quote was deleted in HubSpot."
        if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
            return "skip", skip
        self._estimate_body(context, pair, dry_run=True)
        return "update", f"{target} gets the quote's changes from HubSpot."

    # -- reading ------------------------------------------------------------------------------------
    def _pairs(self, context: SyncContext, records: list[SyncRecord]) -> list[Pair]:
        links = RecordLink.objects.filter(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                          hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id)
        by_hubspot = {link.hubspot_id: link for link in links.filter(
            hubspot_id__in=[r.source_id for r in records if r.source_side == HUBSPOT])}
        by_quickbooks = {link.quickbooks_id: link for link in links.filter(
            quickbooks_id__in=[r.source_id for r in records if r.source_side == QUICKBOOKS])}
        states = {s.link_id: s for s in TwoWayState.objects.filter(
            link_id__in=[link.pk for link in (*by_hubspot.values(), *by_quickbooks.values())])}
        pairs = []
        for record in records:
            if record.source_side == HUBSPOT:
                link = by_hubspot.get(record.source_id)
                pair = Pair(record, link, None, record.source_id, link.quickbooks_id if link else None)
            else:
                link = by_quickbooks.get(record.source_id)
                pair = Pair(record, link, None, link.hubspot_id if link else None, record.source_id)
            pair.state = states.get(link.pk) if link else None
            pairs.append(pair)
        return pairs

    def _read(self, context: SyncContext, pairs: list[Pair]) -> None:
        quotes = read_hubspot_quotes(context, [p.hubspot_id for p in pairs if p.hubspot_id])
        estimates = quickbooks_entities(context, "Estimate", [p.quickbooks_id for p in pairs if p.quickbooks_id])
        for pair in pairs:
            pair.hubspot = quotes.get(pair.hubspot_id or "")
            pair.estimate = estimates.get(pair.quickbooks_id or "")

    # -- deciding -----------------------------------------------------------------------------------
    def _sync(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
              pending: list[PendingWrite] | None = None) -> Result | None:
        label = pair.label
        if not settings.enabled:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note="Quote sync is turned off (Settings → Sync → Quotes).")
        if pair.link is None:
            origin = pair.record.source_side
            if not allows(settings, origin):
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note=f"Sync Direction is {settings.get_direction_display()}: a "
                                   f"{'quote' if origin == HUBSPOT else 'estimate'} made in {SIDE_NAMES[origin]} "
                                   "doesn't sync.")
            if origin == HUBSPOT:
                if pair.hubspot is None:
                    return Result(AttemptOutcome.SKIPPED, action="none", label=label,
                                  note="Deleted in HubSpot before it was ever synced; nothing to do.")
                if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                    return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
                return self._to_quickbooks(context, settings, pair, "create", pending=pending)
            if pair.estimate is None:
                return Result(AttemptOutcome.SKIPPED, action="none", label=label,
                              note="Deleted in QuickBooks before it was ever synced; nothing to do.")
            wanted = estimate_status(pair.estimate, None)
            if wanted is None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note="Closed in QuickBooks before it was ever synced; nothing to do.")
            if (skip := self._filtered(settings, wanted)) is not None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
            return self._to_hubspot(context, settings, pair, "create")

        state = pair.state
        hubspot_changed = pair.hubspot is None or state is None or (
            fingerprint(pair.hubspot.content()) != state.hubspot_fingerprint)
        quickbooks_changed = pair.estimate is None or state is None or (
            fingerprint(estimate_content(pair.estimate)) != state.quickbooks_fingerprint)
        if not hubspot_changed and not quickbooks_changed:
            destination = (pair.record.destination_id, pair.record.destination_label)
            if pair.link is not None and (pair.replayed or not destination[0]):
                # Linked by a replay of a batched write (this drain's or another's): that write is
                # what happened to the pair, and its record may never have been told.
                if pair.record.source_side == HUBSPOT:
                    destination = (pair.link.quickbooks_id, pair.link.quickbooks_label or pair.link.quickbooks_id)
                else:
                    destination = (pair.link.hubspot_id, pair.hubspot.label if pair.hubspot else label)
            if pair.replayed:
                return Result(AttemptOutcome.SUCCESS, action=pair.replayed, label=label, note=" ".join(pair.notes),
                              destination_id=destination[0], destination_label=destination[1])
            return Result(AttemptOutcome.SUCCESS, action="unchanged", label=label,
                          destination_id=destination[0], destination_label=destination[1],
                          note="Both sides match what was last synced; nothing to write.")
        overwritten: dict[str, Any] = {}
        if hubspot_changed and quickbooks_changed:
            winner = self._newer(settings, pair)
            loser = QUICKBOOKS if winner == HUBSPOT else HUBSPOT
            overwritten = {"side": SIDE_NAMES[loser], "changed_at": _iso(self._modified(pair, loser)),
                           "kept": SIDE_NAMES[winner], "kept_changed_at": _iso(self._modified(pair, winner))}
            pair.notes.append(
                f"Both sides changed since the last sync; the {SIDE_NAMES[winner]} change "
                f"({overwritten['kept_changed_at'] or 'time unknown'}) is newer and overwrote the "
                f"{SIDE_NAMES[loser]} change ({overwritten['changed_at'] or 'time unknown'}).")
        else:
            winner = HUBSPOT if hubspot_changed else QUICKBOOKS
            if not allows(settings, winner):
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note=f"Changed in {SIDE_NAMES[winner]}, but Sync Direction is "
                                   f"{settings.get_direction_display()}; the change stays there.")
        if winner == HUBSPOT:
            if pair.hubspot is None:
                return self._void_estimate(context, settings, pair, overwritten)
            if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
            return self._to_quickbooks(context, settings, pair, "update", overwritten, pending)
        if pair.estimate is None or estimate_status(pair.estimate, pair.hubspot.status if pair.hubspot else None) is None:
            return self._void_quote(context, settings, pair, overwritten)
        wanted = estimate_status(pair.estimate, pair.hubspot.status if pair.hubspot else None) or ""
        if (skip := self._filtered(settings, wanted)) is not None:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
        return self._to_hubspot(context, settings, pair, "update" if pair.hubspot is not None else "create",
                                overwritten)

    @staticmethod
    def _filtered(settings: QuoteSyncSettings, status: str) -> str | None:
        if status in settings.status_filter:
            return None
        return f"Status {status.replace('_', ' ').title()} is not in the Sync Statuses (Settings → Sync → Quotes)."

    def _newer(self, settings: QuoteSyncSettings, pair: Pair) -> str:
        if settings.direction != QuoteDirection.BIDIRECTIONAL:
            return HUBSPOT if settings.direction == QuoteDirection.HUBSPOT_TO_QUICKBOOKS else QUICKBOOKS
        hubspot_at, quickbooks_at = self._modified(pair, HUBSPOT), self._modified(pair, QUICKBOOKS)
        if hubspot_at is None:
            return QUICKBOOKS
        if quickbooks_at is None:
            return HUBSPOT
        return HUBSPOT if hubspot_at >= quickbooks_at else QUICKBOOKS

    @staticmethod
    def _modified(pair: Pair, side: str) -> datetime | None:
        if side == HUBSPOT:
            return pair.hubspot.modified_at() if pair.hubspot is not None else timezone.now()
        return qbo_time(pair.estimate) if pair.estimate is not None else timezone.now()

    # -- HubSpot → QuickBooks ------------------------------------------------------------------------
    def _estimate_body(self, context: SyncContext, pair: Pair, *, dry_run: bool = False) -> dict[str, Any]:
        assert pair.hubspot is not None
        quote = pair.hubspot
        if not quote.contact_id:
            raise errors.SyncFailure(errors.CUSTOMER_NOT_FOUND,
                                     "Customer not found: the quote has no contact in HubSpot.")
        if pair.customer is None:  # not resolved with its batch (a pair decided again after a replay)
            self._prepare_customers(context, [pair], dry_run=dry_run)
        customer = pair.customer
        assert customer is not None
        if isinstance(customer, errors.SyncFailure):
            raise customer
        if customer.note:
            pair.notes.append(customer.note)
        if not quote.lines:
            raise errors.SyncFailure(errors.VALIDATION_ERROR, "The quote has no line items in HubSpot.")
        catalog: ItemCatalog = context.cache.setdefault("items", ItemCatalog(context))
        catalog.load([str((line.get("properties") or {}).get("hs_sku") or "") for line in quote.lines])
        tax: TaxPlan = context.cache.get("tax_plan") or context.cache.setdefault("tax_plan", TaxPlan(context))
        lines: list[dict[str, Any]] = []
        jurisdiction: str | None = None
        for line in sorted(quote.lines, key=_line_order):
            p = line.get("properties") or {}
            sku = str(p.get("hs_sku") or "").strip()
            if not sku:
                raise errors.SyncFailure(errors.SKU_NOT_FOUND,
                                         f"SKU not found: line “{p.get('name') or line['id']}” has no SKU")
            item = catalog.find(sku)
            # HubSpot's `discount` is per unit; an estimate line has none of its own (Intuit
            # "Estimate" reference), so it carries the discounted unit price, as invoices do.
            line_money = sales_line_money(p, str(p.get("name") or line["id"]))
            line_tax = tax.for_line(p.get("hs_tax_rate_group_id"))
            jurisdiction = jurisdiction or line_tax.jurisdiction
            lines.append({
                "DetailType": "SalesItemLineDetail", "Amount": str(line_money.amount),
                "Description": str(p.get("name") or "")[:4000],
                "SalesItemLineDetail": {"ItemRef": {"value": str(item["Id"])}, **line_money.detail(),
                                        "TaxCodeRef": {"value": line_tax.code}},
            })
        props = quote.props
        body: dict[str, Any] = {
            "CustomerRef": {"value": customer.quickbooks_id}, "Line": lines,
            "TxnStatus": HUBSPOT_TO_QUICKBOOKS.get(quote.status, "Pending"),
            "PrivateNote": f"From HubSpot quote {quote.quote['id']} (portal {context.portal_id}) by SimpleCommerceSync.",
        }
        if props.get("hs_quote_number"):
            body["DocNumber"] = str(props["hs_quote_number"])[:21]
        if (expires := qbo_date(props.get("hs_expiration_date"))) is not None:
            body["ExpirationDate"] = expires
        if props.get("hs_currency"):
            body["CurrencyRef"] = {"value": str(props["hs_currency"])}
        body.update(tax.transaction_fields(jurisdiction))
        return body

    def _to_quickbooks(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair, verb: str,
                       overwritten: dict[str, Any] | None = None,
                       pending: list[PendingWrite] | None = None) -> Result | None:
        assert pair.hubspot is not None
        write = PendingWrite(pair, verb, overwritten or {})
        if pending is not None:
            pending.append(write)  # sent with the batch's other estimates (`_write_estimates`)
            return None
        # A pair with a write a dead worker left in flight: on its own, that write replayed first.
        return next(result for _, result in self._write_estimates(context, [write], replaying=True))

    def _prepare_customers(self, context: SyncContext, pairs: Sequence[Pair], *, dry_run: bool) -> None:
        """The QuickBooks customers of these quotes' contacts and the items of their SKUs, for the
        whole batch at once: one contact batch read, the customer lookups and creates of
        `resolve_customers` (batched), SKU lookups 40 to a query (the bench profile: a contact
        read, a customer resolution and an item query per quote were a third of the drain)."""
        quoted = [p for p in pairs if p.hubspot is not None]
        catalog: ItemCatalog = context.cache.setdefault("items", ItemCatalog(context))
        catalog.load([str((line.get("properties") or {}).get("hs_sku") or "").strip()
                      for p in quoted for line in (p.hubspot.lines if p.hubspot else [])])
        todo = [(p, str(p.hubspot.contact_id)) for p in quoted
                if p.customer is None and p.hubspot is not None and p.hubspot.contact_id]
        if not todo:
            return
        context.checkpoint()
        contacts = context.hubspot.batch_read("contacts", list(dict.fromkeys(c for _, c in todo)), CONTACT_PROPERTIES)
        if dry_run:  # Preview's records are unsaved (no ids): planned by contact
            planned = plan_customers(context, contacts, {c: c for _, c in todo})
            for pair, contact_id in todo:
                pair.customer = planned[contact_id]
            return
        resolved = resolve_customers(context, contacts, {p.record.pk: c for p, c in todo})
        note_customers(context, [(c, contacts.get(c), resolved[p.record.pk], p.record.requested_by) for p, c in todo])
        for pair, _ in todo:
            pair.customer = resolved[pair.record.pk]

    def _write_estimates(self, context: SyncContext, writes: list[PendingWrite], *,
                         replaying: bool = False) -> list[tuple[SyncRecord, Result]]:
        """The estimate writes of a batch: bodies composed with the batch's customers and items,
        sent ≤ 30 to a journaled QuickBooks batch request (one alone as a single request), linked,
        then the estimates' ids and numbers written back to the quotes in HubSpot batch updates.

        `replaying` (one pair whose record has a single write in flight): that write is replayed
        first with its own requestid, and what it made is used, never made twice."""
        results: dict[int, Result] = {}
        self._prepare_customers(context, [w.pair for w in writes], dry_run=False)
        ready: list[PendingWrite] = []
        for write in writes:
            pair = write.pair
            assert pair.hubspot is not None
            try:
                write.body = self._estimate_body(context, pair)
            except errors.SyncFailure as failure:
                results[pair.record.pk] = Result(AttemptOutcome.FAILED, kind=failure.kind, message=failure.message,
                                                 label=pair.label, note=" ".join(pair.notes))
                continue
            except Rejected as refused:
                results[pair.record.pk] = Result(AttemptOutcome.FAILED, kind=errors.QUOTE_NOT_EDITABLE, label=pair.label,
                                                 message=f"Can't change the other side: {refused.message}",
                                                 note=" ".join(pair.notes))
                continue
            if pair.estimate is not None and converted_to(pair.estimate):
                # QuickBooks keeps an invoiced estimate Closed (Intuit "Estimate": LinkedTxn); only
                # what it allows is sent, and the record says so.
                write.body["TxnStatus"] = "Closed"
                pair.notes.append(f"Already invoiced in QuickBooks (invoice {', '.join(converted_to(pair.estimate))}); "
                                  "the estimate stays Closed.")
            write.entry = WriteEntry(pair.record.pk, LinkKind.QUOTE, str(pair.hubspot.quote["id"]),
                                     fingerprint(pair.hubspot.content()))
            if pair.estimate is None:
                write.verb = "create"
            if replaying:
                self._use_replayed(context, write)
            ready.append(write)
        to_send = [w for w in ready if w.outcome is None]
        for write in to_send:
            estimate = write.pair.estimate
            if estimate is not None:
                write.body = {**write.body, "Id": str(estimate["Id"]),
                              "SyncToken": str(estimate.get("SyncToken") or "0"), "sparse": True}
        self._send(context, to_send)
        written: list[PendingWrite] = []
        for write in ready:
            pair, outcome = write.pair, write.outcome
            assert outcome is not None and pair.hubspot is not None
            if outcome.entity is None:
                message = getattr(outcome.error, "message", None) or str(outcome.error)
                kind = errors.ALREADY_SYNCED if str(getattr(outcome.error, "code", "")) in ("6140", "6210") else (
                    errors.VALIDATION_ERROR)
                results[pair.record.pk] = Result(AttemptOutcome.FAILED, kind=kind, label=pair.label,
                                                 message=f"QuickBooks refused the estimate: {message}")
                continue
            quote_props = pair.hubspot.quote.setdefault("properties", {})
            write.back = {name: value for name, value in estimate_write_back(outcome.entity).items()
                          if str(quote_props.get(name) or "") != value}
            if not quote_props.get("hs_quote_number") and outcome.entity.get("DocNumber"):
                # Quote number ↔ DocNumber: a quote without a number takes the estimate's.
                write.back["hs_quote_number"] = str(outcome.entity["DocNumber"])
            quote_props.update(write.back)
            written.append(write)
        # Linked (and the writes answered, refused ones too) before anything else is written: a
        # crash from here on leaves pairs to update, never an estimate to create again.
        answered = {i for w in ready for i in (w.outcome.journal_id if w.outcome else 0, *w.answered) if i}
        self._remember_many(context, [(w.pair, w.outcome.entity) for w in written
                                      if w.outcome is not None and w.outcome.entity is not None], answered)
        self._write_back(context, written)
        for write in written:
            results[write.pair.record.pk] = self._written(write)
        return [(w.pair.record, results[w.pair.record.pk]) for w in writes if w.pair.record.pk in results]

    def _use_replayed(self, context: SyncContext, write: PendingWrite) -> None:
        """Estimate writes of the pair's record still in flight, replayed: an estimate one of them
        made is the pair's, and a create of exactly today's body is this attempt's write."""
        pair = write.pair
        in_flight = self._replay_in_flight(context, pair)
        write.answered = [done.journal_id for _, done in in_flight]
        made = next(((row, done) for row, done in reversed(in_flight) if done.entity is not None), None)
        if made is not None and pair.estimate is None:
            row, done = made
            pair.estimate = done.entity
            pair.notes.append(REPLAYED_NOTE)
            if row.operation == "create:Estimate" and row.body == write.body:
                write.outcome = done  # exactly what would be written now

    def _send(self, context: SyncContext, writes: list[PendingWrite]) -> None:
        """Each write's outcome: one alone as a single request, more ≤ 30 to a batch request; an
        update refused as stale (Intuit 5010) is sent again with the estimate's current SyncToken."""
        if len(writes) == 1:
            write = writes[0]
            assert write.entry is not None
            write.outcome = write_one(context, "Estimate", "update" if "Id" in write.body else "create",
                                      write.body, write.entry)
        else:
            for start in range(0, len(writes), ESTIMATES_PER_BATCH):
                chunk = writes[start:start + ESTIMATES_PER_BATCH]
                outcomes = write_batch(context, [(w.entry, "update" if "Id" in w.body else "create", "Estimate",
                                                  w.body) for w in chunk if w.entry is not None])
                by_record = {o.entry.record_id: o for o in outcomes}
                journal_id = next((o.journal_id for o in outcomes), 0)
                for write in chunk:
                    assert write.entry is not None
                    write.outcome = by_record.get(write.pair.record.pk) or WriteOutcome(
                        write.entry, None, Rejected("QuickBooks answered the batch without this estimate."), journal_id)
        for write in writes:
            assert write.entry is not None and write.outcome is not None
            if write.outcome.error is not None and is_stale(write.outcome.error) and "Id" in write.body:
                # Someone changed the estimate since we read it: take its current SyncToken, write again.
                forget(context, "Estimate", str(write.body["Id"]))
                context.checkpoint()
                current = context.quickbooks.read("Estimate", str(write.body["Id"]))
                write.outcome = write_one(context, "Estimate", "update",
                                          {**write.body, "SyncToken": current.get("SyncToken", "0")}, write.entry)

    def _write_back(self, context: SyncContext, written: list[PendingWrite]) -> None:
        """The estimates' ids and numbers onto their quotes (PRODUCT.md §4: the other side's id is
        written back), ≤ 100 quotes to a HubSpot batch update. None of them is in a quote's
        fingerprint, so they never echo."""
        updates = {str(w.pair.hubspot.quote["id"]): w.back for w in written if w.back and w.pair.hubspot}
        if not updates:
            return
        try:
            ensure_stamp(context, QUOTE_STAMP)
            context.checkpoint()
            context.hubspot.batch_update("quotes", updates)
        except Rejected as refused:
            failed: dict[str, str] = {}
            if isinstance(refused, PartialBatchFailure):
                failed = {str(i): f.message for f in refused.failures for i in f.ids}
            for write in written:
                quote_id = str(write.pair.hubspot.quote["id"]) if write.pair.hubspot else ""
                if quote_id in updates and (not failed or quote_id in failed):
                    write.pair.notes.append("Couldn't write the estimate's id and number back to HubSpot: "
                                            f"{failed.get(quote_id) or refused.message}")

    def _written(self, write: PendingWrite) -> Result:
        pair, outcome = write.pair, write.outcome
        assert outcome is not None and outcome.entity is not None
        written = outcome.entity
        changes: dict[str, Any] = {"direction": "HubSpot → QuickBooks"}
        if write.verb == "create":
            changes["created"] = {"DocNumber": written.get("DocNumber"), "lines": len(write.body["Line"]),
                                  "TxnStatus": written.get("TxnStatus")}
        else:
            before = estimate_content(pair.estimate) if pair.estimate else {}
            after = estimate_content(written)
            changes.update({k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)})
        if write.overwritten:
            changes["overwritten"] = write.overwritten
        return self._done(pair, "created" if write.verb == "create" else "updated", written, changes)

    @staticmethod
    def _replay_in_flight(context: SyncContext, pair: Pair) -> list[tuple[QuickBooksWrite, WriteOutcome]]:
        """Estimate writes of this pair's record still `sent` (a worker died before their answer
        was stored), re-sent byte for byte, oldest first."""
        replayed: list[tuple[QuickBooksWrite, WriteOutcome]] = []
        for row in unanswered_for(context, [pair.record.pk]):
            if row.operation in ESTIMATE_WRITES:
                replayed.extend((row, done) for done in replay(context, [row]))
        return replayed

    def _settle_unwritten(self, context: SyncContext, pair: Pair) -> bool:
        """Estimate writes a dead worker left in flight for a pair whose attempt ended without
        writing to QuickBooks (skipped, filtered, voided on the HubSpot side, failed before the
        write): closed now, so none is replayed later, by surprise, with a body composed long before.

        Replaying would create the estimate if the first send never arrived, which this attempt
        decided against; so a create is looked for instead, read-only (below). Found, it is linked
        to its quote (never orphaned, never made twice) and True says: decide again. An update is
        just closed: the next comparison sees whatever it did to the estimate.
        """
        rows = [row for row in unanswered_for(context, [pair.record.pk]) if row.operation in IN_FLIGHT]
        if any(row.operation == QUOTE_CREATE for row in rows):
            return self._settle_quote_create(context, pair, rows)
        linked = False
        for row in rows:
            found = self._made_by(context, row) if row.operation == "create:Estimate" and not linked else None
            quote_id = str((row.record_ids or [{}])[0].get("hubspot_id") or "")
            taken = found is not None and RecordLink.objects.filter(
                workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
                quickbooks_realm_id=context.realm_id, hubspot_id=quote_id).exists()
            if found is None or taken or not quote_id:
                if found is not None:
                    pair.notes.append(f"An interrupted attempt had created QuickBooks {estimate_label(found)}, but the "
                                      "quote is linked to another estimate; delete it in QuickBooks if it isn't wanted.")
                mark_answered(row)
                continue
            store_links(context, [NewLink(LinkKind.QUOTE, quote_id, str(found["Id"]),
                                          fingerprint(estimate_content(found)), str(found.get("SyncToken") or ""),
                                          estimate_label(found))], [row.pk])
            pair.link = RecordLink.objects.get(
                workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
                quickbooks_realm_id=context.realm_id, hubspot_id=quote_id)
            pair.state, pair.estimate, pair.quickbooks_id, pair.hubspot_id = None, found, str(found["Id"]), quote_id
            pair.notes = [f"An interrupted attempt had created QuickBooks {estimate_label(found)}; it is linked to "
                          "this quote instead of being made again."]
            linked = True
        return linked

    def _settle_quote_create(self, context: SyncContext, pair: Pair, rows: list[QuickBooksWrite]) -> bool:
        """A quote create a dead worker left in doubt, for a pair whose attempt made none (e.g. the
        estimate was deleted before the retry): the quote it may have made is searched for, as a
        create would (`adopt_orphan`; `SearchNotSettled` while HubSpot's search may lag). Found, it
        is linked to its estimate and True says: decide again (a deleted estimate then voids it,
        Sync Void Status). Not found, the rows are closed (`adopt_orphan` answers them)."""
        estimate_id = next(str(e.get("fingerprint") or "") for row in rows if row.operation == QUOTE_CREATE
                           for e in row.record_ids)
        adopted = adopt_orphan(context, QUOTE_STAMP, pair.record.pk, estimate_id, LinkKind.QUOTE)
        for row in rows:
            if row.operation != QUOTE_CREATE:
                mark_answered(row)
        if adopted is None:
            return False
        if RecordLink.objects.filter(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                     hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id,
                                     quickbooks_id=estimate_id).exists():
            with transaction.atomic():
                QuickBooksWrite.objects.filter(pk__in=adopted.journal).update(
                    state=WriteState.ANSWERED, answered_at=timezone.now())
            pair.notes.append(f"An interrupted attempt had created HubSpot quote {adopted.id}, but the estimate is "
                              "linked to another quote; delete it in HubSpot if it isn't wanted.")
            return False
        store_links(context, [NewLink(LinkKind.QUOTE, adopted.id, estimate_id, "", "", "")], adopted.journal)
        pair.link = RecordLink.objects.get(
            workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, hubspot_id=adopted.id)
        pair.state, pair.hubspot_id, pair.quickbooks_id = None, adopted.id, estimate_id
        pair.hubspot = read_hubspot_quotes(context, [adopted.id]).get(adopted.id)
        pair.notes = [f"An interrupted attempt had created HubSpot quote {adopted.id}; it is linked to this estimate "
                      "instead of being left behind."]
        return True

    @staticmethod
    def _made_by(context: SyncContext, row: QuickBooksWrite) -> dict[str, Any] | None:
        """The estimate a journaled create made, if QuickBooks has it: same customer, created since
        the row was written (less clock skew), and our private note naming the quote."""
        body = row.body or {}
        customer = str((body.get("CustomerRef") or {}).get("value") or "")
        note = str(body.get("PrivateNote") or "")
        if not customer or not note:
            return None
        since = (row.created_at - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        quote = context.quickbooks.quote
        context.checkpoint()
        made = [e for e in context.quickbooks.query(
            "Estimate", f"CustomerRef = {quote(customer)} AND MetaData.CreateTime >= {quote(since)}")
            if str(e.get("PrivateNote") or "") == note]
        linked = set(RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, quickbooks_id__in=[str(e["Id"]) for e in made],
        ).values_list("quickbooks_id", flat=True))
        free = sorted((e for e in made if str(e["Id"]) not in linked),
                      key=lambda e: int(e["Id"]) if str(e["Id"]).isdigit() else 0)
        return free[0] if free else None

    def _void_estimate(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
                       overwritten: dict[str, Any]) -> Result:
        """The quote is gone from HubSpot (voided): close the estimate, if Sync Void Status is on."""
        if not settings.sync_void_status or pair.estimate is None:
            note = ("Voided (deleted) in HubSpot; Sync Void Status is off, so the estimate stays open."
                    if pair.estimate is not None else "Gone on both sides; nothing to do.")
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=pair.label, note=note)
        if str(pair.estimate.get("TxnStatus")) == "Closed":
            return Result(AttemptOutcome.SUCCESS, action="unchanged", label=pair.label,
                          destination_id=str(pair.estimate["Id"]), destination_label=estimate_label(pair.estimate),
                          note="Voided in HubSpot; the estimate was already closed.")
        body = {"Id": str(pair.estimate["Id"]), "SyncToken": str(pair.estimate.get("SyncToken") or "0"),
                "sparse": True, "TxnStatus": "Closed"}
        entry = WriteEntry(pair.record.pk, LinkKind.QUOTE, pair.hubspot_id or "", "voided")
        outcome = write_one(context, "Estimate", "update", body, entry)
        if outcome.entity is None:
            message = getattr(outcome.error, "message", None) or str(outcome.error)
            return Result(AttemptOutcome.FAILED, kind=errors.QUOTE_NOT_EDITABLE, label=pair.label,
                          message=f"Can't change the other side: QuickBooks refused to close the estimate: {message}")
        self._remember(context, pair, outcome.entity, [outcome.journal_id], written_side=QUICKBOOKS)
        changes: dict[str, Any] = {"direction": "HubSpot → QuickBooks", "TxnStatus": [pair.estimate.get("TxnStatus"), "Closed"]}
        if overwritten:
            changes["overwritten"] = overwritten
        pair.notes.append("Voided in HubSpot: the estimate is closed.")
        return self._done(pair, "voided", outcome.entity, changes)

    # -- QuickBooks → HubSpot ------------------------------------------------------------------------
    def _to_hubspot(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair, verb: str,
                    overwritten: dict[str, Any] | None = None) -> Result:
        estimate = pair.estimate
        assert estimate is not None
        current_status = pair.hubspot.status if pair.hubspot else None
        status = estimate_status(estimate, current_status) or "DRAFT"
        customers = quickbooks_entities(context, "Customer", [str((estimate.get("CustomerRef") or {}).get("value"))])
        customer = customers.get(str((estimate.get("CustomerRef") or {}).get("value")))
        if customer is None:
            raise errors.SyncFailure(errors.CUSTOMER_NOT_FOUND, "Customer not found: the estimate's QuickBooks "
                                                                "customer no longer exists.")
        reverse: ReverseTax = context.cache.get("reverse_tax") or context.cache.setdefault("reverse_tax",
                                                                                           ReverseTax(context))
        lines = wanted_lines(context, estimate, reverse)
        contact = contact_for_customer(context, customer)
        number = str(estimate.get("DocNumber") or "")
        expires = estimate.get("ExpirationDate") or (
            (datetime.fromisoformat(str(estimate["TxnDate"])) + timedelta(days=30)).date().isoformat()
            if estimate.get("TxnDate") else (timezone.now() + timedelta(days=30)).date().isoformat())
        properties: dict[str, str] = {
            "hs_title": f"Estimate {number}" if number else f"Estimate {estimate['Id']}",
            "hs_expiration_date": hubspot_date(str(expires)) or "",
            "hs_quote_number": number,
            **estimate_write_back(estimate),
        }
        currency = str((estimate.get("CurrencyRef") or {}).get("value") or "")
        if currency:
            properties["hs_currency"] = currency
        changes: dict[str, Any] = {"direction": "QuickBooks → HubSpot"}
        if pair.hubspot is None:
            # Journaled and stamped with the estimate's id: a worker that dies between HubSpot's
            # answer and the link leaves a quote the retry finds and adopts, never a second one.
            created = create_once(context, QUOTE_STAMP, pair.record.pk, LinkKind.QUOTE, str(estimate["Id"]),
                                  {**properties, "hs_status": "DRAFT"},
                                  [association(contact.contact_id, QUOTE_TO_CONTACT)])
            quote_id = created.id
            # Linked at once: a crash before the lines exist leads to an update, never a second quote.
            self._link(context, pair, quote_id, str(estimate["Id"]), "", journal=created.journal)
            if created.adopted:
                pair.notes.append("Adopted the HubSpot quote an interrupted attempt had created (it carries this "
                                  "estimate's id), instead of creating a second one.")
            create_line_items(context, lines, quote_id, LINE_ITEM_TO_QUOTE)
            if status != "DRAFT":
                context.checkpoint()
                context.hubspot.batch_update("quotes", {quote_id: {"hs_status": status}})
            changes["created"] = {"hs_quote_number": number, "lines": len(lines), "hs_status": status,
                                  "contact": contact.contact_id}
            action = "created"
        else:
            quote_id = str(pair.hubspot.quote["id"])
            before = pair.hubspot.props
            update = {k: v for k, v in {**properties, "hs_status": status}.items()
                      if str(before.get(k) or "") != v and not (k == "hs_expiration_date" and
                                                                 qbo_date(before.get(k)) == qbo_date(v))}
            if (pair.hubspot.contact_id or "") != contact.contact_id:
                pair.notes.append("The QuickBooks customer changed; associate the new contact in HubSpot by hand "
                                  "if the old one should go.")
            if [line.signature for line in lines] != current_line_signatures(sorted(pair.hubspot.lines,
                                                                                    key=_line_order)):
                context.checkpoint()
                context.hubspot.archive("line_items", [str(line["id"]) for line in pair.hubspot.lines])
                create_line_items(context, lines, quote_id, LINE_ITEM_TO_QUOTE)
                changes["lines"] = [len(pair.hubspot.lines), len(lines)]
            if update:
                if any(k in update for k in WRITE_BACK_NAMES):
                    ensure_stamp(context, QUOTE_STAMP)
                context.checkpoint()
                context.hubspot.batch_update("quotes", {quote_id: update})
                changes.update({k: [before.get(k), v] for k, v in update.items() if k not in WRITE_BACK_NAMES})
            action = "updated"
        if converted_to(estimate):
            pair.notes.append(f"Converted to QuickBooks invoice {', '.join(converted_to(estimate))} in QuickBooks.")
        pair.notes.extend(reverse.notes)
        reverse.notes.clear()
        if overwritten:
            changes["overwritten"] = overwritten
        pair.hubspot_id = quote_id
        pair.hubspot = read_hubspot_quotes(context, [quote_id]).get(quote_id)
        self._remember(context, pair, estimate, [], written_side=HUBSPOT)
        return self._done(pair, action, estimate, changes)

    def _void_quote(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
                    overwritten: dict[str, Any]) -> Result:
        """The estimate was closed without an invoice, or deleted: archive the quote (Sync Void Status)."""
        if not settings.sync_void_status or pair.hubspot is None:
            note = ("Closed or deleted in QuickBooks; Sync Void Status is off, so the quote stays."
                    if pair.hubspot is not None else "Gone on both sides; nothing to do.")
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=pair.label, note=note)
        context.checkpoint()
        context.hubspot.archive("quotes", [str(pair.hubspot.quote["id"])])
        changes: dict[str, Any] = {"direction": "QuickBooks → HubSpot", "quote": ["active", "archived (voided)"]}
        if overwritten:
            changes["overwritten"] = overwritten
        label = pair.label
        pair.hubspot = None
        if pair.estimate is not None:
            self._remember(context, pair, pair.estimate, [], written_side=HUBSPOT)
        pair.notes.append(f"{'Closed in QuickBooks without an invoice' if pair.estimate is not None else 'Deleted in QuickBooks'}"
                          ": the HubSpot quote is voided (archived).")
        return Result(AttemptOutcome.SUCCESS, action="voided", label=label, note=" ".join(pair.notes),
                      destination_id=pair.record.destination_id, destination_label=pair.record.destination_label,
                      changes=changes)

    # -- remembering ----------------------------------------------------------------------------------
    def _link(self, context: SyncContext, pair: Pair, hubspot_id: str, quickbooks_id: str, fp: str,
              sync_token: str = "", label: str = "", journal: list[int] | None = None) -> RecordLink:
        old = pair.link
        replacing: list[int] = []
        if old is not None and pair.replaced is None and (old.hubspot_id, old.quickbooks_id) != (hubspot_id,
                                                                                              quickbooks_id):
            # The object this pair was linked to was deleted on the side we write to, and the
            # other side's change made it again: the old link goes (its ids stay in the attempt).
            if old.hubspot_id != hubspot_id:
                replacing.append(old.pk)
                pair.replaced = link_history(old, "HubSpot")
                pair.notes.append(f"Its HubSpot quote {old.hubspot_id} was deleted in HubSpot, so a new quote was "
                                  "made from the estimate; the old link is in this attempt's history.")
            else:
                pair.replaced = link_history(old, "QuickBooks")
                pair.notes.append(f"Its QuickBooks estimate {old.quickbooks_id} was deleted in QuickBooks, so a new "
                                  "estimate was made from the quote; the old link is in this attempt's history.")
        store_links(context, [NewLink(LinkKind.QUOTE, hubspot_id, quickbooks_id, fp, sync_token, label)], journal or [],
                    replacing=replacing)
        link = RecordLink.objects.get(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                      hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id,
                                      hubspot_id=hubspot_id)
        pair.link = link
        return link

    def _remember(self, context: SyncContext, pair: Pair, estimate: dict[str, Any], journal: list[int],
                  *, written_side: str) -> None:
        """Both sides' fingerprints and times as they are now: the baseline the next sync compares with."""
        hubspot_id = str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")
        quickbooks_fp = fingerprint(estimate_content(estimate))
        with transaction.atomic():
            link = self._link(context, pair, hubspot_id, str(estimate["Id"]), quickbooks_fp,
                              str(estimate.get("SyncToken") or ""), estimate_label(estimate), journal)
            TwoWayState.objects.update_or_create(link=link, defaults={
                "hubspot_fingerprint": fingerprint(pair.hubspot.content()) if pair.hubspot is not None else "",
                "quickbooks_fingerprint": quickbooks_fp,
                "hubspot_modified_at": pair.hubspot.modified_at() if pair.hubspot is not None else None,
                "quickbooks_modified_at": qbo_time(estimate),
                "last_written_side": written_side, "updated_at": timezone.now(),
            })

    def _remember_many(self, context: SyncContext, done: list[tuple[Pair, dict[str, Any]]],
                       journal: Iterable[int]) -> None:
        """`_remember` for the estimates a batch wrote: the links and both sides' fingerprints in
        one transaction, a few statements for the batch (not a transaction and four per pair)."""
        simple: list[tuple[Pair, dict[str, Any]]] = []
        with transaction.atomic():
            for pair, estimate in done:
                hubspot_id = str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")
                old = pair.link
                if old is not None and pair.replaced is None and (old.hubspot_id, old.quickbooks_id) != (
                        hubspot_id, str(estimate["Id"])):
                    # The link's other object was deleted and made again: its own path keeps the history.
                    self._remember(context, pair, estimate, [], written_side=QUICKBOOKS)
                else:
                    simple.append((pair, estimate))
            links = remember_states(context, [
                (str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or ""),
                 fingerprint(pair.hubspot.content()) if pair.hubspot is not None else "",
                 pair.hubspot.modified_at() if pair.hubspot is not None else None, estimate)
                for pair, estimate in simple], journal, written_side=QUICKBOOKS)
        for pair, _ in simple:
            pair.link = links[str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")]

    def _settle_batch_replays(self, context: SyncContext, records: Sequence[SyncRecord],
                              unanswered: Sequence[QuickBooksWrite]) -> dict[int, str]:
        """Batched estimate writes a dead worker left in flight for these records: replayed byte for
        byte with their own requestid (QuickBooks answers with what they did, or does it now), then
        every estimate they made is linked to its quote, as if that worker had lived: both sides'
        fingerprints as written and the estimate's id and number on the quote. Records of such a
        batch another drain holds find the link, never a reason to create again.
        Returns record id → "created"/"updated" for the records whose estimate this replay wrote."""
        rows = [row for row in unanswered
                if row.operation == "batch" and row.record_ids
                and all(str(e.get("kind")) == LinkKind.QUOTE for e in row.record_ids)]
        if not rows:
            return {}
        made: list[tuple[WriteEntry, dict[str, Any], dict[str, Any]]] = []
        verbs: dict[int, str] = {}
        for row in rows:
            sent = {int(e["record"]): op for e, op in zip(row.record_ids, (row.body or {}).get("operations") or [],
                                                          strict=False)}
            for outcome in replay(context, [row]):
                op = sent.get(outcome.entry.record_id) or {}
                if outcome.entity is not None:
                    made.append((outcome.entry, outcome.entity, dict(op.get("body") or {})))
                    verbs[outcome.entry.record_id] = "created" if op.get("operation") == "create" else "updated"
        quotes = read_hubspot_quotes(context, [entry.hubspot_id for entry, _, _ in made])
        updates: dict[str, dict[str, str]] = {}
        states: list[tuple[str, str, datetime | None, dict[str, Any]]] = []
        for entry, entity, body in made:
            back = updates[entry.hubspot_id] = estimate_write_back(entity)
            if not body.get("DocNumber") and entity.get("DocNumber"):
                back["hs_quote_number"] = str(entity["DocNumber"])
            quote = quotes.get(entry.hubspot_id)
            if quote is not None and fingerprint(quote.content()) == entry.fingerprint:
                # Unchanged since that write: remembered as the write-back leaves it, as `_write_estimates` does.
                quote.quote.setdefault("properties", {}).update(back)
                states.append((entry.hubspot_id, fingerprint(quote.content()), quote.modified_at(), entity))
            else:  # changed since (or gone): its next decision sees that and writes it
                states.append((entry.hubspot_id, entry.fingerprint, None, entity))
        remember_states(context, states, [row.pk for row in rows], written_side=QUICKBOOKS)
        if updates:
            try:
                ensure_stamp(context, QUOTE_STAMP)
                context.checkpoint()
                context.hubspot.batch_update("quotes", updates)
            except Rejected as refused:  # e.g. a quote deleted since: its next sync sees that
                logger.warning("write-back of replayed estimates to HubSpot failed: %s", refused.message)
        ours = {r.pk for r in records}
        return {record_id: verb for record_id, verb in verbs.items() if record_id in ours}

    def _done(self, pair: Pair, action: str, estimate: dict[str, Any], changes: dict[str, Any]) -> Result:
        if pair.replaced is not None:
            changes["replaced_link"] = pair.replaced
        if pair.record.source_side == HUBSPOT:
            destination_id, destination_label = str(estimate["Id"]), estimate_label(estimate)
        else:
            destination_id = pair.hubspot_id or ""
            destination_label = pair.hubspot.label if pair.hubspot is not None else f"Quote {destination_id}"
        return Result(AttemptOutcome.SUCCESS, action=action, label=pair.label, note=" ".join(pair.notes),
                      destination_id=destination_id, destination_label=destination_label, changes=changes)


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


def remember_states(context: SyncContext, items: Sequence[tuple[str, str, datetime | None, dict[str, Any]]],
                    journal: Iterable[int], *, written_side: str) -> dict[str, RecordLink]:
    """(HubSpot quote id, its fingerprint, its modification time, the estimate as written) → the
    quote links and their `TwoWayState`s, stored in one transaction with the writes answered.
    Returns HubSpot id → link."""
    now = timezone.now()
    with transaction.atomic():
        store_links(context, [NewLink(LinkKind.QUOTE, hubspot_id, str(estimate["Id"]),
                                      fingerprint(estimate_content(estimate)), str(estimate.get("SyncToken") or ""),
                                      estimate_label(estimate)) for hubspot_id, _, _, estimate in items], journal)
        links = links_by_hubspot_id(context, LinkKind.QUOTE, [hubspot_id for hubspot_id, _, _, _ in items])
        states = {hubspot_id: TwoWayState(
            link=links[hubspot_id], hubspot_fingerprint=hubspot_fp,
            quickbooks_fingerprint=fingerprint(estimate_content(estimate)), hubspot_modified_at=modified,
            quickbooks_modified_at=qbo_time(estimate), last_written_side=written_side, updated_at=now,
        ) for hubspot_id, hubspot_fp, modified, estimate in items}
        TwoWayState.objects.bulk_create(
            list(states.values()), batch_size=500, update_conflicts=True, unique_fields=["link"],
            update_fields=["hubspot_fingerprint", "quickbooks_fingerprint", "hubspot_modified_at",
                           "quickbooks_modified_at", "last_written_side", "updated_at"])
    return links


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""

