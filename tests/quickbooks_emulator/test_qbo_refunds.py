"""CreditMemo and RefundReceipt through python-quickbooks: create, read, query, apply, void,
delete, CDC, and what each does to the customer's balance."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.refundreceipt import RefundReceipt


def ref(value: str) -> Ref:
    reference = Ref()
    reference.value = value
    return reference


def lines(qb: Any, sku: str, qty: int) -> list[SalesItemLine]:
    item = Item.filter(Sku=sku, qb=qb)[0]
    line = SalesItemLine()
    line.Amount = str(Decimal(str(item.UnitPrice)) * qty)
    detail = SalesItemLineDetail()
    detail.ItemRef = ref(item.Id)
    detail.Qty = qty
    detail.UnitPrice = str(item.UnitPrice)
    detail.TaxCodeRef = ref("TAX")
    line.SalesItemLineDetail = detail
    return [line]


def new_customer(qb: Any, name: str) -> str:
    customer = Customer()
    customer.DisplayName = name
    return str(customer.save(qb=qb).Id)


def balance(qb: Any, customer_id: str) -> float:
    return float(Customer.get(customer_id, qb=qb).Balance)


def credit_memo(qb: Any, customer_id: str, sku: str = "LAMP-400", qty: int = 1) -> CreditMemo:
    memo = CreditMemo()
    memo.CustomerRef = ref(customer_id)
    memo.Line = lines(qb, sku, qty)
    return memo.save(qb=qb)


def refund_receipt(qb: Any, customer_id: str, account: str | None = "8") -> RefundReceipt:
    refund = RefundReceipt()
    refund.CustomerRef = ref(customer_id)
    refund.Line = lines(qb, "FUEL-230", 2)
    if account:
        refund.DepositToAccountRef = ref(account)
    return refund.save(qb=qb)


def void(qb: Any, entity: str, record: Any) -> dict[str, Any]:
    """python-quickbooks has no void() for these two; its client posts like VoidMixin does."""
    url = f"{qb.api_url}/company/{qb.company_id}/{entity.lower()}"
    body = json.dumps({"Id": record.Id, "SyncToken": record.SyncToken})
    result: dict[str, Any] = qb.post(url, body, params={"operation": "void"})
    return result


def link(txn: Any, txn_type: str) -> LinkedTxn:
    linked = LinkedTxn()
    linked.TxnId = txn.Id
    linked.TxnType = txn_type
    return linked


def apply_credit(qb: Any, customer_id: str, invoice: Invoice, memo: CreditMemo, amount: str) -> Payment:
    """Intuit's way to use a credit memo: a zero payment linking the invoice and the credit."""
    payment = Payment()
    payment.CustomerRef = ref(customer_id)
    payment.TotalAmt = 0
    to_invoice, from_credit = PaymentLine(), PaymentLine()
    to_invoice.Amount, from_credit.Amount = amount, amount
    to_invoice.LinkedTxn = [link(invoice, "Invoice")]
    from_credit.LinkedTxn = [link(memo, "CreditMemo")]
    payment.Line = [to_invoice, from_credit]
    return payment.save(qb=qb)


def test_credit_memo_lowers_the_customer_balance(qb: Any) -> None:
    customer = new_customer(qb, "Credit Customer")
    memo = credit_memo(qb, customer)
    assert memo.TotalAmt == 48.21  # 44.95 + CA 7.25 %
    assert memo.RemainingCredit == 48.21 and memo.Balance == 48.21
    assert balance(qb, customer) == -48.21
    found = CreditMemo.filter(CustomerRef=customer, qb=qb)
    assert [m.Id for m in found] == [memo.Id]
    assert CreditMemo.get(memo.Id, qb=qb).DocNumber == "1001"


