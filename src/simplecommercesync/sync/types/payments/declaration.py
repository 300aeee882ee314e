"""Payments: HubSpot payment (and refunds) → QuickBooks payment on the linked invoice (docs/payments.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.types.payments import errors as payment_errors
from simplecommercesync.sync.types.payments import inbound, settings_page
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from simplecommercesync.sync.types.payments.sync import PaymentSync
from simplecommercesync.sync.types.payments.waiting import invoices_done

PAYMENTS = SyncType(
    key="payments",
    title="Payments",
    docs_page="payments.md",
    hubspot_object="commerce_payments",
    quickbooks_entity="Payment",
    handler=PaymentSync,
    settings_model=PaymentSyncSettings,
    settings_pages=settings_page.settings_pages,
    inbound=Inbound(
        hubspot_objects=("commerce_payments",), hubspot_changes=inbound.queue_hubspot_changes,
        # A payment moved to another invoice: an association change, not a change of the payment.
        hubspot_associations=("invoices",),
        polls_hubspot=inbound.polls_hubspot,
    ),
    cursor_property="hs_lastmodifieddate",
    error_kinds=(payment_errors.INVOICE_NOT_SYNCED, payment_errors.PAYMENT_WITHOUT_INVOICE,
                 payment_errors.CURRENCY_MISMATCH, payment_errors.PAYMENT_CUSTOMER_NOT_FOUND, errors.SYNC_DISABLED,
                 errors.SOURCE_DELETED),
    # A payment applies to its invoice, so it waits for that invoice to sync and then goes by itself.
    waits_for="invoices",
    on_dependency_done=invoices_done,
)
