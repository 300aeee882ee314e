"""Customers (docs/invoices.md): a HubSpot contact ↔ its QuickBooks customer, matched by email.

Contacts sync when an invoice, payment or quote needs them (`mapping/customers.py`), and again when
a linked contact changes (`sync.py`, queued by `inbound.py`). No tab of its own: it is on with invoices.
"""
