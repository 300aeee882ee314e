"""Syncing HubSpot and QuickBooks: the database is the queue of record, each sync type is a
declaration, and every attempt is kept.

Layers, top to bottom (import-linter checks them): the entry points in this folder (pages and the
CLI call `operations`, `preview`, `tasks`; webhooks arrive at the two `*_webhook_view` modules) →
`inbound/` (webhooks and polls become Pending records) → `catalogue.py` (every sync type) →
`types/<type>/` (one folder per sync type) → `mapping/` (what the types share: money, items by SKU,
customers by email, tax, write-back) → `engine/` (drains, queue, exactly-once writes, links; it never
names a sync type). Pages outside `sync/` use `models`, `catalogue` and the entry points only.
"""
