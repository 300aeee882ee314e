"""The demo world (`--seed demo`): one app, two people, and Northwind Outfitters' two portals.

The records come from `emulator_core.northwind` (the data the QuickBooks emulator seeds from too)
and are written through the same backend operations an API client uses: invoices are created as
drafts, get their contact and line items, are opened, paid by associated payments, refunded and
voided, so every derived value (amounts, statuses, numbers) is the emulator's own calculation.
Deterministic: the same ids, names, amounts and creation dates on every start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from emulator_core.northwind import BUSINESSES, DEMO_START, Business, Contact, Invoice, Line, Product, Quote

from .accounts import Membership, Portal
from .clock import iso
from .config import DEMO_REDIRECT_URIS, EmulatorConfig
from .exceptions import ValidationError
from .models import HubSpotBackend, HubSpotWorld
from .objects import CrmObject, default_type

DEMO_CLIENT_ID = "scs-demo-hubspot"
DEMO_CLIENT_SECRET = "scs-demo-hubspot-secret"
DEMO_APP_ID = 4242001
DEMO_PASSWORD = "hubspot-demo"
OWNER_EMAIL = "owner@northwind.example"
REP_EMAIL = "rep@northwind.example"
MAIN_PORTAL = 2468101
EU_PORTAL = 2468102
CENT = Decimal("0.01")


def seed_demo(world: HubSpotWorld, config: EmulatorConfig) -> None:
    world.oauth.register_app(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        name="SimpleCommerceSync (demo)",
        app_id=DEMO_APP_ID,
        redirect_uris=list(config.redirect_uris or DEMO_REDIRECT_URIS),
    )
    backends = [world.add_portal(Portal(b.hubspot_portal_id, b.hubspot_name, b.hubspot_domain,
                                        b.currency, b.time_zone)) for b in BUSINESSES]
    world.directory.add_user(OWNER_EMAIL, DEMO_PASSWORD, "Olivia", "Northwind",
                             [Membership(MAIN_PORTAL, True), Membership(EU_PORTAL, True)])
    world.directory.add_user(REP_EMAIL, DEMO_PASSWORD, "Ravi", "Salesman",
                             [Membership(MAIN_PORTAL, False)])
    for backend, business in zip(backends, BUSINESSES, strict=True):
        with backend.quietly():
            seed_business(backend, business)
        backend.index_now()


@dataclass
class Catalog:
    """One portal's records by the keys the shared data uses."""

    contacts: dict[str, CrmObject] = field(default_factory=dict)
    products: dict[str, CrmObject] = field(default_factory=dict)
    tax_rates: dict[str, str] = field(default_factory=dict)  # TaxRate.key → rate id
    payment_number: int = 5001


def seed_business(backend: HubSpotBackend, business: Business) -> Catalog:
    catalog = Catalog()
    for i, rate in enumerate(business.tax_rates):
        catalog.tax_rates[rate.key] = backend.tax_rates.add(
            rate.name, rate.label, rate.percentage, at=DEMO_START - timedelta(days=30 - i)).id
    for i, contact in enumerate(business.contacts):
        add_contact(backend, catalog, contact, DEMO_START - timedelta(days=20, hours=-i))
    for i, product in enumerate(business.products):
        add_product(backend, catalog, product, DEMO_START - timedelta(days=10, hours=-i))
    for invoice in business.invoices:
        add_invoice(backend, catalog, invoice)
    for quote in business.quotes:
        add_quote(backend, catalog, quote)
    return catalog


def add_contact(backend: HubSpotBackend, catalog: Catalog, contact: Contact,
                at: datetime | None = None) -> CrmObject:
    values = {"firstname": contact.firstname, "lastname": contact.lastname,
              "company": contact.company, "phone": contact.phone}
    if contact.email is not None:
        values["email"] = contact.email
    if contact.address is not None:
        values.update({"address": contact.address.street, "city": contact.address.city,
                       "state": contact.address.state, "zip": contact.address.zip,
                       "country": contact.address.country})
    record = backend.create_object("contacts", values, at=at)
    catalog.contacts[contact.key] = record
    return record


def add_product(backend: HubSpotBackend, catalog: Catalog, product: Product,
                at: datetime | None = None) -> CrmObject:
    record = backend.create_object("products", {
        "name": product.name, "hs_sku": product.sku, "price": str(product.price),
        "description": product.description,
        "hs_product_type": "service" if product.item_type == "Service" else "non_inventory",
    }, at=at)
    catalog.products[product.sku] = record
    return record


