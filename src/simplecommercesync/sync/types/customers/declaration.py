"""Customers: HubSpot contact → QuickBooks customer, matched by email (docs/invoices.md)."""

from __future__ import annotations

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.declaration import Inbound, SyncType
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.customers import inbound
from simplecommercesync.sync.types.customers.sync import CustomerSync

CUSTOMERS = SyncType(
    key="customers",
    title="Customers",
    # Customers sync with their invoices; their errors are explained there.
    docs_page="invoices.md",
    hubspot_object="contacts",
    quickbooks_entity="Customer",
    handler=CustomerSync,
    # No tab of its own: a linked contact's changes follow while invoice sync is on.
    settings_model=None,
    on_with="invoices",
    inbound=Inbound(hubspot_objects=("contacts",), hubspot_changes=inbound.queue_hubspot_changes),
    # Contacts sync when an invoice needs them, and again when a linked contact changes: not polled.
    cursor_property=None,
    error_kinds=(mapping_errors.CUSTOMER_EMAIL_MISSING, mapping_errors.CUSTOMER_NOT_FOUND,
                 errors.SOURCE_DELETED),
)
