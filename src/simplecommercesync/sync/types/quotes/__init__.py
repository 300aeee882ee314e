"""Quotes (docs/quotes.md): HubSpot quote ↔ QuickBooks estimate, either way or both.

- `declaration.py`: the sync type. `sync.py`: the handler (one record per linked pair).
- `queueing.py`: a change on either side goes onto its pair's record. `inbound.py`: what queues quotes.
- `pairs.py`: both sides of a pair, read. `two_way.py`: which side changed, and what was written.
- `to_quickbooks.py`, `to_hubspot.py`: writing estimates and quotes. `replays.py`: interrupted writes.
- `settings_page.py`, `settings.py`: its Settings → Sync tab, and saving it. `models.py`, `errors.py`.
"""
