"""Payments, HubSpot → QuickBooks (https://developers.hubspot.com/docs/api/crm/commerce-payments).

Per payment: read it and the invoice it is associated with (batch calls) → skip it if Enable
Payment Sync or the Payment Status Filter says so (failed and canceled payments never sync; a
partially refunded one counts as Succeeded) → with Require Invoice on, wait until its invoice has
synced: the record shows "Invoice not synced" with the invoice it waits for, and goes again by
itself when that invoice succeeds (`invoices_done`, called by the engine after every invoice
drain) → check the payment's currency against the invoice's → one QuickBooks Payment for the
invoice's customer, its line linked to the QuickBooks invoice (`LinkedTxn`) for what HubSpot
counts towards the invoice; whatever the invoice can't take stays unapplied on the customer's
account, as QuickBooks does with an overpayment → with Sync Refunds on, a refund lowers the amount
applied (the invoice reopens, exactly as it does in HubSpot) and is paid out by one RefundReceipt
per payment → a payment deleted, failed or canceled in HubSpot voids its QuickBooks payment and
refund receipt. With Require Invoice off, a payment without a synced invoice is recorded against
the customer (by the payment's email), unapplied, and applied once its invoice syncs.

Every write is journaled first (writes.py), so a worker killed between QuickBooks' answer and our
link replays the same request instead of writing a second payment.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.quickbooks.limits import BATCH_MAX
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
    RecordLink,
    RecordStatus,
    SourceSide,
    SyncRecord,
)
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result, upsert_pending
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    is_stale,
    replay_unanswered,
    write_batch,
    write_one,
)
from simplecommercesync.sync.mapping.customers import CustomerDirectory, normalized_email
from simplecommercesync.sync.mapping.money import money, qbo_date
from simplecommercesync.sync.mapping.tax import TaxPlan
from simplecommercesync.sync.types.payments.models import PaymentInvoice, PaymentSyncSettings

logger = logging.getLogger(__name__)

PAYMENT_PROPERTIES = (
    "hs_initial_amount", "hs_net_amount", "hs_refunds_amount", "hs_latest_status", "hs_currency_code",
    "hs_initiated_date", "hs_reference_number", "hs_payment_method_type", "hs_customer_email",
    "hs_lastmodifieddate",
)
INVOICE_FACTS = ("hs_number", "hs_currency", "hs_invoice_status", "hs_balance_due", "hs_amount_billed")
# RecordLink kinds (plain values: LinkKind's choices belong to the shared 0004 migration).
PAYMENT_LINK, REFUND_LINK = "payment", "refund"
VOIDED = "voided"
ZERO = Decimal("0.00")
# Failed and canceled payments never sync (PRODUCT.md §4); one already synced is voided.
NEVER_SYNC = ("failed", "canceled")
# The Payment Status Filter choices that let each HubSpot `hs_latest_status` through.
FILTER_OF_STATUS = {
    "processing": ("processing",),
    "succeeded": ("succeeded",),
    "partially_refunded": ("succeeded", "refunded"),
    "refunded": ("refunded",),
}


def payment_settings(workspace_id: int) -> PaymentSyncSettings:
    settings, _ = PaymentSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


def fingerprint_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class Waiting(Exception):
    """The payment's invoice hasn't synced yet; the payment goes by itself once it has."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class InvoiceRow:
    """One invoice the payment is associated with, as Data → Payments shows it."""

    hubspot_id: str
    label: str
    quickbooks_id: str = ""
    applied: Decimal | None = None
    waiting: bool = False


@dataclass
class BothSides:
    """What one batch reads besides the payments: their invoices on both sides, and our records."""

    invoice_ids: dict[str, list[str]]
    invoices: dict[str, dict[str, Any]]
    invoice_links: dict[str, RecordLink]
    qb_invoices: dict[str, dict[str, Any]]
    qb_payments: dict[str, dict[str, Any]]
    invoice_records: dict[str, SyncRecord]


@dataclass
class PaymentPlan:
    record: SyncRecord
    label: str
    body: dict[str, Any]
    fingerprint: str
    link: RecordLink | None
    refund_body: dict[str, Any] | None
    refund_link: RecordLink | None
    rows: list[InvoiceRow]
    notes: list[str] = field(default_factory=list)
    # HubSpot invoices voided while this payment was applied to them: queued again once it no longer is.
    release_invoices: list[str] = field(default_factory=list)
    # QuickBooks invoice id → how much more this payment applies to it than before.
    balance_changes: dict[str, Decimal] = field(default_factory=dict)


