"""Seed worlds: `demo` (Northwind Outfitters, matching the HubSpot demo) and `empty`.

The demo is built to exercise the product: most HubSpot demo SKUs exist as Items, NW-BAG-0F and
NW-PACK-65L are missing, NW-BOTTLE-1L exists only as `nw-bottle-1l` (case differs), and
`sofia.rossi@harborlight.example` belongs to two customers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .entities.company import CompanyBackend
from .models import World
from .oauth_models import User

DEMO_CLIENT_ID = "scs-demo-quickbooks"
DEMO_CLIENT_SECRET = "scs-demo-quickbooks-secret"
DEMO_USER_EMAIL = "owner@northwind.example"
DEMO_USER_PASSWORD = "intuit-demo"
SINGLE_COMPANY_USER_EMAIL = "bookkeeper@northwind.example"
MAIN_REALM = "9341453050011001"
TEST_REALM = "9341453050011002"
USD = {"value": "USD", "name": "United States Dollar"}
SEED_AGE = timedelta(hours=1)

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

# Id, Name, RateValue (percent)
TAX_RATES: list[tuple[str, str, str]] = [
    ("1", "California", "7.25"),
    ("2", "San Francisco County", "1.375"),
]

# (Sku, Name, UnitPrice, Type, Taxable, IncomeAccount)
DEMO_ITEMS: list[tuple[str | None, str, str, str, bool, str]] = [
    ("NW-TENT-2P", "Trailhead 2-Person Tent", "249.00", "NonInventory", True, "1"),
    ("NW-TENT-4P", "Basecamp 4-Person Tent", "429.00", "NonInventory", True, "1"),
    ("NW-BAG-20F", "Summit 20F Sleeping Bag", "189.00", "NonInventory", True, "1"),
    ("NW-PAD-R4", "Loft R4 Sleeping Pad", "129.00", "NonInventory", True, "1"),
    ("NW-STOVE-01", "Ember Backpacking Stove", "59.95", "NonInventory", True, "1"),
    ("NW-LAMP-USB", "Glow USB Lantern", "34.50", "NonInventory", True, "1"),
    ("NW-PACK-45L", "Ridge 45L Backpack", "179.00", "NonInventory", True, "1"),
    ("nw-bottle-1l", "Insulated Bottle 1L", "32.00", "NonInventory", True, "1"),
    ("NW-FILTER-SQ", "Squeeze Water Filter", "39.00", "NonInventory", True, "1"),
    ("NW-CHAIR-LT", "Featherlight Camp Chair", "89.00", "NonInventory", True, "1"),
    ("NW-HAT-SUN", "Wide-Brim Sun Hat", "29.00", "NonInventory", True, "1"),
    ("NW-GIFT-50", "Gift Card $50", "50.00", "Service", False, "2"),
    ("NW-SVC-REPAIR", "Gear Repair", "45.00", "Service", False, "2"),
    (None, "Shipping", "15.00", "Service", False, "3"),
]

# (GivenName, FamilyName, DisplayName, email, CompanyName, extra fields)
DEMO_CUSTOMERS: list[tuple[str, str, str, str | None, str, dict[str, Any]]] = [
    ("Maya", "Chen", "Maya Chen", "maya.chen@cedarpeak.example", "Cedar Peak Guides", {}),
    ("Liam", "Ortiz", "Liam Ortiz", "liam.ortiz@bluefjord.example", "Blue Fjord Kayaks", {}),
    ("Sofia", "Rossi", "Sofia Rossi", "sofia.rossi@harborlight.example", "Harborlight Cafe", {}),
    (
        "Sofia",
        "Rossi",
        "Harborlight Cafe (Sofia Rossi)",
        "sofia.rossi@harborlight.example",
        "Harborlight Cafe",
        {"Notes": "Second customer record sharing Sofia's e-mail."},
    ),
    # Stored with different case and stray spaces: matching must trim and ignore case.
    ("Noah", "Kim", "Noah Kim", " Noah.Kim@PineCrest.example ", "Pinecrest Lodge", {}),
    (
        "Emma",
        "Walsh",
        "Emma Walsh",
        "emma.walsh@ridgeline.example",
        "Ridgeline Outfitters",
        {"Taxable": False, "ResaleNum": "SR-CA-22-118734"},
    ),
    ("Oliver", "Grant", "Oliver Grant", "oliver.grant@tundraworks.example", "Tundra Works", {}),
    ("Ava", "Patel", "Ava Patel", None, "", {}),
    (
        "Lucas",
        "Meyer",
        "Lucas Meyer",
        "lucas.meyer@alpenglow.example",
        "Alpenglow Co.",
        {"Active": False},
    ),
]


def seed_reference_data(company: CompanyBackend, company_name: str, email: str) -> None:
    """What every QuickBooks company has: accounts, sales tax, CompanyInfo and Preferences."""
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
                "CurrencyRef": USD,
            },
            account_id,
        )
    company.next_ids["Account"] = len(ACCOUNTS) + 1
    for rate_id, name, value in TAX_RATES:
        company.insert(
            "TaxRate",
            {
                "Name": name,
                "Description": f"{name} sales tax",
                "Active": True,
                "RateValue": Decimal(value),
                "AgencyRef": {"value": "1"},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
                "EffectiveTaxRate": [
                    {"RateValue": Decimal(value), "EffectiveDate": "2024-01-01T00:00:00-08:00"}
                ],
            },
            rate_id,
        )
    # US companies: pseudo codes TAX/NON for lines, jurisdiction codes for the transaction.
    company.insert(
        "TaxCode",
        {"Name": "TAX", "Description": "TAX", "Taxable": True, "TaxGroup": False, "Active": True},
        "TAX",
    )
    company.insert(
        "TaxCode",
        {"Name": "NON", "Description": "NON", "Taxable": False, "TaxGroup": False, "Active": True},
        "NON",
    )
    company.insert("TaxCode", _jurisdiction_code("CA State", ["1"]), "2")
    company.insert("TaxCode", _jurisdiction_code("San Francisco County", ["1", "2"]), "3")
    company.insert(
        "CompanyInfo",
        {
            "CompanyName": company_name,
            "LegalName": company_name,
            "CompanyAddr": {
                "Line1": "500 Battery St",
                "City": "San Francisco",
                "CountrySubDivisionCode": "CA",
                "PostalCode": "94111",
                "Country": "US",
            },
            "Country": "US",
            "Email": {"Address": email},
            "CompanyStartDate": "2024-01-01",
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en",
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IsQbdtMigrated", "Value": "false"},
                {"Name": "CompanyType", "Value": "Other"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
        },
        "1",
    )
    company.insert(
        "Preferences",
        {
            "AccountingInfoPrefs": {"UseAccountNumbers": False, "ClassTrackingPerTxn": False},
            "SalesFormsPrefs": {
                "CustomTxnNumbers": True,
                "AllowDeposit": True,
                "AllowDiscount": True,
                "AllowShipping": False,
                "DefaultTerms": {"value": "3"},
                "ETransactionEnabledStatus": "NotApplicable",
            },
            "ProductAndServicesPrefs": {
                "ForSales": True,
                "ForPurchase": True,
                "QuantityWithPriceAndRate": True,
                "QuantityOnHand": True,
            },
            "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True},
            "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        },
        "1",
    )


def _jurisdiction_code(name: str, rate_ids: list[str]) -> dict[str, Any]:
    return {
        "Name": name,
        "Description": f"{name} sales tax",
        "Active": True,
        "Taxable": True,
        "TaxGroup": len(rate_ids) > 1,
        "Hidden": False,
        "SalesTaxRateList": {
            "TaxRateDetail": [
                {
                    "TaxRateRef": {"value": rate_id},
                    "TaxTypeApplicable": "TaxOnAmount",
                    "TaxOrder": 0,
                }
                for rate_id in rate_ids
            ]
        },
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }


def _item_body(
    sku: str | None, name: str, price: str, kind: str, taxable: bool, account: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": name,
        "Description": name,
        "UnitPrice": price,
        "Type": kind,
        "Taxable": taxable,
        "IncomeAccountRef": {"value": account},
    }
    if sku:
        body["Sku"] = sku
    return body


def seed_demo_entities(company: CompanyBackend) -> None:
    for sku, name, price, kind, taxable, account in DEMO_ITEMS:
        company.create("Item", _item_body(sku, name, price, kind, taxable, account))
    for given, family, display, email, company_name, extra in DEMO_CUSTOMERS:
        body: dict[str, Any] = {"GivenName": given, "FamilyName": family, "DisplayName": display}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        if company_name:
            body["CompanyName"] = company_name
        body.update(extra)
        company.create("Customer", body)
    liam = company.query("SELECT * FROM Customer WHERE DisplayName = 'Liam Ortiz'")["Customer"][0]
    maya = company.query("SELECT * FROM Customer WHERE DisplayName = 'Maya Chen'")["Customer"][0]
    invoice = company.create(
        "Invoice",
        {
            "CustomerRef": {"value": liam["Id"]},
            "DocNumber": "1001",
            "BillEmail": {"Address": "liam.ortiz@bluefjord.example"},
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "3"}},
            "Line": [
                _sales_line("1", 1, "249.00", "TAX"),
                _sales_line("13", 2, "45.00", "NON"),
            ],
        },
    )
    company.create(
        "Payment",
        {
            "CustomerRef": {"value": liam["Id"]},
            "TotalAmt": "150.00",
            "PaymentRefNum": "CHK-2207",
            "Line": [{"Amount": "150.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    company.create(
        "Estimate",
        {
            "CustomerRef": {"value": maya["Id"]},
            "DocNumber": "E-1001",
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}},
            "Line": [_sales_line("2", 1, "429.00", "TAX"), _sales_line("5", 2, "59.95", "TAX")],
        },
    )


def _sales_line(item_id: str, qty: int, price: str, tax_code: str) -> dict[str, Any]:
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
        User(DEMO_USER_EMAIL, DEMO_USER_PASSWORD, "Nora", "Westbrook", [MAIN_REALM, TEST_REALM])
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
    main = world.add_company(MAIN_REALM, "Northwind Outfitters LLC")
    seed_reference_data(main, main.name, DEMO_USER_EMAIL)
    test = world.add_company(TEST_REALM, "Northwind Outfitters (Test Co.)")
    seed_reference_data(test, test.name, DEMO_USER_EMAIL)
    backdate(world)


def seed_demo(world: World) -> None:
    seed_empty(world)
    listeners, world.listeners = world.listeners, []  # seeding sends no webhooks
    try:
        seed_demo_entities(world.company(MAIN_REALM))
        test = world.company(TEST_REALM)
        for sku, name, price, kind, taxable, account in DEMO_ITEMS[:2]:
            test.create("Item", _item_body(sku, name, price, kind, taxable, account))
        test.create(
            "Customer",
            {"DisplayName": "Test Customer", "PrimaryEmailAddr": {"Address": "test@example.com"}},
        )
    finally:
        world.listeners = listeners
    backdate(world)


SEEDS: dict[str, Callable[[World], None]] = {"demo": seed_demo, "empty": seed_empty}
