"""Data → Payments: the invoice a payment belongs to, both ids linked, and whether it waits for it."""

from __future__ import annotations

from typing import Any

from simplecommercesync.providers.hubspot.record_pages import hubspot_record_url
from simplecommercesync.providers.quickbooks.record_pages import quickbooks_record_url
from simplecommercesync.sync.models import PaymentInvoice, SyncRecord


def payment_invoices(record: SyncRecord) -> list[dict[str, Any]]:
    rows = PaymentInvoice.objects.filter(payment_record=record).order_by("hubspot_invoice_id")
    return [
        {
            "row": row,
            "hubspot_url": hubspot_record_url(record.source_account, "invoices", row.hubspot_invoice_id),
            "quickbooks_url": quickbooks_record_url("Invoice", row.quickbooks_invoice_id),
        }
        for row in rows
    ]
