"""Every way a record can fail to sync: its kind, the message in plain words, and the fix.

One place for pages, the CLI and docs (`docs/invoices.md`, `docs/tax.md` quote these fixes word
for word). A sync type raises `SyncFailure(kind, detail)`; the engine stores kind, message and fix
on the record.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorKind:
    key: str
    title: str
    fix: str
    # Retried by the engine by itself (backoff) rather than waiting for a person.
    automatic_retry: bool = False


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
INVOICE_NOT_SYNCED = ErrorKind(
    "invoice_not_synced",
    "Invoice not synced",
    "Fix the invoice's own error first; this record retries by itself once its invoice has synced.",
)
UNMAPPED_TAX_RATE = ErrorKind(
    "unmapped_tax_rate",
    "Unmapped tax rate",
    "Map this HubSpot tax rate to a QuickBooks tax code in Settings → Sync → Tax (Add Tax "
    "Mapping), or choose another Unmapped Tax Behavior than Strict Mode, then press Retry Sync.",
)
UNAUTHORIZED = ErrorKind(
    "unauthorized",
    "Unauthorized",
    "Reconnect the account in Settings → Connections; held records sync by themselves afterwards.",
)
ALREADY_SYNCED = ErrorKind(
    "already_synced",
    "Already synced",
    "QuickBooks already has an invoice with this number that this workspace did not create. "
    "Delete or renumber one of them in QuickBooks, then press Retry Sync.",
)
RATE_LIMITED = ErrorKind(
    "rate_limited",
    "Rate limited",
    "Nothing to do: the provider asked us to slow down and the record is retried automatically.",
    automatic_retry=True,
)
UNREACHABLE = ErrorKind(
    "unreachable",
    "Provider unreachable",
    "Nothing to do: the provider did not answer and the record is retried automatically. If it "
    "lasts, check the provider's status page.",
    automatic_retry=True,
)
VALIDATION_ERROR = ErrorKind(
    "validation_error",
    "Validation error",
    "Correct what the message from QuickBooks or HubSpot names, in that record, then press "
    "Retry Sync.",
)
INTERNAL_ERROR = ErrorKind(
    "internal_error",
    "Internal error",
    "Nothing in the record is wrong: SimpleCommerceSync itself failed on it. It retries by itself a few "
    "times; if it still fails, press Retry Sync, and if that fails too, give this record's link to "
    "whoever runs SimpleCommerceSync for you (the worker log has the details).",
)
SYNC_DISABLED = ErrorKind(
    "sync_disabled",
    "Sync turned off",
    "Turn the sync on in Settings → Sync, then press Retry Sync.",
)
SOURCE_DELETED = ErrorKind(
    "source_deleted",
    "Deleted in HubSpot",
    "Nothing to do unless the deletion was a mistake: restore the record in HubSpot and it syncs again.",
)

ALL_KINDS: tuple[ErrorKind, ...] = (
    SKU_NOT_FOUND,
    CUSTOMER_EMAIL_MISSING,
    CUSTOMER_NOT_FOUND,
    INVOICE_NOT_SYNCED,
    UNMAPPED_TAX_RATE,
    UNAUTHORIZED,
    ALREADY_SYNCED,
    RATE_LIMITED,
    UNREACHABLE,
    VALIDATION_ERROR,
    INTERNAL_ERROR,
    SYNC_DISABLED,
    SOURCE_DELETED,
)
BY_KEY = {kind.key: kind for kind in ALL_KINDS}

TOTALS_DIFFER_FIX = "check the tax mapping"
TOTALS_ROUNDING_NOTE = "QuickBooks rounds tax on the invoice total, HubSpot on each line. Nothing to fix."


def kind_for(key: str) -> ErrorKind | None:
    return BY_KEY.get(key)


class SyncFailure(Exception):
    """A record can't sync until a person fixes something; `message` names exactly what."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class TransientTrouble(Exception):
    """The provider can't take the record right now; retry after `retry_after` seconds."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

# -- Products (issue 13) ------------------------------------------------------------------------
SKU_NOT_UNIQUE = ErrorKind(
    "sku_not_unique",
    "SKU used twice",
    "Give each product its own SKU on the side you sync from (Settings → Sync → Products, Sync "
    "Direction), or archive the duplicate, then press Retry Sync.",
)
INCOME_ACCOUNT_MISSING = ErrorKind(
    "income_account_missing",
    "No income account",
    "Choose an Income Account for new QuickBooks items in Settings → Sync → Products (or add an "
    "Income account in QuickBooks), then press Retry Sync.",
)
ALL_KINDS = (*ALL_KINDS, SKU_NOT_UNIQUE, INCOME_ACCOUNT_MISSING)
BY_KEY.update({kind.key: kind for kind in (SKU_NOT_UNIQUE, INCOME_ACCOUNT_MISSING)})
# Kinds the engine itself gives a record of any sync type (connection, throttling, the other side's
# refusal, our own repeated crash).
ENGINE_KINDS: tuple[ErrorKind, ...] = (UNAUTHORIZED, RATE_LIMITED, UNREACHABLE, VALIDATION_ERROR, INTERNAL_ERROR)

# -- Payments (issue 11) ------------------------------------------------------------------------
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
PAYMENT_KINDS: tuple[ErrorKind, ...] = (
    INVOICE_NOT_SYNCED, PAYMENT_WITHOUT_INVOICE, CURRENCY_MISMATCH, PAYMENT_CUSTOMER_NOT_FOUND,
)
ALL_KINDS = (*ALL_KINDS, PAYMENT_WITHOUT_INVOICE, CURRENCY_MISMATCH, PAYMENT_CUSTOMER_NOT_FOUND)
BY_KEY.update({kind.key: kind for kind in PAYMENT_KINDS})

# -- Quotes ↔ estimates and invoices QuickBooks → HubSpot (issue 12) -----------------------------
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
QUOTE_NOT_EDITABLE = ErrorKind(
    "quote_not_editable",
    "Can't change the other side",
    "The other side refused the change because of its own rules (named in the message): undo the "
    "change on the side you edited, or make it by hand on the other side, then press Retry Sync.",
)
TWO_WAY_KINDS = (HUBSPOT_SKU_NOT_FOUND, UNMAPPED_TAX_CODE, QUICKBOOKS_EMAIL_MISSING, QUOTE_NOT_EDITABLE)
ALL_KINDS = (*ALL_KINDS, *TWO_WAY_KINDS)
BY_KEY.update({kind.key: kind for kind in TWO_WAY_KINDS})

# -- The linked object deleted on the other side ----------------------------------------------------
DELETED_IN_QUICKBOOKS = ErrorKind(
    "deleted_in_quickbooks",
    "Deleted in QuickBooks",
    "The QuickBooks invoice this record was synced to was deleted in QuickBooks. If that was a "
    "mistake, press Retry Sync: the invoice is created again in QuickBooks (the old one's id stays "
    "in the record's history). If it was meant, nothing to do: nothing is written to QuickBooks for "
    "this invoice until you press Retry Sync.",
)
ALL_KINDS = (*ALL_KINDS, DELETED_IN_QUICKBOOKS)
BY_KEY[DELETED_IN_QUICKBOOKS.key] = DELETED_IN_QUICKBOOKS
