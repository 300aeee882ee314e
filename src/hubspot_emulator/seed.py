"""The demo world (`--seed demo`): one app, two people, two portals with realistic records.

Deterministic: the same ids, names, amounts and dates on every start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .accounts import Membership, Portal
from .clock import iso
from .config import DEMO_REDIRECT_URIS, EmulatorConfig
from .models import HubSpotBackend, HubSpotWorld
from .objects import default_type
from .tax_rates import TaxRate

DEMO_CLIENT_ID = "scs-demo-hubspot"
DEMO_CLIENT_SECRET = "scs-demo-hubspot-secret"
DEMO_APP_ID = 4242001
DEMO_PASSWORD = "hubspot-demo"
OWNER_EMAIL = "owner@northwind.example"
REP_EMAIL = "rep@northwind.example"
MAIN_PORTAL = 2468101
EU_PORTAL = 2468102
CENT = Decimal("0.01")
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)

_FIRST = ["Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Iris", "Owen", "Lena", "Caleb", "Nora",
          "Felix", "Ruby", "Milo", "Hazel", "Jonas", "Clara", "Theo", "Elena", "Hugo", "Ingrid",
          "Marco", "Sofia", "Tariq", "Yuki"]
_LAST = ["Bergstrom", "Okafor", "Lindqvist", "Castillo", "Nakamura", "Ferreira", "Kowalski",
         "Haddad", "Moreau", "Schultz", "Abernathy", "Delgado", "Fitzgerald", "Ivanova", "Quinn",
         "Rasmussen", "Sato", "Tremblay", "Underwood", "Vasquez", "Whitfield", "Xu", "Young",
         "Zielinski", "Brennan"]
_COMPANIES = ["Trailhead Outfitters", "Summit Supply Co", "Ridgeline Rentals", "Basecamp Guides",
              "Cascade Kayak Club", "Pinecrest Lodge", ""]
_PRODUCTS = [
    ("Two-Person Trail Tent", "TENT-2P", "289.00", "Lightweight three-season tent."),
    ("Two-Person Trail Tent (footprint bundle)", "tent-2p", "319.00",
     "Tent with matching footprint; SKU differs from TENT-2P only by case."),
    ("Four-Person Family Tent", "TENT-4P", "449.50", "Roomy tent with two vestibules."),
    ("Down Sleeping Bag -7°C", "BAG-DOWN-20", "249.95", "800-fill down, mummy cut."),
    ("Synthetic Sleeping Bag 0°C", "BAG-SYN-32", "129.00", ""),
    ("Insulated Sleeping Pad", "PAD-INS-R4", "139.99", "R-value 4.2."),
    ("Trekking Poles (pair)", "POLE-CARBON", "119.00", "Carbon fiber, flick locks."),
    ("Backpacking Stove", "STOVE-CANISTER", "59.95", ""),
    ("Fuel Canister 230 g", "FUEL-230", "6.49", "Isobutane-propane mix."),
    ("Water Filter", "FILTER-SQZ", "39.99", "Squeeze filter, 0.1 micron."),
    ("Headlamp 400 lm", "LAMP-400", "44.95", ""),
    ("Rain Shell Jacket", "JKT-RAIN-M", "179.00", "Three-layer waterproof shell."),
    ("Merino Base Layer", "BASE-MERINO", "89.00", ""),
    ("Trail Running Shoes", "SHOE-TRAIL-42", "134.50", ""),
    ("Guided Day Hike (per person)", "SVC-GUIDE-DAY", "75.00", "A service, not a stock item."),
]
_EU_PRODUCTS = [
    ("Alpine Tent 2", "EU-TENT-2", "329.00", ""),
    ("Daunenschlafsack", "EU-BAG-DOWN", "279.90", ""),
    ("Wanderstöcke", "EU-POLES", "99.00", ""),
    ("Gaskocher", "EU-STOVE", "54.50", ""),
    ("Stirnlampe", "EU-LAMP", "39.95", ""),
]


@dataclass
class PortalSeed:
    currency: str
    tax_rates: list[tuple[str, str, str]]  # name, label, percentage
    products: list[tuple[str, str, str, str]]
    contacts: int
    invoices: int
    quotes: int
    domain_suffix: str


def seed_demo(world: HubSpotWorld, config: EmulatorConfig) -> None:
    world.oauth.register_app(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        name="SimpleCommerceSync (demo)",
        app_id=DEMO_APP_ID,
        redirect_uris=list(config.redirect_uris or DEMO_REDIRECT_URIS),
    )
    main = world.add_portal(Portal(MAIN_PORTAL, "Northwind Outfitters",
                                   "northwind-outfitters.hubspot.example", "USD"))
    eu = world.add_portal(Portal(EU_PORTAL, "Northwind Outfitters (EU)",
                                 "northwind-outfitters-eu.hubspot.example", "EUR",
                                 "Europe/Berlin"))
    world.directory.add_user(OWNER_EMAIL, DEMO_PASSWORD, "Olivia", "Northwind",
                             [Membership(MAIN_PORTAL, True), Membership(EU_PORTAL, True)])
    world.directory.add_user(REP_EMAIL, DEMO_PASSWORD, "Ravi", "Salesman",
                             [Membership(MAIN_PORTAL, False)])
    _seed_portal(main, PortalSeed(
        "USD",
        [("California Sales Tax", "CA 7.25%", "7.25"),
         ("New York City Sales Tax", "NYC 8.875%", "8.875"),
         ("Oregon (no sales tax)", "OR 0%", "0")],
        _PRODUCTS, contacts=25, invoices=20, quotes=6, domain_suffix="example.com"))
    _seed_portal(eu, PortalSeed(
        "EUR",
        [("Mehrwertsteuer 19 %", "DE 19%", "19"), ("Ermäßigt 7 %", "DE 7%", "7")],
        _EU_PRODUCTS, contacts=6, invoices=4, quotes=1, domain_suffix="example.de"))


def _seed_portal(backend: HubSpotBackend, seed: PortalSeed) -> None:
    rng = random.Random(backend.portal.id)
    clock = iter(START + timedelta(hours=7 * i) for i in range(10_000))
    rates: list[TaxRate] = [backend.tax_rates.add(name, label, Decimal(pct), at=next(clock))
                            for name, label, pct in seed.tax_rates]
    contacts = []
    for i in range(seed.contacts):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        properties = {"firstname": first, "lastname": last,
                      "company": _COMPANIES[i % len(_COMPANIES)],
                      "phone": f"+1 503 555 {1000 + i * 37:04d}"}
        if i % 9 == 4:
            pass  # a contact without an email address
        elif i % 6 == 1:
            properties["email"] = f"{first}.{last}@{seed.domain_suffix}".title().replace(
                ".Com", ".com").replace(".De", ".de")  # mixed case, e.g. Liam.Okafor@Example.com
        else:
            properties["email"] = f"{first[0]}{last}@{seed.domain_suffix}".lower()
        contacts.append(backend.create_object("contacts", properties, at=next(clock)))
    products = [
        backend.create_object("products", {"name": name, "hs_sku": sku, "price": price,
                                           "description": text}, at=next(clock))
        for name, sku, price, text in seed.products
    ]

    def add_lines(parent_type: str, parent_id: str, count: int) -> tuple[Decimal, Decimal]:
        subtotal, tax = Decimal(0), Decimal(0)
        for position in range(count):
            product = products[rng.randrange(len(products))]
            quantity = Decimal(rng.choice([1, 1, 1, 2, 2, 3, 4, 10]))
            price = Decimal(product.properties["price"])
            rate = rates[rng.randrange(len(rates))] if rng.random() < 0.7 else None
            properties = {"name": product.properties["name"], "quantity": str(quantity),
                          "price": product.properties["price"], "hs_product_id": product.id,
                          "hs_sku": product.properties["hs_sku"],
                          "hs_line_item_currency_code": seed.currency,
                          "hs_position_on_quote": str(position)}
            if rate is not None:
                properties["hs_tax_rate_group_id"] = rate.id
                tax += (quantity * price * rate.percentage_rate / 100).quantize(CENT)
            line = backend.create_object("line_items", properties, at=next(clock))
            backend.associations.add(parent_type, parent_id, "line_items", line.id,
                                     default_type(parent_type, "line_items"))
            subtotal += quantity * price
        return subtotal, tax

    statuses = ["draft", "open", "paid", "voided"]
    paid_invoices: list[tuple[str, Decimal, str]] = []
    open_invoices: list[tuple[str, Decimal, str]] = []
    for i in range(seed.invoices):
        contact = contacts[(i * 3) % len(contacts)]
        status = statuses[i % len(statuses)]
        created = next(clock)
        invoice = backend.create_object("invoices", {
            "hs_currency": seed.currency,
            "hs_invoice_date": iso(created),
            "hs_due_date": iso(created + timedelta(days=30)),
            "hs_invoice_status": status,
            "hs_number": f"INV-{1001 + i}" if status != "draft" else "",
            "hs_title": f"Order for {contact.properties.get('company') or 'customer'}",
        }, at=created)
        backend.associations.add("invoices", invoice.id, "contacts", contact.id,
                                 default_type("invoices", "contacts"))
        subtotal, tax = add_lines("invoices", invoice.id, 1 + rng.randrange(5))
        billed = (subtotal + tax).quantize(CENT)
        paid = billed if status == "paid" else Decimal("0.00")
        _set_silently(backend, "invoices", invoice.id, {
            "hs_amount_billed": str(billed), "hs_amount_paid": str(paid),
            "hs_balance_due": str(billed - paid if status in ("open", "paid") else
                                  Decimal("0.00") if status == "voided" else billed)})
        email = contact.properties.get("email", "")
        if status == "paid":
            paid_invoices.append((invoice.id, billed, email))
        elif status == "open":
            open_invoices.append((invoice.id, billed, email))

    payment_number = iter(range(5001, 6000))

    def add_payment(invoice_id: str, amount: Decimal, email: str, status: str,
                    refunded: Decimal = Decimal("0.00")) -> None:
        payment = backend.create_object("commerce_payments", {
            "hs_initial_amount": str(amount),
            "hs_initiated_date": iso(next(clock)),
            "hs_latest_status": status,
            "hs_currency_code": seed.currency,
            "hs_payment_method_type": rng.choice(["card", "card", "ach"]),
            "hs_refunds_amount": str(refunded),
            "hs_net_amount": str(amount - refunded),
            "hs_reference_number": f"PAY-{next(payment_number)}",
            "hs_customer_email": email,
        }, at=next(clock))
        backend.associations.add("invoices", invoice_id, "commerce_payments", payment.id,
                                 default_type("invoices", "commerce_payments"))

    for index, (invoice_id, billed, email) in enumerate(paid_invoices):
        if index == 1:
            add_payment(invoice_id, billed, email, "refunded", billed)
        elif index == 2:
            add_payment(invoice_id, billed, email, "partially_refunded",
                        (billed / 4).quantize(CENT))
        else:
            add_payment(invoice_id, billed, email, "succeeded")
    if open_invoices:
        # A partial payment: half of the first open invoice is paid, the rest is still due.
        invoice_id, billed, email = open_invoices[0]
        half = (billed / 2).quantize(CENT)
        add_payment(invoice_id, half, email, "succeeded")
        _set_silently(backend, "invoices", invoice_id, {"hs_amount_paid": str(half),
                                                        "hs_balance_due": str(billed - half)})
    if len(open_invoices) > 1:
        invoice_id, billed, email = open_invoices[1]
        add_payment(invoice_id, billed, email, "processing")

    quote_statuses = ["DRAFT", "PENDING_APPROVAL", "APPROVAL_NOT_NEEDED", "APPROVED", "REJECTED",
                      "ACCEPTED"]
    for i in range(seed.quotes):
        contact = contacts[(i * 5 + 2) % len(contacts)]
        created = next(clock)
        quote = backend.create_object("quotes", {
            "hs_title": f"Quote Q-{301 + i} for {contact.properties['firstname']}",
            "hs_expiration_date": iso(created + timedelta(days=21)),
            "hs_status": quote_statuses[i % len(quote_statuses)],
            "hs_currency": seed.currency,
            "hs_quote_number": f"Q-{301 + i}",
        }, at=created)
        backend.associations.add("quotes", quote.id, "contacts", contact.id,
                                 default_type("quotes", "contacts"))
        subtotal, tax = add_lines("quotes", quote.id, 1 + rng.randrange(4))
        _set_silently(backend, "quotes", quote.id,
                      {"hs_quote_amount": str((subtotal + tax).quantize(CENT))})


def _set_silently(backend: HubSpotBackend, object_type: str, object_id: str,
                  values: dict[str, str]) -> None:
    """Seed-time edits that keep the record's timestamps as created (no webhook either)."""
    obj = backend.get_object(object_type, object_id)
    obj.properties.update({k: v for k, v in values.items() if v != ""})


