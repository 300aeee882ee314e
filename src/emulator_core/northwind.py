"""Northwind Outfitters: the one demo business that both emulators seed from.

HubSpot's demo portals and QuickBooks' demo companies are two views of the same business, so the
product's matching rules meet a world that agrees where it should and differs on purpose where
the demo must show a failure and its fix:

- products match QuickBooks items by SKU, exactly and case-sensitively: one SKU differs only by
  case (`Product.quickbooks_sku`), one has no QuickBooks item at all (`quickbooks_sku=None`);
- contacts match QuickBooks customers by email, trimmed and without regard to case: some
  customers store the email with other case or stray spaces, some contacts have no customer yet
  (the sync creates one), one contact has no email, one email belongs to two customers, and one
  QuickBooks customer already uses a display name a new customer would want;
- each HubSpot tax rate has an obvious QuickBooks tax code to map to (`TaxRate.quickbooks_code`);
- every contact has an address, on both sides, in the state whose rate its HubSpot invoices use
  (NYC rate → NY, California → CA, exempt or untaxed → OR), so QuickBooks' automated sales tax,
  which follows the customer's state, charges what HubSpot charged.

Only plain data lives here: each emulator turns it into its own records through its own backend,
so neither emulator imports the other and the two can't drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

D = Decimal
# Day 0 of the demo: invoice and quote dates are days after it.
DEMO_START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Product:
    sku: str  # HubSpot `hs_sku`
    name: str
    price: Decimal
    description: str = ""
    # The QuickBooks item's `Sku`: the same string, a case variant, or None when QuickBooks has no
    # item for it.
    quickbooks_sku: str | None = "same"
    item_type: Literal["NonInventory", "Service"] = "NonInventory"

    @property
    def sku_in_quickbooks(self) -> str | None:
        return self.sku if self.quickbooks_sku == "same" else self.quickbooks_sku


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    # US: the USPS state code (QuickBooks' CountrySubDivisionCode, HubSpot's `state`); elsewhere
    # the region.
    state: str
    zip: str
    country: str  # ISO 3166 alpha-2, written as is on both sides


@dataclass(frozen=True)
class Contact:
    key: str
    firstname: str
    lastname: str
    email: str | None  # HubSpot `email`; None: the contact has no email
    company: str = ""
    phone: str = ""
    # The email as the QuickBooks customer stores it ("same", a case/space variant), or None when
    # QuickBooks has no customer for this person yet.
    quickbooks_email: str | None = "same"
    # The same on the HubSpot contact and the QuickBooks customer (billing and shipping).
    address: Address | None = None

    @property
    def email_in_quickbooks(self) -> str | None:
        return self.email if self.quickbooks_email == "same" else self.quickbooks_email

    @property
    def display_name(self) -> str:
        return f"{self.firstname} {self.lastname}"


@dataclass(frozen=True)
class QuickBooksOnlyCustomer:
    """A customer that exists only in QuickBooks (a second record for one email, a name clash)."""

    display_name: str
    email: str | None
    given_name: str = ""
    family_name: str = ""
    company: str = ""
    notes: str = ""
    address: Address | None = None


@dataclass(frozen=True)
class TaxRate:
    key: str
    name: str  # HubSpot tax rate `name`
    label: str
    percentage: Decimal
    quickbooks_code: str  # the QuickBooks TaxCode Name this rate obviously maps to


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: Decimal = D("1")
    discount: Decimal = D("0")  # an amount off the line, in the invoice currency
    tax_rate: str | None = None  # TaxRate.key


@dataclass(frozen=True)
class Payment:
    # None: the invoice's whole billed amount at the time of payment.
    amount: Decimal | None = None
    status: Literal["succeeded", "processing", "failed"] = "succeeded"
    refunded: Decimal | None = D("0")  # None: refunded in full
    method: str = "card"
    reference: str = ""


@dataclass(frozen=True)
class Invoice:
    key: str
    contact: str  # Contact.key
    # The status the seed drives the invoice to; "paid" invoices carry the payments that pay them
    # (the emulator derives `paid` from them, as HubSpot does).
    status: Literal["draft", "open", "paid", "voided"]
    lines: tuple[Line, ...]
    day: int  # invoice date: days after DEMO_START
    due_days: int = 30
    payments: tuple[Payment, ...] = ()


@dataclass(frozen=True)
class Quote:
    key: str
    title: str
    contact: str
    status: Literal["DRAFT", "PENDING_APPROVAL", "APPROVAL_NOT_NEEDED", "APPROVED", "REJECTED", "ACCEPTED"]
    lines: tuple[Line, ...]
    day: int
    expires_days: int = 30


@dataclass(frozen=True)
class Business:
    key: str
    hubspot_portal_id: int
    hubspot_name: str
    hubspot_domain: str
    quickbooks_realm_id: str
    quickbooks_company_name: str
    country: str  # ISO 3166 alpha-2 of the QuickBooks company
    currency: str
    time_zone: str
    # "us_automated": US automated sales tax (TAX/NON on lines); "vat": a tax code on every line.
    tax_model: Literal["us_automated", "vat"]
    tax_rates: tuple[TaxRate, ...]
    products: tuple[Product, ...]
    contacts: tuple[Contact, ...]
    invoices: tuple[Invoice, ...] = ()
    quotes: tuple[Quote, ...] = ()
    quickbooks_only_customers: tuple[QuickBooksOnlyCustomer, ...] = ()
    # Where the US demo computes automated sales tax: state → percent (deterministic table).
    sales_tax_by_state: dict[str, Decimal] = field(default_factory=dict)

    def product(self, sku: str) -> Product:
        return next(p for p in self.products if p.sku == sku)

    def contact(self, key: str) -> Contact:
        return next(c for c in self.contacts if c.key == key)


def _lines(*specs: tuple[str, str] | tuple[str, str, str | None] | tuple[str, str, str | None, str]) -> tuple[Line, ...]:
    """("SKU", "qty"[, tax_rate[, discount]]) → Lines."""
    out = []
    for spec in specs:
        sku, qty = spec[0], spec[1]
        tax = spec[2] if len(spec) > 2 else None
        discount = spec[3] if len(spec) > 3 else "0"
        out.append(Line(sku, D(qty), D(discount or "0"), tax))
    return tuple(out)


US_TAX_RATES = (
    TaxRate("ca", "California Sales Tax", "CA 7.25%", D("7.25"), "California"),
    TaxRate("nyc", "New York City Sales Tax", "NYC 8.875%", D("8.875"), "New York City"),
    TaxRate("exempt", "Tax exempt", "Exempt 0%", D("0"), "Exempt"),
)

US_PRODUCTS = (
    Product("TENT-2P", "Two-Person Trail Tent", D("289.00"), "Lightweight three-season tent."),
    Product("TENT-4P", "Four-Person Family Tent", D("449.50"), "Roomy tent with two vestibules."),
    Product("BAG-DOWN-20", "Down Sleeping Bag -7°C", D("249.95"), "800-fill down, mummy cut."),
    Product("BAG-SYN-32", "Synthetic Sleeping Bag 0°C", D("129.00")),
    Product("PAD-INS-R4", "Insulated Sleeping Pad", D("139.99"), "R-value 4.2."),
    Product("POLE-CARBON", "Trekking Poles (pair)", D("119.00"), "Carbon fiber, flick locks."),
    Product("STOVE-CANISTER", "Backpacking Stove", D("59.95")),
    Product("FUEL-230", "Fuel Canister 230 g", D("6.49"), "Isobutane-propane mix."),
    Product("FILTER-SQZ", "Water Filter", D("39.99"), "Squeeze filter, 0.1 micron."),
    Product("LAMP-400", "Headlamp 400 lm", D("44.95")),
    # QuickBooks stores this SKU in lower case: "SKU not found: BOTTLE-1L (QuickBooks has bottle-1l …)".
    Product("BOTTLE-1L", "Insulated Bottle 1 L", D("32.00"), quickbooks_sku="bottle-1l"),
    # No QuickBooks item at all: the demo's "SKU not found: PACK-65L" and its fix.
    Product("PACK-65L", "Expedition Backpack 65 L", D("279.00"), "New this season.", quickbooks_sku=None),
    Product("JKT-RAIN-M", "Rain Shell Jacket", D("179.00"), "Three-layer waterproof shell."),
    Product("SVC-GUIDE-DAY", "Guided Day Hike (per person)", D("75.00"), "A service, not a stock item.",
            item_type="Service"),
    Product("SVC-REPAIR", "Gear Repair", D("45.00"), item_type="Service"),
)

# A contact's state is the one whose rate its HubSpot invoices use: CA (California Sales Tax),
# NY (New York City Sales Tax: New York City addresses), OR (Tax exempt, or no tax at all).
_HARBORLIGHT = Address("215 Marine Dr", "Astoria", "OR", "97103", "US")

US_CONTACTS = (
    Contact("maya", "Maya", "Chen", "maya.chen@cedarpeak.example", "Cedar Peak Guides", "+1 503 555 0101",
            address=Address("1180 Donner Pass Rd", "Truckee", "CA", "96161", "US")),
    Contact("liam", "Liam", "Ortiz", "liam.ortiz@bluefjord.example", "Blue Fjord Kayaks", "+1 503 555 0102",
            address=Address("88 South St", "New York", "NY", "10038", "US")),
    # Two QuickBooks customers share this email: the sync picks one deterministically and says so.
    Contact("sofia", "Sofia", "Rossi", "sofia.rossi@harborlight.example", "Harborlight Cafe",
            address=_HARBORLIGHT),
    # QuickBooks stores these with other case and stray spaces: matching trims and ignores case.
    Contact("noah", "Noah", "Kim", "noah.kim@pinecrest.example", "Pinecrest Lodge",
            quickbooks_email=" Noah.Kim@PineCrest.example ",
            address=Address("3900 Pinecrest Lake Rd", "Pinecrest", "CA", "95364", "US")),
    Contact("ava", "Ava", "Bergstrom", "Ava.Bergstrom@Trailhead.example", "Trailhead Outfitters",
            quickbooks_email="ava.bergstrom@trailhead.example",
            address=Address("510 G St", "Arcata", "CA", "95521", "US")),
    Contact("ethan", "Ethan", "Okafor", "ethan.okafor@summitsupply.example", "Summit Supply Co",
            address=Address("7 Minaret Rd", "Mammoth Lakes", "CA", "93546", "US")),
    Contact("iris", "Iris", "Lindqvist", "iris@ridgeline.example", "Ridgeline Rentals",
            address=Address("1450 N Main St", "Bishop", "CA", "93514", "US")),
    # No QuickBooks customer yet: the sync creates them.
    Contact("owen", "Owen", "Castillo", "owen.castillo@basecamp.example", "Basecamp Guides",
            quickbooks_email=None, address=Address("1020 SE Water Ave", "Portland", "OR", "97214", "US")),
    Contact("lena", "Lena", "Nakamura", "lena.nakamura@cascadekayak.example", "Cascade Kayak Club",
            quickbooks_email=None,
            address=Address("2200 Lake Tahoe Blvd", "South Lake Tahoe", "CA", "96150", "US")),
    # No QuickBooks customer, and QuickBooks already has a "Clara Moreau" with another email: the
    # new customer needs a display name of its own.
    Contact("clara", "Clara", "Moreau", "clara.moreau@pinecrest.example", "Pinecrest Lodge",
            quickbooks_email=None, address=Address("301 Bleecker St", "New York", "NY", "10014", "US")),
    # No email at all: "Customer email missing". Its invoice has no tax: an Oregon address.
    Contact("felix", "Felix", "Haddad", None, "Walk-in customer",
            address=Address("77 NW Couch St", "Portland", "OR", "97209", "US")),
    Contact("ruby", "Ruby", "Schultz", "ruby.schultz@example.com", "",
            address=Address("48 Ocean St", "Santa Cruz", "CA", "95060", "US")),
)

US_QUICKBOOKS_ONLY = (
    QuickBooksOnlyCustomer("Harborlight Cafe (Sofia Rossi)", "sofia.rossi@harborlight.example",
                           "Sofia", "Rossi", "Harborlight Cafe",
                           "Second customer record sharing Sofia's email.", address=_HARBORLIGHT),
    QuickBooksOnlyCustomer("Clara Moreau", "clara@moreau-design.example", "Clara", "Moreau",
                           "Moreau Design", "A different Clara Moreau."),
    QuickBooksOnlyCustomer("Cash Sales", None, company="", notes="Walk-in sales; no email."),
)

NORTHWIND_US = Business(
    key="northwind-us",
    hubspot_portal_id=2468101,
    hubspot_name="Northwind Outfitters",
    hubspot_domain="northwind-outfitters.hubspot.example",
    quickbooks_realm_id="9341453050011001",
    quickbooks_company_name="Northwind Outfitters LLC",
    country="US",
    currency="USD",
    time_zone="America/Los_Angeles",
    tax_model="us_automated",
    tax_rates=US_TAX_RATES,
    products=US_PRODUCTS,
    contacts=US_CONTACTS,
    quickbooks_only_customers=US_QUICKBOOKS_ONLY,
    sales_tax_by_state={"CA": D("7.25"), "NY": D("8.875"), "OR": D("0"), "WA": D("6.5")},
    invoices=(
        Invoice("inv-01", "maya", "open", _lines(("TENT-2P", "1", "ca"), ("FUEL-230", "4", "ca")), day=1),
        Invoice("inv-02", "liam", "open", _lines(("TENT-4P", "1", "nyc"), ("PAD-INS-R4", "2", "nyc", "20.00")),
                day=3),
        Invoice("inv-03", "noah", "paid", _lines(("BAG-DOWN-20", "2", "ca")), day=5,
                payments=(Payment(reference="ch_demo_0003"),)),
        Invoice("inv-04", "ava", "open", _lines(("POLE-CARBON", "2"), ("LAMP-400", "1")), day=8,
                payments=(Payment(D("100.00"), reference="ch_demo_0004"),)),
        Invoice("inv-05", "owen", "open", _lines(("SVC-GUIDE-DAY", "6", "exempt")), day=9),
        Invoice("inv-06", "lena", "paid", _lines(("FILTER-SQZ", "3", "ca"), ("STOVE-CANISTER", "1", "ca")),
                day=11, payments=(Payment(D("60.00"), reference="ch_demo_0006a"),
                                  Payment(None, reference="ch_demo_0006b"))),
        # Case differs in QuickBooks: "SKU not found: BOTTLE-1L (QuickBooks has bottle-1l …)".
        Invoice("inv-07", "ethan", "open", _lines(("BOTTLE-1L", "5", "ca"), ("JKT-RAIN-M", "1", "ca")), day=12),
        # No QuickBooks item: "SKU not found: PACK-65L".
        Invoice("inv-08", "iris", "open", _lines(("PACK-65L", "1", "ca"), ("TENT-2P", "1", "ca")), day=14),
        # No email: "Customer email missing".
        Invoice("inv-09", "felix", "open", _lines(("FUEL-230", "2")), day=15),
        Invoice("inv-10", "sofia", "open", _lines(("SVC-REPAIR", "2", "exempt")), day=16),
        Invoice("inv-11", "clara", "open", _lines(("BAG-SYN-32", "1", "nyc")), day=18),
        # Paid, then refunded in full: HubSpot moves it back to open.
        Invoice("inv-12", "ruby", "open", _lines(("LAMP-400", "2", "ca")), day=19,
                payments=(Payment(refunded=None, reference="ch_demo_0012"),)),
        # Paid, then refunded in part.
        Invoice("inv-13", "maya", "open", _lines(("TENT-4P", "1", "ca"), ("FUEL-230", "2", "ca")), day=21,
                payments=(Payment(refunded=D("50.00"), reference="ch_demo_0013"),)),
        Invoice("inv-14", "liam", "open", _lines(("STOVE-CANISTER", "2", "nyc")), day=22,
                payments=(Payment(D("40.00"), status="processing", reference="ach_demo_0014"),)),
        Invoice("inv-15", "noah", "voided", _lines(("PAD-INS-R4", "1", "ca")), day=23),
        Invoice("inv-16", "ava", "draft", _lines(("TENT-2P", "2", "ca")), day=25),
        Invoice("inv-17", "ethan", "draft", _lines(("FILTER-SQZ", "1")), day=26),
        # Billed to Liam (New York City), whose state matches the NYC rate; Iris is in CA.
        Invoice("inv-18", "liam", "open", _lines(("BAG-DOWN-20", "1", "nyc"), ("POLE-CARBON", "1", "nyc")),
                day=27, payments=(Payment(D("50.00"), status="failed", reference="ch_demo_0018"),)),
    ),
    quotes=(
        Quote("q-01", "Spring trip outfitting", "maya", "DRAFT", _lines(("TENT-4P", "2", "ca")), day=2),
        Quote("q-02", "Guide team kit", "liam", "PENDING_APPROVAL",
              _lines(("POLE-CARBON", "6", "nyc"), ("LAMP-400", "6", "nyc")), day=4),
        Quote("q-03", "Lodge rental fleet", "noah", "APPROVED", _lines(("BAG-SYN-32", "10", "ca")), day=6),
        Quote("q-04", "Kayak club safety", "lena", "APPROVAL_NOT_NEEDED", _lines(("FILTER-SQZ", "8")), day=10),
        Quote("q-05", "Summer program", "ethan", "ACCEPTED",
              _lines(("SVC-GUIDE-DAY", "12", "exempt"), ("FUEL-230", "24", "ca")), day=13),
        Quote("q-06", "Discount request", "iris", "REJECTED", _lines(("TENT-2P", "4", "ca", "100.00")), day=17),
    ),
)

EU_TAX_RATES = (
    TaxRate("tva20", "TVA 20 %", "FR 20%", D("20"), "TVA 20%"),
    TaxRate("tva55", "TVA 5,5 %", "FR 5.5%", D("5.5"), "TVA 5,5%"),
)

EU_PRODUCTS = (
    Product("EU-TENT-2", "Tente alpine 2 places", D("329.00")),
    Product("EU-BAG-DOWN", "Sac de couchage duvet", D("279.90")),
    Product("EU-POLES", "Bâtons de randonnée", D("99.00")),
    Product("EU-STOVE", "Réchaud à gaz", D("54.50")),
    Product("EU-MAP", "Carte IGN 1:25 000", D("12.90")),
)

EU_CONTACTS = (
    Contact("camille", "Camille", "Durand", "camille.durand@refuge-alpin.example", "Refuge Alpin",
            address=Address("250 Route du Montenvers", "Chamonix-Mont-Blanc", "Auvergne-Rhône-Alpes",
                            "74400", "FR")),
    Contact("hugo", "Hugo", "Lefèvre", "hugo@vercors-rando.example", "Vercors Rando",
            address=Address("12 Place de la Libération", "Villard-de-Lans", "Auvergne-Rhône-Alpes",
                            "38250", "FR")),
    Contact("ines", "Inès", "Martin", "ines.martin@example.fr", "", quickbooks_email=None,
            address=Address("8 Rue des Capucins", "Lyon", "Auvergne-Rhône-Alpes", "69001", "FR")),
)

NORTHWIND_EU = Business(
    key="northwind-eu",
    hubspot_portal_id=2468102,
    hubspot_name="Northwind Outfitters (EU)",
    hubspot_domain="northwind-outfitters-eu.hubspot.example",
    quickbooks_realm_id="9341453050011003",
    quickbooks_company_name="Northwind Outfitters SARL",
    country="FR",
    currency="EUR",
    time_zone="Europe/Paris",
    tax_model="vat",
    tax_rates=EU_TAX_RATES,
    products=EU_PRODUCTS,
    contacts=EU_CONTACTS,
    invoices=(
        Invoice("eu-inv-01", "camille", "open", _lines(("EU-TENT-2", "1", "tva20"), ("EU-MAP", "2", "tva55")), day=2),
        Invoice("eu-inv-02", "hugo", "paid", _lines(("EU-POLES", "3", "tva20")), day=6,
                payments=(Payment(reference="pi_demo_eu_02"),)),
        Invoice("eu-inv-03", "ines", "open", _lines(("EU-STOVE", "1", "tva20")), day=9),
        Invoice("eu-inv-04", "camille", "draft", _lines(("EU-BAG-DOWN", "2", "tva20")), day=12),
    ),
    quotes=(
        Quote("eu-q-01", "Équipement refuge", "camille", "APPROVED", _lines(("EU-BAG-DOWN", "4", "tva20")), day=3),
    ),
)

BUSINESSES = (NORTHWIND_US, NORTHWIND_EU)
