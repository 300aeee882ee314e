"""Quote → estimate (HubSpot → QuickBooks): the estimate body (customer by email, lines by SKU,
tax by the tax mapping), sent a batch at a time to journaled QuickBooks requests, the estimate's
id and number written back onto the quote, and a voided quote closing its estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.http.failures import PartialBatchFailure
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import AttemptOutcome, LinkKind, SyncRecord
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.engine.writes import WriteEntry, WriteOutcome, is_stale, write_batch, write_one
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.customers import (
    CONTACT_PROPERTIES,
    note_customers,
    plan_customers,
    resolve_customers,
)
from simplecommercesync.sync.mapping.items import ItemCatalog
from simplecommercesync.sync.mapping.line_money import sales_line_money
from simplecommercesync.sync.mapping.money import qbo_date
from simplecommercesync.sync.mapping.tax import TaxPlan
from simplecommercesync.sync.mapping.to_hubspot import QUOTE_STAMP, ensure_stamp, forget
from simplecommercesync.sync.types.quotes import errors as quote_errors
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.pairs import (
    HUBSPOT_TO_QUICKBOOKS,
    QUICKBOOKS,
    Pair,
    PendingWrite,
    converted_to,
    estimate_content,
    estimate_label,
    estimate_write_back,
    line_order,
)
from simplecommercesync.sync.types.quotes.replays import Replays
from simplecommercesync.sync.types.quotes.two_way import TwoWay, fingerprint

# Estimates written in one QuickBooks batch request (Intuit "Batch": ≤ 30 operations a request).
ESTIMATES_PER_BATCH = 30


class ToQuickBooks(Replays, TwoWay):
    """Part of `QuoteSync`: HubSpot → QuickBooks, quotes written as estimates."""

    # -- HubSpot → QuickBooks ------------------------------------------------------------------------
    def _estimate_body(self, context: SyncContext, pair: Pair, *, dry_run: bool = False) -> dict[str, Any]:
        assert pair.hubspot is not None
        quote = pair.hubspot
        if not quote.contact_id:
            raise errors.SyncFailure(mapping_errors.CUSTOMER_NOT_FOUND,
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
        for line in sorted(quote.lines, key=line_order):
            p = line.get("properties") or {}
            sku = str(p.get("hs_sku") or "").strip()
            if not sku:
                raise errors.SyncFailure(mapping_errors.SKU_NOT_FOUND,
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
                results[pair.record.pk] = Result(AttemptOutcome.FAILED, kind=quote_errors.QUOTE_NOT_EDITABLE,
                                                 label=pair.label, note=" ".join(pair.notes),
                                                 message=f"Can't change the other side: {refused.message}")
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
                duplicate = str(getattr(outcome.error, "code", "")) in ("6140", "6210")
                kind = mapping_errors.ALREADY_SYNCED if duplicate else errors.VALIDATION_ERROR
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
            return Result(AttemptOutcome.FAILED, kind=quote_errors.QUOTE_NOT_EDITABLE, label=pair.label,
                          message=f"Can't change the other side: QuickBooks refused to close the estimate: {message}")
        self._remember(context, pair, outcome.entity, [outcome.journal_id], written_side=QUICKBOOKS)
        changes: dict[str, Any] = {"direction": "HubSpot → QuickBooks", "TxnStatus": [pair.estimate.get("TxnStatus"), "Closed"]}
        if overwritten:
            changes["overwritten"] = overwritten
        pair.notes.append("Voided in HubSpot: the estimate is closed.")
        return self._done(pair, "voided", outcome.entity, changes)
