"""Invoices, HubSpot → QuickBooks (https://developers.hubspot.com/docs/api/crm/invoices).

Per invoice: read it with its line items and contact (batch calls) → skip it if the Invoice
Status Filter or Skip Integration Source says so → customer by email → every line's item by SKU,
exactly (any miss fails the whole invoice: never a partial invoice) → tax code per line → create
or update the QuickBooks invoice (void it when voided, if Sync Void Status is on) → write the
QuickBooks id, number and sync status back into the "SimpleCommerceSync" property group → compare
QuickBooks' TotalAmt with HubSpot's billed amount. The fingerprint of what we would write decides
"nothing to do", so our own write-back never causes another QuickBooks write.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import (
    NewLink,
    deleted_in_quickbooks,
    links_by_hubspot_id,
    remade_on_retry,
    store_links,
)
from simplecommercesync.sync.engine.models import AttemptOutcome, LinkKind, RecordLink, SyncRecord
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    is_stale,
    replay_unanswered,
    write_batch,
    write_one,
)
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.customers import (
    CONTACT_PROPERTIES,
    CustomerMatch,
    note_customers,
    plan_customers,
    resolve_customers,
    store_customer_outcomes,
)
from simplecommercesync.sync.mapping.items import ItemCatalog
from simplecommercesync.sync.mapping.line_money import sales_line_money
from simplecommercesync.sync.mapping.money import check_line_number, money, qbo_date, quantity
from simplecommercesync.sync.mapping.tax import TaxPlan
from simplecommercesync.sync.mapping.write_back import (
    GROUP,
    GROUP_LABEL,
    QB_ID,
    QB_NUMBER,
    SYNC_STATUS,
    WRITE_BACK_PROPERTIES,
)
from simplecommercesync.sync.types.invoices import errors as invoice_errors
from simplecommercesync.sync.types.invoices.line_items import resolve_line_item_changes
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

logger = logging.getLogger(__name__)

INVOICE_PROPERTIES = (
    "hs_number", "hs_currency", "hs_invoice_date", "hs_due_date", "hs_invoice_status",
    "hs_amount_billed", "hs_balance_due", "hs_object_source", "hs_object_source_id",
    "hs_lastmodifieddate",
)
LINE_PROPERTIES = ("name", "quantity", "price", "hs_sku", "hs_product_id", "discount",
                   "hs_discount_percentage", "hs_tax_rate_group_id")


def invoice_settings(workspace_id: int) -> InvoiceSyncSettings:
    settings, _ = InvoiceSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


def fingerprint_of(plan: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()


def invoice_fingerprint(invoice: dict[str, Any], body: dict[str, Any]) -> str:
    """What we would write, plus "voided" when it is: voiding changes no line or amount we send,
    so without it a voided invoice would look unchanged and never be voided in QuickBooks."""
    status = str(invoice["properties"].get("hs_invoice_status") or "").lower()
    return fingerprint_of({**body, "_voided": True} if status == "voided" else body)


@dataclass
class Planned:
    record: SyncRecord
    invoice: dict[str, Any]
    body: dict[str, Any]
    fingerprint: str
    link: RecordLink | None
    note: str = ""
    action: str = ""  # create | update | void | unchanged
    outcome: WriteOutcome | None = None
    result: Result | None = None
    changes: dict[str, Any] = field(default_factory=dict)


class InvoiceSync:
    def prepare(self, context: SyncContext) -> None:
        """Changed line items become Pending invoices before the drain claims any."""
        resolve_line_item_changes(context)

    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = invoice_settings(context.workspace_id)
        self._settle_replays(context, batch)
        ids = [r.source_id for r in batch.records]
        context.checkpoint()
        invoices = context.hubspot.batch_read("invoices", ids, INVOICE_PROPERTIES)
        live: list[SyncRecord] = []
        skipped: list[tuple[SyncRecord, Result]] = []
        for record in batch.records:
            invoice = invoices.get(record.source_id)
            if invoice is None:
                skipped.append((record, Result(AttemptOutcome.SKIPPED, action="none", kind=None,
                                               note="Deleted in HubSpot; nothing to sync.")))
            elif (skip := self._skip_reason(settings, invoice)) is not None:
                skipped.append((record, Result(AttemptOutcome.SKIPPED, action="skipped", note=skip,
                                               label=self._label(invoice))))
            else:
                live.append(record)
        batch.finish_many(skipped)
        if not live:
            return
        live_ids = [r.source_id for r in live]
        context.checkpoint()
        line_ids = context.hubspot.associations("invoices", "line_items", live_ids)
        context.checkpoint()
        contact_ids = context.hubspot.associations("invoices", "contacts", live_ids)
        all_lines = [i for r in live for i in line_ids.get(r.source_id, [])]
        context.checkpoint()
        lines = context.hubspot.batch_read("line_items", all_lines, LINE_PROPERTIES) if all_lines else {}
        wanted_contacts = {r.pk: contact_ids[r.source_id][0] for r in live if contact_ids.get(r.source_id)}
        context.checkpoint()
        contacts = (context.hubspot.batch_read("contacts", list(set(wanted_contacts.values())), CONTACT_PROPERTIES)
                    if wanted_contacts else {})
        links = links_by_hubspot_id(context, LinkKind.INVOICE, live_ids)
        catalog: ItemCatalog = context.cache.setdefault("items", ItemCatalog(context))
        catalog.load([str((lines.get(i) or {}).get("properties", {}).get("hs_sku") or "") for i in all_lines])
        tax = context.cache.get("tax_plan") or context.cache.setdefault("tax_plan", TaxPlan(context))

        plans: list[Planned] = []
        ready: list[SyncRecord] = []
        for record in live:
            invoice = invoices[record.source_id]
            if record.pk not in wanted_contacts:
                batch.finish(record, Result(AttemptOutcome.FAILED, kind=mapping_errors.CUSTOMER_NOT_FOUND,
                                            label=self._label(invoice),
                                            message="Customer not found: the invoice has no contact in HubSpot."))
                continue
            ready.append(record)
        customers = resolve_customers(context, contacts, {r.pk: wanted_contacts[r.pk] for r in ready})
        note_customers(context, [(wanted_contacts[r.pk], contacts.get(wanted_contacts[r.pk]), customers[r.pk],
                                  r.requested_by) for r in ready])
        for record in ready:
            invoice = invoices[record.source_id]
            customer = customers[record.pk]
            try:
                if isinstance(customer, errors.SyncFailure):
                    raise customer
                invoice_lines = [lines[i] for i in line_ids.get(record.source_id, []) if i in lines]
                body = self._body(context, invoice, invoice_lines, customer, catalog, tax)
            except errors.SyncFailure as failure:
                batch.finish(record, Result(AttemptOutcome.FAILED, kind=failure.kind, message=failure.message,
                                            label=self._label(invoice)))
                continue
            link = remade_on_retry(record.requested_by, record.error_kind, links.get(record.source_id))
            plan = Planned(record, invoice, body, invoice_fingerprint(invoice, body), link, note=customer.note)
            plan.action = self._action(settings, plan)
            plans.append(plan)
        self._write(context, batch, plans)
        self._write_back(context, plans, batch)
        # One commit and a few statements for the batch's outcomes, not a commit and two
        # queries per record (bench profile: per-record `finish` was a quarter of a backfill's drain).
        batch.finish_many([(plan.record, plan.result) for plan in plans if plan.result is not None])

    # -- deciding ------------------------------------------------------------------------------
    @staticmethod
    def _label(invoice: dict[str, Any]) -> str:
        number = (invoice.get("properties") or {}).get("hs_number")
        return f"Invoice {number}" if number else f"Invoice {invoice.get('id')}"

    @staticmethod
    def _skip_reason(settings: InvoiceSyncSettings, invoice: dict[str, Any]) -> str | None:
        props = invoice.get("properties") or {}
        if not settings.enabled:
            return "Invoice sync is turned off (Settings → Sync → Invoices)."
        if settings.skip_integration_source and str(props.get("hs_object_source") or "").upper() == "INTEGRATION":
            source = props.get("hs_object_source_id") or "an integration"
            return f"Created by an integration ({source}); Skip Integration Source is on."
        status = str(props.get("hs_invoice_status") or "").lower()
        if status == "voided" and settings.sync_void_status:
            return None
        if status not in settings.status_filter:
            return f"Status {status or 'unknown'} is not in the Invoice Status Filter."
        return None

    @staticmethod
    def _action(settings: InvoiceSyncSettings, plan: Planned) -> str:
        return InvoiceSync._decide(plan.invoice, plan.link, plan.fingerprint)

    @staticmethod
    def _decide(invoice: dict[str, Any], link: RecordLink | None, fingerprint: str) -> str:
        status = str(invoice["properties"].get("hs_invoice_status") or "").lower()
        if status == "voided":
            if link is None:
                return "skip_void"
            return "unchanged" if link.fingerprint == fingerprint else "void"
        if link is None:
            return "create"
        return "unchanged" if link.fingerprint == fingerprint else "update"

    # -- Preview -------------------------------------------------------------------------------
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        """`process` up to the plan: the same batch reads and decisions, nothing written anywhere
        (no QuickBooks write, no customer created, no write-back, no property, no link)."""
        settings = invoice_settings(context.workspace_id)
        # Preview answers "what would switching it on do": planned as on, never saved.
        settings.enabled = True
        ids = list(dict.fromkeys(str(i) for i in source_ids))
        context.checkpoint()
        invoices = context.hubspot.batch_read("invoices", ids, INVOICE_PROPERTIES)
        rows: dict[str, PlannedRow] = {}
        live: list[str] = []
        for source_id in ids:
            invoice = invoices.get(source_id)
            if invoice is None:
                rows[source_id] = PlannedRow(source_id, f"Invoice {source_id}", "skip", "Deleted in HubSpot; nothing to sync.")
            elif (skip := self._skip_reason(settings, invoice)) is not None:
                rows[source_id] = PlannedRow(source_id, self._label(invoice), "skip", skip)
            else:
                live.append(source_id)
        if live:
            rows.update(self._preview_live(context, {i: invoices[i] for i in live}))
        return [rows[i] for i in ids]

    def _preview_live(self, context: SyncContext, invoices: dict[str, dict[str, Any]]) -> dict[str, PlannedRow]:
        live = list(invoices)
        context.checkpoint()
        line_ids = context.hubspot.associations("invoices", "line_items", live)
        context.checkpoint()
        contact_ids = context.hubspot.associations("invoices", "contacts", live)
        all_lines = [i for source_id in live for i in line_ids.get(source_id, [])]
        context.checkpoint()
        lines = context.hubspot.batch_read("line_items", all_lines, LINE_PROPERTIES) if all_lines else {}
        wanted = {i: contact_ids[i][0] for i in live if contact_ids.get(i)}
        context.checkpoint()
        contacts = context.hubspot.batch_read("contacts", list(set(wanted.values())), CONTACT_PROPERTIES) if wanted else {}
        links = links_by_hubspot_id(context, LinkKind.INVOICE, live)
        catalog: ItemCatalog = context.cache.setdefault("items", ItemCatalog(context))
        catalog.load([str((lines.get(i) or {}).get("properties", {}).get("hs_sku") or "") for i in all_lines])
        tax = context.cache.get("tax_plan") or context.cache.setdefault("tax_plan", TaxPlan(context))
        customers = plan_customers(context, contacts, wanted)
        rows: dict[str, PlannedRow] = {}
        for source_id, invoice in invoices.items():
            label = self._label(invoice)
            customer = customers.get(source_id)
            try:
                if customer is None:
                    raise errors.SyncFailure(mapping_errors.CUSTOMER_NOT_FOUND,
                                             "Customer not found: the invoice has no contact in HubSpot.")
                if isinstance(customer, errors.SyncFailure):
                    raise customer
                invoice_lines = [lines[i] for i in line_ids.get(source_id, []) if i in lines]
                body = self._body(context, invoice, invoice_lines, customer, catalog, tax)
            except errors.SyncFailure as failure:
                rows[source_id] = PlannedRow(source_id, label, "fail", failure.message, failure.kind.key)
                continue
            link = links.get(source_id)
            action = self._decide(invoice, link, invoice_fingerprint(invoice, body))
            rows[source_id] = self._planned(source_id, label, action, link, body, customer)
        return rows

    @staticmethod
    def _planned(source_id: str, label: str, action: str, link: RecordLink | None, body: dict[str, Any],
                 customer: CustomerMatch) -> PlannedRow:
        target = f"QuickBooks invoice {link.quickbooks_label or link.quickbooks_id}" if link else ""
        if action == "skip_void":
            return PlannedRow(source_id, label, "skip", "Voided in HubSpot before it was ever synced; nothing to void.")
        if action == "create":
            lines = sum(1 for line in body["Line"] if line.get("DetailType") == "SalesItemLineDetail")
            reason = f"New QuickBooks invoice with {lines} line{'s' if lines != 1 else ''} for {customer.display_name}."
            return PlannedRow(source_id, label, "create", " ".join(n for n in (reason, customer.note) if n))
        if action == "update":
            return PlannedRow(source_id, label, "update", f"{target} gets the invoice's changes from HubSpot.")
        if action == "void":
            return PlannedRow(source_id, label, "void", f"{target} would be voided (Sync Void Status is on).")
        return PlannedRow(source_id, label, "unchanged", f"{target} already matches.")

    def _body(self, context: SyncContext, invoice: dict[str, Any], lines: list[dict[str, Any]],
              customer: CustomerMatch, catalog: ItemCatalog, tax: TaxPlan) -> dict[str, Any]:
        props = invoice["properties"]
        if not lines:
            raise errors.SyncFailure(errors.VALIDATION_ERROR, "The invoice has no line items in HubSpot.")
        body_lines: list[dict[str, Any]] = []
        jurisdiction: str | None = None
        for line in sorted(lines, key=lambda li: int(li["id"]) if str(li["id"]).isdigit() else 0):
            lp = line.get("properties") or {}
            sku = str(lp.get("hs_sku") or "").strip()
            if not sku:
                raise errors.SyncFailure(mapping_errors.SKU_NOT_FOUND,
                                         f"SKU not found: line “{lp.get('name') or line['id']}” has no SKU")
            item = catalog.find(sku)
            for what in ("quantity", "price", "discount", "hs_discount_percentage"):
                check_line_number(lp.get(what), what, str(lp.get("name") or line["id"]))
            # A line without a quantity is one unit; an explicit 0 is a line that bills nothing.
            qty = quantity(1 if lp.get("quantity") in (None, "") else lp.get("quantity"))
            if qty == 0:
                continue  # bills nothing; QuickBooks reads a 0 quantity as "not given" and bills the item's price
            # HubSpot's `discount` is per unit (amount = quantity × (price − discount)); QuickBooks'
            # SalesItemLineDetail has no line discount (Intuit "Invoice" reference), so the line
            # carries the discounted unit price: its amount, and the tax on it, equal HubSpot's.
            line_money = sales_line_money(lp, str(lp.get("name") or line["id"]))
            line_tax = tax.for_line(lp.get("hs_tax_rate_group_id"))
            jurisdiction = jurisdiction or line_tax.jurisdiction
            body_lines.append({
                "DetailType": "SalesItemLineDetail",
                "Amount": str(line_money.amount),
                "Description": str(lp.get("name") or "")[:4000],
                "SalesItemLineDetail": {
                    "ItemRef": {"value": str(item["Id"]), "name": str(item.get("Name") or "")},
                    **line_money.detail(),
                    "TaxCodeRef": {"value": line_tax.code},
                },
            })
        if not body_lines:
            raise errors.SyncFailure(errors.VALIDATION_ERROR, (
                "Every line of the invoice has quantity 0, so there is nothing to bill in QuickBooks: "
                "correct the quantities in HubSpot, then press Retry Sync."))
        body: dict[str, Any] = {
            "CustomerRef": {"value": customer.quickbooks_id},
            "Line": body_lines,
            "PrivateNote": f"From HubSpot invoice {invoice['id']} (portal {context.portal_id}) by SimpleCommerceSync.",
        }
        if props.get("hs_number"):
            body["DocNumber"] = str(props["hs_number"])[:21]
        if (txn_date := qbo_date(props.get("hs_invoice_date"))) is not None:
            body["TxnDate"] = txn_date
        if (due := qbo_date(props.get("hs_due_date"))) is not None:
            body["DueDate"] = due
        if props.get("hs_currency"):
            body["CurrencyRef"] = {"value": str(props["hs_currency"])}
        body.update(tax.transaction_fields(jurisdiction))
        return body

    # -- writing -------------------------------------------------------------------------------
    def _settle_replays(self, context: SyncContext, batch: Batch) -> None:
        """Writes a dead worker left in flight: replay them and keep what they produced."""
        outcomes = replay_unanswered(context, [r.pk for r in batch.records])
        if not outcomes:
            return
        store_customer_outcomes(context, outcomes, {})
        invoice_links = [
            NewLink(LinkKind.INVOICE, o.entry.hubspot_id, str(o.entity["Id"]), o.entry.fingerprint,
                    str(o.entity.get("SyncToken") or ""), str(o.entity.get("DocNumber") or ""))
            for o in outcomes if o.entry.kind == LinkKind.INVOICE and o.entity is not None
        ]
        store_links(context, invoice_links, {o.journal_id for o in outcomes})

    def _write(self, context: SyncContext, batch: Batch, plans: list[Planned]) -> None:
        writes: list[tuple[Planned, WriteEntry, str, dict[str, Any]]] = []
        for plan in plans:
            entry = WriteEntry(plan.record.pk, LinkKind.INVOICE, plan.record.source_id, plan.fingerprint)
            if plan.action == "create":
                writes.append((plan, entry, "create", plan.body))
            elif plan.action == "update":
                assert plan.link is not None
                body = {**plan.body, "Id": plan.link.quickbooks_id, "SyncToken": plan.link.quickbooks_sync_token or "0",
                        "sparse": True}
                writes.append((plan, entry, "update", body))
            elif plan.action == "void":
                assert plan.link is not None
                writes.append((plan, entry, "void", {"Id": plan.link.quickbooks_id,
                                                     "SyncToken": plan.link.quickbooks_sync_token or "0"}))
            elif plan.action == "skip_void":
                plan.result = Result(AttemptOutcome.SKIPPED, action="skipped", label=self._label(plan.invoice),
                                     note="Voided in HubSpot before it was ever synced; nothing to void.")
            else:
                link = plan.link
                assert link is not None
                plan.result = Result(AttemptOutcome.SUCCESS, action="unchanged", label=self._label(plan.invoice),
                                     destination_id=link.quickbooks_id, destination_label=link.quickbooks_label,
                                     note=plan.record.note if plan.record.total_difference else plan.note,
                                     total_difference=plan.record.total_difference)
        singles = [w for w in writes if w[2] != "void"]
        if len(writes) == 1 and singles:
            plan, entry, verb, body = writes[0]
            plan.outcome = write_one(context, "Invoice", verb, body, entry)
            if plan.outcome.error is not None and is_stale(plan.outcome.error) and plan.link is not None:
                plan.outcome = self._retry_stale(context, plan, entry)
        else:
            for start in range(0, len(writes), 30):
                chunk = writes[start:start + 30]
                outcomes = write_batch(context, [(entry, verb, "Invoice", body) for _, entry, verb, body in chunk])
                by_record = {o.entry.record_id: o for o in outcomes}
                for plan, entry, _, _ in chunk:
                    plan.outcome = by_record.get(plan.record.pk)
                    if plan.outcome and plan.outcome.error is not None and is_stale(plan.outcome.error) and plan.link:
                        plan.outcome = self._retry_stale(context, plan, entry)
        new_links: list[NewLink] = []
        journal_ids: set[int] = set()
        for plan, entry, verb, _ in writes:
            outcome = plan.outcome
            if outcome is None:
                continue
            journal_ids.add(outcome.journal_id)
            if outcome.entity is None:
                plan.result = (deleted_in_quickbooks(context, "Invoice", plan.link, outcome.error,
                                                     self._label(plan.invoice), verb)
                               or self._refused(plan, outcome.error))
                continue
            written = outcome.entity
            doc = str(written.get("DocNumber") or "")
            new_links.append(NewLink(LinkKind.INVOICE, plan.record.source_id, str(written["Id"]), plan.fingerprint,
                                     str(written.get("SyncToken") or ""), doc))
            difference, note = self._compare_totals(plan.invoice, written)
            action = {"create": "created", "update": "updated", "void": "voided"}[verb]
            plan.result = Result(
                AttemptOutcome.SUCCESS, action=action, label=self._label(plan.invoice),
                destination_id=str(written["Id"]), destination_label=doc or str(written["Id"]),
                note=" ".join(n for n in (plan.note, note) if n), total_difference=difference,
                request_ids=[entry.fingerprint[:12], *context.quickbooks.last_request_ids],
                changes=self._changes(plan, verb),
            )
        store_links(context, new_links, journal_ids)

    def _retry_stale(self, context: SyncContext, plan: Planned, entry: WriteEntry) -> WriteOutcome:
        """Someone edited the QuickBooks invoice since our last write: take its SyncToken, write again."""
        assert plan.link is not None
        context.checkpoint()
        current = context.quickbooks.read("Invoice", plan.link.quickbooks_id)
        if plan.action == "void":
            body = {"Id": plan.link.quickbooks_id, "SyncToken": current.get("SyncToken", "0")}
            return write_batch(context, [(entry, "void", "Invoice", body)])[0]
        body = {**plan.body, "Id": plan.link.quickbooks_id, "SyncToken": current.get("SyncToken", "0"), "sparse": True}
        return write_one(context, "Invoice", "update", body, entry)

    def _refused(self, plan: Planned, error: Exception | None) -> Result:
        message = getattr(error, "message", None) or str(error) or "QuickBooks refused the invoice"
        code = str(getattr(error, "code", "") or "")
        label = self._label(plan.invoice)
        # Intuit "Error codes": 6140 Duplicate Document Number.
        if code in ("6140", "6210") or "duplicate document number" in message.lower():
            return Result(AttemptOutcome.FAILED, kind=mapping_errors.ALREADY_SYNCED, label=label,
                          message=f"Already synced: QuickBooks already has invoice number "
                                  f"{plan.body.get('DocNumber')} ({message}).")
        return Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=label,
                      message=f"QuickBooks refused the invoice: {message}")

    @staticmethod
    def _compare_totals(invoice: dict[str, Any], written: dict[str, Any]) -> tuple[Decimal | None, str]:
        billed_raw = (invoice.get("properties") or {}).get("hs_amount_billed")
        if billed_raw in (None, "") or written.get("TotalAmt") is None:
            return None, ""
        difference = money(written.get("TotalAmt")) - money(billed_raw)
        if difference == 0:
            return None, ""
        sign = "" if difference > 0 else "-"
        currency = str(((written.get("CurrencyRef") or {}).get("value")) or "")
        symbol = "$" if currency in ("", "USD") else f"{currency} "
        lines = sum(1 for line in written.get("Line") or () if line.get("DetailType") == "SalesItemLineDetail")
        # QuickBooks rounds tax once on the invoice, HubSpot once per line: up to half a cent a line
        # apart with the same rate. That is no mapping problem, and the note says so.
        if abs(difference) <= Decimal("0.01") * max(1, (lines + 1) // 2):
            return None, (f"QuickBooks' total is {sign}{symbol}{abs(difference)} off HubSpot's: "
                          f"{invoice_errors.TOTALS_ROUNDING_NOTE}")
        return difference, (f"Totals differ by {sign}{symbol}{abs(difference)} — "
                            f"{invoice_errors.TOTALS_DIFFER_FIX} "
                            f"(QuickBooks {money(written.get('TotalAmt'))}, HubSpot {money(billed_raw)}).")

    @staticmethod
    def _changes(plan: Planned, verb: str) -> dict[str, Any]:
        if verb == "create":
            return {"created": {"DocNumber": plan.body.get("DocNumber"), "lines": len(plan.body["Line"]),
                                "CustomerRef": plan.body["CustomerRef"]["value"]}}
        if verb == "void":
            return {"status": ["open", "voided"]}
        return {"fingerprint": [plan.link.fingerprint[:12] if plan.link else "", plan.fingerprint[:12]]}

    def _write_back(self, context: SyncContext, plans: list[Planned], batch: Batch) -> None:
        """QuickBooks id, number and status onto the HubSpot invoice (our own change: recognised
        by its source and by an unchanged fingerprint, so it never echoes into another write)."""
        updates: dict[str, dict[str, str]] = {}
        for plan in plans:
            result = plan.result
            if result is None or result.action in ("unchanged", "skipped"):
                continue
            if result.outcome == AttemptOutcome.SUCCESS:
                updates[plan.record.source_id] = {
                    QB_ID: result.destination_id, QB_NUMBER: result.destination_label,
                    SYNC_STATUS: "Voided" if result.action == "voided" else "Synced",
                }
            elif result.kind is not None:
                updates[plan.record.source_id] = {SYNC_STATUS: f"Failed: {result.kind.title}"}
        if not updates:
            return
        try:
            context.checkpoint()
            # Checked once per drain, not once per process: a portal reset or a person deleting
            # the properties must not turn every later write-back into PROPERTY_DOESNT_EXIST.
            if not context.cache.get("write_back_properties_ready"):
                context.hubspot.ensure_properties("invoices", GROUP, GROUP_LABEL, WRITE_BACK_PROPERTIES)
                context.cache["write_back_properties_ready"] = True
            context.checkpoint()
            context.hubspot.batch_update("invoices", updates)
        except ProviderError as exc:
            logger.warning("write-back to HubSpot failed: %s", exc.message)
            for plan in plans:
                if plan.result is not None and plan.record.source_id in updates:
                    plan.result.note = " ".join(
                        n for n in (plan.result.note, f"Couldn't write the sync status back to HubSpot: {exc.message}") if n)
