"""Refunds (Sync Refunds on): what HubSpot refunded of a payment is paid out by one QuickBooks
RefundReceipt per payment, updated by later refunds. (The amount applied to the invoice drops by
the refund in the payment's own plan, plans.py, so the invoice is open again as in HubSpot.)"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import SyncRecord
from simplecommercesync.sync.mapping.tax import TaxPlan


def refund_receipt_body(context: SyncContext, record: SyncRecord, props: dict[str, Any], customer_id: str,
                        currency: str, refunded: Decimal,
                        qb_invoices: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """A RefundReceipt: money paid back out of Undeposited Funds, where the payment went in
    (developer.intuit.com RefundReceipt: DepositToAccountRef is required)."""
    item_id = ""
    for qb_invoice in qb_invoices:
        for line in (qb_invoice or {}).get("Line") or []:
            item_id = str(((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value") or "")
            if item_id:
                break
        if item_id:
            break
    if not item_id:
        item_id = any_service_item(context)
    tax: TaxPlan = context.cache.get("tax_plan") or context.cache.setdefault("tax_plan", TaxPlan(context))
    reference = str(props.get("hs_reference_number") or record.source_id)
    detail: dict[str, Any] = {"ItemRef": {"value": item_id}, "Qty": "1", "UnitPrice": str(refunded)}
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_id},
        "DepositToAccountRef": {"value": undeposited_funds(context)},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": str(refunded),
                  "Description": f"Refund of HubSpot payment {reference}", "SalesItemLineDetail": detail}],
        "PaymentRefNum": reference[:21],
        "PrivateNote": f"Refund of HubSpot payment {record.source_id} (portal {context.portal_id}) by "
                       "SimpleCommerceSync.",
    }
    if tax.us:
        detail["TaxCodeRef"] = {"value": "NON"}  # a refund of money received: no sales tax again
    else:
        body["GlobalTaxCalculation"] = "NotApplicable"
    if currency:
        body["CurrencyRef"] = {"value": currency}
    return body


def undeposited_funds(context: SyncContext) -> str:
    cached = context.cache.get("undeposited_funds")
    if cached:
        return str(cached)
    context.checkpoint()
    found = list(context.quickbooks.query("Account", "AccountSubType = 'UndepositedFunds'"))
    if not found:
        raise errors.SyncFailure(errors.VALIDATION_ERROR,
                                 "QuickBooks has no Undeposited Funds account to pay the refund from.")
    context.cache["undeposited_funds"] = str(found[0]["Id"])
    return str(found[0]["Id"])


def any_service_item(context: SyncContext) -> str:
    context.checkpoint()
    found = list(context.quickbooks.query("Item", "Type = 'Service' AND Active = true"))
    if not found:
        raise errors.SyncFailure(errors.VALIDATION_ERROR,
                                 "QuickBooks has no active service item to put on the refund receipt.")
    return str(found[0]["Id"])
