"""Payments wait for their invoice: with Require Invoice on, a payment whose invoice hasn't synced
waits (Invoice not synced), queueing the invoice if it never was, and goes by itself once that
invoice succeeds (`invoices_done`, the engine's hook after every invoice drain). What a payment
belongs to and waits for is kept for Data → Payments (`note_invoices`, `waiting_for`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import RecordStatus, SourceSide, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.payments import errors as payment_errors
from simplecommercesync.sync.types.payments.models import PaymentInvoice, PaymentSyncSettings


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


def wait_for_invoices(context: SyncContext, unsynced: list[str], invoice_records: dict[str, SyncRecord],
                      by_id: dict[str, InvoiceRow], queue_missing: bool = True) -> None:
    """Waiting (Pending, goes by itself) or, when the invoice itself can't sync, Failed with the reason."""
    for invoice_id in unsynced:
        label = by_id[invoice_id].label
        invoice_record = invoice_records.get(invoice_id)
        if invoice_record is not None and invoice_record.status == RecordStatus.FAILED:
            kind = context.peers.error_kind(invoice_record.error_kind)
            raise errors.SyncFailure(payment_errors.INVOICE_NOT_SYNCED, (
                f"Invoice not synced: {label} failed to sync ({kind.title if kind else invoice_record.error_kind}). "
                "This payment goes by itself as soon as the invoice syncs."))
        if invoice_record is not None and invoice_record.status == RecordStatus.SUCCESS:
            raise errors.SyncFailure(payment_errors.INVOICE_NOT_SYNCED, (
                f"Invoice not synced: {label} was not written to QuickBooks "
                f"({invoice_record.note or 'skipped'}). This payment goes by itself as soon as the invoice syncs."))
    missing = [i for i in unsynced if i not in invoice_records]
    if missing and queue_missing:
        if not context.peers.enabled(context.workspace_id, "invoices"):
            raise errors.SyncFailure(payment_errors.INVOICE_NOT_SYNCED, (
                f"Invoice not synced: {by_id[missing[0]].label} can't sync while Invoice sync is turned off "
                "(Settings → Sync → Invoices)."))
        # The invoice was never queued (made before sync was on): queue it, since we wait for it.
        upsert_pending(context.workspace_id, "invoices", context.portal_id, missing, requested_by="payment")
        context.peers.wake(context.workspace_id, "invoices", "payment")
    names = ", ".join(by_id[i].label for i in unsynced)
    raise Waiting(f"Invoice not synced: waiting for {names} to sync; this payment then goes by itself.")


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
