"""Error kinds only product sync raises, so they live with it (docs/products.md quotes their fixes word
for word)."""

from __future__ import annotations

from simplecommercesync.sync.engine.errors import ErrorKind

SKU_NOT_UNIQUE = ErrorKind(
    "sku_not_unique",
    "SKU used twice",
    "Give each product its own SKU on the side you sync from (Settings → Sync → Products, Sync "
    "Direction), or archive the duplicate, then press Retry Sync.",
)
INCOME_ACCOUNT_MISSING = ErrorKind(
    "income_account_missing",
    "No income account",
    "Choose an Income Account for new QuickBooks items in Settings → Sync → Products (or add an "
    "Income account in QuickBooks), then press Retry Sync.",
)
