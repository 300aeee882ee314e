"""Payment: applied to invoices through Line[].LinkedTxn; moves their Balance.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import today
from ..exceptions import BusinessValidationError, RequiredParamMissingError
from ..money import cents
from .base import EntityKind, Record, decimal_field, invalid_reference, ref_value
from .transactions import parse_date

if TYPE_CHECKING:
    from .company import CompanyBackend

ZERO = Decimal("0")


def linked_invoice_ids(fields: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    for line in fields.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice":
                ids.append(str(link.get("TxnId")))
    return ids


def applied_amounts(fields: dict[str, Any]) -> dict[str, Decimal]:
    """Invoice id -> amount this payment applies to it."""
    applied: dict[str, Decimal] = {}
    for line in fields.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice":
                key = str(link.get("TxnId"))
                applied[key] = applied.get(key, ZERO) + Decimal(str(line.get("Amount", 0)))
    return applied


class PaymentKind(EntityKind):
    name = "Payment"
    deletable = True
    voidable = True
    queryable = frozenset({"TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum"})
    computed = frozenset({"UnappliedAmt"})

    def prepare(
        self, company: CompanyBackend, incoming: dict[str, Any], existing: Record | None
    ) -> dict[str, Any]:
        if existing is not None and existing.voided:
            raise BusinessValidationError("This payment has been voided and can't be changed.")
        fields = {k: v for k, v in incoming.items() if k not in self.computed}
        customer_id = ref_value(fields, "CustomerRef")
        if customer_id is None:
            raise RequiredParamMissingError(
                "Required parameter CustomerRef is missing in the request", element="CustomerRef"
            )
        customer = company.find("Customer", customer_id)
        if customer is None:
            raise invalid_reference("CustomerRef", customer_id, "Customer")
        fields["CustomerRef"] = {"value": customer.id, "name": customer.fields["DisplayName"]}
        total = decimal_field(fields, "TotalAmt")
        if total is None:
            raise RequiredParamMissingError(
                "Required parameter TotalAmt is missing in the request", element="TotalAmt"
            )
        if total < 0:
            raise BusinessValidationError("TotalAmt can't be negative", element="TotalAmt")
        fields["TotalAmt"] = cents(total)
        lines = []
        applied_total = ZERO
        for raw in fields.get("Line") or []:
            amount = decimal_field(raw, "Amount") or ZERO
            links = []
            for link in raw.get("LinkedTxn") or []:
                if link.get("TxnType") != "Invoice":
                    raise BusinessValidationError(
                        f"The emulator applies payments to invoices only (got {link.get('TxnType')})",
                        element="Line.LinkedTxn.TxnType",
                    )
                invoice_id = str(link.get("TxnId"))
                invoice = company.find("Invoice", invoice_id)
                if invoice is None or invoice.voided:
                    raise invalid_reference("LinkedTxn", invoice_id, "Invoice")
                if invoice.fields["CustomerRef"]["value"] != customer.id:
                    raise BusinessValidationError(
                        f"Invoice {invoice_id} belongs to another customer.",
                        element="Line.LinkedTxn",
                    )
                open_balance = invoice.fields["TotalAmt"] - company.applied_to_invoice(
                    invoice_id, excluding_payment=existing.id if existing else None
                )
                if amount > open_balance:
                    raise BusinessValidationError(
                        f"The payment amount applied to invoice {invoice_id} ({amount}) is more "
                        f"than its open balance ({open_balance}).",
                        element="Line.Amount",
                    )
                links.append({"TxnId": invoice.id, "TxnType": "Invoice"})
            applied_total += amount
            lines.append({"Amount": cents(amount), "LinkedTxn": links})
        if applied_total > fields["TotalAmt"]:
            raise BusinessValidationError(
                "The amounts applied to invoices are more than the payment's TotalAmt.",
                element="TotalAmt",
            )
        fields["Line"] = lines
        fields["UnappliedAmt"] = fields["TotalAmt"] - cents(applied_total)
        txn_date = parse_date(fields, "TxnDate") or today()
        fields["TxnDate"] = txn_date.isoformat()
        fields.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})
        account_id = ref_value(fields, "DepositToAccountRef")
        if account_id is not None and company.find("Account", account_id) is None:
            raise invalid_reference("DepositToAccountRef", account_id, "Account")
        return fields

    def after_save(self, company: CompanyBackend, record: Record, previous: dict[str, Any] | None) -> None:
        touched = set(linked_invoice_ids(record.fields))
        if previous is not None:
            touched |= set(linked_invoice_ids(previous))
        for invoice_id in sorted(touched):
            company.refresh_invoice_balance(invoice_id)

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        fields = dict(record.fields)
        fields["Line"] = []
        fields["TotalAmt"] = ZERO
        fields["UnappliedAmt"] = ZERO
        fields["PrivateNote"] = "Voided"
        return fields
