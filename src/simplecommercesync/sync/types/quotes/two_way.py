"""Both sides, no echo (docs/quotes.md): which side may write to the other (Sync Direction),
which change is newer when both sides changed, and the fingerprints of both sides as last
synced (`TwoWayState`), stored with the pair's link after every write.

A side whose fingerprint still matches did not change, which is why our own writes never come
back as a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.links import NewLink, link_history, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import AttemptOutcome, LinkKind, RecordLink, TwoWayState
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.mapping.to_hubspot import qbo_time
from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings
from simplecommercesync.sync.types.quotes.pairs import (
    HUBSPOT,
    QUICKBOOKS,
    Pair,
    estimate_content,
    estimate_label,
)


def allows(settings: QuoteSyncSettings, side: str) -> bool:
    """May a change made on `side` be written to the other side?"""
    if settings.direction == QuoteDirection.BIDIRECTIONAL:
        return True
    wanted = QuoteDirection.HUBSPOT_TO_QUICKBOOKS if side == HUBSPOT else QuoteDirection.QUICKBOOKS_TO_HUBSPOT
    return bool(settings.direction == wanted)


def fingerprint(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


class TwoWay:
    """Part of `QuoteSync`: the newer side of a pair, and remembering a pair as just synced."""

    def _newer(self, settings: QuoteSyncSettings, pair: Pair) -> str:
        if settings.direction != QuoteDirection.BIDIRECTIONAL:
            return HUBSPOT if settings.direction == QuoteDirection.HUBSPOT_TO_QUICKBOOKS else QUICKBOOKS
        hubspot_at, quickbooks_at = self._modified(pair, HUBSPOT), self._modified(pair, QUICKBOOKS)
        if hubspot_at is None:
            return QUICKBOOKS
        if quickbooks_at is None:
            return HUBSPOT
        return HUBSPOT if hubspot_at >= quickbooks_at else QUICKBOOKS

    @staticmethod
    def _modified(pair: Pair, side: str) -> datetime | None:
        if side == HUBSPOT:
            return pair.hubspot.modified_at() if pair.hubspot is not None else timezone.now()
        return qbo_time(pair.estimate) if pair.estimate is not None else timezone.now()

    # -- remembering ----------------------------------------------------------------------------------
    def _link(self, context: SyncContext, pair: Pair, hubspot_id: str, quickbooks_id: str, fp: str,
              sync_token: str = "", label: str = "", journal: list[int] | None = None) -> RecordLink:
        old = pair.link
        replacing: list[int] = []
        if old is not None and pair.replaced is None and (old.hubspot_id, old.quickbooks_id) != (hubspot_id,
                                                                                              quickbooks_id):
            # The object this pair was linked to was deleted on the side we write to, and the
            # other side's change made it again: the old link goes (its ids stay in the attempt).
            if old.hubspot_id != hubspot_id:
                replacing.append(old.pk)
                pair.replaced = link_history(old, "HubSpot")
                pair.notes.append(f"Its HubSpot quote {old.hubspot_id} was deleted in HubSpot, so a new quote was "
                                  "made from the estimate; the old link is in this attempt's history.")
            else:
                pair.replaced = link_history(old, "QuickBooks")
                pair.notes.append(f"Its QuickBooks estimate {old.quickbooks_id} was deleted in QuickBooks, so a new "
                                  "estimate was made from the quote; the old link is in this attempt's history.")
        store_links(context, [NewLink(LinkKind.QUOTE, hubspot_id, quickbooks_id, fp, sync_token, label)], journal or [],
                    replacing=replacing)
        link = RecordLink.objects.get(workspace_id=context.workspace_id, kind=LinkKind.QUOTE,
                                      hubspot_portal_id=context.portal_id, quickbooks_realm_id=context.realm_id,
                                      hubspot_id=hubspot_id)
        pair.link = link
        return link

    def _remember(self, context: SyncContext, pair: Pair, estimate: dict[str, Any], journal: list[int],
                  *, written_side: str) -> None:
        """Both sides' fingerprints and times as they are now: the baseline the next sync compares with."""
        hubspot_id = str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")
        quickbooks_fp = fingerprint(estimate_content(estimate))
        with transaction.atomic():
            link = self._link(context, pair, hubspot_id, str(estimate["Id"]), quickbooks_fp,
                              str(estimate.get("SyncToken") or ""), estimate_label(estimate), journal)
            TwoWayState.objects.update_or_create(link=link, defaults={
                "hubspot_fingerprint": fingerprint(pair.hubspot.content()) if pair.hubspot is not None else "",
                "quickbooks_fingerprint": quickbooks_fp,
                "hubspot_modified_at": pair.hubspot.modified_at() if pair.hubspot is not None else None,
                "quickbooks_modified_at": qbo_time(estimate),
                "last_written_side": written_side, "updated_at": timezone.now(),
            })

    def _remember_many(self, context: SyncContext, done: list[tuple[Pair, dict[str, Any]]],
                       journal: Iterable[int]) -> None:
        """`_remember` for the estimates a batch wrote: the links and both sides' fingerprints in
        one transaction, a few statements for the batch (not a transaction and four per pair)."""
        simple: list[tuple[Pair, dict[str, Any]]] = []
        with transaction.atomic():
            for pair, estimate in done:
                hubspot_id = str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")
                old = pair.link
                if old is not None and pair.replaced is None and (old.hubspot_id, old.quickbooks_id) != (
                        hubspot_id, str(estimate["Id"])):
                    # The link's other object was deleted and made again: its own path keeps the history.
                    self._remember(context, pair, estimate, [], written_side=QUICKBOOKS)
                else:
                    simple.append((pair, estimate))
            links = remember_states(context, [
                (str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or ""),
                 fingerprint(pair.hubspot.content()) if pair.hubspot is not None else "",
                 pair.hubspot.modified_at() if pair.hubspot is not None else None, estimate)
                for pair, estimate in simple], journal, written_side=QUICKBOOKS)
        for pair, _ in simple:
            pair.link = links[str(pair.hubspot.quote["id"]) if pair.hubspot is not None else (pair.hubspot_id or "")]

    def _done(self, pair: Pair, action: str, estimate: dict[str, Any], changes: dict[str, Any]) -> Result:
        if pair.replaced is not None:
            changes["replaced_link"] = pair.replaced
        if pair.record.source_side == HUBSPOT:
            destination_id, destination_label = str(estimate["Id"]), estimate_label(estimate)
        else:
            destination_id = pair.hubspot_id or ""
            destination_label = pair.hubspot.label if pair.hubspot is not None else f"Quote {destination_id}"
        return Result(AttemptOutcome.SUCCESS, action=action, label=pair.label, note=" ".join(pair.notes),
                      destination_id=destination_id, destination_label=destination_label, changes=changes)


