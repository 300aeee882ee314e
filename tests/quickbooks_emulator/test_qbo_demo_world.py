"""The demo companies are Northwind Outfitters from emulator_core.northwind (the description the
HubSpot emulator seeds from), and `generate` builds the same generated world as HubSpot's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from intuitlib.enums import Scopes
from quickbooks.objects.base import Address
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.preferences import Preferences

from emulator_core.generated_world import generated_contacts, generated_invoices, generated_products
from emulator_core.northwind import NORTHWIND_EU, NORTHWIND_US, Business, Contact

from .conftest import EU_REALM, MAIN_REALM, TEST_REALM, Emulator
from .test_qbo_tax_models import invoice_for, line, sku


def skus_and_emails(qb: Any) -> tuple[set[str], list[str]]:
    skus = {item.Sku for item in Item.all(max_results=1000, qb=qb) if item.Sku}
    emails = [c.PrimaryEmailAddr.Address for c in Customer.all(max_results=1000, qb=qb) if c.PrimaryEmailAddr]
    return skus, emails


def assert_matches(qb: Any, business: Business) -> None:
    skus, emails = skus_and_emails(qb)
    for product in business.products:
        if product.sku_in_quickbooks is None:
            assert product.sku not in {s.upper() for s in skus}
        else:
            assert product.sku_in_quickbooks in skus
    for contact in business.contacts:
        if contact.quickbooks_email is None:
            assert contact.email is None or contact.email.strip().lower() not in {
                e.strip().lower() for e in emails
            }
        elif contact.email_in_quickbooks is not None:
            assert contact.email_in_quickbooks in emails
    names = {c.DisplayName for c in Customer.all(max_results=1000, qb=qb)}
    assert {c.display_name for c in business.quickbooks_only_customers} <= names


def test_us_company_is_northwind_us(qb: Any) -> None:
    assert_matches(qb, NORTHWIND_US)
    skus, emails = skus_and_emails(qb)
    # The deliberate differences the demo shows and fixes.
    assert "BOTTLE-1L" not in skus and "bottle-1l" in skus and "PACK-65L" not in skus
    assert " Noah.Kim@PineCrest.example " in emails
    assert emails.count("sofia.rossi@harborlight.example") == 2
    assert Customer.where("DisplayName = 'Clara Moreau'", qb=qb)[0].PrimaryEmailAddr.Address == (
        "clara@moreau-design.example"
    )
    # HubSpot's invoices are not seeded: the product's sync writes them.
    assert [i.DocNumber for i in Invoice.all(qb=qb)] == ["QB-0001"]


def hubspot_rate(business: Business, contact: Contact) -> Decimal:
    """The one tax rate the contact's HubSpot invoices use (0 when they carry none)."""
    percent = {rate.key: rate.percentage for rate in business.tax_rates}
    used = {percent[ln.tax_rate] for i in business.invoices if i.contact == contact.key
            for ln in i.lines if ln.tax_rate is not None}
    assert len(used) <= 1, f"{contact.key}'s invoices use more than one rate: {used}"
    return used.pop() if used else Decimal("0")


def test_customers_carry_the_contacts_addresses(qb: Any) -> None:
    customers = {c.DisplayName: c for c in Customer.all(max_results=1000, qb=qb)}
    seeded = [c for c in NORTHWIND_US.contacts if c.quickbooks_email is not None]
    assert len(seeded) == 9
    for contact in seeded:
        address = contact.address
        assert address is not None
        customer = customers[contact.display_name]
        for physical in (customer.BillAddr, customer.ShipAddr):
            assert (physical.Line1, physical.City, physical.CountrySubDivisionCode,
                    physical.PostalCode, physical.Country) == (
                address.street, address.city, address.state, address.zip, "US")
    # Sofia's second customer record is the same cafe, at the same address.
    assert customers["Harborlight Cafe (Sofia Rossi)"].ShipAddr.CountrySubDivisionCode == "OR"


