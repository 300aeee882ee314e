"""What a batch of payments reads: the payments from HubSpot, then their invoices on both sides
(HubSpot's, the QuickBooks invoices they synced to, the invoice records) and the QuickBooks
payments already made, all in batch calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.links import links_by_hubspot_id
from simplecommercesync.sync.engine.models import LinkKind, RecordLink, SyncRecord
from simplecommercesync.sync.types.payments.links import VOIDED

PAYMENT_PROPERTIES = (
    "hs_initial_amount", "hs_net_amount", "hs_refunds_amount", "hs_latest_status", "hs_currency_code",
    "hs_initiated_date", "hs_reference_number", "hs_payment_method_type", "hs_customer_email",
    "hs_lastmodifieddate",
)
INVOICE_FACTS = ("hs_number", "hs_currency", "hs_invoice_status", "hs_balance_due", "hs_amount_billed")


@dataclass
class BothSides:
    """What one batch reads besides the payments: their invoices on both sides, and our records."""

    invoice_ids: dict[str, list[str]]
    invoices: dict[str, dict[str, Any]]
    invoice_links: dict[str, RecordLink]
    qb_invoices: dict[str, dict[str, Any]]
    qb_payments: dict[str, dict[str, Any]]
    invoice_records: dict[str, SyncRecord]


def payment_label(payment: dict[str, Any]) -> str:
    props = payment.get("properties") or {}
    reference = props.get("hs_reference_number")
    return f"Payment {reference}" if reference else f"Payment {payment.get('id')}"


def invoice_label(invoice: dict[str, Any] | None, invoice_id: str) -> str:
    number = ((invoice or {}).get("properties") or {}).get("hs_number")
    return f"Invoice {number}" if number else f"Invoice {invoice_id}"


def read_both(context: SyncContext, live_ids: list[str], links: dict[str, RecordLink]) -> BothSides:
    context.checkpoint()
    invoice_ids = context.hubspot.associations("commerce_payments", "invoices", live_ids)
    wanted = list(dict.fromkeys(i for p in live_ids for i in invoice_ids.get(p, [])))
    context.checkpoint()
    invoices = context.hubspot.batch_read("invoices", wanted, INVOICE_FACTS) if wanted else {}
    invoice_links = links_by_hubspot_id(context, LinkKind.INVOICE, wanted)
    return BothSides(
        invoice_ids=invoice_ids, invoices=invoices, invoice_links=invoice_links,
        qb_invoices=read_many(context, "Invoice", [link.quickbooks_id for link in invoice_links.values()]),
        qb_payments=read_many(context, "Payment", [links[i].quickbooks_id for i in live_ids if i in links
                                                   and links[i].fingerprint != VOIDED]),
        invoice_records={
            r.source_id: r for r in SyncRecord.objects.filter(
                workspace_id=context.workspace_id, sync_type="invoices", source_account=context.portal_id,
                source_id__in=wanted)
        },
    )


def read_many(context: SyncContext, entity: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    unique = list(dict.fromkeys(i for i in ids if i))
    quote = context.quickbooks.quote
    for start in range(0, len(unique), 40):
        context.checkpoint()
        chunk = unique[start:start + 40]
        for entity_found in context.quickbooks.query(entity, f"Id IN ({', '.join(quote(i) for i in chunk)})"):
            found[str(entity_found["Id"])] = entity_found
    return found