class PaymentSync:
    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = payment_settings(context.workspace_id)
        self._settle_replays(context, batch.records)
        ids = [r.source_id for r in batch.records]
        context.checkpoint()
        payments = context.hubspot.batch_read("commerce_payments", ids, PAYMENT_PROPERTIES)
        links = links_by_hubspot_id(context, PAYMENT_LINK, ids)
        refund_links = links_by_hubspot_id(context, REFUND_LINK, ids)
        live: list[SyncRecord] = []
        for record in batch.records:
            payment = payments.get(record.source_id)
            link = links.get(record.source_id)
            decision = self._early(settings, payment, link)
            if decision is None:
                live.append(record)
            elif decision[0] == "void":
                assert link is not None
                self._void(context, batch, record, link, refund_links.get(record.source_id), decision[1],
                           self._label(payment) if payment else "")
            else:
                label = self._label(payment) if payment else ""
                batch.finish(record, Result(AttemptOutcome.SKIPPED, action="none" if payment is None else "skipped",
                                            label=label, note=decision[1]))
        if live:
            self._sync(context, batch, settings, live, payments, links, refund_links)

    # -- deciding ------------------------------------------------------------------------------
    @staticmethod
    def _early(settings: PaymentSyncSettings, payment: dict[str, Any] | None,
               link: RecordLink | None) -> tuple[str, str] | None:
        """("void" | "skip", why) for a payment decided without reading its invoice, else None."""
        linked = link is not None and link.fingerprint != VOIDED
        if payment is None:
            if linked:
                return "void", "Deleted in HubSpot: the QuickBooks payment is voided, so its invoice is open again."
            return "skip", "Deleted in HubSpot; nothing to sync."
        status = str((payment.get("properties") or {}).get("hs_latest_status") or "").lower()
        if not settings.enabled:
            return "skip", "Payment sync is turned off (Settings → Sync → Payments)."
        if status in NEVER_SYNC:
            if linked:
                return "void", f"The payment is {status} in HubSpot: the QuickBooks payment is voided."
            return "skip", f"The payment is {status}; {status} payments never sync."
        if status not in FILTER_OF_STATUS:
            return "skip", (f"The payment is {status or 'without a status'} in HubSpot; the QuickBooks payment is "
                            "left as it is.")
        if link is None and not set(FILTER_OF_STATUS[status]) & set(settings.status_filter):
            return "skip", f"Status {status} is not in the Payment Status Filter."
        return None

    @staticmethod
    def _label(payment: dict[str, Any]) -> str:
        props = payment.get("properties") or {}
        reference = props.get("hs_reference_number")
        return f"Payment {reference}" if reference else f"Payment {payment.get('id')}"

    @staticmethod
    def _invoice_label(invoice: dict[str, Any] | None, invoice_id: str) -> str:
        number = ((invoice or {}).get("properties") or {}).get("hs_number")
        return f"Invoice {number}" if number else f"Invoice {invoice_id}"

    def _sync(self, context: SyncContext, batch: Batch, settings: PaymentSyncSettings, live: list[SyncRecord],
              payments: dict[str, dict[str, Any]], links: dict[str, RecordLink],
              refund_links: dict[str, RecordLink]) -> None:
        both = self._read_both(context, [r.source_id for r in live], links)
        # New payments (no refund receipt) go to QuickBooks up to 30 in one batch request. A payment
        # applied to an invoice that a waiting one also pays is planned only after that batch is
        # written, so it sees the invoice's balance after the earlier payment, as one by one.
        creates: list[PaymentPlan] = []
        touched: set[str] = set()

        def flush() -> None:
            if creates:
                self._create_batch(context, batch, creates, both)
                creates.clear()
                touched.clear()

        for record in live:
            payment = payments[record.source_id]
            label = self._label(payment)
            associated = both.invoice_ids.get(record.source_id, [])
            invoices_paid = {both.invoice_links[i].quickbooks_id for i in associated if i in both.invoice_links}
            if invoices_paid & touched:
                flush()
            rows = [InvoiceRow(i, self._invoice_label(both.invoices.get(i), i)) for i in associated]
            try:
                plan = self._plan(context, settings, record, payment, associated, both.invoices, both.invoice_links,
                                  both.qb_invoices, both.qb_payments, both.invoice_records,
                                  links.get(record.source_id), refund_links.get(record.source_id), rows)
            except Waiting as waiting:
                note_invoices(context, record, rows)
                batch.finish(record, Result(AttemptOutcome.RETRY, kind=errors.INVOICE_NOT_SYNCED, label=label,
                                            message=waiting.message))
                continue
            except errors.SyncFailure as failure:
                note_invoices(context, record, rows)
                batch.finish(record, Result(AttemptOutcome.FAILED, kind=failure.kind, label=label,
                                            message=failure.message))
                continue
            if (plan.link is None or plan.link.fingerprint == VOIDED) and plan.refund_body is None:
                creates.append(plan)
                touched.update(invoices_paid)
                if len(creates) == BATCH_MAX:
                    flush()
                continue
            batch.keep_lease()
            result = self._write(context, plan)
            batch.finish(record, result)
            if result.outcome == AttemptOutcome.SUCCESS:
                self._applied(plan, both)
        flush()

    @staticmethod
    def _applied(plan: PaymentPlan, both: BothSides) -> None:
        """Later payments of this batch on the same invoice see its balance after this one."""
        for qb_id, delta in plan.balance_changes.items():
            if qb_id in both.qb_invoices:
                invoice = both.qb_invoices[qb_id]
                invoice["Balance"] = str(money(invoice.get("Balance")) - delta)

    def _create_batch(self, context: SyncContext, batch: Batch, plans: list[PaymentPlan], both: BothSides) -> None:
        """New payments in one journaled QuickBooks batch request (one request instead of one per
        payment: the payments bench ran at a fifth of its ceiling with single creates). Their links
        are stored, and the journal row marked answered, in one transaction: a worker killed before
        it replays the whole batch with its requestid, never creating a payment twice."""
        batch.keep_lease()
        entries = [WriteEntry(plan.record.pk, PAYMENT_LINK, plan.record.source_id, plan.fingerprint) for plan in plans]
        if len(plans) == 1:
            outcomes = [write_one(context, "Payment", "create", plans[0].body, entries[0])]
        else:
            outcomes = write_batch(context, [(entry, "create", "Payment", plan.body)
                                             for entry, plan in zip(entries, plans, strict=True)])
        by_record = {o.entry.record_id: o for o in outcomes}
        store_links(context, [
            NewLink(PAYMENT_LINK, o.entry.hubspot_id, str(o.entity["Id"]), o.entry.fingerprint,
                    str(o.entity.get("SyncToken") or ""), _label_of(o.entity))
            for o in outcomes if o.entity is not None
        ], {o.journal_id for o in outcomes})
        ended: list[tuple[SyncRecord, Result]] = []
        for plan in plans:
            outcome = by_record.get(plan.record.pk)
            if outcome is None:  # QuickBooks answered without this item: it goes again
                ended.append((plan.record, Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=plan.label,
                                                  message="QuickBooks' batch answer left this payment out; "
                                                          "retrying.")))
                continue
            result = self._write(context, plan, created=outcome, note=False)
            ended.append((plan.record, result))
            if result.outcome == AttemptOutcome.SUCCESS:
                self._applied(plan, both)
        note_invoices_many(context, [(plan.record, plan.rows) for plan in plans if plan.record.pk in by_record])
        batch.finish_many(ended)

    def _read_both(self, context: SyncContext, live_ids: list[str], links: dict[str, RecordLink]) -> BothSides:
        context.checkpoint()
        invoice_ids = context.hubspot.associations("commerce_payments", "invoices", live_ids)
        wanted = list(dict.fromkeys(i for p in live_ids for i in invoice_ids.get(p, [])))
        context.checkpoint()
        invoices = context.hubspot.batch_read("invoices", wanted, INVOICE_FACTS) if wanted else {}
        invoice_links = links_by_hubspot_id(context, LinkKind.INVOICE, wanted)
        return BothSides(
            invoice_ids=invoice_ids, invoices=invoices, invoice_links=invoice_links,
            qb_invoices=self._read_many(context, "Invoice", [link.quickbooks_id for link in invoice_links.values()]),
            qb_payments=self._read_many(context, "Payment", [links[i].quickbooks_id for i in live_ids if i in links
                                                             and links[i].fingerprint != VOIDED]),
            invoice_records={
                r.source_id: r for r in SyncRecord.objects.filter(
                    workspace_id=context.workspace_id, sync_type="invoices", source_account=context.portal_id,
                    source_id__in=wanted)
            },
        )

    def _plan(self, context: SyncContext, settings: PaymentSyncSettings, record: SyncRecord,
              payment: dict[str, Any], associated: list[str], invoices: dict[str, dict[str, Any]],
              invoice_links: dict[str, RecordLink], qb_invoices: dict[str, dict[str, Any]],
              qb_payments: dict[str, dict[str, Any]], invoice_records: dict[str, SyncRecord],
              link: RecordLink | None, refund_link: RecordLink | None, rows: list[InvoiceRow],
              dry_run: bool = False) -> PaymentPlan:
        props = payment.get("properties") or {}
        initial = money(props.get("hs_initial_amount"))
        refunded = money(props.get("hs_refunds_amount"))
        currency = str(props.get("hs_currency_code") or "").upper()
        by_id = {row.hubspot_id: row for row in rows}

        def status_of(invoice_id: str) -> str:
            return str(((invoices.get(invoice_id) or {}).get("properties") or {}).get("hs_invoice_status") or "")

        for invoice_id in associated:
            invoice_currency = str(((invoices.get(invoice_id) or {}).get("properties") or {}).get("hs_currency") or "")
            if currency and invoice_currency and invoice_currency.upper() != currency:
                raise errors.SyncFailure(errors.CURRENCY_MISMATCH, (
                    f"Currency mismatch: the payment is in {currency}, {by_id[invoice_id].label} in "
                    f"{invoice_currency.upper()}; QuickBooks applies a payment only to invoices in its own currency."))
        targets = [i for i in associated if status_of(i) != "voided"]
        voided = [i for i in associated if status_of(i) == "voided"]

        def synced(invoice_id: str) -> dict[str, Any] | None:
            invoice_link = invoice_links.get(invoice_id)
            return qb_invoices.get(invoice_link.quickbooks_id) if invoice_link is not None else None

        unsynced = [i for i in targets if synced(i) is None]
        if settings.require_invoice:
            if not associated:
                raise errors.SyncFailure(errors.PAYMENT_WITHOUT_INVOICE, (
                    "Payment has no invoice: it isn't associated with an invoice in HubSpot, and Require Invoice "
                    "is on."))
            if unsynced:
                for invoice_id in unsynced:
                    by_id[invoice_id].waiting = True
                self._wait_for(context, unsynced, invoice_records, by_id, queue_missing=not dry_run)
            if not targets and link is None:
                raise errors.SyncFailure(errors.INVOICE_NOT_SYNCED, (
                    f"Invoice not synced: {by_id[voided[0]].label} was voided in HubSpot; a payment on a voided "
                    "invoice isn't recorded in QuickBooks."))
        else:
            for invoice_id in unsynced:
                by_id[invoice_id].waiting = True  # applied by itself once the invoice syncs

        previous = self._applied_by(qb_payments.get(link.quickbooks_id) if link else None)
        to_apply = (initial - refunded) if settings.sync_refunds else initial
        lines: list[dict[str, Any]] = []
        customer_id = ""
        notes: list[str] = []
        release: list[str] = []
        for invoice_id in [i for i in targets if synced(i) is not None]:
            qb_invoice = synced(invoice_id)
            assert qb_invoice is not None
            invoice_currency = str((qb_invoice.get("CurrencyRef") or {}).get("value") or "")
            if currency and invoice_currency and invoice_currency.upper() != currency:
                raise errors.SyncFailure(errors.CURRENCY_MISMATCH, (
                    f"Currency mismatch: the payment is in {currency}, QuickBooks invoice "
                    f"{qb_invoice.get('DocNumber') or qb_invoice['Id']} in {invoice_currency}."))
            invoice_customer = str((qb_invoice.get("CustomerRef") or {}).get("value") or "")
            customer_id = customer_id or invoice_customer
            if invoice_customer != customer_id:
                notes.append(f"{by_id[invoice_id].label} belongs to another QuickBooks customer; "
                             "nothing of this payment is applied to it.")
                continue
            qb_id = str(qb_invoice["Id"])
            open_amount = money(qb_invoice.get("Balance")) + previous.get(qb_id, ZERO)
            amount = min(to_apply, open_amount)
            by_id[invoice_id].quickbooks_id = qb_id
            if amount > ZERO:
                lines.append({"Amount": str(amount), "LinkedTxn": [{"TxnId": qb_id, "TxnType": "Invoice"}]})
                by_id[invoice_id].applied = amount
                to_apply -= amount
        for invoice_id in voided:
            qb_invoice = synced(invoice_id)
            if qb_invoice is None:
                continue
            customer_id = customer_id or str((qb_invoice.get("CustomerRef") or {}).get("value") or "")
            if previous.get(str(qb_invoice["Id"]), ZERO) > ZERO:
                release.append(invoice_id)
                notes.append(
                    f"{by_id[invoice_id].label} was voided in HubSpot. QuickBooks can't void an invoice that has "
                    "payments applied, so this payment no longer applies to it (the amount stays unapplied on the "
                    "customer's account) and the invoice is voided next.")
        if not customer_id:
            customer_id = self._customer_by_email(context, props)
        if to_apply > ZERO and lines:
            notes.append(f"Overpayment: {to_apply} left unapplied on the customer's account, as QuickBooks does.")
        elif not lines and to_apply > ZERO:
            notes.append(f"Recorded against the customer, unapplied ({to_apply}): "
                         + ("its invoice hasn't synced yet." if associated else "it has no invoice in HubSpot."))
        body: dict[str, Any] = {
            "CustomerRef": {"value": customer_id},
            "TotalAmt": str(initial),
            "Line": lines,
            "PrivateNote": f"From HubSpot payment {record.source_id} (portal {context.portal_id}) by SimpleCommerceSync.",
        }
        if currency:
            body["CurrencyRef"] = {"value": currency}
        if (txn_date := qbo_date(props.get("hs_initiated_date"))) is not None:
            body["TxnDate"] = txn_date
        if props.get("hs_reference_number"):
            body["PaymentRefNum"] = str(props["hs_reference_number"])[:21]
        refund_body = None
        if settings.sync_refunds and refunded > ZERO:
            refund_body = self._refund_body(context, record, props, customer_id, currency, refunded,
                                            [synced(i) for i in associated])
            notes.append(f"Refunded {refunded} in HubSpot: paid out by a QuickBooks refund receipt, and the "
                         "invoice is open again for that amount, as in HubSpot.")
        changes = {row.quickbooks_id: (row.applied or ZERO) - previous.get(row.quickbooks_id, ZERO)
                   for row in rows if row.quickbooks_id}
        for qb_id, amount in previous.items():
            changes.setdefault(qb_id, -amount)
        return PaymentPlan(record, self._label(payment), body, fingerprint_of(body), link, refund_body, refund_link,
                           rows, notes, release, changes)

    def _wait_for(self, context: SyncContext, unsynced: list[str], invoice_records: dict[str, SyncRecord],
                  by_id: dict[str, InvoiceRow], queue_missing: bool = True) -> None:
        """Waiting (Pending, goes by itself) or, when the invoice itself can't sync, Failed with the reason."""
        for invoice_id in unsynced:
            label = by_id[invoice_id].label
            invoice_record = invoice_records.get(invoice_id)
            if invoice_record is not None and invoice_record.status == RecordStatus.FAILED:
                kind = errors.kind_for(invoice_record.error_kind)
                raise errors.SyncFailure(errors.INVOICE_NOT_SYNCED, (
                    f"Invoice not synced: {label} failed to sync ({kind.title if kind else invoice_record.error_kind}). "
                    "This payment goes by itself as soon as the invoice syncs."))
            if invoice_record is not None and invoice_record.status == RecordStatus.SUCCESS:
                raise errors.SyncFailure(errors.INVOICE_NOT_SYNCED, (
                    f"Invoice not synced: {label} was not written to QuickBooks "
                    f"({invoice_record.note or 'skipped'}). This payment goes by itself as soon as the invoice syncs."))
        missing = [i for i in unsynced if i not in invoice_records]
        if missing and queue_missing:
            if not context.peers.enabled(context.workspace_id, "invoices"):
                raise errors.SyncFailure(errors.INVOICE_NOT_SYNCED, (
                    f"Invoice not synced: {by_id[missing[0]].label} can't sync while Invoice sync is turned off "
                    "(Settings → Sync → Invoices)."))
            # The invoice was never queued (made before sync was on): queue it, since we wait for it.
            upsert_pending(context.workspace_id, "invoices", context.portal_id, missing, requested_by="payment")
            context.peers.wake(context.workspace_id, "invoices", "payment")
        names = ", ".join(by_id[i].label for i in unsynced)
        raise Waiting(f"Invoice not synced: waiting for {names} to sync; this payment then goes by itself.")

    @staticmethod
    def _applied_by(qb_payment: dict[str, Any] | None) -> dict[str, Decimal]:
        applied: dict[str, Decimal] = {}
        for line in (qb_payment or {}).get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "Invoice":
                    key = str(linked.get("TxnId"))
                    applied[key] = applied.get(key, ZERO) + money(line.get("Amount"))
        return applied

    def _customer_by_email(self, context: SyncContext, props: dict[str, Any]) -> str:
        email = normalized_email(props.get("hs_customer_email"))
        if not email:
            raise errors.SyncFailure(errors.PAYMENT_CUSTOMER_NOT_FOUND, (
                "Payment customer not found: the payment has no synced invoice and no customer email in HubSpot."))
        directory: CustomerDirectory = context.cache.setdefault("customers", CustomerDirectory(context))
        directory.load_emails([email])
        match = directory.choose(email)
        if match is None:
            raise errors.SyncFailure(errors.PAYMENT_CUSTOMER_NOT_FOUND, (
                f"Payment customer not found: no QuickBooks customer has the email {email}."))
        return match.quickbooks_id

    def _refund_body(self, context: SyncContext, record: SyncRecord, props: dict[str, Any], customer_id: str,
                     currency: str, refunded: Decimal, qb_invoices: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
        """A RefundReceipt: money paid back out of Undeposited Funds, where the payment went in
        (developer.intuit.com RefundReceipt: DepositToAccountRef is required)."""
        item_id = ""
        for qb_invoice in qb_invoices:
            for line in (qb_invoice or {}).get("Line") or []:
                item_id = str(((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value") or "")
                if item_id:
                    break
            if item_id:
                break
        if not item_id:
            item_id = self._any_service_item(context)
        tax: TaxPlan = context.cache.get("tax_plan") or context.cache.setdefault("tax_plan", TaxPlan(context))
        reference = str(props.get("hs_reference_number") or record.source_id)
        detail: dict[str, Any] = {"ItemRef": {"value": item_id}, "Qty": "1", "UnitPrice": str(refunded)}
        body: dict[str, Any] = {
            "CustomerRef": {"value": customer_id},
            "DepositToAccountRef": {"value": self._undeposited_funds(context)},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": str(refunded),
                      "Description": f"Refund of HubSpot payment {reference}", "SalesItemLineDetail": detail}],
            "PaymentRefNum": reference[:21],
            "PrivateNote": f"Refund of HubSpot payment {record.source_id} (portal {context.portal_id}) by "
                           "SimpleCommerceSync.",
        }
        if tax.us:
            detail["TaxCodeRef"] = {"value": "NON"}  # a refund of money received: no sales tax again
        else:
            body["GlobalTaxCalculation"] = "NotApplicable"
        if currency:
            body["CurrencyRef"] = {"value": currency}
        return body

    @staticmethod
    def _undeposited_funds(context: SyncContext) -> str:
        cached = context.cache.get("undeposited_funds")
        if cached:
            return str(cached)
        context.checkpoint()
        found = list(context.quickbooks.query("Account", "AccountSubType = 'UndepositedFunds'"))
        if not found:
            raise errors.SyncFailure(errors.VALIDATION_ERROR,
                                     "QuickBooks has no Undeposited Funds account to pay the refund from.")
        context.cache["undeposited_funds"] = str(found[0]["Id"])
        return str(found[0]["Id"])

    @staticmethod
    def _any_service_item(context: SyncContext) -> str:
        context.checkpoint()
        found = list(context.quickbooks.query("Item", "Type = 'Service' AND Active = true"))
        if not found:
            raise errors.SyncFailure(errors.VALIDATION_ERROR,
                                     "QuickBooks has no active service item to put on the refund receipt.")
        return str(found[0]["Id"])

    @staticmethod
    def _read_many(context: SyncContext, entity: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(i for i in ids if i))
        quote = context.quickbooks.quote
        for start in range(0, len(unique), 40):
            context.checkpoint()
            chunk = unique[start:start + 40]
            for entity_found in context.quickbooks.query(entity, f"Id IN ({', '.join(quote(i) for i in chunk)})"):
                found[str(entity_found["Id"])] = entity_found
        return found

    # -- Preview (plan without writing) ---------------------------------------------------------
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        """`process` up to the plan: the same reads and decisions; nothing is written anywhere (no
        QuickBooks write, no invoice queued, no link, no settings row)."""
        settings = (PaymentSyncSettings.objects.filter(workspace_id=context.workspace_id).first()
                    or PaymentSyncSettings(workspace_id=context.workspace_id))
        # Preview answers "what would switching it on do": planned as on, never saved.
        settings.enabled = True
        ids = list(dict.fromkeys(str(i) for i in source_ids))
        context.checkpoint()
        payments = context.hubspot.batch_read("commerce_payments", ids, PAYMENT_PROPERTIES)
        links = links_by_hubspot_id(context, PAYMENT_LINK, ids)
        refund_links = links_by_hubspot_id(context, REFUND_LINK, ids)
        rows: dict[str, PlannedRow] = {}
        live: list[str] = []
        for source_id in ids:
            payment = payments.get(source_id)
            decision = self._early(settings, payment, links.get(source_id))
            label = self._label(payment) if payment else f"Payment {source_id}"
            if decision is None:
                live.append(source_id)
            else:
                rows[source_id] = PlannedRow(source_id, label, decision[0], decision[1])
        both = self._read_both(context, live, links) if live else None
        for source_id in live:
            assert both is not None
            payment = payments[source_id]
            label = self._label(payment)
            associated = both.invoice_ids.get(source_id, [])
            invoice_rows = [InvoiceRow(i, self._invoice_label(both.invoices.get(i), i)) for i in associated]
            record = SyncRecord(workspace_id=context.workspace_id, sync_type="payments", source_id=source_id)
            try:
                plan = self._plan(context, settings, record, payment, associated, both.invoices, both.invoice_links,
                                  both.qb_invoices, both.qb_payments, both.invoice_records, links.get(source_id),
                                  refund_links.get(source_id), invoice_rows, dry_run=True)
            except Waiting as waiting:
                rows[source_id] = PlannedRow(source_id, label, "skip", waiting.message, errors.INVOICE_NOT_SYNCED.key)
                continue
            except errors.SyncFailure as failure:
                rows[source_id] = PlannedRow(source_id, label, "fail", f"{failure.kind.title}: {failure.message}",
                                             failure.kind.key)
                continue
            link = plan.link
            refund_changes = plan.refund_body is not None and (
                plan.refund_link is None or plan.refund_link.fingerprint != fingerprint_of(plan.refund_body))
            if link is None or link.fingerprint == VOIDED:
                action = "create"
            elif link.fingerprint != plan.fingerprint or refund_changes:
                action = "update"
            else:
                action = "unchanged"
            applied = [r for r in invoice_rows if r.applied]
            why = [f"{r.applied} to {r.label}" for r in applied] + plan.notes
            rows[source_id] = PlannedRow(source_id, label, action, "; ".join(why))
        return [rows[i] for i in ids]

    # -- writing -------------------------------------------------------------------------------
    def _settle_replays(self, context: SyncContext, records: Sequence[SyncRecord]) -> None:
        """Writes a dead worker left in flight: replay them and keep the links they produced."""
        outcomes = replay_unanswered(context, [r.pk for r in records])
        if outcomes:
            store_links(context, [
                NewLink(o.entry.kind, o.entry.hubspot_id, str(o.entity["Id"]), o.entry.fingerprint,
                        str(o.entity.get("SyncToken") or ""), _label_of(o.entity))
                for o in outcomes if o.entity is not None and o.entry.kind in (PAYMENT_LINK, REFUND_LINK)
            ], {o.journal_id for o in outcomes})

    def _write(self, context: SyncContext, plan: PaymentPlan, created: WriteOutcome | None = None,
               note: bool = True) -> Result:
        """Write one payment (and its refund receipt); `created` is its create already sent in a
        batch, whose link `_create_batch` stored (and whose invoice rows it notes, `note=False`)."""
        record = plan.record
        payment_entry = WriteEntry(record.pk, PAYMENT_LINK, record.source_id, plan.fingerprint)
        link = plan.link
        action = "unchanged"
        request_ids: list[str] = []
        changes: dict[str, Any] = {}
        if created is not None:
            outcome: WriteOutcome | None = created
            action = "created"
            changes = {"created": {"TotalAmt": plan.body["TotalAmt"], "applied": [
                line["Amount"] for line in plan.body["Line"]], "CustomerRef": plan.body["CustomerRef"]["value"]}}
        elif link is None or link.fingerprint == VOIDED:
            outcome = write_one(context, "Payment", "create", plan.body, payment_entry)
            action = "created"
            changes = {"created": {"TotalAmt": plan.body["TotalAmt"], "applied": [
                line["Amount"] for line in plan.body["Line"]], "CustomerRef": plan.body["CustomerRef"]["value"]}}
        elif link.fingerprint != plan.fingerprint:
            outcome = self._update(context, "Payment", link, plan.body, payment_entry)
            action = "updated"
            changes = {"fingerprint": [link.fingerprint[:12], plan.fingerprint[:12]],
                       "applied": [None, [line["Amount"] for line in plan.body["Line"]]]}
        else:
            outcome = None
        if outcome is not None:
            if outcome.entity is None:
                if note:
                    note_invoices(context, record, plan.rows)
                return self._refused(plan, outcome)
            if created is None:
                store_links(context, [NewLink(PAYMENT_LINK, record.source_id, str(outcome.entity["Id"]),
                                              plan.fingerprint, str(outcome.entity.get("SyncToken") or ""),
                                              _label_of(outcome.entity))], [outcome.journal_id])
            request_ids = [*context.quickbooks.last_request_ids]
            payment_id = str(outcome.entity["Id"])
        else:
            assert link is not None
            payment_id = link.quickbooks_id
        refund_id = ""
        if plan.refund_body is not None:
            refund_body = {**plan.refund_body}
            refund_fingerprint = fingerprint_of(refund_body)
            refund_entry = WriteEntry(record.pk, REFUND_LINK, record.source_id, refund_fingerprint)
            refund_link = plan.refund_link
            refund_outcome: WriteOutcome | None = None
            if refund_link is None or refund_link.fingerprint == VOIDED:
                refund_outcome = write_one(context, "RefundReceipt", "create", refund_body, refund_entry)
            elif refund_link.fingerprint != refund_fingerprint:
                refund_outcome = self._update(context, "RefundReceipt", refund_link, refund_body, refund_entry)
            if refund_outcome is not None:
                if refund_outcome.entity is None:
                    note_invoices(context, record, plan.rows)
                    return self._refused(plan, refund_outcome, "refund receipt")
                store_links(context, [NewLink(REFUND_LINK, record.source_id, str(refund_outcome.entity["Id"]),
                                              refund_fingerprint, str(refund_outcome.entity.get("SyncToken") or ""),
                                              _label_of(refund_outcome.entity))], [refund_outcome.journal_id])
                refund_id = str(refund_outcome.entity["Id"])
                changes["refund_receipt"] = [None, refund_body["Line"][0]["Amount"]]
                action = "updated" if action == "unchanged" else action
            elif refund_link is not None:
                refund_id = refund_link.quickbooks_id
        if note:
            note_invoices(context, record, plan.rows)
        if plan.release_invoices and action != "unchanged":
            self._release_voided(context, plan.release_invoices)
        notes = [*plan.notes]
        applied = [row for row in plan.rows if row.applied]
        if applied:
            notes.insert(0, "Applied " + "; ".join(
                f"{row.applied} to {row.label} (QuickBooks invoice {row.quickbooks_id})" for row in applied) + ".")
        if refund_id:
            notes.append(f"QuickBooks refund receipt {refund_id}.")
        return Result(AttemptOutcome.SUCCESS, action=action, label=plan.label, destination_id=payment_id,
                      destination_label=f"Payment {payment_id}", note=" ".join(notes),
                      request_ids=request_ids, changes=changes)

    def _update(self, context: SyncContext, entity: str, link: RecordLink, body: dict[str, Any],
                entry: WriteEntry) -> WriteOutcome:
        # A full update, not sparse: our body is the whole payment, and a full update clears what it
        # leaves out (Intuit "Full update"), so a fully refunded payment really loses its last line.
        update = {**body, "Id": link.quickbooks_id, "SyncToken": link.quickbooks_sync_token or "0"}
        outcome = write_one(context, entity, "update", update, entry)
        if outcome.error is not None and is_stale(outcome.error):
            context.checkpoint()
            current = context.quickbooks.read(entity, link.quickbooks_id)
            update["SyncToken"] = str(current.get("SyncToken") or "0")
            outcome = write_one(context, entity, "update", update, entry)
        return outcome

    def _void(self, context: SyncContext, batch: Batch, record: SyncRecord, link: RecordLink,
              refund_link: RecordLink | None, why: str, label: str = "") -> None:
        if link.fingerprint == VOIDED:
            batch.finish(record, Result(AttemptOutcome.SUCCESS, action="unchanged", label=label or record.label,
                                        destination_id=link.quickbooks_id, destination_label=link.quickbooks_label,
                                        note=why))
            return
        batch.keep_lease()
        voids: list[tuple[WriteEntry, str, str, dict[str, Any]]] = []
        targets = [(PAYMENT_LINK, "Payment", link)]
        if refund_link is not None and refund_link.fingerprint != VOIDED:
            targets.append((REFUND_LINK, "RefundReceipt", refund_link))
        for kind, entity, target in targets:
            context.checkpoint()
            current = context.quickbooks.read(entity, target.quickbooks_id)
            voids.append((WriteEntry(record.pk, kind, record.source_id, VOIDED), "void", entity,
                          {"Id": target.quickbooks_id, "SyncToken": str(current.get("SyncToken") or "0")}))
        outcomes = write_batch(context, voids)
        refused = [o for o in outcomes if o.entity is None]
        store_links(context, [
            NewLink(o.entry.kind, record.source_id, str(o.entity["Id"]), VOIDED, str(o.entity.get("SyncToken") or ""),
                    _label_of(o.entity))
            for o in outcomes if o.entity is not None
        ], {o.journal_id for o in outcomes})
        if refused:
            message = getattr(refused[0].error, "message", None) or str(refused[0].error)
            batch.finish(record, Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=label or record.label,
                                        message=f"QuickBooks refused to void the payment: {message}"))
            return
        PaymentInvoice.objects.filter(payment_record=record).update(quickbooks_invoice_id="", applied_amount=None,
                                                                    waiting=False, updated_at=timezone.now())
        batch.finish(record, Result(AttemptOutcome.SUCCESS, action="voided", label=label or record.label,
                                    destination_id=link.quickbooks_id, destination_label=link.quickbooks_label,
                                    note=why, changes={"status": ["applied", "voided"]},
                                    request_ids=[*context.quickbooks.last_request_ids]))

    @staticmethod
    def _refused(plan: PaymentPlan, outcome: WriteOutcome, what: str = "payment") -> Result:
        message = getattr(outcome.error, "message", None) or str(outcome.error) or f"QuickBooks refused the {what}"
        return Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=plan.label,
                      message=f"QuickBooks refused the {what}: {message}")

    @staticmethod
    def _release_voided(context: SyncContext, invoice_ids: list[str]) -> None:
        """The payment no longer holds these voided invoices: QuickBooks now lets them be voided."""
        upsert_pending(context.workspace_id, "invoices", context.portal_id, invoice_ids, requested_by="payment")
        context.peers.wake(context.workspace_id, "invoices", "payment")


