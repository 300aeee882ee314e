"""What a sync type is, as the engine sees it: a declaration of facts and typed references.

Each sync type declares itself once, in `types/<type>/declaration.py`; `sync/catalogue.py`
collects the declarations and checks their dependencies when it is imported. The engine, inbound
routing and the pages read only these fields, so the engine never names a sync type.
(Meltano SDK streams and dlt `rest_api` resources are declared the same way: one object per
stream, parents referenced, the graph checked before anything runs.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.db import models
from django.urls import URLPattern

from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.engine.outcomes import OperationResult, Saved

if TYPE_CHECKING:  # the drain's types name declarations too; only the type checker needs both ways
    from simplecommercesync.sync.engine.clients import ProviderClients
    from simplecommercesync.sync.engine.drain import Batch, SyncContext


class SyncHandler(Protocol):
    """A sync type's mapping/matching code. It may also have `prepare(context)`, run once per
    drain before the first claim, to turn its trigger rows into records (invoices: line items),
    and `preview(context, source_ids)`, the same reads as `process` stopped before any write."""

    def process(self, context: SyncContext, batch: Batch) -> None: ...


class FullSync(Protocol):
    """Queues every record of the type for Start Full Sync / `scs sync run --full`; returns how many."""

    def __call__(self, workspace_id: int, *, requested_by: str = ...,
                 progress: Callable[[int], None] | None = ...) -> int: ...


# (workspace id, HubSpot portal id, source ids that succeeded, source ids that failed) → records queued.
DependencyDone = Callable[[int, str, list[str], list[str]], int]
# (workspace id, portal or realm id, changed ids by HubSpot object / QuickBooks entity, trigger) →
# whether it queued anything (then its drain is woken).
QueueChanges = Callable[[int, str, Mapping[str, set[str]], str], bool]


@dataclass(frozen=True)
class Inbound:
    """How changes on either side become this type's Pending records: `sync/inbound/` routes HubSpot
    webhooks, QuickBooks webhooks and every poll through these, for the types that are turned on."""

    # The HubSpot objects whose changes (webhook events, polls) it takes, and what they queue.
    hubspot_objects: tuple[str, ...] = ()
    hubspot_changes: QueueChanges | None = None
    # HubSpot association changes between `hubspot_object` and these objects count as changes of
    # its objects (a payment re-associated with another invoice).
    hubspot_associations: tuple[str, ...] = ()
    # Is `hubspot_object` polled by `cursor_property` now (the sync direction reads HubSpot)?
    polls_hubspot: Callable[[int], bool] | None = None
    # Its own poll beside HubSpot's, run with it: (workspace id, run kind) → records queued.
    extra_poll: Callable[[int, str], int] | None = None
    # The QuickBooks entities it follows now (webhooks and CDC), and what their changes queue.
    quickbooks_entities: Callable[[int], list[str]] | None = None
    quickbooks_changes: QueueChanges | None = None
    # The workspaces the two-way poll (QuickBooks CDC) visits for it, and its own part of that poll
    # for a workspace, if it has one now: (the open clients, run kind) → whether it queued anything.
    two_way_workspaces: Callable[[], set[int]] | None = None
    two_way_poll: Callable[[int], Callable[[ProviderClients, str], bool] | None] | None = None


class SettingsActions(Protocol):
    """What a sync type's Settings → Sync pages may ask of the layers above the types: the
    Settings → Sync shell passes one in when it collects their URL patterns."""

    def sync_now(self, workspace_id: int, key: str, *, full: bool = False) -> OperationResult: ...

    def settle(self, workspace_id: int, key: str, saved: Saved) -> OperationResult:
        """What saving said, after starting the full sync it asked for."""
        ...


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
    # Its Settings → Sync tab's model (a row per workspace with `enabled`); None for a type that has
    # no tab and is on whenever `on_with` is (customers sync with invoices).
    settings_model: type[models.Model] | None
    on_with: str | None = None
    # Its Settings → Sync pages, its tab first (the tab's link is that pattern's name); the shell
    # mounts them under the `sync_settings` URL namespace. None: no tab (customers).
    settings_pages: Callable[[SettingsActions], list[URLPattern]] | None = None
    inbound: Inbound = field(default_factory=Inbound)
    # Records claimed per drain batch: one HubSpot batch read (≤ 100) feeds them.
    batch_size: int = 100
    # HubSpot property the polling cursor follows (None: not polled by cursor).
    cursor_property: str | None = None
    # The error kinds its records can show besides the engine's own (errors.ENGINE_KINDS); the
    # catalogue collects them so that pages look any record's kind up by its key.
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

    def error_kind(self, key: str) -> ErrorKind | None:
        """Any sync type's error kind by its key (a payment names why its invoice failed)."""
        ...


class NoPeers:
    """For drains run without a catalogue (a handler under test): no other sync type is on."""

    def enabled(self, workspace_id: int, key: str) -> bool:
        return False

    def wake(self, workspace_id: int, key: str, trigger: str) -> None:
        return None

    def error_kind(self, key: str) -> ErrorKind | None:
        return None
