"""Items by SKU: each line's QuickBooks item, matched exactly (QuickBooks' own query ignores case)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.mapping import errors as mapping_errors


class ItemCatalog:
    """Per-drain cache of QuickBooks items by exact SKU (QuickBooks' own query ignores case)."""

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        self.by_lower: dict[str, list[dict[str, Any]]] = {}

    def load(self, skus: Sequence[str]) -> None:
        missing = [s for s in dict.fromkeys(skus) if s and s.lower() not in self.by_lower]
        quote = self.context.quickbooks.quote
        for start in range(0, len(missing), 40):
            chunk = missing[start:start + 40]
            for sku in chunk:
                self.by_lower[sku.lower()] = []
            self.context.checkpoint()
            where = f"Sku IN ({', '.join(quote(s) for s in chunk)}) AND Active IN (true, false)"
            for item in self.context.quickbooks.query("Item", where):
                self.by_lower.setdefault(str(item.get("Sku") or "").lower(), []).append(item)

    def find(self, sku: str) -> dict[str, Any]:
        candidates = self.by_lower.get(sku.lower()) or []
        exact = sorted((i for i in candidates if i.get("Sku") == sku),
                       key=lambda i: (not i.get("Active", True), str(i.get("Id"))))
        if exact:
            return exact[0]
        if candidates:
            other = candidates[0].get("Sku")
            raise errors.SyncFailure(mapping_errors.SKU_NOT_FOUND,
                                     f"SKU not found: {sku} (QuickBooks has {other} — SKUs match exactly)")
        raise errors.SyncFailure(mapping_errors.SKU_NOT_FOUND, f"SKU not found: {sku}")
