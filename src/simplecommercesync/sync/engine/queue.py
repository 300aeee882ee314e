"""The database as the queue of record: upsert to Pending, claim with a lease, finish each record.

Claiming is one short transaction: pick due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
parallel drains take disjoint rows; SQLite takes a write lock for the transaction, one claimer at
a time), then a conditional UPDATE that only takes rows still claimable. No transaction is open
while a record is processed. A trigger that arrives while a record is being processed bumps its
`requested_at`; finishing then puts the record back to Pending instead of ending it, so no change
is lost between "read the source" and "store the result".
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    RecordStatus,
    SourceSide,
    SyncAttempt,
    SyncRecord,
)

LEASE = timedelta(minutes=2)  # the default of SCS_SYNC_LEASE_SECONDS
FIRST_BACKOFF = timedelta(seconds=5)
LONGEST_BACKOFF = timedelta(minutes=15)


def upsert_pending(
    workspace_id: int,
    sync_type: str,
    source_account: str,
    source_ids: Iterable[str],
    *,
    requested_by: str,
    source_side: str = SourceSide.HUBSPOT,
) -> int:
    """Queue these source objects (new rows, or existing rows back to Pending, due now)."""
    now = timezone.now()
    rows = [
        SyncRecord(
            workspace_id=workspace_id,
            sync_type=sync_type,
            source_side=source_side,
            source_account=str(source_account),
            source_id=str(source_id),
            status=RecordStatus.PENDING,
            requested_at=now,
            requested_by=requested_by,
            created_at=now,
            updated_at=now,
        )
        for source_id in dict.fromkeys(str(s) for s in source_ids)
    ]
    if not rows:
        return 0
    SyncRecord.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["workspace", "sync_type", "source_side", "source_account", "source_id"],
        update_fields=["status", "requested_at", "requested_by", "next_attempt_at", "updated_at"],
    )
    return len(rows)


def claimable(workspace_id: int, sync_type: str, now: datetime) -> Any:
    due_pending = Q(status=RecordStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    lease_ran_out = Q(status=RecordStatus.PROCESSING, claimed_until__lte=now)
    return SyncRecord.objects.filter(workspace_id=workspace_id, sync_type=sync_type).filter(
        (due_pending & free) | lease_ran_out
    )


def due_drains(now: datetime) -> list[tuple[int, str]]:
    """(workspace, sync type) pairs with records a drain could claim now."""
    due_pending = Q(status=RecordStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    lease_ran_out = Q(status=RecordStatus.PROCESSING, claimed_until__lte=now)
    return list(
        SyncRecord.objects.filter((due_pending & free) | lease_ran_out)
        .values_list("workspace_id", "sync_type").distinct().order_by()
    )


@dataclass
class Claim:
    token: str
    records: list[SyncRecord]
    # requested_at of each record when claimed: a newer one at finish means "changed meanwhile".
    requested_at: dict[int, datetime] = field(default_factory=dict)
    # When the lease was last set (monotonic seconds): it is extended only once a tenth has passed.
    leased_at: float = field(default_factory=time.monotonic)
    # The records the lease still held when it was last set.
    held: set[int] = field(default_factory=set)


def lease_length() -> timedelta:
    return timedelta(seconds=getattr(settings, "SCS_SYNC_LEASE_SECONDS", LEASE.total_seconds()))


def claim(workspace_id: int, sync_type: str, limit: int, lease: timedelta | None = None) -> Claim:
    lease = lease or lease_length()
    # The worker's pid first, so that an operator (or a test) can tell whose claim a record is in.
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    now = timezone.now()
    with transaction.atomic():
        candidates = (
            claimable(workspace_id, sync_type, now)
            .select_for_update(skip_locked=True)
            .order_by("requested_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(candidates)
        if ids:
            claimable(workspace_id, sync_type, now).filter(pk__in=ids).update(
                status=RecordStatus.PROCESSING,
                claimed_until=now + lease,
                claimed_by=token,
                last_attempt_at=now,
                updated_at=now,
            )
    records = list(SyncRecord.objects.filter(pk__in=ids, claimed_by=token).order_by("requested_at", "pk"))
    return Claim(token, records, {r.pk: r.requested_at for r in records}, held={r.pk for r in records})


def extend_lease(claim: Claim, lease: timedelta | None = None) -> set[int]:
    """Push the lease out again and return the ids of the claim's records that are still ours.

    A drain that stalled past its lease (a slow provider, a paused process) may find that another
    drain took some records meanwhile; those are missing from the answer, and the caller must not
    write for them. Skipped while less than a tenth of the lease has passed since it was last set
    (one UPDATE per batch write was a twentieth of a backfill's worker CPU): the lease then still
    has nine tenths to run, so nobody can have taken a record since."""
    length = lease or lease_length()
    if lease is None and time.monotonic() - claim.leased_at < length.total_seconds() / 10:
        return claim.held
    claim.leased_at = time.monotonic()
    ours = SyncRecord.objects.filter(pk__in=[r.pk for r in claim.records], claimed_by=claim.token)
    ours.update(claimed_until=timezone.now() + length)
    # Read after the update: a record still ours now can't be taken before the new lease ends.
    claim.held = set(ours.values_list("pk", flat=True))
    return claim.held


def backoff(failures: int, retry_after: float | None = None) -> timedelta:
    delay = min(FIRST_BACKOFF * (2 ** max(0, failures - 1)), LONGEST_BACKOFF)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    # Jitter spreads a burst of retries so they don't hit the provider in one instant.
    return delay + timedelta(milliseconds=random.randint(0, 500))


@dataclass
class Result:
    """How one record ended in this attempt (what the engine stores)."""

    outcome: str  # AttemptOutcome
    action: str = ""
    kind: ErrorKind | None = None
    message: str = ""
    note: str = ""
    destination_id: str = ""
    destination_label: str = ""
    label: str = ""
    total_difference: Any = None
    retry_after: float | None = None
    request_ids: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)


def _outcome_fields(record: SyncRecord, result: Result, now: datetime) -> tuple[str, dict[str, Any]]:
    """The record's new status and the fields that say so, for one attempt's result."""
    fields: dict[str, Any] = {"claimed_until": None, "claimed_by": "", "updated_at": now}
    if result.label:
        fields["label"] = result.label
    if result.outcome in (AttemptOutcome.SUCCESS, AttemptOutcome.SKIPPED):
        # A skipped record (filtered out, deleted at the source) has nothing left to do.
        status = RecordStatus.SUCCESS
        fields.update(
            error_kind="", error_message="", error_fix="", note=result.note, transient_failures=0,
            next_attempt_at=None, last_success_at=now, total_difference=result.total_difference,
        )
        if result.destination_id:
            fields.update(destination_id=result.destination_id, destination_label=result.destination_label)
    elif result.outcome == AttemptOutcome.FAILED:
        status = RecordStatus.FAILED
        assert result.kind is not None
        fields.update(
            error_kind=result.kind.key, error_message=result.message, error_fix=result.kind.fix,
            note=result.note, next_attempt_at=None, transient_failures=0,
        )
    elif result.outcome == AttemptOutcome.RETRY:
        status = RecordStatus.PENDING
        failures = record.transient_failures + 1
        fields.update(transient_failures=failures, next_attempt_at=now + backoff(failures, result.retry_after))
        if result.kind is not None:
            fields.update(error_kind=result.kind.key, error_message=result.message, error_fix=result.kind.fix)
    else:  # HELD: back to the queue untouched
        status = RecordStatus.PENDING
        if result.kind is not None:
            fields.update(error_kind=result.kind.key, error_message=result.message, error_fix=result.kind.fix)
    return status, fields


def _attempt(record: SyncRecord, result: Result, now: datetime, run_id: int | None, trigger: str) -> SyncAttempt:
    return SyncAttempt(
        record=record, run_id=run_id, started_at=record.last_attempt_at or now, finished_at=now,
        outcome=result.outcome, action=result.action,
        error_kind=result.kind.key if result.kind else "", message=result.message or result.note,
        request_ids=result.request_ids, changes=result.changes, trigger=trigger,
    )


def finish(claim: Claim, record: SyncRecord, result: Result, *, run_id: int | None, trigger: str) -> str:
    """Store the attempt and the record's new state in one short transaction; returns the status."""
    now = timezone.now()
    status, fields = _outcome_fields(record, result, now)
    with transaction.atomic():
        if result.outcome != AttemptOutcome.HELD:
            _attempt(record, result, now, run_id, trigger).save()
        mine = SyncRecord.objects.filter(pk=record.pk, claimed_by=claim.token)
        unchanged = mine.filter(requested_at=claim.requested_at.get(record.pk, record.requested_at))
        if unchanged.update(status=status, **fields):
            return status
        # Triggered again while we worked: keep the result, but sync it once more.
        fields.pop("next_attempt_at", None)
        mine.update(status=RecordStatus.PENDING, next_attempt_at=None, **fields)
    return RecordStatus.PENDING


def finish_many(
    claim: Claim, ended: Sequence[tuple[SyncRecord, Result, str]], *, run_id: int | None
) -> dict[int, str]:
    """`finish` for many records of one claim (record, result, trigger) in one transaction: the
    attempts in one INSERT, each record's new state by one prepared UPDATE run for all of them.
    Returns record id → status. The same rule as `finish`: a record triggered again while we
    worked (its `requested_at` moved) keeps the result but goes back to Pending."""
    if not ended:
        return {}
    now = timezone.now()
    statuses: dict[int, str] = {}
    # Column list → rows of values (records with the same fields to set share one statement).
    updates: dict[tuple[str, ...], list[list[Any]]] = {}
    ids = [record.pk for record, _, _ in ended]
    with transaction.atomic():
        # Locked (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock):
        # a trigger's upsert waits for our commit, so what we read here is what we overwrite.
        current = dict(
            SyncRecord.objects.select_for_update().filter(pk__in=ids, claimed_by=claim.token)
            .order_by("pk").values_list("pk", "requested_at")
        )
        attempts = [_attempt(record, result, now, run_id, trigger)
                    for record, result, trigger in ended if result.outcome != AttemptOutcome.HELD]
        if attempts:
            SyncAttempt.objects.bulk_create(attempts, batch_size=500)
        for record, result, _ in ended:
            status, fields = _outcome_fields(record, result, now)
            if record.pk not in current:  # the lease ran out and another drain took it
                statuses[record.pk] = RecordStatus.PENDING
                continue
            if current[record.pk] != claim.requested_at.get(record.pk, record.requested_at):
                fields.pop("next_attempt_at", None)
                status = RecordStatus.PENDING
                fields["next_attempt_at"] = None
            fields["status"] = status
            statuses[record.pk] = status
            columns = tuple(sorted(fields))
            updates.setdefault(columns, []).append([fields[c] for c in columns] + [record.pk, claim.token])
        _update_rows(updates)
    return statuses


def _update_rows(updates: dict[tuple[str, ...], list[list[Any]]]) -> None:
    """One prepared `UPDATE … WHERE id = ? AND claimed_by = ?` per set of columns, run for every
    row (`executemany`): no ORM query built per record (the bench profile: a backfill's per-record
    `finish` was a quarter of the drain's time)."""
    if not updates:
        return
    meta = SyncRecord._meta
    table = connection.ops.quote_name(meta.db_table)
    by_name = {f.name: f for f in meta.concrete_fields}
    with connection.cursor() as cursor:
        for columns, rows in updates.items():
            model_fields = [by_name[name] for name in columns]
            assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in model_fields)
            sql = (f"UPDATE {table} SET {assignments} "  # noqa: S608  # nosec B608 (column names from the model, values as parameters)
                   f"WHERE {connection.ops.quote_name('id')} = %s AND {connection.ops.quote_name('claimed_by')} = %s")
            params = [
                [f.get_db_prep_save(value, connection) for f, value in zip(model_fields, row, strict=False)] + row[-2:]
                for row in rows
            ]
            cursor.executemany(sql, params)


def release(claim: Claim, records: Iterable[SyncRecord], kind: ErrorKind | None = None, message: str = "") -> None:
    """Hand records back to the queue untouched (syncs paused): they are taken again later."""
    fields: dict[str, Any] = {}
    if kind is not None:
        fields.update(error_kind=kind.key, error_message=message, error_fix=kind.fix)
    SyncRecord.objects.filter(pk__in=[r.pk for r in records], claimed_by=claim.token).update(
        status=RecordStatus.PENDING, claimed_until=None, claimed_by="", updated_at=timezone.now(), **fields
    )
