"""What a sync type is, as the engine sees it: a declaration of facts and typed references.

Each sync type declares itself once, in `types/<type>/declaration.py`; `sync/catalogue.py`
collects the declarations and checks their dependencies when it is imported. The engine, inbound
routing and the pages read only these fields, so the engine never names a sync type.
(Meltano SDK streams and dlt `rest_api` resources are declared the same way: one object per
stream, parents referenced, the graph checked before anything runs.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from simplecommercesync.sync.engine.errors import ErrorKind

if TYPE_CHECKING:  # the drain's types name declarations too; only the type checker needs both ways
    from simplecommercesync.sync.engine.drain import Batch, SyncContext
    from simplecommercesync.sync.engine.planning import PlannedRow


class SyncHandler(Protocol):
    """A sync type's mapping/matching code. It may also have `prepare(context)`, run once per
    drain before the first claim, to turn its trigger rows into records (invoices: line items),
    and `preview(context, source_ids)`, the same reads as `process` stopped before any write."""

    def process(self, context: SyncContext, batch: Batch) -> None: ...


class Previewing(Protocol):
    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]: ...


class FullSync(Protocol):
    """Queues every record of the type for Start Full Sync / `scs sync run --full`; returns how many."""

    def __call__(self, workspace_id: int, *, requested_by: str = ...,
                 progress: Callable[[int], None] | None = ...) -> int: ...


# (workspace id, HubSpot portal id, source ids that succeeded, source ids that failed) → records queued.
DependencyDone = Callable[[int, str, list[str], list[str]], int]


@dataclass(frozen=True)
class SyncType:
    key: str
    title: str
    # The page of docs/ that explains its settings and every error it shows; it names the type's
    # code folder, which tests/product/sync/test_catalogue.py checks.
    docs_page: str
    # The HubSpot CRM object and the QuickBooks entity its records are (record pages, full syncs,
    # polling): "invoices" ↔ "Invoice".
    hubspot_object: str
    quickbooks_entity: str
    # The mapping/matching code, made once per drain.
    handler: Callable[[], SyncHandler]
    # Is this sync turned on for the workspace (its Settings → Sync tab)?
    enabled: Callable[[int], bool]
    # Records claimed per drain batch: one HubSpot batch read (≤ 100) feeds them.
    batch_size: int = 100
    # HubSpot property the polling cursor follows (None: not polled by cursor).
    cursor_property: str | None = None
    # The error kinds its records can show besides the engine's own (errors.ENGINE_KINDS).
    error_kinds: tuple[ErrorKind, ...] = ()
    # Start Full Sync, when the source isn't simply every HubSpot object of `hubspot_object`.
    full_sync: FullSync | None = None
    # Dependency-aware retries: the key of the sync type whose records this one waits for, and
    # what to queue after each drain of that type (payments wait for their invoices).
    waits_for: str | None = None
    on_dependency_done: DependencyDone | None = None


class Peers(Protocol):
    """The other sync types, as a drain reaches them: by key, through the catalogue."""

    def enabled(self, workspace_id: int, key: str) -> bool: ...

    def wake(self, workspace_id: int, key: str, trigger: str) -> None: ...


class NoPeers:
    """For drains run without a catalogue (a handler under test): no other sync type is on."""

    def enabled(self, workspace_id: int, key: str) -> bool:
        return False

    def wake(self, workspace_id: int, key: str, trigger: str) -> None:
        return None
