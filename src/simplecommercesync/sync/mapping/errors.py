"""The error kinds several sync types share through the mapping code: SKUs, customers and tax
mapped one way or the other, and a document QuickBooks already has.

Here rather than in one type's folder because invoices and quotes (and customers) raise them alike;
docs quote every fix word for word.
"""

from __future__ import annotations

from simplecommercesync.sync.engine.errors import ErrorKind

# HubSpot → QuickBooks (invoices, quotes, customers).
SKU_NOT_FOUND = ErrorKind(
    "sku_not_found",
    "SKU not found",
    "Create a QuickBooks item with exactly this SKU (SKUs match exactly, including upper and "
    "lower case), or correct the SKU on the HubSpot product, then press Retry Sync.",
)
CUSTOMER_EMAIL_MISSING = ErrorKind(
    "customer_email_missing",
    "Customer email missing",
    "Add an email address to the HubSpot contact on this invoice (or associate a contact that has "
    "one), then press Retry Sync.",
)
CUSTOMER_NOT_FOUND = ErrorKind(
    "customer_not_found",
    "Customer not found",
    "Associate a contact with the invoice in HubSpot, then press Retry Sync.",
)
UNMAPPED_TAX_RATE = ErrorKind(
    "unmapped_tax_rate",
    "Unmapped tax rate",
    "Map this HubSpot tax rate to a QuickBooks tax code in Settings → Sync → Tax (Add Tax "
    "Mapping), or choose another Unmapped Tax Behavior than Strict Mode, then press Retry Sync.",
)
ALREADY_SYNCED = ErrorKind(
    "already_synced",
    "Already synced",
    "QuickBooks already has an invoice with this number that this workspace did not create. "
    "Delete or renumber one of them in QuickBooks, then press Retry Sync.",
)

# QuickBooks → HubSpot (invoices, quotes).
HUBSPOT_SKU_NOT_FOUND = ErrorKind(
    "hubspot_sku_not_found",
    "SKU not found in HubSpot",
    "Create a HubSpot product with exactly this SKU (SKUs match exactly, including upper and lower "
    "case), or correct the SKU on the QuickBooks item, then press Retry Sync.",
)
UNMAPPED_TAX_CODE = ErrorKind(
    "unmapped_tax_code",
    "Unmapped tax code",
    "Map a HubSpot tax rate to this QuickBooks tax code in Settings → Sync → Tax (Add Tax Mapping), "
    "or set QuickBooks → HubSpot Unmapped Tax Codes to Leave the Line Without a Tax Rate, then press "
    "Retry Sync.",
)
QUICKBOOKS_EMAIL_MISSING = ErrorKind(
    "quickbooks_email_missing",
    "Customer email missing in QuickBooks",
    "Add a primary email address to the QuickBooks customer on this estimate or invoice, then press "
    "Retry Sync.",
)
