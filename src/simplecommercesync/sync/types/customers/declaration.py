"""Customers: HubSpot contact → QuickBooks customer, matched by email (docs/invoices.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import SyncType
from simplecommercesync.sync.types.customers.sync import CustomerSync
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings


def customer_sync_enabled(workspace_id: int) -> bool:
    """Customers sync with their invoices: a linked contact's changes follow while invoice sync is on."""
    return InvoiceSyncSettings.objects.filter(workspace_id=workspace_id, enabled=True).exists()


CUSTOMERS = SyncType(
    key="customers",
    title="Customers",
    # Customers sync with their invoices; their errors are explained there.
    docs_page="invoices.md",
    hubspot_object="contacts",
    quickbooks_entity="Customer",
    handler=CustomerSync,
    enabled=customer_sync_enabled,
    # Contacts sync when an invoice needs them, and again when a linked contact changes: not polled.
    cursor_property=None,
    error_kinds=(errors.CUSTOMER_EMAIL_MISSING, errors.CUSTOMER_NOT_FOUND, errors.SOURCE_DELETED),
)
