"""Products (docs/products.md): HubSpot product ↔ QuickBooks item, matched by SKU, from the side the
Sync Direction names as the source of truth.

- `declaration.py`: the sync type. `sync.py`: the handler, either way.
- `fields.py`: which fields sync and how (default and added mappings, transforms).
- `catalog.py`: Start Full Sync and QuickBooks' item changes. `inbound.py`: what queues products.
- `settings_page.py`, `settings.py`: its Settings → Sync tab (mappings, Start Full Sync) and what it does.
- `models.py`, `errors.py`.
"""