def _label_of(entity: dict[str, Any]) -> str:
    return str(entity.get("DocNumber") or entity.get("PaymentRefNum") or entity.get("Id") or "")


def note_invoices(context: SyncContext, record: SyncRecord, rows: list[InvoiceRow]) -> None:
    """Keep what Data → Payments shows the payment belongs to, and what it waits for."""
    note_invoices_many(context, [(record, rows)])


def note_invoices_many(context: SyncContext, noted: Sequence[tuple[SyncRecord, list[InvoiceRow]]]) -> None:
    """`note_invoices` for many payments: one read, one delete and one upsert in one transaction."""
    if not noted:
        return
    now = timezone.now()
    keep = {(record.pk, row.hubspot_id) for record, rows in noted for row in rows}
    rows = [
        PaymentInvoice(payment_record_id=record.pk, hubspot_invoice_id=row.hubspot_id,
                       workspace_id=context.workspace_id, invoice_label=row.label[:255],
                       quickbooks_invoice_id=row.quickbooks_id if row.applied else "",
                       applied_amount=row.applied, waiting=row.waiting, updated_at=now)
        for record, invoice_rows in noted for row in invoice_rows
    ]
    with transaction.atomic():
        stale = [pk for pk, record_id, invoice_id in PaymentInvoice.objects.filter(
            payment_record_id__in=[record.pk for record, _ in noted]).values_list(
            "pk", "payment_record_id", "hubspot_invoice_id") if (record_id, invoice_id) not in keep]
        if stale:
            PaymentInvoice.objects.filter(pk__in=stale).delete()
        if rows:
            PaymentInvoice.objects.bulk_create(
                rows, batch_size=500, update_conflicts=True, unique_fields=["payment_record", "hubspot_invoice_id"],
                update_fields=["workspace", "invoice_label", "quickbooks_invoice_id", "applied_amount", "waiting",
                               "updated_at"])