def test_credit_applied_to_an_invoice_through_a_payment(qb: Any) -> None:
    customer = new_customer(qb, "Applied Credit Co")
    invoice = Invoice()
    invoice.CustomerRef = ref(customer)
    invoice.Line = lines(qb, "TENT-2P", 1)
    invoice = invoice.save(qb=qb)  # 289 + 20.95
    memo = credit_memo(qb, customer)
    assert balance(qb, customer) == 261.74  # 309.95 - 48.21
    payment = apply_credit(qb, customer, invoice, memo, "48.21")
    assert payment.UnappliedAmt == 0
    assert Invoice.get(invoice.Id, qb=qb).Balance == 261.74
    used = CreditMemo.get(memo.Id, qb=qb)
    assert used.RemainingCredit == 0
    # python-quickbooks keeps CreditMemo.LinkedTxn as plain dicts
    assert [(t["TxnId"], t["TxnType"]) for t in used.LinkedTxn] == [(payment.Id, "Payment")]
    assert balance(qb, customer) == 261.74  # moving credit onto the invoice changes no total
    with pytest.raises(QuickbooksException) as refused:
        used.delete(qb=qb)
    assert "payments applied" in str(refused.value.detail)
    with pytest.raises(QuickbooksException) as more:
        apply_credit(qb, customer, invoice, used, "1.00")
    assert "remaining credit" in str(more.value.detail)
    Payment.get(payment.Id, qb=qb).delete(qb=qb)
    assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == 48.21


def test_credit_memo_void_and_delete(qb: Any) -> None:
    customer = new_customer(qb, "Void Credit Co")
    memo = credit_memo(qb, customer)
    voided = void(qb, "CreditMemo", memo)["CreditMemo"]
    assert voided["TotalAmt"] == 0 and voided["RemainingCredit"] == 0 and voided["PrivateNote"] == "Voided"
    assert balance(qb, customer) == 0
    again = credit_memo(qb, customer)
    again.delete(qb=qb)
    with pytest.raises(ObjectNotFoundException):
        CreditMemo.get(again.Id, qb=qb)


def test_refund_receipt_is_cash_and_leaves_the_balance(qb: Any) -> None:
    customer = new_customer(qb, "Refunded Walk-in")
    with pytest.raises(QuickbooksException) as missing:
        refund_receipt(qb, customer, account=None)
    assert missing.value.error_code == 2020
    with pytest.raises(QuickbooksException) as income:
        refund_receipt(qb, customer, account="1")  # an income account can't pay out money
    assert "bank, credit card or Undeposited Funds" in str(income.value.detail)
    refund = refund_receipt(qb, customer)
    assert refund.TotalAmt == 13.92 and refund.Balance == 0  # 12.98 + 0.94 tax
    assert refund.DepositToAccountRef.name == "Checking"
    assert balance(qb, customer) == 0
    assert [r.Id for r in RefundReceipt.filter(CustomerRef=customer, qb=qb)] == [refund.Id]
    voided = void(qb, "RefundReceipt", refund)["RefundReceipt"]
    assert voided["TotalAmt"] == 0
    RefundReceipt.get(refund.Id, qb=qb).delete(qb=qb)
    with pytest.raises(ObjectNotFoundException):
        RefundReceipt.get(refund.Id, qb=qb)


def test_demo_walk_in_history_has_both_refunds(qb: Any) -> None:
    cash = Customer.where("DisplayName = 'Cash Sales'", qb=qb)[0]
    assert CreditMemo.filter(DocNumber="CM-0001", qb=qb)[0].CustomerRef.value == cash.Id
    assert RefundReceipt.filter(DocNumber="RR-0001", qb=qb)[0].CustomerRef.value == cash.Id
    # Invoice 138.18 - payment 50 - credit 48.21; the refund receipt doesn't count.
    assert cash.Balance == 39.97


def test_cdc_reports_refunds_including_deleted(qb: Any) -> None:
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    customer = new_customer(qb, "CDC Refunds")
    memo = credit_memo(qb, customer)
    refund = refund_receipt(qb, customer)
    refund.delete(qb=qb)
    response = change_data_capture([CreditMemo, RefundReceipt], since, qb=qb)
    assert [m.Id for m in response.CreditMemo] == [memo.Id]
    assert [r.Id for r in response.RefundReceipt] == [refund.Id]
    assert response.RefundReceipt[0].status == "Deleted"
