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

Every write is journaled first (engine/writes.py), so a worker killed between QuickBooks' answer
and our link replays the same request instead of writing a second payment.

This module is the handler: it reads, decides and dispatches. Each step lives in a module named
after it: status_filter.py (skip or void before reading the invoice), reading.py, plans.py,
waiting.py (payments wait for their invoice; `invoices_done`), refunds.py, writes.py, voids.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from simplecommercesync.providers.quickbooks.limits import BATCH_MAX
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import links_by_hubspot_id
from simplecommercesync.sync.engine.models import AttemptOutcome, RecordLink, SyncRecord
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.types.payments import errors as payment_errors
from simplecommercesync.sync.types.payments.links import PAYMENT_LINK, REFUND_LINK, VOIDED
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from simplecommercesync.sync.types.payments.plans import (
    PaymentPlan,
    apply_to_balances,
    fingerprint_of,
    plan_payment,
)
from simplecommercesync.sync.types.payments.reading import (
    PAYMENT_PROPERTIES,
    invoice_label,
    payment_label,
    read_both,
)
from simplecommercesync.sync.types.payments.status_filter import early_decision
from simplecommercesync.sync.types.payments.voids import void_payment
from simplecommercesync.sync.types.payments.waiting import InvoiceRow, Waiting, note_invoices
from simplecommercesync.sync.types.payments.writes import create_batch, settle_replays, write_payment

logger = logging.getLogger(__name__)


def payment_settings(workspace_id: int) -> PaymentSyncSettings:
    settings, _ = PaymentSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


class PaymentSync:
    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = payment_settings(context.workspace_id)
        settle_replays(context, batch.records)
        ids = [r.source_id for r in batch.records]
        context.checkpoint()
        payments = context.hubspot.batch_read("commerce_payments", ids, PAYMENT_PROPERTIES)
        links = links_by_hubspot_id(context, PAYMENT_LINK, ids)
        refund_links = links_by_hubspot_id(context, REFUND_LINK, ids)
        live: list[SyncRecord] = []
        for record in batch.records:
            payment = payments.get(record.source_id)
            link = links.get(record.source_id)
            decision = early_decision(settings, payment, link)
            if decision is None:
                live.append(record)
            elif decision[0] == "void":
                assert link is not None
                void_payment(context, batch, record, link, refund_links.get(record.source_id), decision[1],
                             payment_label(payment) if payment else "")
            else:
                label = payment_label(payment) if payment else ""
                batch.finish(record, Result(AttemptOutcome.SKIPPED, action="none" if payment is None else "skipped",
                                            label=label, note=decision[1]))
        if live:
            self._sync(context, batch, settings, live, payments, links, refund_links)

    def _sync(self, context: SyncContext, batch: Batch, settings: PaymentSyncSettings, live: list[SyncRecord],
              payments: dict[str, dict[str, Any]], links: dict[str, RecordLink],
              refund_links: dict[str, RecordLink]) -> None:
        both = read_both(context, [r.source_id for r in live], links)
        # New payments (no refund receipt) go to QuickBooks up to 30 in one batch request. A payment
        # applied to an invoice that a waiting one also pays is planned only after that batch is
        # written, so it sees the invoice's balance after the earlier payment, as one by one.
        creates: list[PaymentPlan] = []
        touched: set[str] = set()

        def flush() -> None:
            if creates:
                create_batch(context, batch, creates, both)
                creates.clear()
                touched.clear()

        for record in live:
            payment = payments[record.source_id]
            label = payment_label(payment)
            associated = both.invoice_ids.get(record.source_id, [])
            invoices_paid = {both.invoice_links[i].quickbooks_id for i in associated if i in both.invoice_links}
            if invoices_paid & touched:
                flush()
            rows = [InvoiceRow(i, invoice_label(both.invoices.get(i), i)) for i in associated]
            try:
                plan = plan_payment(context, settings, record, payment, associated, both.invoices, both.invoice_links,
                                    both.qb_invoices, both.qb_payments, both.invoice_records,
                                    links.get(record.source_id), refund_links.get(record.source_id), rows)
            except Waiting as waiting:
                note_invoices(context, record, rows)
                batch.finish(record, Result(AttemptOutcome.RETRY, kind=payment_errors.INVOICE_NOT_SYNCED,
                                            label=label, message=waiting.message))
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
            result = write_payment(context, plan)
            batch.finish(record, result)
            if result.outcome == AttemptOutcome.SUCCESS:
                apply_to_balances(plan, both)
        flush()

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
            decision = early_decision(settings, payment, links.get(source_id))
            label = payment_label(payment) if payment else f"Payment {source_id}"
            if decision is None:
                live.append(source_id)
            else:
                rows[source_id] = PlannedRow(source_id, label, decision[0], decision[1])
        both = read_both(context, live, links) if live else None
        for source_id in live:
            assert both is not None
            payment = payments[source_id]
            label = payment_label(payment)
            associated = both.invoice_ids.get(source_id, [])
            invoice_rows = [InvoiceRow(i, invoice_label(both.invoices.get(i), i)) for i in associated]
            record = SyncRecord(workspace_id=context.workspace_id, sync_type="payments", source_id=source_id)
            try:
                plan = plan_payment(context, settings, record, payment, associated, both.invoices, both.invoice_links,
                                    both.qb_invoices, both.qb_payments, both.invoice_records, links.get(source_id),
                                    refund_links.get(source_id), invoice_rows, dry_run=True)
            except Waiting as waiting:
                rows[source_id] = PlannedRow(source_id, label, "skip", waiting.message,
                                             payment_errors.INVOICE_NOT_SYNCED.key)
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