def invoices_done(workspace_id: int, portal_id: str, succeeded: list[str], failed: list[str]) -> int:
    """Called by the engine after an invoice drain (`on_dependency_done`): payments that waited for a
    now-synced invoice go by themselves; payments applied to an invoice that failed (e.g. QuickBooks
    refused to void it while they are applied) are looked at again. Returns how many payments were
    queued; the engine then wakes the payments drain."""
    rows = PaymentInvoice.objects.filter(workspace_id=workspace_id, payment_record__source_account=str(portal_id))
    waiting = rows.filter(hubspot_invoice_id__in=succeeded, waiting=True)
    holding = rows.filter(hubspot_invoice_id__in=failed).exclude(quickbooks_invoice_id="")
    source_ids = set(waiting.values_list("payment_record__source_id", flat=True)) | set(
        holding.values_list("payment_record__source_id", flat=True))
    if not source_ids or not PaymentSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists():
        return 0
    upsert_pending(workspace_id, "payments", str(portal_id), sorted(source_ids), requested_by="invoice_synced",
                   source_side=SourceSide.HUBSPOT)
    return len(source_ids)


def waiting_for(record: SyncRecord) -> list[PaymentInvoice]:
    """The invoices a payment record belongs to (and waits for), for Data → Payments."""
    return list(record.payment_invoices.order_by("hubspot_invoice_id"))
