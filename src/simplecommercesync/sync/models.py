"""Every model of the sync app, for Django (which loads `<app>.models`) and for the pages.

Each model lives with the code that owns it: the queue, attempts, runs, cursors, links and the
write journal in `engine/models.py`; tax mappings in `mapping/tax_models.py`; each sync type's
settings in `types/<type>/models.py`; webhook redeliveries in `inbound/models.py`. Importing them
here registers them all under the app label `sync`, so the tables and migrations stay as they were.
Code inside `sync/` imports a model from its own module; pages outside `sync/` import it from here.
"""

from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    FailureDigest,
    LinkKind,
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    RunKind,
    SourceSide,
    SyncAttempt,
    SyncCursor,
    SyncDirection,
    SyncRecord,
    SyncRun,
    TwoWayState,
    WriteState,
)
from simplecommercesync.sync.inbound.models import QuickBooksWebhookEvent
from simplecommercesync.sync.mapping.tax_models import (
    HubSpotTaxRate,
    QuickBooksCompanyFacts,
    QuickBooksTaxCode,
    ReverseUnmappedTaxBehavior,
    TaxMapping,
    TaxModel,
    TaxSettings,
    UnmappedTaxBehavior,
)
from simplecommercesync.sync.types.invoices.models import (
    INVOICE_STATUSES,
    InvoiceSyncSettings,
    LineItemChange,
    default_invoice_statuses,
)
from simplecommercesync.sync.types.payments.models import (
    PAYMENT_STATUSES,
    PaymentInvoice,
    PaymentSyncSettings,
    default_payment_statuses,
)
from simplecommercesync.sync.types.products.models import (
    ProductFieldMapping,
    ProductSyncSettings,
    ProductTransform,
)
from simplecommercesync.sync.types.quotes.models import (
    QUOTE_STATUSES,
    QuoteDirection,
    QuoteSyncSettings,
    default_quote_statuses,
)

__all__ = [
    "INVOICE_STATUSES", "PAYMENT_STATUSES", "QUOTE_STATUSES", "AttemptOutcome", "FailureDigest", "HubSpotTaxRate",
    "InvoiceSyncSettings", "LineItemChange", "LinkKind", "PaymentInvoice", "PaymentSyncSettings",
    "ProductFieldMapping", "ProductSyncSettings", "ProductTransform", "QuickBooksCompanyFacts",
    "QuickBooksTaxCode", "QuickBooksWebhookEvent", "QuickBooksWrite", "QuoteDirection", "QuoteSyncSettings",
    "RecordLink", "RecordStatus", "ReverseUnmappedTaxBehavior", "RunKind", "SourceSide", "SyncAttempt",
    "SyncCursor", "SyncDirection", "SyncRecord", "SyncRun", "TaxMapping", "TaxModel", "TaxSettings",
    "TwoWayState", "UnmappedTaxBehavior", "WriteState", "default_invoice_statuses", "default_payment_statuses",
    "default_quote_statuses",
]
