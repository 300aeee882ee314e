"""Void and delete with payments applied, and estimate <-> invoice links (strict where Intuit's
docs are silent; see the README)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment, PaymentLine


def ref(value: str) -> Ref:
    reference = Ref()
    reference.value = value
    return reference


def tent_line(qty: int = 1) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = str(Decimal("289.00") * qty)
    detail = SalesItemLineDetail()
    detail.ItemRef = ref("1")  # TENT-2P
    detail.Qty = qty
    detail.UnitPrice = "289.00"
    detail.TaxCodeRef = ref("NON")
    line.SalesItemLineDetail = detail
    return line


def customer(qb: Any, name: str) -> str:
    record = Customer()
    record.DisplayName = name
    return str(record.save(qb=qb).Id)


def invoice(qb: Any, customer_id: str, estimate: Estimate | None = None) -> Invoice:
    record = Invoice()
    record.CustomerRef = ref(customer_id)
    record.Line = [tent_line()]
    if estimate is not None:
        record.LinkedTxn = [estimate.to_linked_txn()]
    return record.save(qb=qb)


def estimate(qb: Any, customer_id: str) -> Estimate:
    record = Estimate()
    record.CustomerRef = ref(customer_id)
    record.Line = [tent_line()]
    return record.save(qb=qb)


def pay(qb: Any, customer_id: str, target: Invoice, amount: int) -> Payment:
    payment = Payment()
    payment.CustomerRef = ref(customer_id)
    payment.TotalAmt = amount
    line = PaymentLine()
    line.Amount = amount
    line.LinkedTxn = [target.to_linked_txn()]
    payment.Line = [line]
    return payment.save(qb=qb)


def test_paid_invoice_cant_be_voided_or_deleted_until_payments_go(qb: Any) -> None:
    owner = customer(qb, "Paid Up")
    paid = invoice(qb, owner)
    payment = pay(qb, owner, paid, 100)
    for action in (lambda: Invoice.get(paid.Id, qb=qb).void(qb=qb), lambda: Invoice.get(paid.Id, qb=qb).delete(qb=qb)):
        with pytest.raises(QuickbooksException) as refused:
            action()
        assert refused.value.error_code == 6000
        assert f"Payment {payment.Id}" in str(refused.value.detail)
    Payment.get(payment.Id, qb=qb).void(qb=qb)  # a voided payment applies nothing any more
    assert Customer.get(owner, qb=qb).Balance == 289
    Invoice.get(paid.Id, qb=qb).void(qb=qb)
    voided = Invoice.get(paid.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.Balance == 0 and voided.PrivateNote == "Voided"
    assert Customer.get(owner, qb=qb).Balance == 0
    with pytest.raises(QuickbooksException):
        voided.save(qb=qb)  # a voided invoice can't be edited
    with pytest.raises(QuickbooksException):
        pay(qb, owner, voided, 1)  # nor paid


def test_invoicing_an_estimate_links_both_ways_and_deleting_reopens(qb: Any) -> None:
    owner = customer(qb, "Quoted Co")
    quote = estimate(qb, owner)
    billed = invoice(qb, owner, quote)
    closed = Estimate.get(quote.Id, qb=qb)
    assert closed.TxnStatus == "Closed"
    assert [(t.TxnId, t.TxnType) for t in closed.LinkedTxn] == [(billed.Id, "Invoice")]
    with pytest.raises(QuickbooksException) as twice:
        invoice(qb, owner, closed)
    assert "can't be invoiced again" in str(twice.value.detail)
    closed.TxnStatus = "Pending"
    with pytest.raises(QuickbooksException):
        closed.save(qb=qb)  # stays Closed while invoiced
    with pytest.raises(QuickbooksException):
        Estimate.get(quote.Id, qb=qb).delete(qb=qb)  # linked: delete the invoice first
    Invoice.get(billed.Id, qb=qb).delete(qb=qb)
    reopened = Estimate.get(quote.Id, qb=qb)
    assert reopened.TxnStatus == "Pending" and not reopened.LinkedTxn
    reopened.delete(qb=qb)


def test_voiding_the_invoice_reopens_its_estimate_and_other_customers_cant_use_it(qb: Any) -> None:
    owner, stranger = customer(qb, "Estimate Owner"), customer(qb, "Stranger")
    quote = estimate(qb, owner)
    with pytest.raises(QuickbooksException) as foreign:
        invoice(qb, stranger, quote)
    assert "another customer" in str(foreign.value.detail)
    billed = invoice(qb, owner, quote)
    Invoice.get(billed.Id, qb=qb).void(qb=qb)
    assert Estimate.get(quote.Id, qb=qb).TxnStatus == "Pending"


def test_rejected_estimate_cant_be_invoiced(qb: Any) -> None:
    owner = customer(qb, "Said No")
    quote = estimate(qb, owner)
    quote.TxnStatus = "Rejected"
    rejected = quote.save(qb=qb)
    with pytest.raises(QuickbooksException):
        invoice(qb, owner, rejected)
