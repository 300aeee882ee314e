"""The drain: claim due records of one (workspace, sync type), hand them to the sync type's
handler in batches, store each outcome, and stop cleanly when the connection gate closes.

The handler reads and writes through the provider clients and calls `batch.finish(record, result)`
as soon as a record is done. Whatever it leaves unfinished goes back to the queue: untouched when
syncs are paused, with a backoff when a provider was unreachable or throttling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from simplecommercesync.connections.gate import SyncGate, SyncsPaused
from simplecommercesync.connections.refresh import ConnectionUnavailable
from simplecommercesync.providers.http.errors import ProviderError, RateLimited, Unauthorized, Unreachable
from simplecommercesync.providers.hubspot.crm import HubSpotCrm
from simplecommercesync.providers.quickbooks.accounting import QuickBooksAccounting
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.clients import open_clients
from simplecommercesync.sync.engine.declaration import NoPeers, Peers, SyncHandler, SyncType
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    RecordStatus,
    RunKind,
    SyncAttempt,
    SyncRecord,
    SyncRun,
)
from simplecommercesync.sync.engine.queue import (
    Claim,
    Result,
    claim,
    claimable,
    extend_lease,
    finish,
    finish_many,
    release,
)

logger = logging.getLogger(__name__)
# After this many unexpected crashes in a row a record fails instead of retrying forever.
MAX_UNEXPECTED = 5
# Our own database or Redis going away (a restart, a failover, a dropped session) is no fault of
# the records.
SERVICE_LOST = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


@dataclass
class SyncContext:
    """Everything a handler needs for one drain: the accounts, the clients, per-drain caches."""

    workspace_id: int
    sync_type_key: str
    portal_id: str
    realm_id: str
    hubspot: HubSpotCrm
    quickbooks: QuickBooksAccounting
    run_id: int | None = None
    trigger: str = ""
    # SKU → item, email → customers, company facts…: read once per drain, in batches.
    cache: dict[str, Any] = field(default_factory=dict)
    # Ends what was opened for this context (the clients' shared HTTP connection pool).
    on_close: Callable[[], None] | None = None
    # The batch being worked: writes call `hold_lease` with their records before journaling.
    batch: Batch | None = None
    # The other sync types, by key (is invoice sync on? wake the invoices drain).
    peers: Peers = field(default_factory=NoPeers)

    def checkpoint(self) -> None:
        """Called before every external call: a closed gate stops the drain here."""
        SyncGate.check(self.workspace_id)

    def hold_lease(self, record_ids: Iterable[int]) -> None:
        """Called right before a write is journaled: raises LeaseLost when another drain has taken
        any of these records since this one claimed them, so only one drain ever writes for a
        record. (Once journaled, a write is replayed, never recomposed, by whoever holds it next.)"""
        if self.batch is not None:
            self.batch.hold(record_ids)

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()
            self.on_close = None


def build_context(workspace_id: int, sync_type_key: str) -> SyncContext:
    """A context over freshly opened clients; the caller closes it."""
    clients = open_clients(workspace_id)
    return SyncContext(
        workspace_id=workspace_id, sync_type_key=sync_type_key, portal_id=clients.portal_id, realm_id=clients.realm_id,
        hubspot=clients.hubspot, quickbooks=clients.quickbooks, on_close=clients.close,
    )


@dataclass
class Batch:
    """The records one claim took, and a way to end each as soon as it is done."""

    claim: Claim
    run_id: int | None
    trigger: str
    finished: dict[int, str] = field(default_factory=dict)
    on_finish: Callable[[SyncRecord, Result, str], None] | None = None

    @property
    def records(self) -> list[SyncRecord]:
        return self.claim.records

    def unfinished(self) -> list[SyncRecord]:
        return [r for r in self.claim.records if r.pk not in self.finished]

    def finish(self, record: SyncRecord, result: Result) -> None:
        if record.pk in self.finished:
            return
        status = finish(self.claim, record, result, run_id=self.run_id, trigger=record.requested_by or self.trigger)
        self.finished[record.pk] = status
        if self.on_finish is not None:
            self.on_finish(record, result, status)

    def finish_many(self, ended: list[tuple[SyncRecord, Result]]) -> None:
        """`finish` for many records at once: one transaction, a few statements."""
        first: dict[int, tuple[SyncRecord, Result]] = {}
        for record, result in ended:
            if record.pk not in self.finished:
                first.setdefault(record.pk, (record, result))  # as `finish`: the first result stands
        todo = [(record, result, record.requested_by or self.trigger) for record, result in first.values()]
        statuses = finish_many(self.claim, todo, run_id=self.run_id)
        for record, result, _ in todo:
            self.finished[record.pk] = statuses[record.pk]
            if self.on_finish is not None:
                self.on_finish(record, result, statuses[record.pk])

    def keep_lease(self) -> None:
        extend_lease(self.claim)

    def hold(self, record_ids: Iterable[int]) -> None:
        lost = set(record_ids) - extend_lease(self.claim)
        if lost:
            raise LeaseLost(lost)


class LeaseLost(Exception):
    """This drain stalled past its lease and another drain took some of its records."""

    def __init__(self, record_ids: set[int]) -> None:
        super().__init__(f"the lease on records {sorted(record_ids)} ran out and another drain took them")
        self.record_ids = record_ids


@dataclass
class DrainReport:
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    held: int = 0
    stopped_because: str = ""
    next_due: datetime | None = None


ContextFactory = Callable[[int, str], SyncContext]


def drain(
    workspace_id: int,
    sync_type: SyncType,
    *,
    dependents: Sequence[SyncType] = (),
    peers: Peers | None = None,
    trigger: str = "drain",
    max_batches: int | None = None,
    context_factory: ContextFactory | None = None,
    progress: Callable[[int], None] | None = None,
    run_kind: str = RunKind.DRAIN,
    on_backlog: Callable[[], None] | None = None,
) -> DrainReport:
    """Work the queue of one (workspace, sync type) until it is empty or the gate closes.

    `on_backlog` is called once when a full batch was claimed and more records are still
    claimable: the worker uses it to start more drains on its free threads, which take disjoint
    batches (claims are exclusive), so one drain's provider round trips overlap another's work.
    `dependents` are the sync types that wait for this one (`waits_for`); `peers` reaches them."""
    peers = peers or NoPeers()
    report = DrainReport()
    reason = SyncGate.closed_because(workspace_id)
    if reason is not None:
        report.stopped_because = f"Syncs are paused: {reason}."
        return report
    try:
        context = (context_factory or build_context)(workspace_id, sync_type.key)
    except (ConnectionUnavailable, Unauthorized) as exc:
        report.stopped_because = str(exc)
        return report
    run = SyncRun.objects.create(workspace_id=workspace_id, sync_type=sync_type.key, kind=run_kind, note=trigger)
    context.run_id = run.pk
    context.trigger = trigger
    context.peers = peers
    handler = sync_type.handler()

    # Source ids that succeeded / failed, for the sync types waiting on this one (release_dependents).
    done: tuple[list[str], list[str]] = ([], [])

    def tally(record: SyncRecord, result: Result, status: str) -> None:
        report.processed += 1
        if result.outcome == AttemptOutcome.SUCCESS:
            report.succeeded += 1
            done[0].append(record.source_id)
        elif result.outcome == AttemptOutcome.FAILED:
            report.failed += 1
            done[1].append(record.source_id)
        elif result.outcome == AttemptOutcome.RETRY:
            report.retried += 1
        if progress is not None:
            progress(1)

    batches = 0
    try:
        if not _prepare(handler, context, report):
            max_batches = 0
        while max_batches is None or batches < max_batches:
            reason = SyncGate.closed_because(workspace_id)
            if reason is not None:
                report.stopped_because = f"Syncs are paused: {reason}."
                break
            claimed = claim(workspace_id, sync_type.key, sync_type.batch_size)
            if not claimed.records:
                break
            batches += 1
            if on_backlog is not None and len(claimed.records) >= sync_type.batch_size and \
                    claimable(workspace_id, sync_type.key, timezone.now()).exists():
                on_backlog()
                on_backlog = None
            batch = context.batch = Batch(claimed, run.pk, trigger, on_finish=tally)
            stop = _process(handler, context, batch, report)
            context.batch = None
            if stop:
                break
    finally:
        run.finished_at = timezone.now()
        run.queued = report.processed
        run.succeeded, run.failed, run.retried, run.held = (
            report.succeeded, report.failed, report.retried, report.held,
        )
        if report.stopped_because:
            run.note = f"{trigger}: {report.stopped_because}"
        run.save()
        context.close()
    report.next_due = _next_due(workspace_id, sync_type.key)
    release_dependents(workspace_id, sync_type, dependents, peers, context.portal_id, *done)
    return report


def release_dependents(workspace_id: int, sync_type: SyncType, dependents: Sequence[SyncType], peers: Peers,
                       portal_id: str, succeeded: list[str], failed: list[str]) -> None:
    """Dependency-aware retries: records of other sync types that wait for these (a payment for
    its invoice) go again by themselves, without anyone pressing Retry."""
    if not (succeeded or failed):
        return
    for waiting in dependents:
        if waiting.waits_for != sync_type.key or waiting.on_dependency_done is None:
            continue
        try:
            queued = waiting.on_dependency_done(workspace_id, portal_id, succeeded, failed)
        except Exception:  # the drain's own results are stored; a failing hook must not undo them
            logger.exception("releasing %s waiting on %s failed", waiting.key, sync_type.key)
            continue
        if queued:
            peers.wake(workspace_id, waiting.key, f"{sync_type.key.removesuffix('s')}_synced")


def _prepare(handler: SyncHandler, context: SyncContext, report: DrainReport) -> bool:
    """The handler's optional `prepare`; False when the drain must stop before claiming."""
    prepare: Callable[[SyncContext], object] | None = getattr(handler, "prepare", None)
    if prepare is None:
        return True
    try:
        prepare(context)
    except SyncsPaused as exc:
        report.stopped_because = exc.reason
        return False
    except (Unauthorized, ConnectionUnavailable) as exc:
        report.stopped_because = f"The provider refused our authorization ({_plain(exc)})."
        return False
    except ProviderError as exc:  # its rows stay stored; the next drain tries again
        logger.warning("preparing the %s drain failed: %s", context.sync_type_key, _plain(exc))
    return True


