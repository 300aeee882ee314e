"""Settings → Sync's tabs and their pages, from the catalogue: each sync type with a tab brings its
own URL patterns, made once here with the actions its pages may ask for; Tax, not a sync type,
comes last. Adding a sync type adds its tab without touching this app."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern

from simplecommercesync.sync import operations
from simplecommercesync.sync.catalogue import SYNC_TYPES
from simplecommercesync.sync.operations import OperationResult, Saved


class Actions:
    """What a sync type's settings pages may ask of the layers above the types (SettingsActions)."""

    def sync_now(self, workspace_id: int, key: str, *, full: bool = False) -> OperationResult:
        return operations.sync_now(workspace_id, key, full=full)

    def settle(self, workspace_id: int, key: str, saved: Saved) -> OperationResult:
        return operations.settle(workspace_id, key, saved)


@dataclass(frozen=True)
class Tab:
    key: str  # the `tab` its pages render with, which marks it current
    title: str
    url_name: str  # "sync_settings:invoices"


ACTIONS = Actions()
# Each sync type's pages, its tab first, in the catalogue's order.
TYPE_PAGES: dict[str, list[URLPattern]] = {
    key: declared.settings_pages(ACTIONS) for key, declared in SYNC_TYPES.items() if declared.settings_pages
}
TABS: list[Tab] = [
    *(Tab(key, SYNC_TYPES[key].title, f"sync_settings:{pages[0].name}") for key, pages in TYPE_PAGES.items()),
    Tab("tax", "Tax", "sync_settings:tax"),
]
