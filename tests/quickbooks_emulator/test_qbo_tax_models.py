"""Tax models of real companies, through python-quickbooks: US automated sales tax (realm ...001),
US manual sales tax (...002), French VAT with multicurrency (...003); currencies per Preferences."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Address, Ref
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.tax import TxnTaxDetail
from quickbooks.objects.taxcode import TaxCode

from .conftest import EU_REALM, TEST_REALM, Emulator

VAT_MISSING = "Business Validation Error: Make sure all your transactions have a VAT rate before you save."


def ref(value: str) -> Ref:
    reference = Ref()
    reference.value = value
    return reference


def line(item_id: str, qty: int, price: str, tax_code: str | None) -> SalesItemLine:
    sales_line = SalesItemLine()
    sales_line.Amount = str(Decimal(price) * qty)
    detail = SalesItemLineDetail()
    detail.ItemRef = ref(item_id)
    detail.Qty = qty
    detail.UnitPrice = price
    if tax_code is not None:
        detail.TaxCodeRef = ref(tax_code)
    sales_line.SalesItemLineDetail = detail
    return sales_line


def invoice_for(customer_id: str, lines: list[SalesItemLine], **fields: Any) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = ref(customer_id)
    invoice.Line = lines
    for key, value in fields.items():
        setattr(invoice, key, value)
    return invoice


def sku(qb: Any, value: str) -> str:
    return str(Item.filter(Sku=value, qb=qb)[0].Id)


def code_id(qb: Any, name: str) -> str:
    return str(TaxCode.filter(Name=name, qb=qb)[0].Id)


def customer_in(qb: Any, name: str, state: str | None = None, **fields: Any) -> str:
    customer = Customer()
    customer.DisplayName = name
    if state is not None:
        customer.ShipAddr = Address()
        customer.ShipAddr.CountrySubDivisionCode = state
    for key, value in fields.items():
        setattr(customer, key, value)
    return str(customer.save(qb=qb).Id)


def fault_of(caught: pytest.ExceptionInfo[QuickbooksException]) -> tuple[int, str]:
    return caught.value.error_code, str(caught.value.detail)


# -- US automated sales tax -------------------------------------------------------------------------
def test_ast_taxes_by_destination_state(qb: Any) -> None:
    tent = sku(qb, "TENT-2P")  # 289.00, taxable
    new_york = customer_in(qb, "Brooklyn Base Camp", "NY")
    oregon = customer_in(qb, "Portland Paddlers", "OR")
    ny = invoice_for(new_york, [line(tent, 2, "289.00", "TAX")]).save(qb=qb)
    assert ny.TxnTaxDetail.TotalTax == 51.30  # 578 x 8.875 % = 51.2975
    assert ny.TotalAmt == 629.30
    assert ny.TxnTaxDetail.TaxLine[0].TaxLineDetail.TaxPercent == 8.875
    assert invoice_for(oregon, [line(tent, 1, "289.00", "TAX")]).save(qb=qb).TxnTaxDetail.TotalTax == 0
    # The transaction's own ShipAddr wins over the customer's address.
    shipped = invoice_for(oregon, [line(tent, 1, "289.00", "TAX")])
    shipped.ShipAddr = Address()
    shipped.ShipAddr.CountrySubDivisionCode = "WA"
    assert shipped.save(qb=qb).TxnTaxDetail.TotalTax == 18.79  # 6.5 %


def test_ast_lines_non_untaxed_items_and_exempt_customers(qb: Any) -> None:
    tent, guide = sku(qb, "TENT-2P"), sku(qb, "SVC-GUIDE-DAY")
    maya = str(Customer.where("DisplayName = 'Maya Chen'", qb=qb)[0].Id)
    mixed = invoice_for(maya, [line(tent, 1, "289.00", "NON"), line(guide, 2, "75.00", None)]).save(qb=qb)
    assert mixed.TxnTaxDetail.TotalTax == 0
    # A line without TaxCodeRef is TAX when its item is taxable (Intuit's 2018 AST change).
    defaulted = invoice_for(maya, [line(tent, 1, "289.00", None)]).save(qb=qb)
    assert defaulted.Line[0].SalesItemLineDetail.TaxCodeRef.value == "TAX"
    assert defaulted.TxnTaxDetail.TotalTax == 20.95
    exempt = customer_in(qb, "Reseller Co", "CA", Taxable=False)
    assert invoice_for(exempt, [line(tent, 1, "289.00", "TAX")]).save(qb=qb).TxnTaxDetail.TotalTax == 0


def test_ast_total_tax_override_and_its_persistence(qb: Any, emulator: Emulator) -> None:
    tent = sku(qb, "TENT-2P")
    new_york = customer_in(qb, "Queens Climbing", "NY")
    invoice = invoice_for(new_york, [line(tent, 1, "289.00", "TAX")])
    invoice.TxnTaxDetail = TxnTaxDetail()
    invoice.TxnTaxDetail.TotalTax = "25.65"  # what HubSpot charged at NYC 8.875 %
    saved = invoice.save(qb=qb)
    assert saved.TxnTaxDetail.TotalTax == 25.65 and saved.TotalAmt == 314.65
    # A sparse update that sends no TotalTax keeps the override.
    token = emulator.token()["access_token"]
    sparse = {"Id": saved.Id, "SyncToken": saved.SyncToken, "sparse": True, "PrivateNote": "kept"}
    body = emulator.api("POST", "invoice", token, json=sparse).json()["Invoice"]
    assert body["TxnTaxDetail"]["TotalTax"] == 25.65 and body["PrivateNote"] == "kept"
    assert "_TaxOverride" not in body


def test_ast_refuses_real_tax_codes_on_lines(qb: Any) -> None:
    tent = sku(qb, "TENT-2P")
    with pytest.raises(QuickbooksException) as caught:
        invoice_for("1", [line(tent, 1, "289.00", code_id(qb, "California"))]).save(qb=qb)
    code, detail = fault_of(caught)
    assert code == 6000 and "TAX or NON" in detail


# -- US manual sales tax (the test company) -------------------------------------------------------
def test_manual_sales_tax_uses_the_transaction_tax_code(emulator: Emulator) -> None:
    qb = emulator.qb(TEST_REALM)
    assert Preferences.get(qb=qb).TaxPrefs.PartnerTaxEnabled is False
    item = str(Item.all(qb=qb)[0].Id)
    invoice = invoice_for("1", [line(item, 1, "289.00", "TAX")])
    invoice.TxnTaxDetail = TxnTaxDetail()
    invoice.TxnTaxDetail.TxnTaxCodeRef = ref("3")  # San Francisco County: 7.25 % + 1.375 %
    saved = invoice.save(qb=qb)
    assert saved.TxnTaxDetail.TotalTax == 24.92  # 20.9525 -> 20.95 and 3.97375 -> 3.97, per rate


# -- VAT (France, EUR) ----------------------------------------------------------------------------
@pytest.fixture
def eu(emulator: Emulator) -> Any:
    return emulator.qb(EU_REALM)


def test_eu_company_tells_its_model(eu: Any) -> None:
    info = CompanyInfo.get(EU_REALM, qb=eu)
    assert info.Country == "FR" and info.CompanyName == "Northwind Outfitters SARL"
    prefs = Preferences.get(qb=eu)
    assert prefs.TaxPrefs.PartnerTaxEnabled is False
    assert prefs.CurrencyPrefs.HomeCurrency.value == "EUR"
    assert prefs.CurrencyPrefs.MultiCurrencyEnabled is True
    names = {code.Name for code in TaxCode.all(qb=eu)}
    assert {"TVA 20%", "TVA 5,5%"} <= names and "TAX" not in names and "NON" not in names


def test_vat_tax_excluded_per_rate(eu: Any) -> None:
    camille = str(Customer.where("DisplayName = 'Camille Durand'", qb=eu)[0].Id)
    tent, map_ = sku(eu, "EU-TENT-2"), sku(eu, "EU-MAP")
    invoice = invoice_for(
        camille,
        [line(tent, 1, "329.00", code_id(eu, "TVA 20%")), line(map_, 2, "12.90", code_id(eu, "TVA 5,5%"))],
    ).save(qb=eu)
    assert invoice.GlobalTaxCalculation == "TaxExcluded"
    assert invoice.CurrencyRef.value == "EUR"
    # 329 x 20 % = 65.80; 25.80 x 5.5 % = 1.419 -> 1.42
    assert sorted(t.Amount for t in invoice.TxnTaxDetail.TaxLine) == [1.42, 65.8]
    assert invoice.TotalAmt == 422.02


def test_vat_tax_inclusive_backs_tax_out_of_gross(eu: Any) -> None:
    camille = str(Customer.where("DisplayName = 'Camille Durand'", qb=eu)[0].Id)
    poles = sku(eu, "EU-POLES")
    invoice = invoice_for(
        camille, [line(poles, 1, "120.00", code_id(eu, "TVA 20%"))], GlobalTaxCalculation="TaxInclusive"
    ).save(qb=eu)
    assert invoice.TotalAmt == 120 and invoice.TxnTaxDetail.TotalTax == 20
    assert invoice.Line[0].Amount == 100
    assert invoice.Line[0].SalesItemLineDetail.TaxInclusiveAmt == 120
    # Saving it back unchanged (Amount now net, TaxInclusiveAmt gross) keeps the totals.
    again = Invoice.get(invoice.Id, qb=eu).save(qb=eu)
    assert again.TotalAmt == 120 and again.Line[0].Amount == 100


def test_vat_not_applicable_charges_nothing(eu: Any) -> None:
    hugo = str(Customer.where("DisplayName = 'Hugo Lefèvre'", qb=eu)[0].Id)
    stove = sku(eu, "EU-STOVE")
    invoice = invoice_for(hugo, [line(stove, 2, "54.50", None)], GlobalTaxCalculation="NotApplicable").save(qb=eu)
    assert invoice.TotalAmt == 109 and invoice.TxnTaxDetail.TotalTax == 0


def test_vat_rejects_what_quickbooks_rejects(eu: Any) -> None:
    hugo = str(Customer.where("DisplayName = 'Hugo Lefèvre'", qb=eu)[0].Id)
    stove = sku(eu, "EU-STOVE")
    with pytest.raises(QuickbooksException) as missing:
        invoice_for(hugo, [line(stove, 1, "54.50", None)]).save(qb=eu)
    assert fault_of(missing) == (6000, VAT_MISSING)
    with pytest.raises(QuickbooksException) as us_code:
        invoice_for(hugo, [line(stove, 1, "54.50", "TAX")]).save(qb=eu)
    assert us_code.value.error_code == 2500
    with pytest.raises(QuickbooksException) as purchase_only:
        invoice_for(hugo, [line(stove, 1, "54.50", code_id(eu, "TVA déductible 20% (achats)"))]).save(qb=eu)
    assert purchase_only.value.error_code == 6000 and "can't be used on sales" in str(purchase_only.value.detail)
    with pytest.raises(QuickbooksException) as bad_mode:
        invoice_for(
            hugo, [line(stove, 1, "54.50", code_id(eu, "TVA 20%"))], GlobalTaxCalculation="TaxIncluded"
        ).save(qb=eu)
    assert bad_mode.value.error_code == 6000


# -- currencies -----------------------------------------------------------------------------------
def test_us_company_takes_only_dollars(qb: Any) -> None:
    invoice = invoice_for("1", [line(sku(qb, "TENT-2P"), 1, "289.00", "TAX")], CurrencyRef=ref("EUR"))
    with pytest.raises(QuickbooksException) as caught:
        invoice.save(qb=qb)
    code, detail = fault_of(caught)
    assert code == 6000 and "Multicurrency is off" in detail


def test_eu_multicurrency_follows_the_customer(eu: Any) -> None:
    stove, vat = sku(eu, "EU-STOVE"), code_id(eu, "TVA 20%")
    hugo = str(Customer.where("DisplayName = 'Hugo Lefèvre'", qb=eu)[0].Id)
    with pytest.raises(QuickbooksException) as mismatch:
        invoice_for(hugo, [line(stove, 1, "54.50", vat)], CurrencyRef=ref("GBP")).save(qb=eu)
    assert "customer's currency (EUR)" in str(mismatch.value.detail)
    with pytest.raises(QuickbooksException) as unknown:
        customer_in(eu, "Tokyo Trails", CurrencyRef=ref("JPY"))
    assert "currency list" in str(unknown.value.detail)
    london = customer_in(eu, "London Ramblers", CurrencyRef=ref("GBP"))
    invoice = invoice_for(london, [line(stove, 1, "50.00", vat)], ExchangeRate="1.15").save(qb=eu)
    assert invoice.CurrencyRef.value == "GBP" and invoice.ExchangeRate == 1.15
    assert invoice.TotalAmt == 60 and invoice.HomeTotalAmt == 69
