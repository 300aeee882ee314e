"""Estimate → quote (QuickBooks → HubSpot): the quote made or updated from the estimate (contact
by the customer's email, line items by SKU, tax codes back to HubSpot rates), created exactly once,
and a closed or deleted estimate voiding (archiving) its quote.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import AttemptOutcome, LinkKind
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.money import qbo_date
from simplecommercesync.sync.mapping.to_hubspot import (
    QUOTE_STAMP,
    ReverseTax,
    association,
    contact_for_customer,
    create_line_items,
    create_once,
    current_line_signatures,
    ensure_stamp,
    hubspot_date,
    quickbooks_entities,
    wanted_lines,
)
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.pairs import (
    HUBSPOT,
    WRITE_BACK_NAMES,
    Pair,
    converted_to,
    estimate_status,
    estimate_write_back,
    line_order,
    read_hubspot_quotes,
)
from simplecommercesync.sync.types.quotes.two_way import TwoWay

# HubSpot's default association type ids (HubSpot "Associations v4" reference): quote→contact 69,
# line item→quote 68.
QUOTE_TO_CONTACT, LINE_ITEM_TO_QUOTE = 69, 68


class ToHubSpot(TwoWay):
    """Part of `QuoteSync`: QuickBooks → HubSpot, estimates written as quotes."""

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
            raise errors.SyncFailure(mapping_errors.CUSTOMER_NOT_FOUND, "Customer not found: the estimate's "
                                                                        "QuickBooks customer no longer exists.")
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
                                                                                    key=line_order)):
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
