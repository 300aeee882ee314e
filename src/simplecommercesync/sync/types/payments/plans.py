"""What one payment becomes in QuickBooks, planned before anything is written: the currency check,
the invoice(s) it applies to and for how much (an overpayment stays unapplied on the customer's
account), the customer (the invoice's, or by the payment's email when it has no synced invoice),
a voided invoice the payment must let go of, and the refund receipt. The fingerprint of the
QuickBooks body decides "nothing to do"."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import RecordLink, SyncRecord
from simplecommercesync.sync.mapping.customers import CustomerDirectory, normalized_email
from simplecommercesync.sync.mapping.money import money, qbo_date
from simplecommercesync.sync.types.payments import errors as payment_errors
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from simplecommercesync.sync.types.payments.reading import BothSides, payment_label
from simplecommercesync.sync.types.payments.refunds import refund_receipt_body
from simplecommercesync.sync.types.payments.waiting import InvoiceRow, wait_for_invoices

ZERO = Decimal("0.00")


def fingerprint_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


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


def plan_payment(context: SyncContext, settings: PaymentSyncSettings, record: SyncRecord,
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
            raise errors.SyncFailure(payment_errors.CURRENCY_MISMATCH, (
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
            raise errors.SyncFailure(payment_errors.PAYMENT_WITHOUT_INVOICE, (
                "Payment has no invoice: it isn't associated with an invoice in HubSpot, and Require Invoice "
                "is on."))
        if unsynced:
            for invoice_id in unsynced:
                by_id[invoice_id].waiting = True
            wait_for_invoices(context, unsynced, invoice_records, by_id, queue_missing=not dry_run)
        if not targets and link is None:
            raise errors.SyncFailure(payment_errors.INVOICE_NOT_SYNCED, (
                f"Invoice not synced: {by_id[voided[0]].label} was voided in HubSpot; a payment on a voided "
                "invoice isn't recorded in QuickBooks."))
    else:
        for invoice_id in unsynced:
            by_id[invoice_id].waiting = True  # applied by itself once the invoice syncs

    previous = applied_by(qb_payments.get(link.quickbooks_id) if link else None)
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
            raise errors.SyncFailure(payment_errors.CURRENCY_MISMATCH, (
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
        customer_id = customer_by_email(context, props)
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
        refund_body = refund_receipt_body(context, record, props, customer_id, currency, refunded,
                                          [synced(i) for i in associated])
        notes.append(f"Refunded {refunded} in HubSpot: paid out by a QuickBooks refund receipt, and the "
                     "invoice is open again for that amount, as in HubSpot.")
    changes = {row.quickbooks_id: (row.applied or ZERO) - previous.get(row.quickbooks_id, ZERO)
               for row in rows if row.quickbooks_id}
    for qb_id, amount in previous.items():
        changes.setdefault(qb_id, -amount)
    return PaymentPlan(record, payment_label(payment), body, fingerprint_of(body), link, refund_body, refund_link,
                       rows, notes, release, changes)


def applied_by(qb_payment: dict[str, Any] | None) -> dict[str, Decimal]:
    applied: dict[str, Decimal] = {}
    for line in (qb_payment or {}).get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            if linked.get("TxnType") == "Invoice":
                key = str(linked.get("TxnId"))
                applied[key] = applied.get(key, ZERO) + money(line.get("Amount"))
    return applied


def customer_by_email(context: SyncContext, props: dict[str, Any]) -> str:
    email = normalized_email(props.get("hs_customer_email"))
    if not email:
        raise errors.SyncFailure(payment_errors.PAYMENT_CUSTOMER_NOT_FOUND, (
            "Payment customer not found: the payment has no synced invoice and no customer email in HubSpot."))
    directory: CustomerDirectory = context.cache.setdefault("customers", CustomerDirectory(context))
    directory.load_emails([email])
    match = directory.choose(email)
    if match is None:
        raise errors.SyncFailure(payment_errors.PAYMENT_CUSTOMER_NOT_FOUND, (
            f"Payment customer not found: no QuickBooks customer has the email {email}."))
    return match.quickbooks_id


def apply_to_balances(plan: PaymentPlan, both: BothSides) -> None:
    """Later payments of this batch on the same invoice see its balance after this one."""
    for qb_id, delta in plan.balance_changes.items():
        if qb_id in both.qb_invoices:
            invoice = both.qb_invoices[qb_id]
            invoice["Balance"] = str(money(invoice.get("Balance")) - delta)
