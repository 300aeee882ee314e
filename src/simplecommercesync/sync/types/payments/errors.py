"""Error kinds only payment sync raises, so they live with it (docs/payments.md quotes their fixes word
for word)."""

from __future__ import annotations

from simplecommercesync.sync.engine.errors import ErrorKind

INVOICE_NOT_SYNCED = ErrorKind(
    "invoice_not_synced",
    "Invoice not synced",
    "Fix the invoice's own error first; this record retries by itself once its invoice has synced.",
)
PAYMENT_WITHOUT_INVOICE = ErrorKind(
    "payment_without_invoice",
    "Payment has no invoice",
    "Associate the payment with its invoice in HubSpot (it then syncs by itself), or turn Require "
    "Invoice off in Settings → Sync → Payments to record it against the customer, unapplied.",
)
CURRENCY_MISMATCH = ErrorKind(
    "currency_mismatch",
    "Currency mismatch",
    "Record the payment in the currency of its invoice in HubSpot (or correct the invoice's "
    "currency), then press Retry Sync.",
)
PAYMENT_CUSTOMER_NOT_FOUND = ErrorKind(
    "payment_customer_not_found",
    "Payment customer not found",
    "Associate the payment with its invoice in HubSpot, or give the payment a customer email that a "
    "QuickBooks customer has, then press Retry Sync.",
)
