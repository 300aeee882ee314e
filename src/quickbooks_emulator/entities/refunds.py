"""CreditMemo and RefundReceipt: the two ways QuickBooks gives money back.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/creditmemo
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/refundreceipt

A CreditMemo is an accounts-receivable credit: it lowers the customer's balance by its
RemainingCredit until a Payment applies it to an invoice (Line.LinkedTxn TxnType CreditMemo).
A RefundReceipt is money paid out of DepositToAccountRef for returned goods or services, the
mirror of a SalesReceipt: it never touches accounts receivable, so Customer.Balance stays put.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..exceptions import BusinessValidationError, RequiredParamMissingError
from .base import Record, invalid_reference, ref_value
from .transactions import PaidFormKind, SalesTransactionKind

if TYPE_CHECKING:
    from .company import CompanyBackend

ZERO = Decimal("0")
# "Refund From" accounts: money leaves a bank, a credit card or Undeposited Funds.
REFUND_ACCOUNT_TYPES = ("Bank", "Credit Card", "Other Current Asset")


class CreditMemoKind(PaidFormKind):
    name = "CreditMemo"
    computed = SalesTransactionKind.computed | {"RemainingCredit"}
    queryable = SalesTransactionKind.queryable | {"RemainingCredit"}

    def finish(
        self,
        company: CompanyBackend,
        fields: dict[str, Any],
        existing: Record | None,
        txn_date: date,
    ) -> None:
        used = company.credit_used(existing.id) if existing else ZERO
        if fields["TotalAmt"] < used:
            raise BusinessValidationError(
                f"Business Validation Error: The credit memo total ({fields['TotalAmt']}) can't be "
                f"less than the credit already applied ({used}).",
                element="Line",
            )
        fields["RemainingCredit"] = fields["TotalAmt"] - used
        fields["Balance"] = fields["RemainingCredit"]
        fields["HomeBalance"] = self.home_amount(fields, fields["Balance"])
        fields.pop("LinkedTxn", None)  # payments link themselves


class RefundReceiptKind(SalesTransactionKind):
    name = "RefundReceipt"
    voidable = True
    queryable = SalesTransactionKind.queryable | {"PaymentRefNum", "DepositToAccountRef"}

    def finish(
        self,
        company: CompanyBackend,
        fields: dict[str, Any],
        existing: Record | None,
        txn_date: date,
    ) -> None:
        account_id = ref_value(fields, "DepositToAccountRef")
        if account_id is None:
            raise RequiredParamMissingError(
                "Required parameter DepositToAccountRef is missing in the request: name the bank "
                "or credit card account the refund is paid from",
                element="DepositToAccountRef",
            )
        account = company.find("Account", account_id)
        if account is None:
            raise invalid_reference("DepositToAccountRef", account_id, "Account")
        if account.fields.get("AccountType") not in REFUND_ACCOUNT_TYPES:
            raise BusinessValidationError(
                f"Business Validation Error: A refund is paid from a bank, credit card or "
                f"Undeposited Funds account; {account.fields['Name']} is "
                f"{account.fields.get('AccountType')}.",
                element="DepositToAccountRef",
            )
        fields["DepositToAccountRef"] = {"value": account.id, "name": account.fields["Name"]}
        method_id = ref_value(fields, "PaymentMethodRef")
        if method_id is not None:
            fields["PaymentMethodRef"] = {"value": method_id}
        # Paid out in full when it is saved, like a SalesReceipt.
        fields["Balance"] = ZERO
        fields["HomeBalance"] = ZERO
        fields.pop("LinkedTxn", None)

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        return self.zeroed(record)
