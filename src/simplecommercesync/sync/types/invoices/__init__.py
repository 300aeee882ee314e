"""Invoices (docs/invoices.md): HubSpot invoice ↔ QuickBooks invoice, one Sync Direction at a time.

- `declaration.py`: the sync type as the engine, inbound and the pages see it.
- `directions.py`: each record goes to the handler of the side it came from.
- `to_quickbooks.py`: HubSpot → QuickBooks (status filter, customer by email, items by SKU, tax,
  void, write-back, totals compared).
- `to_hubspot.py`: QuickBooks → HubSpot.
- `line_items.py`: line-item changes kept until the drain turns them into invoices.
- `inbound.py`: which webhook events and polls queue invoices.
- `settings_page.py`, `settings.py`: its Settings → Sync tab, and saving it.
- `models.py`: its settings and the stored line-item changes. `errors.py`: the totals notes.
"""
