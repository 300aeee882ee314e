"""Every sync type, collected from its own declaration: the one list the engine, inbound routing,
the Settings → Sync tabs, the Data tabs, the CLI and the docs read. Its error kinds too: each lives
with the code that raises it (engine, mapping, a type's folder), so pages look a record's kind up
here (`error_kind`).

Adding a sync type is one folder under `types/` with a `declaration.py`, and one line below.
The dependency graph (`waits_for`) is checked when this module is imported, so a wrong
declaration stops the product at start-up, not at the first sync.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.types.customers.declaration import CUSTOMERS
from simplecommercesync.sync.types.invoices.declaration import INVOICES
from simplecommercesync.sync.types.payments.declaration import PAYMENTS
from simplecommercesync.sync.types.products.declaration import PRODUCTS
from simplecommercesync.sync.types.quotes.declaration import QUOTES

__all__ = ["ALL_ERROR_KINDS", "SYNC_TYPES", "SyncType", "dependents_of", "enabled", "enabled_workspaces",
           "error_kind", "get_sync_type"]


class CatalogueError(Exception):
    """A declaration that the others contradict: a duplicate key, or a dependency that can't hold."""


def checked(declarations: Iterable[SyncType]) -> dict[str, SyncType]:
    catalogue: dict[str, SyncType] = {}
    for declared in declarations:
        if declared.key in catalogue:
            raise CatalogueError(f"two sync types are declared as {declared.key!r}")
        catalogue[declared.key] = declared
    for declared in catalogue.values():
        if (declared.settings_model is None) == (declared.on_with is None):
            raise CatalogueError(f"{declared.key}: declare either its settings_model or the type it is on_with")
        if declared.on_with is not None and (
                declared.on_with not in catalogue or catalogue[declared.on_with].settings_model is None):
            raise CatalogueError(f"{declared.key} is on with {declared.on_with!r}, which has no settings of its own")
        if (declared.waits_for is None) != (declared.on_dependency_done is None):
            raise CatalogueError(f"{declared.key}: waits_for and on_dependency_done go together")
        seen = [declared.key]
        waited = declared.waits_for
        while waited is not None:
            if waited not in catalogue:
                raise CatalogueError(f"{declared.key} waits for {waited!r}, which is not a sync type")
            if waited in seen:
                raise CatalogueError(f"sync types wait for each other in a circle: {' → '.join([*seen, waited])}")
            seen.append(waited)
            waited = catalogue[waited].waits_for
    return catalogue


# In the order a person meets them (PRODUCT.md §2): the sidebar's Data links, the Data and Settings → Sync tabs.
SYNC_TYPES: dict[str, SyncType] = checked((INVOICES, QUOTES, PAYMENTS, PRODUCTS, CUSTOMERS))


def kinds_by_key(declarations: Iterable[SyncType]) -> dict[str, ErrorKind]:
    """The engine's own error kinds and every kind a declaration lists, once each, by key."""
    kinds: dict[str, ErrorKind] = {}
    for kind in (*errors.ENGINE_KINDS, *(kind for declared in declarations for kind in declared.error_kinds)):
        if kinds.setdefault(kind.key, kind) != kind:
            raise CatalogueError(f"two error kinds are declared as {kind.key!r}")
    return kinds


_ERROR_KINDS = kinds_by_key(SYNC_TYPES.values())
ALL_ERROR_KINDS: tuple[ErrorKind, ...] = tuple(_ERROR_KINDS.values())


def error_kind(key: str) -> ErrorKind | None:
    """The kind a record's `error_kind` names; None for a key no longer declared (kept as is on screen)."""
    return _ERROR_KINDS.get(key)


def get_sync_type(key: str) -> SyncType:
    try:
        return SYNC_TYPES[key]
    except KeyError:
        raise KeyError(f"No sync type {key!r}; known: {', '.join(SYNC_TYPES)}") from None


def dependents_of(key: str) -> list[SyncType]:
    """The sync types whose records wait for records of this one."""
    return [declared for declared in SYNC_TYPES.values() if declared.waits_for == key]


def _settings_model(key: str) -> type[models.Model]:
    declared = get_sync_type(key)
    if declared.on_with is not None:
        declared = get_sync_type(declared.on_with)
    assert declared.settings_model is not None  # checked() guarantees it
    return declared.settings_model


def enabled(key: str, workspace_id: int) -> bool:
    """Is this sync turned on for the workspace (its Settings → Sync tab, or the one it is on with)?"""
    return _settings_model(key)._default_manager.filter(workspace_id=workspace_id, enabled=True).exists()


def enabled_workspaces(key: str) -> set[int]:
    return set(_settings_model(key)._default_manager.filter(enabled=True).values_list("workspace_id", flat=True))