def test_automated_sales_tax_charges_what_hubspot_charged(qb: Any) -> None:
    """Every contact's state is the one whose rate its HubSpot invoices use, so QuickBooks'
    automated sales tax (which follows the customer's address) comes to the same rate."""
    tent = sku(qb, "TENT-2P")  # taxable, 289.00
    customers = {c.DisplayName: str(c.Id) for c in Customer.all(max_results=1000, qb=qb)}
    seen: dict[str, Decimal] = {}
    for contact in NORTHWIND_US.contacts:
        address = contact.address
        assert address is not None
        if contact.quickbooks_email is None:
            # The sync creates these; sent with the contact's address they are taxed the same way.
            created = Customer()
            created.DisplayName = f"{contact.display_name} ({contact.company})"
            created.ShipAddr = Address()
            created.ShipAddr.CountrySubDivisionCode = address.state
            customer_id = str(created.save(qb=qb).Id)
        else:
            customer_id = customers[contact.display_name]
        invoice = invoice_for(customer_id, [line(tent, 1, "289.00", "TAX")]).save(qb=qb)
        taxed = invoice.TxnTaxDetail
        percent = Decimal(str(taxed.TaxLine[0].TaxLineDetail.TaxPercent)) if taxed.TaxLine else Decimal(0)
        assert percent == hubspot_rate(NORTHWIND_US, contact), contact.key
        assert Decimal(str(taxed.TotalTax)) == (Decimal("289.00") * percent / 100).quantize(Decimal("0.01"))
        seen[address.state] = percent
    assert seen == {"CA": Decimal("7.25"), "NY": Decimal("8.875"), "OR": Decimal("0")}


def test_eu_company_is_northwind_eu(emulator: Emulator) -> None:
    qb = emulator.qb(EU_REALM)
    assert_matches(qb, NORTHWIND_EU)
    assert Customer.count(qb=qb) == 2  # Inès has no QuickBooks customer yet
    camille = Customer.where("DisplayName = 'Camille Durand'", qb=qb)[0]
    assert (camille.BillAddr.City, camille.BillAddr.PostalCode, camille.BillAddr.Country) == (
        "Chamonix-Mont-Blanc", "74400", "FR")


def test_owner_can_choose_the_eu_company(emulator: Emulator) -> None:
    state = emulator.control("GET", "/state")
    owner = next(u for u in state["users"] if u["email"] == "owner@northwind.example")
    assert owner["companies"] == [MAIN_REALM, TEST_REALM, EU_REALM]
    eu = next(c for c in state["companies"] if c["realm_id"] == EU_REALM)
    assert (eu["country"], eu["home_currency"], eu["tax_model"]) == ("FR", "EUR", "vat")
    auth = emulator.auth_client()
    params = emulator.consent_code(auth.get_authorization_url([Scopes.ACCOUNTING], state_token="eu"), EU_REALM)
    assert params["realmId"] == EU_REALM
    auth.get_bearer_token(params["code"], realm_id=EU_REALM)
    prefs = emulator.api("GET", "preferences", auth.access_token, realm=EU_REALM).json()["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "EUR"


def test_generate_matches_the_generated_world(emulator: Emulator) -> None:
    body = {"seed": 7, "contacts": 20, "products": 10, "invoices": 30, "invoice_status": "mixed"}
    created = emulator.control("POST", f"/companies/{TEST_REALM}/generate", body)["created"]
    expected = [i for i in generated_invoices(7, 30, contacts=20, products=10) if i.status != "draft"]
    assert created == {"customers": 20, "items": 10, "invoices": len(expected)}
    qb = emulator.qb(TEST_REALM)
    skus, emails = skus_and_emails(qb)
    assert {p.sku for p in generated_products(7, 10)} <= skus
    assert {c.email for c in generated_contacts(7, 20)} <= set(emails)
    invoices = Invoice.where("TotalAmt > '0'", max_results=1000, qb=qb)
    assert len(invoices) == len(expected)
    item_skus = {str(i.Id): i.Sku for i in Item.all(max_results=1000, qb=qb)}
    first = min(invoices, key=lambda i: int(i.Id))
    assert [item_skus[line.SalesItemLineDetail.ItemRef.value] for line in first.Line[:-1]] == [
        line.sku for line in expected[0].lines
    ]
    assert Preferences.get(qb=qb).TaxPrefs.UsingSalesTax is True


def test_generate_in_the_vat_company_uses_a_vat_code(emulator: Emulator) -> None:
    created = emulator.control(
        "POST", f"/companies/{EU_REALM}/generate", {"seed": 3, "customers": 2, "items": 2, "invoices": 2}
    )["created"]
    assert created == {"customers": 2, "items": 2, "invoices": 2}
    qb = emulator.qb(EU_REALM)
    generated = [i for i in Invoice.all(qb=qb) if i.TxnTaxDetail.TotalTax]
    assert len(generated) == 2
    bad = emulator.http.post(
        f"{emulator.url}/_emulator/companies/{EU_REALM}/generate", json={"invoices": 1}
    )
    assert bad.status_code == 400 and "customers and items" in bad.json()["error"]
