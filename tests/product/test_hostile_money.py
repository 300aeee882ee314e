"""Issue 15 item 3, odd money values from the emulators reaching the product's invoice sync.

What the emulators now do like the real services (their READMEs, "Numbers"): HubSpot keeps a
price as written and rounds the line amount half up to the cent; QuickBooks keeps Qty/UnitPrice
to 7 decimals, amounts to the cent and at most 10 integer digits, and refuses a total below zero.
An invoice that QuickBooks can't hold must fail with a clear message and write nothing; one it
can hold must carry HubSpot's own amounts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from simplecommercesync.sync.engine.models import RecordStatus

from .test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)


def line_amounts(world: World, record_destination: str) -> Decimal:
    written = world.qb("GET", f"invoice/{record_destination}")["Invoice"]
    return sum((Decimal(str(li["Amount"])) for li in written["Line"]
                if li.get("DetailType") == "SalesItemLineDetail"), Decimal(0))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_what_quickbooks_cant_hold_fails_clearly_and_writes_nothing(world: World) -> None:
    world.item("HUGE-1")
    contact = world.contact(f"huge-{world.tag}@example.com")
    cases = {
        # HubSpot takes up to 15 integer digits; QuickBooks' 10.5 format holds 10 (2010).
        "huge": world.invoice(contact, [("HUGE-1", "1", "999999999999999")]),
        "past ten digits": world.invoice(contact, [("HUGE-1", "2", "5000000000.00")]),
        # A HubSpot invoice may total below zero; QuickBooks takes no such invoice (6000).
        "negative": world.invoice(contact, [("HUGE-1", "1", "-5.00")]),
    }
    before = world.invoice_count()
    world.queue(*cases.values())
    world.drain()
    for name, invoice_id in cases.items():
        record = world.record(invoice_id)
        assert record.status == RecordStatus.FAILED, (name, record.status)
        assert record.error_message and "Traceback" not in record.error_message, name
    assert world.invoice_count() == before


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_many_decimals_and_negative_lines_sync_with_hubspots_amounts(world: World) -> None:
    world.item("ODDLINE-1")
    world.item("ODDLINE-2")
    contact = world.contact(f"oddline-{world.tag}@example.com")
    invoices = [
        world.invoice(contact, [("ODDLINE-1", "1.23456789", "10.00")]),
        world.invoice(contact, [("ODDLINE-1", "0.33333333333", "300.00")]),
        world.invoice(contact, [("ODDLINE-1", "2", "25.00"), ("ODDLINE-2", "1", "-10.00")]),
        world.invoice(contact, [("ODDLINE-1", "3", "19.99"), ("ODDLINE-2", "-1", "19.99")]),
    ]
    world.queue(*invoices)
    world.drain()
    for invoice_id in invoices:
        record = world.record(invoice_id)
        assert record.status == RecordStatus.SUCCESS, record.error_message
        hubspot = Decimal(world.invoice_properties(invoice_id, "hs_subtotal")["hs_subtotal"])
        assert line_amounts(world, record.destination_id) == hubspot


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_sub_cent_prices_sync_with_hubspots_amounts(world: World) -> None:
    world.item("SUBCENT-1")
    contact = world.contact(f"subcent-{world.tag}@example.com")
    invoices = [
        world.invoice(contact, [("SUBCENT-1", "3", "0.005")]),
        world.invoice(contact, [("SUBCENT-1", "3", "1.23456789")]),
        world.invoice(contact, [("SUBCENT-1", "0.33333333333", "3000000.00")]),
    ]
    world.queue(*invoices)
    world.drain()
    wrong = []
    for invoice_id in invoices:
        record = world.record(invoice_id)
        hubspot = Decimal(world.invoice_properties(invoice_id, "hs_subtotal")["hs_subtotal"])
        if record.status != RecordStatus.SUCCESS:
            wrong.append((invoice_id, hubspot, record.error_message))
        elif (written := line_amounts(world, record.destination_id)) != hubspot:
            wrong.append((invoice_id, hubspot, written))
    assert not wrong  # (HubSpot invoice, HubSpot's subtotal, what QuickBooks got)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_percentage_discount_is_billed_as_hubspot_bills_it(world: World) -> None:
    world.item("PCTOFF-1")
    contact = world.contact(f"pctoff-{world.tag}@example.com")
    invoice_id = world.invoice(contact, [], status="draft")
    world.hs("PUT", f"/crm/v4/objects/invoices/{invoice_id}/associations/default/contacts/{contact}")
    line = world.hs("POST", "/crm/v3/objects/line_items", {"properties": {
        "name": "Twelve and a half off", "hs_sku": "PCTOFF-1", "quantity": "3", "price": "19.99",
        "hs_discount_percentage": "12.5"}})["id"]
    world.hs("PUT", f"/crm/v4/objects/invoices/{invoice_id}/associations/default/line_items/{line}")
    world.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": {"hs_invoice_status": "open"}})
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, record.error_message
    hubspot = Decimal(world.invoice_properties(invoice_id, "hs_subtotal")["hs_subtotal"])
    assert hubspot == Decimal("52.47")  # 3 × 19.99 = 59.97, less 12.5 % = 52.47375
    assert line_amounts(world, record.destination_id) == hubspot