def _process(handler: SyncHandler, context: SyncContext, batch: Batch, report: DrainReport) -> bool:
    """Run the handler on one batch; True when the drain must stop after it."""
    try:
        handler.process(context, batch)
    except SyncsPaused as exc:
        leftover = batch.unfinished()
        report.held += len(leftover)
        release(batch.claim, leftover)
        report.stopped_because = exc.reason
        return True
    except LeaseLost as exc:
        # Not an error of the records: the drain that holds them now syncs them. Ours that are
        # left go back to the queue (release touches only rows still claimed by this batch).
        logger.warning("%s drain stalled past its lease: %s", context.sync_type_key, exc)
        release(batch.claim, batch.unfinished())
        return False
    except (Unauthorized, ConnectionUnavailable) as exc:
        leftover = batch.unfinished()
        report.held += len(leftover)
        message = f"The provider refused our authorization ({_plain(exc)}). Records wait for a reconnect."
        release(batch.claim, leftover, errors.UNAUTHORIZED, message)
        report.stopped_because = message
        return True
    except RateLimited as exc:
        for record in batch.unfinished():
            batch.finish(record, Result(
                AttemptOutcome.RETRY, kind=errors.RATE_LIMITED, retry_after=exc.retry_after,
                message=f"Rate limited by the provider; retrying in about {int(exc.retry_after)} s.",
            ))
        report.stopped_because = "rate limited"
        return True
    except Unreachable as exc:
        for record in batch.unfinished():
            batch.finish(record, Result(AttemptOutcome.RETRY, kind=errors.UNREACHABLE, message=_plain(exc)))
        report.stopped_because = "provider unreachable"
        return True
    except SERVICE_LOST as exc:
        # Nothing is counted against the records: the batch goes back to the queue untouched, on a
        # fresh connection; if the database is still away, the batch's lease runs out instead.
        logger.warning("%s drain lost its database or Redis connection: %s", context.sync_type_key, exc)
        connection.close()
        report.stopped_because = "the database or Redis connection was lost; the batch went back to the queue"
        try:
            release(batch.claim, batch.unfinished())
        except SERVICE_LOST:
            logger.warning("the database is still away; the batch's lease will free its records")
        return True
    except errors.RetryLater as exc:
        for record in batch.unfinished():
            batch.finish(record, Result(AttemptOutcome.RETRY, message=exc.message))
        report.stopped_because = exc.message
        return True
    except Exception as exc:  # a bug must not wedge the queue: retry a few times, then fail visibly
        logger.exception("sync handler %s crashed", context.sync_type_key)
        unfinished = batch.unfinished()
        crashes = _crashes_in_a_row([record.pk for record in unfinished])
        for record in unfinished:
            crashed_before = crashes.get(record.pk, 0)
            batch.finish(record, Result(
                AttemptOutcome.FAILED if crashed_before + 1 >= MAX_UNEXPECTED else AttemptOutcome.RETRY,
                kind=errors.INTERNAL_ERROR,
                message=f"SimpleCommerceSync failed on this record ({type(exc).__name__}), "
                        f"{crashed_before + 1} time(s) in a row.",
            ))
        return False
    leftover = batch.unfinished()
    if leftover:  # a handler that forgot a record must not strand it in Processing
        release(batch.claim, leftover)
    return False


def _crashes_in_a_row(record_ids: list[int]) -> dict[int, int]:
    """Record id → how many of its latest attempts ended in our own crash (waiting for an invoice or a
    throttled provider in between doesn't add up to failing it); one query for the batch."""
    latest = (SyncAttempt.objects.filter(record_id__in=record_ids)
              .annotate(recency=Window(RowNumber(), partition_by=F("record_id"), order_by=F("pk").desc()))
              .filter(recency__lte=MAX_UNEXPECTED).order_by("record_id", "recency")
              .values_list("record_id", "error_kind"))
    counts: dict[int, int] = {}
    broken: set[int] = set()
    for record_id, kind in latest:
        if record_id in broken:
            continue
        if kind == errors.INTERNAL_ERROR.key:
            counts[record_id] = counts.get(record_id, 0) + 1
        else:
            broken.add(record_id)
    return counts


def _plain(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def _next_due(workspace_id: int, sync_type: str) -> datetime | None:
    return (
        SyncRecord.objects.filter(
            workspace_id=workspace_id, sync_type=sync_type, status=RecordStatus.PENDING,
            next_attempt_at__isnull=False,
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
