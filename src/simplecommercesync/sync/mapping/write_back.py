"""What we write back into HubSpot after a sync: the QuickBooks id, number and sync status, as
properties of our own "SimpleCommerceSync" group, created on first use."""

from __future__ import annotations

GROUP, GROUP_LABEL = "simplecommercesync", "SimpleCommerceSync"
QB_ID, QB_NUMBER, SYNC_STATUS = "scs_quickbooks_invoice_id", "scs_quickbooks_invoice_number", "scs_sync_status"
WRITE_BACK_PROPERTIES = (
    {"name": QB_ID, "label": "QuickBooks invoice ID", "type": "string", "fieldType": "text"},
    {"name": QB_NUMBER, "label": "QuickBooks invoice number", "type": "string", "fieldType": "text"},
    {"name": SYNC_STATUS, "label": "QuickBooks sync status", "type": "string", "fieldType": "text"},
)
