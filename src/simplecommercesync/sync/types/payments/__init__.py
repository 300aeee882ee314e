"""Payments (docs/payments.md): a HubSpot payment (and its refunds) → a QuickBooks payment applied to
the linked invoice.

- `declaration.py`: the sync type; payments wait for invoices (`waits_for`).
- `sync.py`: the handler. `status_filter.py`: what never syncs or is voided before reading the invoice.
- `reading.py`: the payment and its invoice, read in batches. `plans.py`: what to write, to the cent.
- `waiting.py`: payments wait for their invoice, and go by themselves once it syncs.
- `refunds.py`, `writes.py`, `voids.py`: refund receipts, exactly-once writes, voiding.
- `settings_page.py`, `settings.py`: its Settings → Sync tab, and saving it.
- `inbound.py`, `models.py`, `errors.py`, `links.py`: what queues payments, what is stored, what can fail.
"""
