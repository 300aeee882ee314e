"""Accounting API through python-quickbooks, unchanged apart from `api_url_v3`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException, ValidationException
from quickbooks.objects.base import Ref
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.tax import TxnTaxDetail
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.taxrate import TaxRate

from .conftest import MAIN_REALM, Emulator


def ref(value: str) -> Ref:
    reference = Ref()
    reference.value = value
    return reference


def sales_line(item_id: str, qty: int, price: str, tax_code: str = "TAX") -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = str(Decimal(price) * qty)
    detail = SalesItemLineDetail()
    detail.ItemRef = ref(item_id)
    detail.Qty = qty
    detail.UnitPrice = price
    detail.TaxCodeRef = ref(tax_code)
    line.SalesItemLineDetail = detail
    return line


def new_invoice(qb: Any, customer_id: str, lines: list[SalesItemLine], total_tax: str | None = None) -> Invoice:
    """An invoice in the automated-sales-tax company; `total_tax` overrides the engine."""
    invoice = Invoice()
    invoice.CustomerRef = ref(customer_id)
    invoice.Line = lines
    if total_tax is not None:
        invoice.TxnTaxDetail = TxnTaxDetail()
        invoice.TxnTaxDetail.TotalTax = total_tax
    return invoice.save(qb=qb)


def customer_id(qb: Any, display_name: str) -> str:
    return str(Customer.where(f"DisplayName = '{display_name}'", qb=qb)[0].Id)


def item_by_sku(qb: Any, sku: str) -> Item:
    return Item.filter(Sku=sku, qb=qb)[0]


def test_company_info_and_preferences(qb: Any) -> None:
    info = CompanyInfo.get(MAIN_REALM, qb=qb)
    assert info.CompanyName == "Northwind Outfitters LLC"
    assert info.Country == "US"
    prefs = Preferences.get(qb=qb)
    assert prefs.TaxPrefs.UsingSalesTax is True
    assert prefs.TaxPrefs.PartnerTaxEnabled is True  # automated sales tax
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"
    assert prefs.CurrencyPrefs.MultiCurrencyEnabled is False


def test_tax_codes_have_pseudo_codes_and_the_hubspot_rate_names(qb: Any) -> None:
    codes = {code.Id: code.Name for code in TaxCode.all(qb=qb)}
    assert codes["TAX"] == "TAX" and codes["NON"] == "NON"
    # Each Northwind HubSpot tax rate's obvious QuickBooks code exists under that name.
    assert {"California", "New York City", "Exempt"} <= set(codes.values())
    rates = {rate.Name: rate.RateValue for rate in TaxRate.all(qb=qb)}
    assert rates["California"] == 7.25 and rates["New York City"] == 8.875 and rates["Exempt"] == 0


def test_customer_create_update_and_duplicate_name(qb: Any) -> None:
    customer = Customer()
    customer.DisplayName = "Trail Co-op"
    customer.GivenName = "Tara"
    saved = customer.save(qb=qb)
    assert saved.Id and saved.SyncToken == "0"
    assert saved.FullyQualifiedName == "Trail Co-op"
    saved.CompanyName = "Trail Co-op LLC"
    updated = saved.save(qb=qb)
    assert updated.SyncToken == "1"
    assert Customer.get(saved.Id, qb=qb).CompanyName == "Trail Co-op LLC"
    clash = Customer()
    clash.DisplayName = "trail co-op"
    with pytest.raises(QuickbooksException) as caught:
        clash.save(qb=qb)
    assert caught.value.error_code == 6240


def test_emails_are_not_unique_and_match_case_insensitively(qb: Any) -> None:
    shared = Customer.filter(PrimaryEmailAddr="sofia.rossi@harborlight.example", qb=qb)
    assert sorted(c.DisplayName for c in shared) == ["Harborlight Cafe (Sofia Rossi)", "Sofia Rossi"]
    noah = Customer.where("DisplayName = 'Noah Kim'", qb=qb)[0]
    assert noah.PrimaryEmailAddr.Address == " Noah.Kim@PineCrest.example "


def test_inactive_customers_only_when_asked(qb: Any) -> None:
    ruby = Customer.where("DisplayName = 'Ruby Schultz'", qb=qb)[0]
    ruby.Active = False
    ruby.save(qb=qb)
    names = {c.DisplayName for c in Customer.all(max_results=1000, qb=qb)}
    assert "Ruby Schultz" not in names and "Maya Chen" in names
    inactive = Customer.where("Active = false", qb=qb)
    assert [c.DisplayName for c in inactive] == ["Ruby Schultz"]
    assert Customer.count(qb=qb) == len(names)


def test_demo_items_match_most_hubspot_skus(qb: Any) -> None:
    skus = {item.Sku for item in Item.all(max_results=1000, qb=qb) if item.Sku}
    assert {"TENT-2P", "STOVE-CANISTER", "SVC-GUIDE-DAY", "FUEL-230"} <= skus
    assert "PACK-65L" not in skus
    assert "BOTTLE-1L" not in skus and "bottle-1l" in skus


def test_item_create_requires_income_account_and_unique_name(qb: Any) -> None:
    item = Item()
    item.Name = "Trail Map"
    item.Type = "NonInventory"
    item.Sku = "MAP-01"
    item.UnitPrice = 12.5
    with pytest.raises(QuickbooksException):
        item.save(qb=qb)
    item.IncomeAccountRef = ref("1")
    saved = item.save(qb=qb)
    assert saved.IncomeAccountRef.name == "Sales of Product Income"
    assert item_by_sku(qb, "MAP-01").UnitPrice == 12.5
    again = Item()
    again.Name = "TRAIL MAP"
    again.Type = "Service"
    again.IncomeAccountRef = ref("2")
    with pytest.raises(QuickbooksException) as caught:
        again.save(qb=qb)
    assert caught.value.error_code == 6240


def test_invoice_totals_tax_and_doc_number(qb: Any) -> None:
    maya = Customer.where("DisplayName = 'Maya Chen'", qb=qb)[0]
    tent = item_by_sku(qb, "TENT-2P")
    repair = item_by_sku(qb, "SVC-REPAIR")
    invoice = new_invoice(
        qb, maya.Id, [sales_line(tent.Id, 2, "289.00"), sales_line(repair.Id, 1, "45.00", "NON")]
    )
    # No address on Maya: AST taxes at the company's own state, CA 7.25 %: 578 -> 41.905 -> 41.91
    assert invoice.TxnTaxDetail.TotalTax == 41.91
    assert invoice.TotalAmt == 664.91
    assert invoice.Balance == 664.91
    assert invoice.DocNumber == "1001"  # the seeded QB-0001 is not a number
    assert invoice.Line[-1].DetailType == "SubTotalLineDetail" and invoice.Line[-1].Amount == 623
    duplicate = Invoice()
    duplicate.CustomerRef = ref(maya.Id)
    duplicate.DocNumber = "1001"
    duplicate.Line = [sales_line(tent.Id, 1, "289.00")]
    with pytest.raises(QuickbooksException) as caught:
        duplicate.save(qb=qb)
    assert caught.value.error_code == 6210


def test_line_amount_must_match_qty_times_price(qb: Any) -> None:
    tent = item_by_sku(qb, "TENT-2P")
    line = sales_line(tent.Id, 2, "289.00")
    line.Amount = 400
    invoice = Invoice()
    invoice.CustomerRef = ref("1")
    invoice.Line = [line]
    with pytest.raises(QuickbooksException) as caught:
        invoice.save(qb=qb)
    assert caught.value.error_code == 6070


def test_required_fields_and_references(qb: Any) -> None:
    invoice = Invoice()
    invoice.Line = [sales_line("1", 1, "249.00")]
    with pytest.raises(ValidationException) as missing:
        invoice.save(qb=qb)
    assert missing.value.error_code == 2020
    invoice.CustomerRef = ref("999")
    with pytest.raises(ValidationException) as bad_ref:
        invoice.save(qb=qb)
    assert bad_ref.value.error_code == 2500
    with pytest.raises(ObjectNotFoundException):
        Invoice.get("424242", qb=qb)


def test_stale_sync_token_and_sparse_update(qb: Any) -> None:
    invoice = new_invoice(qb, "1", [sales_line("1", 1, "249.00")])
    first = Invoice.get(invoice.Id, qb=qb)
    second = Invoice.get(invoice.Id, qb=qb)
    first.PrivateNote = "first writer"
    first.save(qb=qb)
    second.PrivateNote = "second writer"
    with pytest.raises(QuickbooksException) as caught:
        second.save(qb=qb)
    assert caught.value.error_code == 5010
    sparse = {"Id": invoice.Id, "SyncToken": "1", "sparse": True, "CustomerMemo": {"value": "Thanks!"}}
    result = qb.update_object("Invoice", __import__("json").dumps(sparse))
    assert result["Invoice"]["CustomerMemo"] == {"value": "Thanks!"}
    assert result["Invoice"]["PrivateNote"] == "first writer"
    assert result["Invoice"]["TotalAmt"] == invoice.TotalAmt


def test_payments_move_invoice_balance(qb: Any) -> None:
    invoice = new_invoice(qb, "1", [sales_line("1", 1, "249.00")])
    assert invoice.TotalAmt == 267.05  # 249 + CA 7.25 %
    payment = Payment()
    payment.CustomerRef = ref("1")
    payment.TotalAmt = 100
    line = PaymentLine()
    line.Amount = 100
    line.LinkedTxn = [invoice.to_linked_txn()]
    payment.Line = [line]
    saved = payment.save(qb=qb)
    assert saved.UnappliedAmt == 0
    after = Invoice.get(invoice.Id, qb=qb)
    assert after.Balance == 167.05
    assert {"TxnId": saved.Id, "TxnType": "Payment"} in [
        {"TxnId": link.TxnId, "TxnType": link.TxnType} for link in after.LinkedTxn
    ]
    too_much = Payment()
    too_much.CustomerRef = ref("1")
    too_much.TotalAmt = 500
    over = PaymentLine()
    over.Amount = 500
    over.LinkedTxn = [invoice.to_linked_txn()]
    too_much.Line = [over]
    with pytest.raises(QuickbooksException):
        too_much.save(qb=qb)
    Payment.get(saved.Id, qb=qb).delete(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 267.05


def test_void_payment_then_invoice(qb: Any) -> None:
    invoice = new_invoice(qb, "1", [sales_line("1", 1, "249.00")], total_tax="0")
    payment = Payment()
    payment.CustomerRef = ref("1")
    payment.TotalAmt = 249
    line = PaymentLine()
    line.Amount = 249
    line.LinkedTxn = [invoice.to_linked_txn()]
    payment.Line = [line]
    saved = payment.save(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0
    voided = Payment.get(saved.Id, qb=qb)
    voided.void(qb=qb)
    assert Payment.get(saved.Id, qb=qb).TotalAmt == 0
    fresh = Invoice.get(invoice.Id, qb=qb)
    assert fresh.Balance == 249
    fresh.void(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).TotalAmt == 0


def test_estimate_status_and_delete(qb: Any) -> None:
    estimate = Estimate()
    estimate.CustomerRef = ref("1")
    estimate.Line = [sales_line("2", 1, "429.00")]
    saved = estimate.save(qb=qb)
    assert saved.TxnStatus == "Pending"
    saved.TxnStatus = "Accepted"
    accepted = saved.save(qb=qb)
    assert accepted.TxnStatus == "Accepted"
    accepted.TxnStatus = "Maybe"
    with pytest.raises(QuickbooksException):
        accepted.save(qb=qb)
    Estimate.get(saved.Id, qb=qb).delete(qb=qb)
    with pytest.raises(ObjectNotFoundException):
        Estimate.get(saved.Id, qb=qb)


def test_batch_create_reports_per_item_faults(qb: Any) -> None:
    good = Customer()
    good.DisplayName = "Batch One"
    clash = Customer()
    clash.DisplayName = "Maya Chen"
    result = batch_create([good, clash], qb=qb)
    assert [c.DisplayName for c in result.successes] == ["Batch One"]
    assert result.faults[0].Error[0].code == "6240"


def test_cdc_returns_changes_since(qb: Any) -> None:
    # A naive time would be read in the company's time zone, like QuickBooks does: send an offset.
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    customer = Customer()
    customer.DisplayName = "Changed Recently"
    customer.save(qb=qb)
    response = change_data_capture([Customer, Invoice], since, qb=qb)
    assert [c.DisplayName for c in response.Customer] == ["Changed Recently"]
    assert not hasattr(response, "Invoice")


def test_requestid_returns_the_first_response(qb: Any) -> None:
    customer = Customer()
    customer.DisplayName = "Idempotent Ida"
    first = customer.save(qb=qb, request_id="req-1")
    retry = Customer()
    retry.DisplayName = "Idempotent Ida"
    second = retry.save(qb=qb, request_id="req-1")
    assert second.Id == first.Id
    assert len(Customer.filter(DisplayName="Idempotent Ida", qb=qb)) == 1


def test_customer_delete_is_refused(qb: Any, emulator: Emulator) -> None:
    token = qb.session.access_token
    response = emulator.api(
        "POST", "customer", token, params={"operation": "delete"}, json={"Id": "1", "SyncToken": "0"}
    )
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "500"


def test_invoicing_an_estimate_closes_it(qb: Any) -> None:
    estimate = Estimate()
    estimate.CustomerRef = ref("1")
    estimate.Line = [sales_line("4", 2, "129.00")]
    saved = estimate.save(qb=qb)
    invoice = Invoice()
    invoice.CustomerRef = ref("1")
    invoice.Line = [sales_line("4", 2, "129.00")]
    invoice.LinkedTxn = [saved.to_linked_txn()]
    created = invoice.save(qb=qb)
    assert [(link.TxnId, link.TxnType) for link in created.LinkedTxn] == [(saved.Id, "Estimate")]
    closed = Estimate.get(saved.Id, qb=qb)
    assert closed.TxnStatus == "Closed"
    assert [(link.TxnId, link.TxnType) for link in closed.LinkedTxn] == [(created.Id, "Invoice")]
