"""Invoices, quotes, line items and payments behave like HubSpot's, through the official SDK."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import hubspot
import pytest
from hubspot.crm.objects import SimplePublicObjectInput, SimplePublicObjectInputForCreate

from emulator_core.northwind import NORTHWIND_US
from hubspot_emulator.seed import DEMO_APP_ID, MAIN_PORTAL

from .conftest import API_ERRORS, ConsentFlow


def create(client: hubspot.Client, object_type: str, associations: list[Any] | None = None,
           **properties: str) -> Any:
    return client.crm.objects.basic_api.create(object_type, SimplePublicObjectInputForCreate(
        properties=properties, associations=associations or []))


def update(client: hubspot.Client, object_type: str, object_id: str, **properties: str) -> Any:
    return client.crm.objects.basic_api.update(object_type, object_id,
                                               SimplePublicObjectInput(properties=properties))


# Every property the assertions below read (a GET returns only the ones it names).
FIELDS = ["hs_invoice_status", "hs_number", "hs_subtotal", "hs_amount_billed", "hs_amount_paid",
          "hs_balance_due", "hs_quote_amount", "hs_latest_status", "hs_refunds_amount",
          "hs_sku", "discount", "hs_total_discount", "amount"]


def get(client: hubspot.Client, object_type: str, object_id: str) -> dict[str, Any]:
    return dict(client.crm.objects.basic_api.get_by_id(object_type, object_id,
                                                       properties=FIELDS).properties)


def link(client: hubspot.Client, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
    client.crm.associations.v4.basic_api.create_default(from_type, from_id, to_type, to_id)


def error_of(raised: pytest.ExceptionInfo) -> dict[str, Any]:
    assert raised.value.status == 400, raised.value.body
    return dict(json.loads(raised.value.body))


def tax_rate_id(http: httpx.Client, token: str, name: str) -> str:
    rates = http.get("/tax-rates/v1/tax-rates", headers={"Authorization": f"Bearer {token}"})
    return next(str(r["id"]) for r in rates.json()["results"] if r["name"] == name)


def open_invoice(client: hubspot.Client, price: str = "100.00", quantity: str = "2",
                 **line: str) -> tuple[str, str]:
    invoice = create(client, "invoices", hs_currency="USD").id
    contact = create(client, "contacts", email=f"buyer{invoice}@example.com").id
    item = create(client, "line_items", name="Tent", price=price, quantity=quantity, **line).id
    link(client, "invoices", invoice, "contacts", contact)
    link(client, "invoices", invoice, "line_items", item)
    update(client, "invoices", invoice, hs_invoice_status="open")
    return invoice, item


def pay(client: hubspot.Client, invoice: str, amount: str, status: str = "succeeded") -> str:
    payment = create(client, "commerce_payments", hs_initial_amount=amount,
                     hs_initiated_date="2026-02-01", hs_latest_status=status).id
    link(client, "commerce_payments", payment, "invoices", invoice)
    return str(payment)


def test_a_new_invoice_is_a_draft_that_opens_only_with_a_contact_and_line_items(
        client: hubspot.Client, http: httpx.Client, private_token: str):
    invoice = create(client, "invoices", hs_currency="USD")
    assert invoice.properties["hs_invoice_status"] == "draft"
    assert invoice.properties["hs_amount_billed"] == "0.00"
    assert "hs_number" not in invoice.properties
    with pytest.raises(API_ERRORS) as raised:
        update(client, "invoices", invoice.id, hs_invoice_status="open")
    body = error_of(raised)
    assert body["category"] == "VALIDATION_ERROR"
    assert {e["code"] for e in body["errors"]} == {"MISSING_CONTACT_ASSOCIATION",
                                                   "MISSING_LINE_ITEMS"}
    contact = create(client, "contacts", email="opens@example.com").id
    link(client, "invoices", invoice.id, "contacts", contact)
    rate = tax_rate_id(http, private_token, "California Sales Tax")
    item = create(client, "line_items", name="Tent", price="289.00", quantity="1",
                  hs_tax_rate_group_id=rate).id
    with pytest.raises(API_ERRORS) as raised:
        update(client, "invoices", invoice.id, hs_invoice_status="open")
    assert [e["code"] for e in error_of(raised)["errors"]] == ["MISSING_LINE_ITEMS"]
    link(client, "invoices", invoice.id, "line_items", item)
    opened = update(client, "invoices", invoice.id, hs_invoice_status="open")
    assert opened.properties["hs_invoice_status"] == "open"
    props = get(client, "invoices", invoice.id)
    assert props["hs_number"].startswith("INV-")
    # 289.00 + 7.25 % tax (20.95 after rounding half up).
    assert (props["hs_subtotal"], props["hs_amount_billed"], props["hs_amount_paid"],
            props["hs_balance_due"]) == ("289.00", "309.95", "0.00", "309.95")


def test_invoices_are_created_as_drafts_only(client: hubspot.Client):
    with pytest.raises(API_ERRORS) as raised:
        create(client, "invoices", hs_currency="USD", hs_invoice_status="open")
    assert error_of(raised)["errors"][0]["code"] == "INVALID_INVOICE_STATUS"


@pytest.mark.parametrize("name", ["hs_subtotal", "hs_amount_billed", "hs_amount_paid",
                                  "hs_balance_due", "hs_number"])
def test_calculated_invoice_amounts_are_read_only(client: hubspot.Client, name: str):
    invoice = create(client, "invoices", hs_currency="USD").id
    with pytest.raises(API_ERRORS) as raised:
        update(client, "invoices", invoice, **{name: "1.00"})
    body = error_of(raised)
    assert body["errors"][0]["code"] == "READ_ONLY_VALUE" and body["errors"][0]["in"] == name
    with pytest.raises(API_ERRORS) as raised:
        create(client, "invoices", hs_currency="USD", **{name: "1.00"})
    assert "Property values were not valid" in error_of(raised)["message"]


def test_line_amounts_take_unit_discounts_percentages_and_tax(
        client: hubspot.Client, http: httpx.Client, private_token: str):
    rate = tax_rate_id(http, private_token, "California Sales Tax")
    unit = create(client, "line_items", name="Pad", price="100.00", quantity="2", discount="10",
                  hs_tax_rate_group_id=rate).properties
    assert (unit["amount"], unit["hs_total_discount"], unit["hs_tax_amount"],
            unit["hs_tax_rate"], unit["hs_post_tax_amount"]) == (
        "180.00", "20.00", "13.05", "7.25", "193.05")
    percent = create(client, "line_items", name="Pad", price="100.00", quantity="3",
                     hs_discount_percentage="15").properties
    assert (percent["amount"], percent["hs_total_discount"]) == ("255.00", "45.00")
    assert "hs_tax_amount" not in percent
    with pytest.raises(API_ERRORS) as raised:
        create(client, "line_items", name="Pad", price="1", quantity="1", discount="1",
               hs_discount_percentage="5")
    assert error_of(raised)["errors"][0]["code"] == "CONFLICTING_DISCOUNTS"
    with pytest.raises(API_ERRORS) as raised:
        create(client, "line_items", name="Pad", price="1", quantity="1",
               hs_tax_rate_group_id="424242")
    assert error_of(raised)["errors"][0]["code"] == "INVALID_TAX_RATE"


def test_line_changes_flow_into_the_invoice(client: hubspot.Client):
    invoice, item = open_invoice(client)
    assert get(client, "invoices", invoice)["hs_amount_billed"] == "200.00"
    update(client, "line_items", item, quantity="3")
    assert get(client, "invoices", invoice)["hs_amount_billed"] == "300.00"
    extra = create(client, "line_items", name="Fuel", price="6.49", quantity="1").id
    link(client, "invoices", invoice, "line_items", extra)
    assert get(client, "invoices", invoice)["hs_subtotal"] == "306.49"
    client.crm.objects.basic_api.archive("line_items", extra)
    assert get(client, "invoices", invoice)["hs_subtotal"] == "300.00"


def test_a_line_item_belongs_to_one_parent(client: hubspot.Client):
    invoice, item = open_invoice(client)
    quote = create(client, "quotes", hs_title="Q", hs_expiration_date="2026-06-01").id
    with pytest.raises(API_ERRORS) as raised:
        link(client, "quotes", quote, "line_items", item)
    assert raised.value.status == 400 and "one parent" in json.loads(raised.value.body)["message"]
    with pytest.raises(API_ERRORS):
        create(client, "quotes", hs_title="Q2", hs_expiration_date="2026-06-01", associations=[
            {"to": {"id": item}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                             "associationTypeId": 67}]}])


def test_payments_pay_an_invoice_and_refunds_reopen_it(client: hubspot.Client,
                                                       http: httpx.Client):
    invoice, _ = open_invoice(client)
    first = pay(client, invoice, "50.00")
    props = get(client, "invoices", invoice)
    assert (props["hs_invoice_status"], props["hs_amount_paid"], props["hs_balance_due"]) == (
        "open", "50.00", "150.00")
    pending = pay(client, invoice, "150.00", status="processing")
    assert get(client, "invoices", invoice)["hs_invoice_status"] == "open"
    update(client, "commerce_payments", pending, hs_latest_status="succeeded")
    props = get(client, "invoices", invoice)
    assert (props["hs_invoice_status"], props["hs_balance_due"]) == ("paid", "0.00")

    refund = http.post(f"/_emulator/portals/{MAIN_PORTAL}/payments/{first}/refund",
                       json={"amount": "20.00"})
    assert refund.status_code == 200
    assert refund.json()["properties"]["hs_latest_status"] == "partially_refunded"
    assert refund.json()["properties"]["hs_refunds_amount"] == "20.00"
    props = get(client, "invoices", invoice)
    assert (props["hs_invoice_status"], props["hs_amount_paid"], props["hs_balance_due"]) == (
        "open", "180.00", "20.00")
    rest = http.post(f"/_emulator/portals/{MAIN_PORTAL}/payments/{first}/refund", json={})
    assert rest.json()["properties"]["hs_latest_status"] == "refunded"
    assert rest.json()["properties"]["hs_net_amount"] == "0.00"
    assert get(client, "invoices", invoice)["hs_balance_due"] == "50.00"
    again = http.post(f"/_emulator/portals/{MAIN_PORTAL}/payments/{first}/refund", json={})
    assert again.status_code == 400 and "refunded" in again.json()["error"]
    too_much = http.post(f"/_emulator/portals/{MAIN_PORTAL}/payments/{pending}/refund",
                         json={"amount": "150.01"})
    assert too_much.status_code == 400 and "150.00" in too_much.json()["error"]


def test_refund_status_and_amounts_are_not_writable(client: hubspot.Client):
    invoice, _ = open_invoice(client)
    payment = pay(client, invoice, "10.00")
    with pytest.raises(API_ERRORS) as raised:
        update(client, "commerce_payments", payment, hs_latest_status="refunded")
    assert error_of(raised)["errors"][0]["code"] == "INVALID_PAYMENT_STATUS"
    with pytest.raises(API_ERRORS) as raised:
        update(client, "commerce_payments", payment, hs_refunds_amount="10.00")
    assert error_of(raised)["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_invoice_transitions_follow_the_invoices_guide(client: hubspot.Client):
    draft = create(client, "invoices", hs_currency="USD").id
    with pytest.raises(API_ERRORS):
        update(client, "invoices", draft, hs_invoice_status="voided")
    invoice, item = open_invoice(client)
    with pytest.raises(API_ERRORS) as raised:
        update(client, "invoices", invoice, hs_invoice_status="paid")
    assert "associate a payment" in error_of(raised)["message"]
    pay(client, invoice, "200.00")
    for status in ("draft", "open", "voided"):
        with pytest.raises(API_ERRORS) as raised:
            update(client, "invoices", invoice, hs_invoice_status=status)
        assert "Refund its payment first" in error_of(raised)["message"]
    with pytest.raises(API_ERRORS):
        update(client, "line_items", item, quantity="5")

    other, _ = open_invoice(client)
    with pytest.raises(API_ERRORS) as raised:
        pay(client, draft, "1.00")
    assert "only an open invoice takes payments" in error_of(raised)["message"]
    update(client, "invoices", other, hs_invoice_status="voided")
    for change in ({"hs_invoice_status": "open"}, {"hs_title": "renamed"}):
        with pytest.raises(API_ERRORS) as raised:
            update(client, "invoices", other, **change)
        assert error_of(raised)["errors"][0]["code"] == "INVOICE_VOIDED"


def test_open_invoice_can_go_back_to_draft_and_keeps_its_number(client: hubspot.Client):
    invoice, _ = open_invoice(client)
    number = get(client, "invoices", invoice)["hs_number"]
    update(client, "invoices", invoice, hs_invoice_status="draft")
    update(client, "invoices", invoice, hs_invoice_status="open")
    assert get(client, "invoices", invoice)["hs_number"] == number


def test_quotes_start_as_draft_and_total_their_line_items(client: hubspot.Client,
                                                          http: httpx.Client,
                                                          private_token: str):
    with pytest.raises(API_ERRORS):
        create(client, "quotes", hs_title="Q", hs_expiration_date="2026-06-01",
               hs_status="APPROVED")
    quote = client.crm.quotes.basic_api.create(
        __import__("hubspot.crm.quotes", fromlist=["SimplePublicObjectInputForCreate"])
        .SimplePublicObjectInputForCreate(properties={
            "hs_title": "Trip", "hs_expiration_date": "2026-06-01"}))
    assert quote.properties["hs_status"] == "DRAFT"
    rate = tax_rate_id(http, private_token, "New York City Sales Tax")
    item = create(client, "line_items", name="Poles", price="119.00", quantity="2",
                  hs_tax_rate_group_id=rate).id
    link(client, "quotes", quote.id, "line_items", item)
    # 238.00 + 8.875 % (21.1225 → 21.12).
    assert get(client, "quotes", quote.id)["hs_quote_amount"] == "259.12"
    update(client, "quotes", quote.id, hs_status="APPROVAL_NOT_NEEDED")
    with pytest.raises(API_ERRORS) as raised:
        update(client, "quotes", quote.id, hs_quote_amount="1")
    assert error_of(raised)["errors"][0]["code"] == "READ_ONLY_VALUE"
    with pytest.raises(API_ERRORS):
        update(client, "quotes", quote.id, hs_status="SIGNED_SOMEHOW")


def test_records_name_the_app_that_created_them(client: hubspot.Client, flow: ConsentFlow,
                                                sdk: Any):
    app_client = sdk(flow.tokens()["access_token"])
    by_app = create(app_client, "contacts", email="by-app@example.com").properties
    assert (by_app["hs_object_source"], by_app["hs_object_source_id"],
            by_app["hs_object_source_label"]) == ("INTEGRATION", str(DEMO_APP_ID), "INTEGRATION")
    assert by_app["hs_object_source_detail_1"] == "SimpleCommerceSync (demo)"
    by_person = create(client, "contacts", email="by-person@example.com").properties
    assert by_person["hs_object_source"] == "CRM_UI" and "hs_object_source_id" not in by_person
    with pytest.raises(API_ERRORS) as raised:
        update(client, "contacts", by_person["hs_object_id"], hs_object_source="INTEGRATION")
    assert error_of(raised)["errors"][0]["code"] == "READ_ONLY_VALUE"


def _demo_invoices(client: hubspot.Client) -> dict[str, dict[str, Any]]:
    page = client.crm.objects.basic_api.get_page(
        "invoices", limit=100, properties=["hs_title", "hs_invoice_status", "hs_amount_billed",
                                           "hs_amount_paid", "hs_balance_due", "hs_number"],
        associations=["commerce_payments"])
    return {str(i.properties["hs_title"]).removeprefix("Order "): {
        **i.properties, "payments": [a.id for a in (i.associations or {}).get(
            "commerce_payments", type("E", (), {"results": []})()).results]}
        for i in page.results}


def test_demo_portal_is_northwind_driven_to_its_statuses(client: hubspot.Client):
    invoices = _demo_invoices(client)
    assert set(invoices) == {i.key for i in NORTHWIND_US.invoices}
    for spec in NORTHWIND_US.invoices:
        assert invoices[spec.key]["hs_invoice_status"] == spec.status, spec.key
        assert (invoices[spec.key]["hs_number"] is None) == (spec.status == "draft")
    paid = invoices["inv-06"]
    assert paid["hs_balance_due"] == "0.00" and len(paid["payments"]) == 2
    refunded = invoices["inv-12"]
    assert refunded["hs_amount_paid"] == "0.00" and refunded["hs_balance_due"] == \
        refunded["hs_amount_billed"]
    payment = get(client, "commerce_payments", refunded["payments"][0])
    assert payment["hs_latest_status"] == "refunded"
    partial = invoices["inv-13"]
    assert partial["hs_balance_due"] == "50.00"
    products = client.crm.products.basic_api.get_page(limit=100, properties=["hs_sku"])
    assert sorted(p.properties["hs_sku"] for p in products.results) == sorted(
        p.sku for p in NORTHWIND_US.products)
    contacts = client.crm.contacts.basic_api.get_page(limit=100, properties=["email"])
    assert sorted(str(c.properties["email"]) for c in contacts.results) == sorted(
        str(c.email) for c in NORTHWIND_US.contacts)
    quotes = client.crm.quotes.basic_api.get_page(limit=100, properties=["hs_title", "hs_status"])
    assert {q.properties["hs_title"]: q.properties["hs_status"] for q in quotes.results} == {
        q.title: q.status for q in NORTHWIND_US.quotes}


def test_demo_discount_is_the_line_discount_of_the_shared_data(client: hubspot.Client):
    # inv-02: PAD-INS-R4 × 2 at 139.99 with 20.00 off the line (10.00 per unit).
    invoice = next(i for i in client.crm.objects.search_api.do_search(
        "invoices", {"filterGroups": [{"filters": [
            {"propertyName": "hs_title", "operator": "EQ", "value": "Order inv-02"}]}]}).results)
    lines = client.crm.associations.v4.basic_api.get_page("invoices", invoice.id, "line_items")
    amounts = {get(client, "line_items", str(r.to_object_id))["hs_sku"]:
               get(client, "line_items", str(r.to_object_id)) for r in lines.results}
    pad = amounts["PAD-INS-R4"]
    assert (pad["discount"], pad["hs_total_discount"], pad["amount"]) == (
        "10.00", "20.00", str(Decimal("139.99") * 2 - 20))
