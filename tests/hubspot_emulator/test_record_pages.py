"""HubSpot's read-only record pages (/contacts/{portalId}/record/{objectTypeId}/{objectId}),
which the product's Data pages link to: sign-in, access, the record's properties and associations."""

from __future__ import annotations

import httpx

from hubspot_emulator.models import HubSpotWorld
from hubspot_emulator.seed import EU_PORTAL, MAIN_PORTAL, REP_EMAIL

from .conftest import ConsentFlow


def _invoice_with_sku(world: HubSpotWorld, sku: str) -> tuple[str, str, str]:
    """(invoice id, its number, its contact id) of the demo invoice with a line of that SKU."""
    backend = world.backend(MAIN_PORTAL)
    invoices, _ = backend.list_objects("invoices", 100, None)
    for invoice in invoices:
        lines = backend.associations_of("invoices", invoice.id, "line_items")
        skus = {backend.get_object("line_items", i).properties.get("hs_sku") for i, _ in lines}
        if sku in skus:
            contact = backend.associations_of("invoices", invoice.id, "contacts")[0][0]
            return invoice.id, invoice.properties.get("hs_number", ""), contact
    raise AssertionError(f"no demo invoice with {sku}")


def test_record_page_needs_sign_in(http: httpx.Client, world: HubSpotWorld) -> None:
    invoice_id, _, _ = _invoice_with_sku(world, "PACK-65L")
    path = f"/contacts/{MAIN_PORTAL}/record/0-53/{invoice_id}"
    response = http.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_invoice_record_page_shows_properties_and_linked_records(
        http: httpx.Client, flow: ConsentFlow, world: HubSpotWorld) -> None:
    invoice_id, number, contact_id = _invoice_with_sku(world, "PACK-65L")
    assert flow.sign_in().status_code == 303
    page = http.get(f"/contacts/{MAIN_PORTAL}/record/0-53/{invoice_id}")
    assert page.status_code == 200, page.text
    assert f'<h1 data-testid="record-name">{number}</h1>' in page.text
    assert "<code>hs_invoice_status</code>" in page.text and "PACK-65L" not in page.text.split("Associations")[0]
    # The line items and the contact link to their own record pages, which answer too.
    assert f'href="/contacts/{MAIN_PORTAL}/record/0-1/{contact_id}"' in page.text
    contact = http.get(f"/contacts/{MAIN_PORTAL}/record/0-1/{contact_id}")
    assert contact.status_code == 200 and "<code>email</code>" in contact.text
    line_ids = [i for i, _ in world.backend(MAIN_PORTAL).associations_of("invoices", invoice_id, "line_items")]
    line = http.get(f"/contacts/{MAIN_PORTAL}/record/0-8/{line_ids[0]}")
    assert line.status_code == 200 and "<code>hs_sku</code>" in line.text


def test_unknown_record_other_portal_and_type_are_refused(
        http: httpx.Client, flow: ConsentFlow, world: HubSpotWorld) -> None:
    invoice_id, _, _ = _invoice_with_sku(world, "PACK-65L")
    flow.sign_in()
    missing = http.get(f"/contacts/{MAIN_PORTAL}/record/0-53/999")
    assert missing.status_code == 404 and "Record not found" in missing.text
    # The invoice lives in the US portal: under the EU portal's id it doesn't exist.
    assert http.get(f"/contacts/{EU_PORTAL}/record/0-53/{invoice_id}").status_code == 404
    assert http.get(f"/contacts/{MAIN_PORTAL}/record/0-999/{invoice_id}").status_code == 404
    assert http.get(f"/contacts/9999999/record/0-53/{invoice_id}").status_code == 404


def test_person_without_access_to_the_portal_gets_403(
        http: httpx.Client, flow: ConsentFlow, world: HubSpotWorld) -> None:
    flow.sign_in(email=REP_EMAIL)  # a user of the US portal only
    eu_invoices, _ = world.backend(EU_PORTAL).list_objects("invoices", 1, None)
    response = http.get(f"/contacts/{EU_PORTAL}/record/0-53/{eu_invoices[0].id}")
    assert response.status_code == 403 and "don&#39;t have access" in response.text