def _line_values(catalog: Catalog, line: Line, currency: str, position: int) -> dict[str, str]:
    product = catalog.products[line.sku]
    values = {"hs_product_id": product.id, "quantity": str(line.quantity),
              "hs_line_item_currency_code": currency, "hs_position_on_quote": str(position)}
    if line.discount:
        # The shared data gives an amount off the line; HubSpot's `discount` is per unit.
        unit = line.discount / line.quantity
        if unit.quantize(CENT) != unit:
            raise ValueError(f"{line.sku}: discount {line.discount} is not a whole cent per unit")
        values["discount"] = str(unit.quantize(CENT))
    if line.tax_rate is not None:
        values["hs_tax_rate_group_id"] = catalog.tax_rates[line.tax_rate]
    return values


def _with_lines(backend: HubSpotBackend, catalog: Catalog, parent_type: str,
                lines: tuple[Line, ...], contact: str, currency: str,
                values: dict[str, str], at: datetime) -> CrmObject:
    """The parent created with its contact and line items in one call, as a client may."""
    links = []
    for position, line in enumerate(lines):
        item = backend.create_object("line_items", _line_values(catalog, line, currency, position),
                                     at=at)
        links.append(_link(parent_type, "line_items", item.id))
    links.append(_link(parent_type, "contacts", catalog.contacts[contact].id))
    return backend.create_object(parent_type, values, links, at=at)


def _link(from_type: str, to_type: str, to_id: str) -> dict[str, object]:
    return {"to": {"id": to_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                           "associationTypeId": default_type(from_type,
                                                                             to_type).type_id}]}


def add_invoice(backend: HubSpotBackend, catalog: Catalog, invoice: Invoice,
                currency: str | None = None) -> CrmObject:
    """A draft, then opened, paid, refunded or voided as the data says: the way a client would."""
    currency = currency or backend.portal.currency
    at = DEMO_START + timedelta(days=invoice.day)
    record = _with_lines(backend, catalog, "invoices", invoice.lines, invoice.contact, currency, {
        "hs_currency": currency,
        "hs_invoice_date": iso(at),
        "hs_due_date": iso(at + timedelta(days=invoice.due_days)),
        "hs_title": f"Order {invoice.key}",
    }, at)
    if invoice.status == "draft":
        return record
    backend.update_object("invoices", record.id, {"hs_invoice_status": "open"})
    for payment in invoice.payments:
        add_payment(backend, catalog, record, payment.amount, payment.status, payment.method,
                    payment.reference, invoice.contact, at + timedelta(days=1),
                    refund=payment.refunded)
    if invoice.status == "voided":
        backend.update_object("invoices", record.id, {"hs_invoice_status": "voided"})
    final = record.properties["hs_invoice_status"]
    if final != invoice.status:
        raise ValidationError(f"{invoice.key} ended {final}, the data says {invoice.status}: "
                              "its payments don't add up.")
    return record


def add_payment(backend: HubSpotBackend, catalog: Catalog, invoice: CrmObject,
                amount: Decimal | None, status: str, method: str, reference: str,
                contact: str, at: datetime, refund: Decimal | None = Decimal(0)) -> CrmObject:
    """A payment applied to the invoice; `refund` None refunds it in full."""
    gross = amount if amount is not None else Decimal(invoice.properties["hs_balance_due"])
    email = catalog.contacts[contact].properties.get("email", "")
    number = catalog.payment_number
    catalog.payment_number += 1
    payment = backend.create_object("commerce_payments", {
        "hs_initial_amount": str(gross),
        "hs_initiated_date": iso(at),
        "hs_latest_status": status,
        "hs_currency_code": invoice.properties["hs_currency"],
        "hs_payment_method_type": method if method in ("card", "ach", "sepa", "bacs") else "other",
        "hs_reference_number": reference or f"PAY-{number}",
        "hs_customer_email": email,
    }, [_link("commerce_payments", "invoices", invoice.id)], at=at)
    if refund is None or refund > 0:
        backend.refund_payment(payment.id, refund)
    return payment


def add_quote(backend: HubSpotBackend, catalog: Catalog, quote: Quote) -> CrmObject:
    currency = backend.portal.currency
    at = DEMO_START + timedelta(days=quote.day)
    record = _with_lines(backend, catalog, "quotes", quote.lines, quote.contact, currency, {
        "hs_title": quote.title,
        "hs_expiration_date": iso(at + timedelta(days=quote.expires_days)),
        "hs_currency": currency,
    }, at)
    if quote.status != "DRAFT":
        backend.update_object("quotes", record.id, {"hs_status": quote.status})
    return record