def generate(backend: HubSpotBackend, *, contacts: int = 0, products: int = 0,
             invoices: int = 0, lines_per_invoice: int = 3,
             invoice_status: str = "open") -> dict[str, int]:
    """Bulk records for benchmarks: deterministic, associated like the demo data, no webhooks.

    Invoices use the portal's existing contacts and products round-robin (new ones first).
    """
    rng = random.Random(backend.portal.id + backend.count("invoices"))
    currency = backend.portal.currency
    offset = backend.count("contacts")
    new_contacts = [
        backend.create_object("contacts", {
            "email": f"bench-{offset + i}@example.com", "firstname": _FIRST[i % len(_FIRST)],
            "lastname": _LAST[i % len(_LAST)], "company": f"Bench Customer {offset + i}"}).id
        for i in range(contacts)]
    offset = backend.count("products")
    new_products = [
        backend.create_object("products", {
            "name": f"Bench item {offset + i}", "hs_sku": f"BENCH-{offset + i:06d}",
            "price": f"{rng.randrange(100, 50000) / 100:.2f}"})
        for i in range(products)]
    contact_ids = new_contacts or [o.id for o in backend.list_objects("contacts", 100, None)[0]]
    product_objs = new_products or backend.list_objects("products", 100, None)[0]
    if invoices and (not contact_ids or not product_objs):
        raise ValueError("invoices need at least one contact and one product")
    to_contact = default_type("invoices", "contacts")
    to_line = default_type("invoices", "line_items")
    for i in range(invoices):
        invoice = backend.create_object("invoices", {
            "hs_currency": currency, "hs_invoice_status": invoice_status,
            "hs_invoice_date": iso(START + timedelta(minutes=i)),
            "hs_due_date": iso(START + timedelta(days=30, minutes=i))})
        backend.associations.add("invoices", invoice.id, "contacts",
                                 contact_ids[i % len(contact_ids)], to_contact)
        total = Decimal(0)
        for n in range(lines_per_invoice):
            product = product_objs[(i * lines_per_invoice + n) % len(product_objs)]
            quantity = 1 + (i + n) % 4
            line = backend.create_object("line_items", {
                "name": product.properties.get("name", ""), "quantity": str(quantity),
                "price": product.properties.get("price", "0"), "hs_product_id": product.id,
                "hs_sku": product.properties.get("hs_sku", ""),
                "hs_line_item_currency_code": currency})
            backend.associations.add("invoices", invoice.id, "line_items", line.id, to_line)
            total += quantity * Decimal(product.properties.get("price", "0"))
        _set_silently(backend, "invoices", invoice.id, {
            "hs_amount_billed": str(total), "hs_balance_due": str(total)})
    return {"contacts": contacts, "products": products, "invoices": invoices,
            "line_items": invoices * lines_per_invoice}
