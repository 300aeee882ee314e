"""Voids: a payment deleted, failed or canceled in HubSpot after it synced voids its QuickBooks
payment and refund receipt, so its invoice is open again. The link keeps pointing at the voided
payment (fingerprint `VOIDED`), so a payment that comes back is created anew."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, store_links
from simplecommercesync.sync.engine.models import AttemptOutcome, RecordLink, SyncRecord
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.engine.writes import WriteEntry, write_batch
from simplecommercesync.sync.types.payments.links import PAYMENT_LINK, REFUND_LINK, VOIDED, label_of
from simplecommercesync.sync.types.payments.models import PaymentInvoice


def void_payment(context: SyncContext, batch: Batch, record: SyncRecord, link: RecordLink,
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
                label_of(o.entity))
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
