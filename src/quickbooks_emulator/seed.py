"""Seed worlds: `demo` (Northwind Outfitters from `emulator_core.northwind`, the description the
HubSpot emulator seeds from too) and `empty`.

Realm 9341453050011001 is NORTHWIND_US (US, automated sales tax), 9341453050011003 is
NORTHWIND_EU (France, EUR, VAT, multicurrency) and 9341453050011002 is a small US test company on
the older manual sales-tax model. Only what a QuickBooks user would have typed in is seeded: items,
customers and tax codes; HubSpot's invoices reach QuickBooks through the product's sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from emulator_core.northwind import (
    NORTHWIND_EU,
    NORTHWIND_US,
    Address,
    Business,
    Contact,
    Product,
    QuickBooksOnlyCustomer,
)

from .entities.company import CompanyBackend
from .entities.profile import CompanyProfile
from .models import World
from .oauth_models import User

DEMO_CLIENT_ID = "scs-demo-quickbooks"
DEMO_CLIENT_SECRET = "scs-demo-quickbooks-secret"
DEMO_USER_EMAIL = "owner@northwind.example"
DEMO_USER_PASSWORD = "intuit-demo"
SINGLE_COMPANY_USER_EMAIL = "bookkeeper@northwind.example"
MAIN_REALM = NORTHWIND_US.quickbooks_realm_id
TEST_REALM = "9341453050011002"
EU_REALM = NORTHWIND_EU.quickbooks_realm_id
SEED_AGE = timedelta(hours=1)

US_PROFILE = CompanyProfile(
    country="US",
    home_currency="USD",
    tax_model="us_automated",
    sales_tax_by_state=dict(NORTHWIND_US.sales_tax_by_state),
)
TEST_PROFILE = CompanyProfile(country="US", home_currency="USD", tax_model="us_manual")
EU_PROFILE = CompanyProfile(
    country="FR",
    home_currency="EUR",
    tax_model="vat",
    multicurrency=True,
    foreign_currencies=("GBP", "CHF", "USD"),
    address={
        "Line1": "12 rue de la Paix",
        "City": "Grenoble",
        "PostalCode": "38000",
        "Country": "FR",
    },
)

ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    # Id, Name, AccountType, AccountSubType, Classification
    ("1", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("2", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("3", "Shipping Income", "Income", "OtherPrimaryIncome", "Revenue"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("5", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("6", "Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("7", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("8", "Checking", "Bank", "Checking", "Asset"),
]
INCOME_ACCOUNT = {"NonInventory": "1", "Service": "2"}
CHECKING = "8"


class TaxTable:
    """Inserts TaxRate and TaxCode records with sequential ids."""

    def __init__(self, company: CompanyBackend) -> None:
        self.company = company
        self.next_rate = 1
        self.next_code = 2  # QuickBooks' first real code is "2" in sandbox companies

    def rate(self, name: str, percent: Decimal) -> str:
        rate_id = str(self.next_rate)
        self.next_rate += 1
        self.company.insert(
            "TaxRate",
            {
                "Name": name,
                "Description": f"{name} sales tax",
                "Active": True,
                "RateValue": percent,
                "AgencyRef": {"value": "1"},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
                "EffectiveTaxRate": [{"RateValue": percent, "EffectiveDate": "2024-01-01T00:00:00-08:00"}],
            },
            rate_id,
        )
        return rate_id

    def code(self, name: str, sales_rates: list[str], purchase_rates: tuple[str, ...] = ()) -> str:
        code_id = str(self.next_code)
        self.next_code += 1
        self.company.insert(
            "TaxCode",
            {
                "Name": name,
                "Description": name,
                "Active": True,
                "Taxable": True,
                "TaxGroup": len(sales_rates) > 1,
                "Hidden": False,
                "SalesTaxRateList": {"TaxRateDetail": _rate_details(sales_rates)},
                "PurchaseTaxRateList": {"TaxRateDetail": _rate_details(list(purchase_rates))},
            },
            code_id,
        )
        return code_id

    def pseudo_codes(self) -> None:
        # US companies: TAX/NON mark a line taxable or not; they carry no rate of their own.
        for name, taxable in (("TAX", True), ("NON", False)):
            self.company.insert(
                "TaxCode",
                {"Name": name, "Description": name, "Taxable": taxable, "TaxGroup": False, "Active": True},
                name,
            )


def _rate_details(rate_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"TaxRateRef": {"value": rate_id}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
        for rate_id in rate_ids
    ]


def seed_taxes(company: CompanyBackend, business: Business | None) -> None:
    table = TaxTable(company)
    model = company.profile.tax_model
    if model != "vat":
        table.pseudo_codes()
    if model == "us_manual":
        california = table.rate("California", Decimal("7.25"))
        county = table.rate("San Francisco County", Decimal("1.375"))
        table.code("CA State", [california])
        table.code("San Francisco County", [california, county])
        return
    assert business is not None
    # The codes the HubSpot tax rates obviously map to (TaxRate.quickbooks_code).
    for tax_rate in business.tax_rates:
        table.code(tax_rate.quickbooks_code, [table.rate(tax_rate.quickbooks_code, tax_rate.percentage)])
    if model == "vat":
        deductible = table.rate("TVA déductible 20%", Decimal("20"))
        table.code("TVA déductible 20% (achats)", [], (deductible,))
    for state, percent in sorted(company.profile.sales_tax_by_state.items()):
        name = f"{state} (automated sales tax)"
        rate_id = table.rate(name, percent)
        company.ast_rates[state] = (table.code(name, [rate_id]), rate_id)


def seed_reference_data(company: CompanyBackend, business: Business | None, email: str) -> None:
    """What every QuickBooks company has: accounts, sales tax, CompanyInfo and Preferences."""
    profile = company.profile
    for account_id, name, account_type, sub_type, classification in ACCOUNTS:
        company.insert(
            "Account",
            {
                "Name": name,
                "FullyQualifiedName": name,
                "AccountType": account_type,
                "AccountSubType": sub_type,
                "Classification": classification,
                "Active": True,
                "SubAccount": False,
                "CurrentBalance": Decimal("0"),
                "CurrentBalanceWithSubAccounts": Decimal("0"),
                "CurrencyRef": profile.currency_ref(),
            },
            account_id,
        )
    company.next_ids["Account"] = len(ACCOUNTS) + 1
    seed_taxes(company, business)
    company.insert(
        "CompanyInfo",
        {
            "CompanyName": company.name,
            "LegalName": company.name,
            "CompanyAddr": dict(profile.address),
            "LegalAddr": dict(profile.address),
            "Country": profile.country,
            "Email": {"Address": email},
            "CompanyStartDate": "2024-01-01",
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en" if profile.is_us else "fr",
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IsQbdtMigrated", "Value": "false"},
                {"Name": "CompanyType", "Value": "Other"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
        },
        "1",
    )
    company.insert("Preferences", preferences(profile), "1")


def preferences(profile: CompanyProfile) -> dict[str, Any]:
    """Preferences that tell the truth about the company's tax model and currencies
    (TaxPrefs.PartnerTaxEnabled: automated sales tax; CurrencyPrefs: home currency, multicurrency)."""
    return {
        "AccountingInfoPrefs": {"UseAccountNumbers": False, "ClassTrackingPerTxn": False},
        "SalesFormsPrefs": {
            "CustomTxnNumbers": True,
            "AllowDeposit": True,
            "AllowDiscount": True,
            "AllowShipping": False,
            "AutoApplyCredit": False,
            "DefaultTerms": {"value": "3"},
            "ETransactionEnabledStatus": "NotApplicable",
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": True,
        },
        "TaxPrefs": {
            "UsingSalesTax": True,
            "PartnerTaxEnabled": profile.tax_model == "us_automated",
        },
        "CurrencyPrefs": {
            "MultiCurrencyEnabled": profile.multicurrency,
            "HomeCurrency": {"value": profile.home_currency},
        },
    }


def item_body(product: Product) -> dict[str, Any] | None:
    """The QuickBooks item for a HubSpot product, or None when QuickBooks has none."""
    sku = product.sku_in_quickbooks
    if sku is None:
        return None
    return {
        "Name": product.name,
        "Description": product.description or product.name,
        "Sku": sku,
        "UnitPrice": str(product.price),
        "Type": product.item_type,
        "Taxable": product.item_type != "Service",
        "IncomeAccountRef": {"value": INCOME_ACCOUNT[product.item_type]},
    }


def customer_body(contact: Contact) -> dict[str, Any] | None:
    """The QuickBooks customer for a HubSpot contact, or None when QuickBooks has none yet."""
    if contact.quickbooks_email is None:
        return None
    body: dict[str, Any] = {
        "GivenName": contact.firstname,
        "FamilyName": contact.lastname,
        "DisplayName": contact.display_name,
    }
    if contact.email_in_quickbooks:
        body["PrimaryEmailAddr"] = {"Address": contact.email_in_quickbooks}
    if contact.company:
        body["CompanyName"] = contact.company
    if contact.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": contact.phone}
    body.update(address_fields(contact.address))
    return body


def address_fields(address: Address | None) -> dict[str, Any]:
    """BillAddr and ShipAddr as Intuit's PhysicalAddress (Line1, City, CountrySubDivisionCode,
    PostalCode, Country); automated sales tax reads the state from them."""
    if address is None:
        return {}
    physical = {"Line1": address.street, "City": address.city,
                "CountrySubDivisionCode": address.state, "PostalCode": address.zip,
                "Country": address.country}
    return {"BillAddr": dict(physical), "ShipAddr": dict(physical)}


def only_in_quickbooks_body(customer: QuickBooksOnlyCustomer) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": customer.display_name}
    if customer.email:
        body["PrimaryEmailAddr"] = {"Address": customer.email}
    for key, value in (
        ("GivenName", customer.given_name),
        ("FamilyName", customer.family_name),
        ("CompanyName", customer.company),
        ("Notes", customer.notes),
    ):
        if value:
            body[key] = value
    body.update(address_fields(customer.address))
    return body


def seed_business(company: CompanyBackend, business: Business) -> dict[str, str]:
    """Items, customers and QuickBooks-only customers of one Northwind company; DisplayName -> Id."""
    for product in business.products:
        body = item_body(product)
        if body is not None:
            company.create("Item", body)
    ids: dict[str, str] = {}
    bodies = [customer_body(contact) for contact in business.contacts]
    bodies += [only_in_quickbooks_body(customer) for customer in business.quickbooks_only_customers]
    for body in bodies:
        if body is not None:
            ids[body["DisplayName"]] = company.create("Customer", body)["Id"]
    return ids


def seed_walk_in_history(company: CompanyBackend, cash_sales_id: str) -> None:
    """A bookkeeper's own QuickBooks history on the walk-in customer (no HubSpot twin): a
    part-paid invoice, a credit memo and a refund receipt, so refunds show in the demo."""
    lamp = _item_id(company, "LAMP-400")
    fuel = _item_id(company, "FUEL-230")
    invoice = company.create(
        "Invoice",
        {
            "CustomerRef": {"value": cash_sales_id},
            "DocNumber": "QB-0001",
            "TxnDate": "2025-12-12",
            "Line": [_line(lamp, 2, "44.95", "TAX"), _line(fuel, 6, "6.49", "TAX")],
        },
    )
    company.create(
        "Payment",
        {
            "CustomerRef": {"value": cash_sales_id},
            "TotalAmt": "50.00",
            "PaymentRefNum": "CASH-1212",
            "TxnDate": "2025-12-12",
            "Line": [{"Amount": "50.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    company.create(
        "CreditMemo",
        {
            "CustomerRef": {"value": cash_sales_id},
            "DocNumber": "CM-0001",
            "TxnDate": "2025-12-15",
            "PrivateNote": "Store credit for a returned headlamp.",
            "Line": [_line(lamp, 1, "44.95", "TAX")],
        },
    )
    company.create(
        "RefundReceipt",
        {
            "CustomerRef": {"value": cash_sales_id},
            "DocNumber": "RR-0001",
            "TxnDate": "2025-12-18",
            "DepositToAccountRef": {"value": CHECKING},
            "PaymentRefNum": "CASH-REFUND-1218",
            "Line": [_line(fuel, 2, "6.49", "TAX")],
        },
    )


def _item_id(company: CompanyBackend, sku: str) -> str:
    return next(r.id for r in company.live_records("Item") if r.fields.get("Sku") == sku)


def _line(item_id: str, qty: int, price: str, tax_code: str) -> dict[str, Any]:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": str(Decimal(price) * qty),
        "SalesItemLineDetail": {
            "ItemRef": {"value": item_id},
            "Qty": qty,
            "UnitPrice": price,
            "TaxCodeRef": {"value": tax_code},
        },
    }


def _register_demo_identities(world: World) -> None:
    world.oauth.upsert_app(
        list(world.config.redirect_uris),
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        name="SimpleCommerceSync (demo)",
    )
    world.oauth.add_user(
        User(DEMO_USER_EMAIL, DEMO_USER_PASSWORD, "Nora", "Westbrook", [MAIN_REALM, TEST_REALM, EU_REALM])
    )
    world.oauth.add_user(User(SINGLE_COMPANY_USER_EMAIL, DEMO_USER_PASSWORD, "Ben", "Keeper", [MAIN_REALM]))


def backdate(world: World, age: timedelta = SEED_AGE) -> None:
    """Seeded records existed before the emulator started (so CDC "since now" sees none)."""
    for company in world.companies.values():
        for records in company.records.values():
            for record in records.values():
                record.created -= age
                record.updated -= age


def seed_empty(world: World) -> None:
    """The demo app, users and companies with only reference data (no customers or items)."""
    _register_demo_identities(world)
    main = world.add_company(MAIN_REALM, NORTHWIND_US.quickbooks_company_name, profile=US_PROFILE)
    seed_reference_data(main, NORTHWIND_US, DEMO_USER_EMAIL)
    test = world.add_company(TEST_REALM, "Northwind Outfitters (Test Co.)", profile=TEST_PROFILE)
    seed_reference_data(test, None, DEMO_USER_EMAIL)
    eu = world.add_company(EU_REALM, NORTHWIND_EU.quickbooks_company_name, profile=EU_PROFILE)
    seed_reference_data(eu, NORTHWIND_EU, DEMO_USER_EMAIL)
    backdate(world)


def seed_demo(world: World) -> None:
    seed_empty(world)
    listeners, world.listeners = world.listeners, []  # seeding sends no webhooks
    try:
        main = world.company(MAIN_REALM)
        customers = seed_business(main, NORTHWIND_US)
        seed_walk_in_history(main, customers["Cash Sales"])
        seed_business(world.company(EU_REALM), NORTHWIND_EU)
        test = world.company(TEST_REALM)
        for product in NORTHWIND_US.products[:2]:
            body = item_body(product)
            assert body is not None
            test.create("Item", body)
        test.create(
            "Customer",
            {"DisplayName": "Test Customer", "PrimaryEmailAddr": {"Address": "test@example.com"}},
        )
    finally:
        world.listeners = listeners
    backdate(world)


SEEDS: dict[str, Callable[[World], None]] = {"demo": seed_demo, "empty": seed_empty}
