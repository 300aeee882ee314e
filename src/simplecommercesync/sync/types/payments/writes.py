"""Writing a planned payment to QuickBooks: new payments in one batch request, an update in full,
the refund receipt, and the links they produce. Every write is journaled first (engine/writes.py),
so a worker killed between QuickBooks' answer and our link replays the same request instead of
writing a second payment (`settle_replays`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, store_links
from simplecommercesync.sync.engine.models import AttemptOutcome, RecordLink, SyncRecord
from simplecommercesync.sync.engine.queue import Result, upsert_pending
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    is_stale,
    replay_unanswered,
    write_batch,
    write_one,
)
from simplecommercesync.sync.types.payments.links import PAYMENT_LINK, REFUND_LINK, VOIDED, label_of
from simplecommercesync.sync.types.payments.plans import PaymentPlan, apply_to_balances, fingerprint_of
from simplecommercesync.sync.types.payments.reading import BothSides
from simplecommercesync.sync.types.payments.waiting import note_invoices, note_invoices_many


def settle_replays(context: SyncContext, records: Sequence[SyncRecord]) -> None:
    """Writes a dead worker left in flight: replay them and keep the links they produced."""
    outcomes = replay_unanswered(context, [r.pk for r in records])
    if outcomes:
        store_links(context, [
            NewLink(o.entry.kind, o.entry.hubspot_id, str(o.entity["Id"]), o.entry.fingerprint,
                    str(o.entity.get("SyncToken") or ""), label_of(o.entity))
            for o in outcomes if o.entity is not None and o.entry.kind in (PAYMENT_LINK, REFUND_LINK)
        ], {o.journal_id for o in outcomes})


def create_batch(context: SyncContext, batch: Batch, plans: list[PaymentPlan], both: BothSides) -> None:
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
                str(o.entity.get("SyncToken") or ""), label_of(o.entity))
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
        result = write_payment(context, plan, created=outcome, note=False)
        ended.append((plan.record, result))
        if result.outcome == AttemptOutcome.SUCCESS:
            apply_to_balances(plan, both)
    note_invoices_many(context, [(plan.record, plan.rows) for plan in plans if plan.record.pk in by_record])
    batch.finish_many(ended)


def write_payment(context: SyncContext, plan: PaymentPlan, created: WriteOutcome | None = None,
                  note: bool = True) -> Result:
    """Write one payment (and its refund receipt); `created` is its create already sent in a
    batch, whose link `create_batch` stored (and whose invoice rows it notes, `note=False`)."""
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
        outcome = full_update(context, "Payment", link, plan.body, payment_entry)
        action = "updated"
        changes = {"fingerprint": [link.fingerprint[:12], plan.fingerprint[:12]],
                   "applied": [None, [line["Amount"] for line in plan.body["Line"]]]}
    else:
        outcome = None
    if outcome is not None:
        if outcome.entity is None:
            if note:
                note_invoices(context, record, plan.rows)
            return refused_result(plan, outcome)
        if created is None:
            store_links(context, [NewLink(PAYMENT_LINK, record.source_id, str(outcome.entity["Id"]),
                                          plan.fingerprint, str(outcome.entity.get("SyncToken") or ""),
                                          label_of(outcome.entity))], [outcome.journal_id])
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
            refund_outcome = full_update(context, "RefundReceipt", refund_link, refund_body, refund_entry)
        if refund_outcome is not None:
            if refund_outcome.entity is None:
                note_invoices(context, record, plan.rows)
                return refused_result(plan, refund_outcome, "refund receipt")
            store_links(context, [NewLink(REFUND_LINK, record.source_id, str(refund_outcome.entity["Id"]),
                                          refund_fingerprint, str(refund_outcome.entity.get("SyncToken") or ""),
                                          label_of(refund_outcome.entity))], [refund_outcome.journal_id])
            refund_id = str(refund_outcome.entity["Id"])
            changes["refund_receipt"] = [None, refund_body["Line"][0]["Amount"]]
            action = "updated" if action == "unchanged" else action
        elif refund_link is not None:
            refund_id = refund_link.quickbooks_id
    if note:
        note_invoices(context, record, plan.rows)
    if plan.release_invoices and action != "unchanged":
        release_voided(context, plan.release_invoices)
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


def full_update(context: SyncContext, entity: str, link: RecordLink, body: dict[str, Any],
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


def refused_result(plan: PaymentPlan, outcome: WriteOutcome, what: str = "payment") -> Result:
    message = getattr(outcome.error, "message", None) or str(outcome.error) or f"QuickBooks refused the {what}"
    return Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=plan.label,
                  message=f"QuickBooks refused the {what}: {message}")


def release_voided(context: SyncContext, invoice_ids: list[str]) -> None:
    """The payment no longer holds these voided invoices: QuickBooks now lets them be voided."""
    upsert_pending(context.workspace_id, "invoices", context.portal_id, invoice_ids, requested_by="payment")
    context.peers.wake(context.workspace_id, "invoices", "payment")
