"""Invoices, QuickBooks → HubSpot (the second Sync Direction of Settings → Sync → Invoices).

Per QuickBooks invoice: skip it if we wrote it from a HubSpot invoice (Skip Integration Source) or
its status isn't in the Invoice Status Filter → contact by the customer's email (created when
missing) → each line's HubSpot product by SKU (any miss fails the whole invoice) → tax code back
to a HubSpot tax rate → create the HubSpot invoice as a draft (HubSpot's rule: every invoice
starts as draft), with its contact and line items → move it to open, and to voided when voided in
QuickBooks (HubSpot's Invoices guide: open needs a contact and a line item; paid comes only from
payments). A later change updates the same HubSpot invoice while HubSpot still lets it change.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, link_history, store_links
from simplecommercesync.sync.engine.models import AttemptOutcome, LinkKind, RecordLink, SyncRecord
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.to_hubspot import (
    INVOICE_STAMP,
    ReverseTax,
    SearchNotSettled,
    adopt_orphan,
    association,
    contact_for_customer,
    create_line_items,
    create_once,
    current_line_signatures,
    hubspot_date,
    quickbooks_entities,
    wanted_lines,
)
from simplecommercesync.sync.types.invoices.to_quickbooks import InvoiceSyncSettings, invoice_settings

INVOICE_PROPERTIES = ("hs_invoice_status", "hs_number", "hs_currency", "hs_invoice_date", "hs_due_date")
LINE_PROPERTIES = ("hs_sku", "quantity", "price", "hs_tax_rate_group_id")
# HubSpot's default association type ids (Associations v4 reference): invoice→contact 177,
# line item→invoice 410.
INVOICE_TO_CONTACT, LINE_ITEM_TO_INVOICE = 177, 410
MARKER = "by SimpleCommerceSync"


def quickbooks_status(invoice: dict[str, Any]) -> str:
    """draft | open | paid | voided, as the Invoice Status Filter names them (QuickBooks has no drafts).

    Intuit keeps a voided invoice with amounts 0 and the private note "Voided".
    """
    if str(invoice.get("PrivateNote") or "").startswith("Voided") and Decimal(str(invoice.get("TotalAmt") or 0)) == 0:
        return "voided"
    if Decimal(str(invoice.get("Balance") or 0)) <= 0 < Decimal(str(invoice.get("TotalAmt") or 0)):
        return "paid"
    return "open"


def content_fingerprint(invoice: dict[str, Any]) -> str:
    lines = [((line.get("SalesItemLineDetail") or {}).get("ItemRef"), (line.get("SalesItemLineDetail") or {}).get("Qty"),
              (line.get("SalesItemLineDetail") or {}).get("UnitPrice"), line.get("Amount"))
             for line in invoice.get("Line") or [] if line.get("DetailType") == "SalesItemLineDetail"]
    content = {"status": quickbooks_status(invoice), "customer": (invoice.get("CustomerRef") or {}).get("value"),
               "lines": lines, "due": invoice.get("DueDate"), "date": invoice.get("TxnDate"),
               "number": invoice.get("DocNumber")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


class QuickBooksInvoiceSync:
    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = invoice_settings(context.workspace_id)
        invoices = quickbooks_entities(context, "Invoice", [r.source_id for r in batch.records])
        links = {link.quickbooks_id: link for link in RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=LinkKind.INVOICE, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, quickbooks_id__in=[r.source_id for r in batch.records])}
        for record in batch.records:
            batch.keep_lease()
            invoice = invoices.get(record.source_id)
            label = f"Invoice {invoice.get('DocNumber') or invoice['Id']}" if invoice else f"Invoice {record.source_id}"
            if invoice is None:
                try:
                    note = " ".join(["Deleted in QuickBooks; the HubSpot invoice is kept.",
                                     *self._settle_orphan(context, record)])
                except SearchNotSettled as waiting:
                    batch.finish(record, Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=label,
                                                message=waiting.message, retry_after=waiting.retry_after))
                    continue
                batch.finish(record, Result(AttemptOutcome.SKIPPED, action="none", label=label, note=note))
                continue
            try:
                result = self._sync(context, settings, record, invoice, links.get(record.source_id), label)
            except errors.SyncFailure as failure:
                result = Result(AttemptOutcome.FAILED, kind=failure.kind, message=failure.message, label=label)
            except Rejected as refused:
                result = Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=label,
                                message=f"HubSpot refused the invoice: {refused.message}")
            except SearchNotSettled as waiting:
                result = Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=label, message=waiting.message,
                                retry_after=waiting.retry_after)
            batch.finish(record, result)

    @staticmethod
    def _settle_orphan(context: SyncContext, record: SyncRecord) -> list[str]:
        """A create a dead worker left in doubt for an invoice deleted in QuickBooks since, which
        will never be created again: the HubSpot invoice it may have made is searched for
        (`adopt_orphan`) and linked, so it isn't left behind unlinked and its journal row closes."""
        adopted = adopt_orphan(context, INVOICE_STAMP, record.pk, record.source_id, LinkKind.INVOICE)
        if adopted is None:
            return []
        if RecordLink.objects.filter(workspace_id=context.workspace_id, kind=LinkKind.INVOICE,
                                     hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id,
                                     quickbooks_id=record.source_id).exists():
            store_links(context, [], adopted.journal)  # closes the rows
            return [f"An interrupted attempt had created HubSpot invoice {adopted.id}, but this invoice is linked "
                    "to another; delete it in HubSpot if it isn't wanted."]
        store_links(context, [NewLink(LinkKind.INVOICE, adopted.id, record.source_id, "", "", "")], adopted.journal)
        return [f"An interrupted attempt had created HubSpot invoice {adopted.id} (a draft); it is linked to this "
                "invoice and kept: delete it in HubSpot if it isn't wanted."]

    def _sync(self, context: SyncContext, settings: InvoiceSyncSettings, record: SyncRecord,
              invoice: dict[str, Any], link: RecordLink | None, label: str) -> Result:
        if not settings.enabled:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note="Invoice sync is turned off (Settings → Sync → Invoices).")
        if settings.skip_integration_source and MARKER in str(invoice.get("PrivateNote") or ""):
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note="Written by SimpleCommerceSync from a HubSpot invoice; Skip Integration Source is on.")
        status = quickbooks_status(invoice)
        fingerprint = content_fingerprint(invoice)
        if link is not None and link.fingerprint == fingerprint:
            return Result(AttemptOutcome.SUCCESS, action="unchanged", label=label, destination_id=link.hubspot_id,
                          destination_label=record.destination_label)
        if not (status == "voided" and settings.sync_void_status) and status not in settings.status_filter:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note=f"Status {status} is not in the Invoice Status Filter.")
        if status == "voided" and link is None:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note="Voided in QuickBooks before it was ever synced; nothing to void.")
        notes: list[str] = []
        replaced: dict[str, str] | None = None
        if link is not None:
            updated = self._update(context, settings, invoice, link, fingerprint, status, label, notes)
            if updated is not None:
                return updated
            # Its HubSpot invoice was deleted (HubSpot answers "not found"): QuickBooks is the source
            # in this direction, so the invoice is made again and the old link replaced.
            replaced = link_history(link, "HubSpot")
            notes.append(f"Its HubSpot invoice {link.hubspot_id} was deleted in HubSpot, so a new invoice was made "
                         "from the QuickBooks invoice; the old link is in this attempt's history.")
        customer_id = str((invoice.get("CustomerRef") or {}).get("value") or "")
        customer = quickbooks_entities(context, "Customer", [customer_id]).get(customer_id)
        if customer is None:
            raise errors.SyncFailure(mapping_errors.CUSTOMER_NOT_FOUND,
                                     "Customer not found: the invoice's QuickBooks customer no longer exists.")
        reverse: ReverseTax = context.cache.get("reverse_tax") or context.cache.setdefault("reverse_tax",
                                                                                           ReverseTax(context))
        lines = wanted_lines(context, invoice, reverse)
        contact = contact_for_customer(context, customer)
        properties = {"hs_currency": str((invoice.get("CurrencyRef") or {}).get("value") or "USD"),
                      "hs_invoice_status": "draft"}
        for source, target in (("TxnDate", "hs_invoice_date"), ("DueDate", "hs_due_date")):
            if invoice.get(source):
                properties[target] = hubspot_date(str(invoice[source])) or ""
        if invoice.get("DocNumber"):
            properties[INVOICE_STAMP.number_property] = str(invoice["DocNumber"])
        # Journaled and stamped with the QuickBooks id: a worker that dies before the link below
        # is stored leaves an invoice the retry finds and adopts, never a second one.
        created = create_once(context, INVOICE_STAMP, record.pk, LinkKind.INVOICE, str(invoice["Id"]), properties,
                              [association(contact.contact_id, INVOICE_TO_CONTACT)])
        hubspot_id = created.id
        # Linked at once (fingerprint empty until finished): a crash later updates, never duplicates.
        store_links(context, [NewLink(LinkKind.INVOICE, hubspot_id, str(invoice["Id"]), "", "",
                                      str(invoice.get("DocNumber") or ""))], created.journal,
                    replacing=[link.pk] if link is not None else [])
        if created.adopted:
            notes.append("Adopted the HubSpot invoice an interrupted attempt had created (it carries this "
                          "QuickBooks invoice's id), instead of creating a second one.")
        create_line_items(context, lines, hubspot_id, LINE_ITEM_TO_INVOICE)
        final = self._move(context, hubspot_id, status, notes)
        store_links(context, [NewLink(LinkKind.INVOICE, hubspot_id, str(invoice["Id"]), fingerprint, "",
                                      str(invoice.get("DocNumber") or ""))])
        notes.extend(reverse.notes)
        reverse.notes.clear()
        if contact.created:
            notes.append("Created the HubSpot contact from the QuickBooks customer.")
        number = self._number(context, hubspot_id)
        changes: dict[str, Any] = {"direction": "QuickBooks → HubSpot",
                                   "created": {"hs_invoice_status": final, "lines": len(lines),
                                               "contact": contact.contact_id}}
        if replaced is not None:
            changes["replaced_link"] = replaced
        return Result(AttemptOutcome.SUCCESS, action="created", label=label, destination_id=hubspot_id,
                      destination_label=number or f"HubSpot invoice {hubspot_id}", note=" ".join(notes),
                      changes=changes)

    def _move(self, context: SyncContext, hubspot_id: str, status: str, notes: list[str]) -> str:
        """Draft → open (→ voided), the only moves HubSpot allows an integration."""
        context.checkpoint()
        context.hubspot.batch_update("invoices", {hubspot_id: {"hs_invoice_status": "open"}})
        if status == "voided":
            context.checkpoint()
            context.hubspot.batch_update("invoices", {hubspot_id: {"hs_invoice_status": "voided"}})
            return "voided"
        if status == "paid":
            notes.append("Paid in QuickBooks; HubSpot marks an invoice paid only when a payment is recorded "
                         "against it, so it is open there.")
        return "open"

    def _update(self, context: SyncContext, settings: InvoiceSyncSettings, invoice: dict[str, Any],
                link: RecordLink, fingerprint: str, status: str, label: str, notes: list[str]) -> Result | None:
        """The linked HubSpot invoice brought up to date; None when HubSpot no longer has it."""
        hubspot_id = link.hubspot_id
        context.checkpoint()
        current = context.hubspot.batch_read("invoices", [hubspot_id], INVOICE_PROPERTIES).get(hubspot_id)
        if current is None:
            if status == "voided":
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note=f"Voided in QuickBooks; its HubSpot invoice {hubspot_id} was deleted in HubSpot, "
                                   "so there is nothing to void.")
            return None
        hubspot_status = str((current.get("properties") or {}).get("hs_invoice_status") or "")
        changes: dict[str, Any] = {"direction": "QuickBooks → HubSpot"}
        action = "updated"
        if hubspot_status == "voided":
            notes.append("Voided in HubSpot, which allows no more changes.")
        elif status == "voided":
            if hubspot_status == "draft":
                self._move(context, hubspot_id, "open", notes)
            context.checkpoint()
            context.hubspot.batch_update("invoices", {hubspot_id: {"hs_invoice_status": "voided"}})
            changes["hs_invoice_status"] = [hubspot_status, "voided"]
            action = "voided"
        elif hubspot_status in ("draft", "open"):
            reverse: ReverseTax = context.cache.get("reverse_tax") or context.cache.setdefault(
                "reverse_tax", ReverseTax(context))
            lines = wanted_lines(context, invoice, reverse)
            context.checkpoint()
            line_ids = context.hubspot.associations("invoices", "line_items", [hubspot_id]).get(hubspot_id, [])
            old = context.hubspot.batch_read("line_items", line_ids, LINE_PROPERTIES) if line_ids else {}
            if [line.signature for line in lines] != current_line_signatures(old.values()):
                context.checkpoint()
                create_line_items(context, lines, hubspot_id, LINE_ITEM_TO_INVOICE)
                context.hubspot.archive("line_items", list(old))
                changes["lines"] = [len(old), len(lines)]
            update = {target: hubspot_date(str(invoice[source])) or "" for source, target in
                      (("TxnDate", "hs_invoice_date"), ("DueDate", "hs_due_date")) if invoice.get(source)}
            if update:
                context.checkpoint()
                context.hubspot.batch_update("invoices", {hubspot_id: update})
            if hubspot_status == "draft":
                # Still a draft: the create was interrupted before its move to open (we never leave
                # one as draft, and HubSpot never moves an invoice back to draft).
                changes["hs_invoice_status"] = ["draft", self._move(context, hubspot_id, status, notes)]
        else:
            notes.append("Paid in HubSpot, whose rules keep a paid invoice's lines as they are.")
        store_links(context, [NewLink(LinkKind.INVOICE, hubspot_id, str(invoice["Id"]), fingerprint, "",
                                      str(invoice.get("DocNumber") or ""))])
        return Result(AttemptOutcome.SUCCESS, action=action, label=label, destination_id=hubspot_id,
                      destination_label=self._number(context, hubspot_id) or f"HubSpot invoice {hubspot_id}",
                      note=" ".join(notes), changes=changes)

    @staticmethod
    def _number(context: SyncContext, hubspot_id: str) -> str:
        found = context.hubspot.batch_read("invoices", [hubspot_id], ("hs_number",)).get(hubspot_id) or {}
        return str((found.get("properties") or {}).get("hs_number") or "")
