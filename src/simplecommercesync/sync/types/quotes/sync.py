"""Quotes ↔ estimates (https://developers.hubspot.com/docs/api/crm/quotes,
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/estimate).

One SyncRecord per linked pair, keyed by the side the pair started on; a change on the other side
is queued onto that same record (`queue_quote_changes`, queueing.py). Per pair: read both sides →
fingerprint each → compare with the fingerprints stored right after our last sync (`TwoWayState`,
two_way.py):
- neither changed → nothing to write (this is how our own writes never echo back);
- one changed → write it to the other side, if the Sync Direction allows;
- both changed → the newer by the providers' own modification times wins, and the attempt
  records the overwritten change.
Status mapping (both ways) is in docs/quotes.md and `HUBSPOT_TO_QUICKBOOKS` / `estimate_status`
(pairs.py).

HubSpot → QuickBooks writes go a batch at a time, as invoices do: the pairs' decisions only
collect them, then the batch's contacts are read once, its customers resolved and created
together, its estimates sent ≤ 30 to a journaled QuickBooks batch request and their ids/numbers
written back to the quotes in one HubSpot batch update (`QuoteSync._write_estimates`,
to_quickbooks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
    RecordLink,
    SyncRecord,
    TwoWayState,
)
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.engine.writes import unanswered_for
from simplecommercesync.sync.mapping.to_hubspot import SearchNotSettled, quickbooks_entities
from simplecommercesync.sync.types.quotes import errors as quote_errors
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings
from simplecommercesync.sync.types.quotes.pairs import (
    HUBSPOT,
    QUICKBOOKS,
    SIDE_NAMES,
    Pair,
    PendingWrite,
    estimate_content,
    estimate_status,
    read_hubspot_quotes,
)
from simplecommercesync.sync.types.quotes.replays import IN_FLIGHT, REPLAYED_NOTE
from simplecommercesync.sync.types.quotes.to_hubspot import ToHubSpot
from simplecommercesync.sync.types.quotes.to_quickbooks import ToQuickBooks
from simplecommercesync.sync.types.quotes.two_way import allows, fingerprint


def quote_settings(workspace_id: int) -> QuoteSyncSettings:
    settings, _ = QuoteSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


# -- the handler ------------------------------------------------------------------------------------
class QuoteSync(ToQuickBooks, ToHubSpot):
    """The quotes handler: reads a batch's pairs, decides each (and previews those decisions),
    then dispatches the writes to its parts: `ToQuickBooks` (to_quickbooks.py), `ToHubSpot`
    (to_hubspot.py), `Replays` of interrupted writes (replays.py) and `TwoWay` (two_way.py)."""

    def process(self, context: SyncContext, batch: Batch) -> None:
        settings = quote_settings(context.workspace_id)
        # Batched estimate writes a dead worker left in flight: replayed and linked before the
        # pairs are read, so every pair of such a batch finds its estimate, whichever drain has it.
        unanswered = unanswered_for(context, [r.pk for r in batch.records])  # one query for the batch
        replayed = self._settle_batch_replays(context, batch.records, unanswered)
        pairs = self._pairs(context, batch.records)
        self._read(context, pairs)
        for pair in pairs:
            if pair.record.pk in replayed:
                pair.replayed = replayed[pair.record.pk]
                pair.notes.append(REPLAYED_NOTE)
        # Records with a single write a dead worker left in flight (claims are exclusive: no other
        # drain journals for these records meanwhile).
        in_flight = {int(e["record"]) for row in unanswered if row.operation in IN_FLIGHT for e in row.record_ids}
        pending: list[PendingWrite] = []
        ended: list[tuple[SyncRecord, Result]] = []
        for pair in pairs:
            batch.keep_lease()
            if pair.record.pk in in_flight:
                batch.finish(pair.record, self._attempt_in_flight(context, settings, pair))
                continue
            # Estimate writes are only collected here, and sent for the whole batch below.
            result = self._attempt(context, settings, pair, pending)
            if result is not None:
                ended.append((pair.record, result))
        ended.extend(self._write_estimates(context, pending))
        batch.finish_many(ended)

    def _attempt_in_flight(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> Result:
        """A pair whose record has a write a dead worker left in flight: written on its own, with
        that write replayed or settled first."""
        result = self._attempt(context, settings, pair)
        assert result is not None
        if result.outcome != AttemptOutcome.RETRY:
            try:
                settled = self._settle_unwritten(context, pair)
            except SearchNotSettled as waiting:
                settled = False
                result = Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=pair.label,
                                message=waiting.message, retry_after=waiting.retry_after)
            if settled:
                # An interrupted attempt had made the other side's object: decide again, now linked.
                notes = list(pair.notes)
                again = self._attempt(context, settings, pair)
                assert again is not None
                result = again
                result.note = " ".join([*(n for n in notes if n not in result.note), result.note]).strip()
        return result

    def _attempt(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
                 pending: list[PendingWrite] | None = None) -> Result | None:
        """The pair's outcome; None when its estimate write was added to `pending` instead."""
        try:
            return self._sync(context, settings, pair, pending)
        except errors.SyncFailure as failure:
            return Result(AttemptOutcome.FAILED, kind=failure.kind, message=failure.message, label=pair.label,
                          note=" ".join(pair.notes))
        except Rejected as refused:
            return Result(AttemptOutcome.FAILED, kind=quote_errors.QUOTE_NOT_EDITABLE, label=pair.label,
                          message=f"Can't change the other side: {refused.message}", note=" ".join(pair.notes))
        except SearchNotSettled as waiting:
            return Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, label=pair.label,
                          message=waiting.message, retry_after=waiting.retry_after)

    # -- Preview (plan without writing) ------------------------------------------------------------
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        """`process` up to the decision for HubSpot quotes: the same reads, fingerprints and Sync
        Direction / Sync Statuses rules; the estimate body is built (so SKU, email and strict tax
        failures show) but nothing is written anywhere (no estimate, no customer, no link)."""
        settings = (QuoteSyncSettings.objects.filter(workspace_id=context.workspace_id).first()
                    or QuoteSyncSettings(workspace_id=context.workspace_id))
        ids = list(dict.fromkeys(str(i) for i in source_ids))
        records = [SyncRecord(workspace_id=context.workspace_id, sync_type="quotes", source_side=HUBSPOT,
                              source_account=context.portal_id, source_id=i) for i in ids]
        pairs = self._pairs(context, records)
        self._read(context, pairs)
        self._prepare_customers(context, pairs, dry_run=True)
        return [self._planned(context, settings, pair) for pair in pairs]

    def _planned(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> PlannedRow:
        source_id, label = pair.record.source_id, pair.label
        try:
            action, reason = self._plan(context, settings, pair)
        except errors.SyncFailure as failure:
            return PlannedRow(source_id, label, "fail", failure.message, failure.kind.key)
        return PlannedRow(source_id, label, action, " ".join([reason, *pair.notes]).strip())

    def _plan(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair) -> tuple[str, str]:
        """The decisions of `_sync` for a HubSpot quote, as (planned action, why)."""
        if pair.link is None:
            if not allows(settings, HUBSPOT):
                return "skip", (f"Sync Direction is {settings.get_direction_display()}: a quote made in "
                                "HubSpot doesn't sync.")
            if pair.hubspot is None:
                return "skip", "Deleted in HubSpot before it was ever synced; nothing to do."
            if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                return "skip", skip
            body = self._estimate_body(context, pair, dry_run=True)
            lines = len(body["Line"])
            return "create", f"New QuickBooks estimate with {lines} line{'s' if lines != 1 else ''}."
        target = f"QuickBooks estimate {pair.link.quickbooks_label or pair.link.quickbooks_id}"
        state = pair.state
        hubspot_changed = pair.hubspot is None or state is None or (
            fingerprint(pair.hubspot.content()) != state.hubspot_fingerprint)
        quickbooks_changed = pair.estimate is None or state is None or (
            fingerprint(estimate_content(pair.estimate)) != state.quickbooks_fingerprint)
        if not hubspot_changed and not quickbooks_changed:
            return "unchanged", f"{target} already matches."
        if hubspot_changed and quickbooks_changed:
            winner = self._newer(settings, pair)
            pair.notes.append(f"Both sides changed since the last sync; the {SIDE_NAMES[winner]} change is newer.")
        else:
            winner = HUBSPOT if hubspot_changed else QUICKBOOKS
            if not allows(settings, winner):
                return "skip", (f"Changed in {SIDE_NAMES[winner]}, but Sync Direction is "
                                f"{settings.get_direction_display()}; the change stays there.")
        if winner == QUICKBOOKS:
            if pair.estimate is None or estimate_status(
                    pair.estimate, pair.hubspot.status if pair.hubspot else None) is None:
                return "void", "The HubSpot quote would be closed: its estimate was closed or deleted in QuickBooks."
            return "update", "The HubSpot quote gets the estimate's changes from QuickBooks."
        if pair.hubspot is None:
            return "void", f"{target} would be closed: the quote was deleted in HubSpot."
        if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
            return "skip", skip
        self._estimate_body(context, pair, dry_run=True)
        return "update", f"{target} gets the quote's changes from HubSpot."

    # -- reading ------------------------------------------------------------------------------------
    def _pairs(self, context: SyncContext, records: list[SyncRecord]) -> list[Pair]:
        links = RecordLink.objects.filter(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                          hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id)
        by_hubspot = {link.hubspot_id: link for link in links.filter(
            hubspot_id__in=[r.source_id for r in records if r.source_side == HUBSPOT])}
        by_quickbooks = {link.quickbooks_id: link for link in links.filter(
            quickbooks_id__in=[r.source_id for r in records if r.source_side == QUICKBOOKS])}
        states = {s.link_id: s for s in TwoWayState.objects.filter(
            link_id__in=[link.pk for link in (*by_hubspot.values(), *by_quickbooks.values())])}
        pairs = []
        for record in records:
            if record.source_side == HUBSPOT:
                link = by_hubspot.get(record.source_id)
                pair = Pair(record, link, None, record.source_id, link.quickbooks_id if link else None)
            else:
                link = by_quickbooks.get(record.source_id)
                pair = Pair(record, link, None, link.hubspot_id if link else None, record.source_id)
            pair.state = states.get(link.pk) if link else None
            pairs.append(pair)
        return pairs

    def _read(self, context: SyncContext, pairs: list[Pair]) -> None:
        quotes = read_hubspot_quotes(context, [p.hubspot_id for p in pairs if p.hubspot_id])
        estimates = quickbooks_entities(context, "Estimate", [p.quickbooks_id for p in pairs if p.quickbooks_id])
        for pair in pairs:
            pair.hubspot = quotes.get(pair.hubspot_id or "")
            pair.estimate = estimates.get(pair.quickbooks_id or "")

    # -- deciding -----------------------------------------------------------------------------------
    def _sync(self, context: SyncContext, settings: QuoteSyncSettings, pair: Pair,
              pending: list[PendingWrite] | None = None) -> Result | None:
        label = pair.label
        if not settings.enabled:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                          note="Quote sync is turned off (Settings → Sync → Quotes).")
        if pair.link is None:
            origin = pair.record.source_side
            if not allows(settings, origin):
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note=f"Sync Direction is {settings.get_direction_display()}: a "
                                   f"{'quote' if origin == HUBSPOT else 'estimate'} made in {SIDE_NAMES[origin]} "
                                   "doesn't sync.")
            if origin == HUBSPOT:
                if pair.hubspot is None:
                    return Result(AttemptOutcome.SKIPPED, action="none", label=label,
                                  note="Deleted in HubSpot before it was ever synced; nothing to do.")
                if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                    return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
                return self._to_quickbooks(context, settings, pair, "create", pending=pending)
            if pair.estimate is None:
                return Result(AttemptOutcome.SKIPPED, action="none", label=label,
                              note="Deleted in QuickBooks before it was ever synced; nothing to do.")
            wanted = estimate_status(pair.estimate, None)
            if wanted is None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note="Closed in QuickBooks before it was ever synced; nothing to do.")
            if (skip := self._filtered(settings, wanted)) is not None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
            return self._to_hubspot(context, settings, pair, "create")

        state = pair.state
        hubspot_changed = pair.hubspot is None or state is None or (
            fingerprint(pair.hubspot.content()) != state.hubspot_fingerprint)
        quickbooks_changed = pair.estimate is None or state is None or (
            fingerprint(estimate_content(pair.estimate)) != state.quickbooks_fingerprint)
        if not hubspot_changed and not quickbooks_changed:
            destination = (pair.record.destination_id, pair.record.destination_label)
            if pair.link is not None and (pair.replayed or not destination[0]):
                # Linked by a replay of a batched write (this drain's or another's): that write is
                # what happened to the pair, and its record may never have been told.
                if pair.record.source_side == HUBSPOT:
                    destination = (pair.link.quickbooks_id, pair.link.quickbooks_label or pair.link.quickbooks_id)
                else:
                    destination = (pair.link.hubspot_id, pair.hubspot.label if pair.hubspot else label)
            if pair.replayed:
                return Result(AttemptOutcome.SUCCESS, action=pair.replayed, label=label, note=" ".join(pair.notes),
                              destination_id=destination[0], destination_label=destination[1])
            return Result(AttemptOutcome.SUCCESS, action="unchanged", label=label,
                          destination_id=destination[0], destination_label=destination[1],
                          note="Both sides match what was last synced; nothing to write.")
        overwritten: dict[str, Any] = {}
        if hubspot_changed and quickbooks_changed:
            winner = self._newer(settings, pair)
            loser = QUICKBOOKS if winner == HUBSPOT else HUBSPOT
            overwritten = {"side": SIDE_NAMES[loser], "changed_at": _iso(self._modified(pair, loser)),
                           "kept": SIDE_NAMES[winner], "kept_changed_at": _iso(self._modified(pair, winner))}
            pair.notes.append(
                f"Both sides changed since the last sync; the {SIDE_NAMES[winner]} change "
                f"({overwritten['kept_changed_at'] or 'time unknown'}) is newer and overwrote the "
                f"{SIDE_NAMES[loser]} change ({overwritten['changed_at'] or 'time unknown'}).")
        else:
            winner = HUBSPOT if hubspot_changed else QUICKBOOKS
            if not allows(settings, winner):
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                              note=f"Changed in {SIDE_NAMES[winner]}, but Sync Direction is "
                                   f"{settings.get_direction_display()}; the change stays there.")
        if winner == HUBSPOT:
            if pair.hubspot is None:
                return self._void_estimate(context, settings, pair, overwritten)
            if (skip := self._filtered(settings, pair.hubspot.status)) is not None:
                return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
            return self._to_quickbooks(context, settings, pair, "update", overwritten, pending)
        if pair.estimate is None or estimate_status(pair.estimate, pair.hubspot.status if pair.hubspot else None) is None:
            return self._void_quote(context, settings, pair, overwritten)
        wanted = estimate_status(pair.estimate, pair.hubspot.status if pair.hubspot else None) or ""
        if (skip := self._filtered(settings, wanted)) is not None:
            return Result(AttemptOutcome.SKIPPED, action="skipped", label=label, note=skip)
        return self._to_hubspot(context, settings, pair, "update" if pair.hubspot is not None else "create",
                                overwritten)

    @staticmethod
    def _filtered(settings: QuoteSyncSettings, status: str) -> str | None:
        if status in settings.status_filter:
            return None
        return f"Status {status.replace('_', ' ').title()} is not in the Sync Statuses (Settings → Sync → Quotes)."


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""