def remember_states(context: SyncContext, items: Sequence[tuple[str, str, datetime | None, dict[str, Any]]],
                    journal: Iterable[int], *, written_side: str) -> dict[str, RecordLink]:
    """(HubSpot quote id, its fingerprint, its modification time, the estimate as written) → the
    quote links and their `TwoWayState`s, stored in one transaction with the writes answered.
    Returns HubSpot id → link."""
    now = timezone.now()
    with transaction.atomic():
        store_links(context, [NewLink(LinkKind.QUOTE, hubspot_id, str(estimate["Id"]),
                                      fingerprint(estimate_content(estimate)), str(estimate.get("SyncToken") or ""),
                                      estimate_label(estimate)) for hubspot_id, _, _, estimate in items], journal)
        links = links_by_hubspot_id(context, LinkKind.QUOTE, [hubspot_id for hubspot_id, _, _, _ in items])
        states = {hubspot_id: TwoWayState(
            link=links[hubspot_id], hubspot_fingerprint=hubspot_fp,
            quickbooks_fingerprint=fingerprint(estimate_content(estimate)), hubspot_modified_at=modified,
            quickbooks_modified_at=qbo_time(estimate), last_written_side=written_side, updated_at=now,
        ) for hubspot_id, hubspot_fp, modified, estimate in items}
        TwoWayState.objects.bulk_create(
            list(states.values()), batch_size=500, update_conflicts=True, unique_fields=["link"],
            update_fields=["hubspot_fingerprint", "quickbooks_fingerprint", "hubspot_modified_at",
                           "quickbooks_modified_at", "last_written_side", "updated_at"])
    return links
