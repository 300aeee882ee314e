"""Payment: applied to invoices through Line[].LinkedTxn, optionally using credit memos.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment
A line links one Invoice (money in) or one CreditMemo (credit used); TotalAmt plus the credit
used pays the invoices, and what is left is UnappliedAmt (a credit on the customer's account).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import today
from ..exceptions import BusinessValidationError, RequiredParamMissingError
from ..money import cents
from .base import EntityKind, Record, decimal_field, invalid_reference, ref_value
from .currency import transaction_currency
from .transactions import parse_date

if TYPE_CHECKING:
    from .company import CompanyBackend

ZERO = Decimal("0")
LINKABLE = ("Invoice", "CreditMemo")


def linked_amounts(fields: dict[str, Any], txn_type: str) -> dict[str, Decimal]:
    """Transaction id -> amount this payment applies to (Invoice) or takes from (CreditMemo) it."""
    applied: dict[str, Decimal] = {}
    for line in fields.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == txn_type:
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
        currency = transaction_currency(company, fields, customer)
        total = decimal_field(fields, "TotalAmt")
        if total is None:
            raise RequiredParamMissingError(
                "Required parameter TotalAmt is missing in the request", element="TotalAmt"
            )
        if total < 0:
            raise BusinessValidationError("TotalAmt can't be negative", element="TotalAmt")
        fields["TotalAmt"] = cents(total)
        lines = []
        if not isinstance(fields.get("Line") or [], list):
            raise BusinessValidationError("Line must be a list", element="Line")
        to_invoices = ZERO
        from_credits = ZERO
        for raw in fields.get("Line") or []:
            if not isinstance(raw, dict) or not isinstance(raw.get("LinkedTxn") or [], list):
                raise BusinessValidationError(
                    "Each payment line is an object {Amount, LinkedTxn: [...]}", element="Line"
                )
            amount = cents(decimal_field(raw, "Amount") or ZERO)
            if amount < 0:
                raise BusinessValidationError(
                    "A payment line's Amount can't be negative.", element="Line.Amount"
                )
            links = []
            for link in raw.get("LinkedTxn") or []:
                if not isinstance(link, dict):
                    raise BusinessValidationError(
                        "LinkedTxn entries are objects {TxnId, TxnType}", element="Line.LinkedTxn"
                    )
                txn_type = str(link.get("TxnType"))
                if txn_type not in LINKABLE:
                    raise BusinessValidationError(
                        f"The emulator applies payments to invoices and credit memos only (got {txn_type})",
                        element="Line.LinkedTxn.TxnType",
                    )
                target = self._linked(company, txn_type, str(link.get("TxnId")), customer, currency)
                open_amount = self._open_amount(company, target, existing)
                if amount > open_amount:
                    what = "open balance" if txn_type == "Invoice" else "remaining credit"
                    raise BusinessValidationError(
                        f"The payment amount applied to {txn_type} {target.id} ({amount}) is more "
                        f"than its {what} ({open_amount}).",
                        element="Line.Amount",
                    )
                links.append({"TxnId": target.id, "TxnType": txn_type})
            if links and links[0]["TxnType"] == "CreditMemo":
                from_credits += amount
            else:
                to_invoices += amount
            lines.append({"Amount": amount, "LinkedTxn": links})
        if to_invoices > fields["TotalAmt"] + from_credits:
            raise BusinessValidationError(
                "The amounts applied to invoices are more than the payment's TotalAmt plus the "
                "credits it uses.",
                element="TotalAmt",
            )
        fields["Line"] = lines
        fields["UnappliedAmt"] = fields["TotalAmt"] + from_credits - to_invoices
        txn_date = parse_date(fields, "TxnDate") or today()
        fields["TxnDate"] = txn_date.isoformat()
        account_id = ref_value(fields, "DepositToAccountRef")
        if account_id is not None and company.find("Account", account_id) is None:
            raise invalid_reference("DepositToAccountRef", account_id, "Account")
        return fields

    @staticmethod
    def _linked(
        company: CompanyBackend, txn_type: str, txn_id: str, customer: Record, currency: str
    ) -> Record:
        target = company.find(txn_type, txn_id)
        if target is None or target.voided:
            raise invalid_reference("LinkedTxn", txn_id, txn_type)
        if target.fields["CustomerRef"]["value"] != customer.id:
            raise BusinessValidationError(
                f"{txn_type} {txn_id} belongs to another customer.", element="Line.LinkedTxn"
            )
        if target.fields["CurrencyRef"]["value"] != currency:
            raise BusinessValidationError(
                f"{txn_type} {txn_id} is in {target.fields['CurrencyRef']['value']}, the payment in {currency}.",
                element="Line.LinkedTxn",
            )
        return target

    @staticmethod
    def _open_amount(company: CompanyBackend, target: Record, existing: Record | None) -> Decimal:
        excluding = existing.id if existing else None
        if target.entity == "Invoice":
            return Decimal(target.fields["TotalAmt"]) - company.applied_to_invoice(target.id, excluding)
        return Decimal(target.fields["TotalAmt"]) - company.credit_used(target.id, excluding)

    def after_save(self, company: CompanyBackend, record: Record, previous: dict[str, Any] | None) -> None:
        for txn_type in LINKABLE:
            touched = set(linked_amounts(record.fields, txn_type))
            if previous is not None:
                touched |= set(linked_amounts(previous, txn_type))
            for txn_id in sorted(touched):
                company.refresh_open_amount(txn_type, txn_id)

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        fields = dict(record.fields)
        fields["Line"] = []
        fields["TotalAmt"] = ZERO
        fields["UnappliedAmt"] = ZERO
        fields["PrivateNote"] = "Voided"
        return fields
