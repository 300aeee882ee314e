"""Payments: HubSpot payment (and refunds) → QuickBooks payment on the linked invoice (docs/payments.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from simplecommercesync.sync.types.payments.sync import PaymentSync, invoices_done


def payment_sync_enabled(workspace_id: int) -> bool:
    return PaymentSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


PAYMENTS = SyncType(
    key="payments",
    title="Payments",
    docs_page="payments.md",
    hubspot_object="commerce_payments",
    quickbooks_entity="Payment",
    handler=PaymentSync,
    enabled=payment_sync_enabled,
    cursor_property="hs_lastmodifieddate",
    error_kinds=(errors.INVOICE_NOT_SYNCED, errors.PAYMENT_WITHOUT_INVOICE, errors.CURRENCY_MISMATCH,
                 errors.PAYMENT_CUSTOMER_NOT_FOUND, errors.SYNC_DISABLED, errors.SOURCE_DELETED),
    # A payment applies to its invoice, so it waits for that invoice to sync and then goes by itself.
    waits_for="invoices",
    on_dependency_done=invoices_done,
)
