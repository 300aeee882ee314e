"""Writes a dead worker left in flight (docs/quotes.md, *Exactly once* and *When the next attempt
writes nothing*): journaled estimate writes replayed with their own request id, and writes the
next attempt no longer wants settled read-only, so none is replayed later by surprise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.links import NewLink, store_links
from simplecommercesync.sync.engine.models import (
    LinkKind,
    QuickBooksWrite,
    RecordLink,
    SyncRecord,
    WriteState,
)
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    mark_answered,
    replay,
    unanswered_for,
)
from simplecommercesync.sync.mapping.to_hubspot import (
    CLOCK_SKEW,
    HUBSPOT_CREATE,
    QUOTE_STAMP,
    adopt_orphan,
    ensure_stamp,
)
from simplecommercesync.sync.types.quotes.pairs import (
    QUICKBOOKS,
    Pair,
    PendingWrite,
    estimate_content,
    estimate_label,
    estimate_write_back,
    read_hubspot_quotes,
)
from simplecommercesync.sync.types.quotes.two_way import fingerprint, remember_states

# Journaled estimate writes (writes.py operations) a quote pair's record may leave in flight.
ESTIMATE_WRITES = ("create:Estimate", "update:Estimate")
# …and journaled quote creates in HubSpot (to_hubspot.create_once).
QUOTE_CREATE = f"{HUBSPOT_CREATE}quotes"
IN_FLIGHT = (*ESTIMATE_WRITES, QUOTE_CREATE)
logger = logging.getLogger(__name__)
REPLAYED_NOTE = ("An interrupted attempt had sent this estimate to QuickBooks; it was finished with the same "
                 "request id, not created again.")


class Replays:
    """Part of `QuoteSync`: in-flight journal rows of a batch or a pair, replayed or settled."""

    def _settle_batch_replays(self, context: SyncContext, records: Sequence[SyncRecord],
                              unanswered: Sequence[QuickBooksWrite]) -> dict[int, str]:
        """Batched estimate writes a dead worker left in flight for these records: replayed byte for
        byte with their own requestid (QuickBooks answers with what they did, or does it now), then
        every estimate they made is linked to its quote, as if that worker had lived: both sides'
        fingerprints as written and the estimate's id and number on the quote. Records of such a
        batch another drain holds find the link, never a reason to create again.
        Returns record id → "created"/"updated" for the records whose estimate this replay wrote."""
        rows = [row for row in unanswered
                if row.operation == "batch" and row.record_ids
                and all(str(e.get("kind")) == LinkKind.QUOTE for e in row.record_ids)]
        if not rows:
            return {}
        made: list[tuple[WriteEntry, dict[str, Any], dict[str, Any]]] = []
        verbs: dict[int, str] = {}
        for row in rows:
            sent = {int(e["record"]): op for e, op in zip(row.record_ids, (row.body or {}).get("operations") or [],
                                                          strict=False)}
            for outcome in replay(context, [row]):
                op = sent.get(outcome.entry.record_id) or {}
                if outcome.entity is not None:
                    made.append((outcome.entry, outcome.entity, dict(op.get("body") or {})))
                    verbs[outcome.entry.record_id] = "created" if op.get("operation") == "create" else "updated"
        quotes = read_hubspot_quotes(context, [entry.hubspot_id for entry, _, _ in made])
        updates: dict[str, dict[str, str]] = {}
        states: list[tuple[str, str, datetime | None, dict[str, Any]]] = []
        for entry, entity, body in made:
            back = updates[entry.hubspot_id] = estimate_write_back(entity)
            if not body.get("DocNumber") and entity.get("DocNumber"):
                back["hs_quote_number"] = str(entity["DocNumber"])
            quote = quotes.get(entry.hubspot_id)
            if quote is not None and fingerprint(quote.content()) == entry.fingerprint:
                # Unchanged since that write: remembered as the write-back leaves it, as `_write_estimates` does.
                quote.quote.setdefault("properties", {}).update(back)
                states.append((entry.hubspot_id, fingerprint(quote.content()), quote.modified_at(), entity))
            else:  # changed since (or gone): its next decision sees that and writes it
                states.append((entry.hubspot_id, entry.fingerprint, None, entity))
        remember_states(context, states, [row.pk for row in rows], written_side=QUICKBOOKS)
        if updates:
            try:
                ensure_stamp(context, QUOTE_STAMP)
                context.checkpoint()
                context.hubspot.batch_update("quotes", updates)
            except Rejected as refused:  # e.g. a quote deleted since: its next sync sees that
                logger.warning("write-back of replayed estimates to HubSpot failed: %s", refused.message)
        ours = {r.pk for r in records}
        return {record_id: verb for record_id, verb in verbs.items() if record_id in ours}

    def _use_replayed(self, context: SyncContext, write: PendingWrite) -> None:
        """Estimate writes of the pair's record still in flight, replayed: an estimate one of them
        made is the pair's, and a create of exactly today's body is this attempt's write."""
        pair = write.pair
        in_flight = self._replay_in_flight(context, pair)
        write.answered = [done.journal_id for _, done in in_flight]
        made = next(((row, done) for row, done in reversed(in_flight) if done.entity is not None), None)
        if made is not None and pair.estimate is None:
            row, done = made
            pair.estimate = done.entity
            pair.notes.append(REPLAYED_NOTE)
            if row.operation == "create:Estimate" and row.body == write.body:
                write.outcome = done  # exactly what would be written now

    @staticmethod
    def _replay_in_flight(context: SyncContext, pair: Pair) -> list[tuple[QuickBooksWrite, WriteOutcome]]:
        """Estimate writes of this pair's record still `sent` (a worker died before their answer
        was stored), re-sent byte for byte, oldest first."""
        replayed: list[tuple[QuickBooksWrite, WriteOutcome]] = []
        for row in unanswered_for(context, [pair.record.pk]):
            if row.operation in ESTIMATE_WRITES:
                replayed.extend((row, done) for done in replay(context, [row]))
        return replayed

    def _settle_unwritten(self, context: SyncContext, pair: Pair) -> bool:
        """Estimate writes a dead worker left in flight for a pair whose attempt ended without
        writing to QuickBooks (skipped, filtered, voided on the HubSpot side, failed before the
        write): closed now, so none is replayed later, by surprise, with a body composed long before.

        Replaying would create the estimate if the first send never arrived, which this attempt
        decided against; so a create is looked for instead, read-only (below). Found, it is linked
        to its quote (never orphaned, never made twice) and True says: decide again. An update is
        just closed: the next comparison sees whatever it did to the estimate.
        """
        rows = [row for row in unanswered_for(context, [pair.record.pk]) if row.operation in IN_FLIGHT]
        if any(row.operation == QUOTE_CREATE for row in rows):
            return self._settle_quote_create(context, pair, rows)
        linked = False
        for row in rows:
            found = self._made_by(context, row) if row.operation == "create:Estimate" and not linked else None
            quote_id = str((row.record_ids or [{}])[0].get("hubspot_id") or "")
            taken = found is not None and RecordLink.objects.filter(
                workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
                quickbooks_realm_id=context.realm_id, hubspot_id=quote_id).exists()
            if found is None or taken or not quote_id:
                if found is not None:
                    pair.notes.append(f"An interrupted attempt had created QuickBooks {estimate_label(found)}, but the "
                                      "quote is linked to another estimate; delete it in QuickBooks if it isn't wanted.")
                mark_answered(row)
                continue
            store_links(context, [NewLink(LinkKind.QUOTE, quote_id, str(found["Id"]),
                                          fingerprint(estimate_content(found)), str(found.get("SyncToken") or ""),
                                          estimate_label(found))], [row.pk])
            pair.link = RecordLink.objects.get(
                workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
                quickbooks_realm_id=context.realm_id, hubspot_id=quote_id)
            pair.state, pair.estimate, pair.quickbooks_id, pair.hubspot_id = None, found, str(found["Id"]), quote_id
            pair.notes = [f"An interrupted attempt had created QuickBooks {estimate_label(found)}; it is linked to "
                          "this quote instead of being made again."]
            linked = True
        return linked

    def _settle_quote_create(self, context: SyncContext, pair: Pair, rows: list[QuickBooksWrite]) -> bool:
        """A quote create a dead worker left in doubt, for a pair whose attempt made none (e.g. the
        estimate was deleted before the retry): the quote it may have made is searched for, as a
        create would (`adopt_orphan`; `SearchNotSettled` while HubSpot's search may lag). Found, it
        is linked to its estimate and True says: decide again (a deleted estimate then voids it,
        Sync Void Status). Not found, the rows are closed (`adopt_orphan` answers them)."""
        estimate_id = next(str(e.get("fingerprint") or "") for row in rows if row.operation == QUOTE_CREATE
                           for e in row.record_ids)
        adopted = adopt_orphan(context, QUOTE_STAMP, pair.record.pk, estimate_id, LinkKind.QUOTE)
        for row in rows:
            if row.operation != QUOTE_CREATE:
                mark_answered(row)
        if adopted is None:
            return False
        if RecordLink.objects.filter(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                     hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id,
                                     quickbooks_id=estimate_id).exists():
            with transaction.atomic():
                QuickBooksWrite.objects.filter(pk__in=adopted.journal).update(
                    state=WriteState.ANSWERED, answered_at=timezone.now())
            pair.notes.append(f"An interrupted attempt had created HubSpot quote {adopted.id}, but the estimate is "
                              "linked to another quote; delete it in HubSpot if it isn't wanted.")
            return False
        store_links(context, [NewLink(LinkKind.QUOTE, adopted.id, estimate_id, "", "", "")], adopted.journal)
        pair.link = RecordLink.objects.get(
            workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, hubspot_id=adopted.id)
        pair.state, pair.hubspot_id, pair.quickbooks_id = None, adopted.id, estimate_id
        pair.hubspot = read_hubspot_quotes(context, [adopted.id]).get(adopted.id)
        pair.notes = [f"An interrupted attempt had created HubSpot quote {adopted.id}; it is linked to this estimate "
                      "instead of being left behind."]
        return True

    @staticmethod
    def _made_by(context: SyncContext, row: QuickBooksWrite) -> dict[str, Any] | None:
        """The estimate a journaled create made, if QuickBooks has it: same customer, created since
        the row was written (less clock skew), and our private note naming the quote."""
        body = row.body or {}
        customer = str((body.get("CustomerRef") or {}).get("value") or "")
        note = str(body.get("PrivateNote") or "")
        if not customer or not note:
            return None
        since = (row.created_at - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        quote = context.quickbooks.quote
        context.checkpoint()
        made = [e for e in context.quickbooks.query(
            "Estimate", f"CustomerRef = {quote(customer)} AND MetaData.CreateTime >= {quote(since)}")
            if str(e.get("PrivateNote") or "") == note]
        linked = set(RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=LinkKind.QUOTE, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, quickbooks_id__in=[str(e["Id"]) for e in made],
        ).values_list("quickbooks_id", flat=True))
        free = sorted((e for e in made if str(e["Id"]) not in linked),
                      key=lambda e: int(e["Id"]) if str(e["Id"]).isdigit() else 0)
        return free[0] if free else None
