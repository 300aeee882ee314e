"""Exactly-once writes to QuickBooks: journal first, send with a `requestid`, replay if we died.

Intuit's `requestid` makes QuickBooks answer a repeated request with the first request's result
(developer.intuit.com, "Idempotency"). It covers the whole request: a batch's requestid replays
only that batch. So every write is journaled (`QuickBooksWrite`: request id, exact body, the
records it answers for) *before* it is sent, and marked answered in the same transaction that
stores its links. A row still `sent` when its records are claimed again means a worker died with
the write in flight; it is re-sent byte for byte with its own requestid, never recomposed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.quickbooks.accounting import BatchOperation
from simplecommercesync.providers.quickbooks.limits import BATCH_MAX
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import QuickBooksWrite, WriteState


@dataclass(frozen=True)
class WriteEntry:
    """One record's part in a write: which record, which HubSpot object, what content."""

    record_id: int
    kind: str  # LinkKind
    hubspot_id: str
    fingerprint: str

    @property
    def bid(self) -> str:
        return f"{self.kind}-{self.record_id}"

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record_id, "kind": self.kind, "hubspot_id": self.hubspot_id,
                "fingerprint": self.fingerprint}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WriteEntry:
        return cls(int(data["record"]), str(data["kind"]), str(data["hubspot_id"]), str(data["fingerprint"]))


@dataclass
class WriteOutcome:
    entry: WriteEntry
    entity: dict[str, Any] | None  # the QuickBooks object as written
    error: Exception | None  # the provider's refusal of this item
    journal_id: int
    replayed: bool = False


def is_stale(error: Exception) -> bool:
    """Intuit "Error codes": 5010 Stale Object Error (the SyncToken is out of date)."""
    return str(getattr(error, "code", "")) == "5010"


def request_id_for(entries: Sequence[WriteEntry], operation: str) -> str:
    """Derived from the records and their source fingerprints, plus a nonce: an answered write
    (even a refused one) must never be replayed for a later retry of the same content."""
    basis = "|".join(f"{e.kind}:{e.record_id}:{e.fingerprint}" for e in entries)
    digest = hashlib.sha256(f"{operation}|{basis}".encode()).hexdigest()[:24]
    return f"scs-{digest}-{uuid.uuid4().hex[:12]}"


def _journal(context: SyncContext, operation: str, body: Any, entries: Sequence[WriteEntry]) -> QuickBooksWrite:
    context.hold_lease(e.record_id for e in entries)
    return QuickBooksWrite.objects.create(
        workspace_id=context.workspace_id,
        quickbooks_realm_id=context.realm_id,
        request_id=request_id_for(entries, operation),
        operation=operation,
        body=body,
        record_ids=[e.as_json() for e in entries],
    )


def write_one(context: SyncContext, entity: str, verb: str, body: dict[str, Any], entry: WriteEntry) -> WriteOutcome:
    """create/update one object; a refusal is returned, not raised (transient trouble is raised)."""
    context.checkpoint()
    row = _journal(context, f"{verb}:{entity}", body, [entry])
    return _send_single(context, row, entry)


def _send_single(context: SyncContext, row: QuickBooksWrite, entry: WriteEntry, replayed: bool = False) -> WriteOutcome:
    verb, _, entity = row.operation.partition(":")
    send = context.quickbooks.create if verb == "create" else context.quickbooks.update
    try:
        written = send(entity, row.body, request_id=row.request_id)
    except Rejected as exc:
        mark_answered(row)
        return WriteOutcome(entry, None, exc, row.pk, replayed)
    return WriteOutcome(entry, written, None, row.pk, replayed)


def write_batch(
    context: SyncContext, items: Sequence[tuple[WriteEntry, str, str, dict[str, Any]]]
) -> list[WriteOutcome]:
    """Up to 30 (entry, verb, entity, body) in one QuickBooks batch request (verb: create,
    update or void)."""
    if len(items) > BATCH_MAX:
        raise ValueError(f"a journaled batch holds at most {BATCH_MAX} writes")
    context.checkpoint()
    operations = [{"operation": verb, "entity": entity, "body": body} for _, verb, entity, body in items]
    row = _journal(context, "batch", {"operations": operations}, [item[0] for item in items])
    return _send_batch(context, row, [item[0] for item in items])


def _send_batch(
    context: SyncContext, row: QuickBooksWrite, entries: Sequence[WriteEntry], replayed: bool = False
) -> list[WriteOutcome]:
    operations = [
        BatchOperation(op["operation"], op["entity"], op["body"]) for op in row.body["operations"]
    ]
    outcomes = context.quickbooks.batch(operations, request_id=row.request_id)
    return [
        WriteOutcome(entries[o.index], o.result, o.failure, row.pk, replayed)
        for o in outcomes
        if o.index < len(entries)
    ]


def unanswered_for(context: SyncContext, record_ids: Sequence[int]) -> list[QuickBooksWrite]:
    wanted = set(record_ids)
    rows = QuickBooksWrite.objects.filter(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id, state=WriteState.SENT
    ).order_by("pk")
    return [row for row in rows if any(int(e["record"]) in wanted for e in row.record_ids)]


def unanswered_naming(context: SyncContext, kind: str, hubspot_ids: Sequence[str]) -> list[QuickBooksWrite]:
    """Writes still in flight that create or change these HubSpot objects, whichever record sent them."""
    wanted = {str(i) for i in hubspot_ids}
    rows = QuickBooksWrite.objects.filter(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id, state=WriteState.SENT
    ).order_by("pk")
    return [row for row in rows if any(e["kind"] == kind and str(e["hubspot_id"]) in wanted for e in row.record_ids)]


def replay_unanswered(context: SyncContext, record_ids: Sequence[int]) -> list[WriteOutcome]:
    """Re-send, byte for byte, every write a dead worker left in flight for these records."""
    return replay(context, unanswered_for(context, record_ids))


def replay(context: SyncContext, rows: Sequence[QuickBooksWrite]) -> list[WriteOutcome]:
    """Re-send journaled writes with their own requestid: QuickBooks answers with what they did."""
    outcomes: list[WriteOutcome] = []
    for row in rows:
        context.checkpoint()
        entries = [WriteEntry.from_json(e) for e in row.record_ids]
        if row.operation == "batch":
            outcomes.extend(_send_batch(context, row, entries, replayed=True))
        else:
            outcomes.append(_send_single(context, row, entries[0], replayed=True))
    return outcomes


def mark_answered(row_or_id: QuickBooksWrite | int) -> None:
    pk = row_or_id.pk if isinstance(row_or_id, QuickBooksWrite) else row_or_id
    with transaction.atomic():
        QuickBooksWrite.objects.filter(pk=pk).update(state=WriteState.ANSWERED, answered_at=timezone.now())
