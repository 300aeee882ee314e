"""Every sync type, as a declaration: what it reads, where it writes, how it matches and pages.

A sync type's module holds only its mapping and matching (`handler`); the engine does the rest
from these facts. Adding payments or quotes means one more entry here and one more module.
"""

from __future__ import annotations

from dataclasses import dataclass

from simplecommercesync.sync.engine.models import LinkKind, SyncDirection


@dataclass(frozen=True)
class SyncType:
    key: str
    title: str
    doc_url: str
    direction: str
    # HubSpot CRM object type read, and the QuickBooks entity written.
    hubspot_object: str
    quickbooks_entity: str
    match_key: str
    link_kind: str
    # HubSpot property the polling cursor follows (None: not polled; queued by other syncs).
    cursor_property: str | None
    # Records claimed per drain batch: one HubSpot batch read (≤ 100) feeds them.
    batch_size: int
    # objectTypeId of `object.*` webhook events, or the prefix of `<prefix>.*` events.
    webhook_object_type_id: str | None
    webhook_prefix: str | None
    # "module:Class" of the mapping/matching code, imported when first used (engine.handler_for).
    handler_path: str
    # The page of docs/ that explains this sync type's settings and every error it shows, and the
    # error kinds (errors.py keys) its records can show besides the engine's own (errors.ENGINE_KINDS).
    docs_page: str = ""
    error_kinds: tuple[str, ...] = ()
    # "module:function(workspace_id, requested_by, progress) -> int" queuing the whole catalog for a
    # full sync, when the source isn't simply every HubSpot object of `hubspot_object`.
    full_sync_path: str | None = None
    # Dependency-aware retries: the sync type whose records this one waits for, and the
    # "module:function(workspace_id, portal_id, succeeded_ids, failed_ids)" the engine calls after
    # each drain of that type, which queues the records that waited (payments wait for invoices).
    waits_for: str | None = None
    on_dependency_done: str | None = None


INVOICES = SyncType(
    key="invoices",
    title="Invoices",
    doc_url="https://developers.hubspot.com/docs/api/crm/invoices",
    direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS,
    hubspot_object="invoices",
    quickbooks_entity="Invoice",
    match_key="record link (HubSpot invoice id ↔ QuickBooks invoice id)",
    link_kind=LinkKind.INVOICE,
    cursor_property="hs_lastmodifieddate",
    batch_size=100,
    webhook_object_type_id="0-53",
    webhook_prefix=None,
    # Either direction (InvoiceSyncSettings.direction); each record goes to its own side's handler.
    handler_path="simplecommercesync.sync.types.invoices.directions:InvoiceDirections",
    docs_page="invoices.md",
    error_kinds=("sku_not_found", "customer_email_missing", "customer_not_found", "unmapped_tax_rate",
                 "already_synced", "sync_disabled", "source_deleted",
                 "hubspot_sku_not_found", "quickbooks_email_missing", "unmapped_tax_code",
                 "deleted_in_quickbooks"),
)

CUSTOMERS = SyncType(
    key="customers",
    title="Customers",
    doc_url="https://developers.hubspot.com/docs/api/crm/contacts",
    direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS,
    hubspot_object="contacts",
    quickbooks_entity="Customer",
    match_key="email (trimmed, any case), then the record link",
    link_kind=LinkKind.CUSTOMER,
    # Contacts sync when an invoice needs them, and again when a linked contact changes.
    cursor_property=None,
    batch_size=100,
    webhook_object_type_id="0-1",
    webhook_prefix="contact",
    handler_path="simplecommercesync.sync.mapping.customers:CustomerSync",
    # Customers sync with their invoices; their errors are explained there.
    docs_page="invoices.md",
    error_kinds=("customer_email_missing", "customer_not_found", "source_deleted"),
)

PRODUCTS = SyncType(
    key="products",
    title="Products",
    doc_url="https://developers.hubspot.com/docs/api/crm/products",
    # The default; the real source of truth is ProductSyncSettings.direction (either way).
    direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS,
    hubspot_object="products",
    quickbooks_entity="Item",
    match_key="SKU (exact, case-sensitive), then the record link",
    link_kind=LinkKind.PRODUCT,
    cursor_property="hs_lastmodifieddate",
    batch_size=100,
    webhook_object_type_id="0-7",
    webhook_prefix="product",
    handler_path="simplecommercesync.sync.types.products.sync:ProductSync",
    docs_page="products.md",
    error_kinds=("sku_not_unique", "income_account_missing"),
    full_sync_path="simplecommercesync.sync.types.products.catalog:queue_catalog",
)

PAYMENTS = SyncType(
    key="payments",
    title="Payments",
    doc_url="https://developers.hubspot.com/docs/api/crm/commerce-payments",
    direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS,
    hubspot_object="commerce_payments",
    quickbooks_entity="Payment",
    match_key="record link (HubSpot payment id ↔ QuickBooks payment id), applied to the linked invoice",
    link_kind="payment",
    cursor_property="hs_lastmodifieddate",
    batch_size=100,
    webhook_object_type_id="0-101",
    webhook_prefix=None,
    handler_path="simplecommercesync.sync.types.payments.sync:PaymentSync",
    docs_page="payments.md",
    error_kinds=("invoice_not_synced", "payment_without_invoice", "currency_mismatch",
                 "payment_customer_not_found", "sync_disabled", "source_deleted"),
    waits_for="invoices",
    on_dependency_done="simplecommercesync.sync.types.payments.sync:invoices_done",
)

SYNC_TYPES: dict[str, SyncType] = {t.key: t for t in (INVOICES, CUSTOMERS, PRODUCTS, PAYMENTS)}


QUOTES = SyncType(
    key="quotes",
    title="Quotes",
    doc_url="https://developers.hubspot.com/docs/api/crm/quotes",
    # The default; the real one is QuoteSyncSettings.direction (either way, or both).
    direction=SyncDirection.HUBSPOT_TO_QUICKBOOKS,
    hubspot_object="quotes",
    quickbooks_entity="Estimate",
    match_key="record link (HubSpot quote id ↔ QuickBooks estimate id)",
    link_kind=LinkKind.QUOTE,
    # Polled by cdc.py (quotes, their line items and QuickBooks' estimates), not by polling.py.
    cursor_property=None,
    batch_size=100,
    webhook_object_type_id="0-14",
    webhook_prefix=None,
    handler_path="simplecommercesync.sync.types.quotes.sync:QuoteSync",
    full_sync_path="simplecommercesync.sync.types.quotes.sync:queue_all_quotes",
    docs_page="quotes.md",
    error_kinds=("sku_not_found", "hubspot_sku_not_found", "customer_email_missing", "quickbooks_email_missing",
                 "customer_not_found", "unmapped_tax_rate", "unmapped_tax_code", "quote_not_editable",
                 "already_synced"),
)
SYNC_TYPES[QUOTES.key] = QUOTES


def get_sync_type(key: str) -> SyncType:
    try:
        return SYNC_TYPES[key]
    except KeyError:
        raise KeyError(f"No sync type {key!r}; known: {', '.join(SYNC_TYPES)}") from None
