"""Invoices either way: each record goes to the handler of the side it came from.

One direction at a time (Settings → Sync → Invoices): a record from the side that is not the
current direction is skipped with a note and its links stay as they are, so switching the
direction never touches invoices that already synced.
"""

from __future__ import annotations

from collections.abc import Sequence

from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.models import AttemptOutcome, SourceSide, SyncDirection, SyncRecord
from simplecommercesync.sync.engine.planning import PlannedRow, PreviewUnavailable
from simplecommercesync.sync.engine.queue import Claim, Result
from simplecommercesync.sync.types.invoices.to_hubspot import QuickBooksInvoiceSync
from simplecommercesync.sync.types.invoices.to_quickbooks import InvoiceSync, invoice_settings


def sub_batch(batch: Batch, records: list[SyncRecord]) -> Batch:
    """Part of a claim, finishing into the same bookkeeping as the whole."""
    claim = Claim(batch.claim.token, records, {r.pk: batch.claim.requested_at[r.pk] for r in records})
    return Batch(claim, batch.run_id, batch.trigger, finished=batch.finished, on_finish=batch.on_finish)


class InvoiceDirections:
    def prepare(self, context: SyncContext) -> None:
        if invoice_settings(context.workspace_id).direction == SyncDirection.HUBSPOT_TO_QUICKBOOKS:
            InvoiceSync().prepare(context)

    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        if invoice_settings(context.workspace_id).direction != SyncDirection.HUBSPOT_TO_QUICKBOOKS:
            raise PreviewUnavailable("Preview covers invoices from HubSpot to QuickBooks only, for now.")
        return InvoiceSync().preview(context, source_ids)

    def process(self, context: SyncContext, batch: Batch) -> None:
        direction = invoice_settings(context.workspace_id).direction
        from_hubspot = [r for r in batch.records if r.source_side == SourceSide.HUBSPOT]
        from_quickbooks = [r for r in batch.records if r.source_side == SourceSide.QUICKBOOKS]
        wrong_side = from_quickbooks if direction == SyncDirection.HUBSPOT_TO_QUICKBOOKS else from_hubspot
        for record in wrong_side:
            batch.finish(record, Result(
                AttemptOutcome.SKIPPED, action="skipped",
                note=f"Invoice Sync Direction is {SyncDirection(direction).label}; this invoice's changes don't "
                     "sync now (Settings → Sync → Invoices)."))
        if direction == SyncDirection.HUBSPOT_TO_QUICKBOOKS and from_hubspot:
            InvoiceSync().process(context, sub_batch(batch, from_hubspot))
        elif direction == SyncDirection.QUICKBOOKS_TO_HUBSPOT and from_quickbooks:
            QuickBooksInvoiceSync().process(context, sub_batch(batch, from_quickbooks))
