"""CRM v3 objects through the official SDK: CRUD, batches, validation, archived records."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from .conftest import API_ERRORS


def create(client: hubspot.Client, object_type: str, **properties: str):
    return client.crm.objects.basic_api.create(
        object_type, SimplePublicObjectInputForCreate(properties=properties))


def error_of(raised: pytest.ExceptionInfo) -> dict:
    return json.loads(raised.value.body)


def test_create_get_update_archive_contact(client: hubspot.Client):
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactInput

    created = client.crm.contacts.basic_api.create(ContactInput(properties={
        "email": "New.Person@Example.com", "firstname": "New", "lastname": "Person"}))
    assert created.id == created.properties["hs_object_id"]
    assert created.properties["createdate"] == created.properties["hs_lastmodifieddate"]
    fetched = client.crm.contacts.basic_api.get_by_id(created.id, properties=["email", "phone"])
    assert fetched.properties["email"] == "New.Person@Example.com"
    assert fetched.properties["phone"] is None
    updated = client.crm.objects.basic_api.update(
        "contacts", created.id, SimplePublicObjectInput(properties={"phone": "+1 555 0100"}))
    assert updated.properties["phone"] == "+1 555 0100"
    assert updated.updated_at >= created.updated_at
    client.crm.contacts.basic_api.archive(created.id)
    with pytest.raises(API_ERRORS) as raised:
        client.crm.contacts.basic_api.get_by_id(created.id)
    assert raised.value.status == 404
    assert error_of(raised)["category"] == "OBJECT_NOT_FOUND"
    archived = client.crm.contacts.basic_api.get_by_id(created.id, archived=True)
    assert archived.archived is True and archived.archived_at is not None


def test_get_by_unique_id_property(client: hubspot.Client):
    create(client, "contacts", email="Unique.Case@Example.com")
    found = client.crm.objects.basic_api.get_by_id("contacts", "unique.case@example.com",
                                                   id_property="email", properties=["email"])
    assert found.properties["email"] == "Unique.Case@Example.com"


def test_duplicate_email_is_a_conflict(client: hubspot.Client):
    first = create(client, "contacts", email="dup@example.com")
    with pytest.raises(API_ERRORS) as raised:
        create(client, "contacts", email="DUP@example.com")
    assert raised.value.status == 409
    assert error_of(raised)["message"] == f"Contact already exists. Existing ID: {first.id}"


def test_money_is_kept_as_written(client: hubspot.Client):
    product = create(client, "products", name="Rope", price="12.30", hs_sku="ROPE-30")
    assert product.properties["price"] == "12.30"
    fetched = client.crm.products.basic_api.get_by_id(product.id, properties=["price"])
    assert fetched.properties["price"] == "12.30"
    line = create(client, "line_items", name="Rope", quantity="3", price="0.10")
    assert line.properties["amount"] == "0.30"


@pytest.mark.parametrize(
    ("object_type", "properties", "code", "name"),
    [
        ("contacts", {"favourite_colour": "blue"}, "PROPERTY_DOESNT_EXIST", "favourite_colour"),
        ("products", {"name": "X", "price": "twelve"}, "INVALID_FLOAT", "price"),
        ("invoices", {"hs_invoice_status": "draft"}, "REQUIRED_PROPERTY", "hs_currency"),
        ("invoices", {"hs_currency": "USD", "hs_invoice_status": "sent"}, "INVALID_OPTION",
         "hs_invoice_status"),
        ("quotes", {"hs_title": "Q"}, "REQUIRED_PROPERTY", "hs_expiration_date"),
        ("contacts", {"hs_object_id": "5"}, "READ_ONLY_VALUE", "hs_object_id"),
    ],
)
def test_property_validation_errors(client: hubspot.Client, object_type, properties, code, name):
    with pytest.raises(API_ERRORS) as raised:
        create(client, object_type, **properties)
    body = error_of(raised)
    assert raised.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    assert [(e["code"], e["in"]) for e in body["errors"]] == [(code, name)]
    assert raised.value.headers["x-hubspot-correlation-id"] == body["correlationId"]


def test_datetime_accepts_epoch_millis_and_returns_iso(client: hubspot.Client):
    invoice = create(client, "invoices", hs_currency="USD", hs_invoice_date="1767225600000")
    assert invoice.properties["hs_invoice_date"] == "2026-01-01T00:00:00.000Z"


def test_list_pages_through_everything(client: hubspot.Client):
    seen, after = [], None
    while True:
        page = client.crm.products.basic_api.get_page(limit=4, after=after,
                                                      properties=["hs_sku"])
        seen.extend(p.properties["hs_sku"] for p in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == 15 and len(set(seen)) == 15 and "BOTTLE-1L" in seen


def test_batch_create_read_update_archive(client: hubspot.Client):
    api = client.crm.objects.batch_api
    created = api.create("products", BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
        SimplePublicObjectBatchInputForCreate(properties={"name": f"Item {i}", "price": "1.50"})
        for i in range(3)]))
    ids = sorted(r.id for r in created.results)
    assert created.status == "COMPLETE" and len(ids) == 3
    read = api.read("products", BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids], properties=["name", "price"],
        properties_with_history=[]))
    assert sorted(r.properties["name"] for r in read.results) == ["Item 0", "Item 1", "Item 2"]
    updated = api.update("products", BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=i, properties={"price": "2.00"}) for i in ids]))
    assert {r.properties["price"] for r in updated.results} == {"2.00"}
    api.archive("products", BatchInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids]))
    again = api.read("products", BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids], properties=["name"],
        properties_with_history=[]))
    assert again.results == [] and again.num_errors == 1
    assert sorted(again.errors[0].context["ids"]) == ids


def test_batch_partial_failure_is_207(client: hubspot.Client):
    result = client.crm.objects.batch_api.create(
        "invoices", BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
            SimplePublicObjectBatchInputForCreate(properties={"hs_currency": "USD"}),
            SimplePublicObjectBatchInputForCreate(properties={"hs_currency": "USD",
                                                              "bogus": "1"}),
        ]))
    assert len(result.results) == 1 and result.num_errors == 1
    assert result.errors[0].category == "VALIDATION_ERROR"


def test_batch_limit_is_100(client: hubspot.Client):
    with pytest.raises(API_ERRORS) as raised:
        client.crm.objects.batch_api.create(
            "contacts", BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
                SimplePublicObjectBatchInputForCreate(properties={}) for _ in range(101)]))
    assert raised.value.status == 400


def test_batch_upsert_on_email(client: hubspot.Client):
    existing = create(client, "contacts", email="upsert@example.com", firstname="Old")
    result = client.crm.objects.batch_api.upsert(
        "contacts", BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            SimplePublicObjectBatchInputUpsert(id="upsert@example.com", id_property="email",
                                               properties={"firstname": "New"}),
            SimplePublicObjectBatchInputUpsert(id="fresh@example.com", id_property="email",
                                               properties={"firstname": "Fresh"}),
        ]))
    by_email = {r.properties["email"]: r for r in result.results}
    assert by_email["upsert@example.com"].id == existing.id
    assert by_email["upsert@example.com"].new is False
    assert by_email["upsert@example.com"].properties["firstname"] == "New"
    assert by_email["fresh@example.com"].new is True


def test_upsert_needs_a_unique_property(client: hubspot.Client):
    with pytest.raises(API_ERRORS) as raised:
        client.crm.objects.batch_api.upsert(
            "products", BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
                SimplePublicObjectBatchInputUpsert(id="TENT-2P", id_property="hs_sku",
                                                   properties={"price": "1"})]))
    assert raised.value.status == 400
    assert "hasUniqueValue" in error_of(raised)["message"]


def test_commerce_invoices_api_and_properties_with_history(client: hubspot.Client):
    from hubspot.crm.commerce.invoices import SimplePublicObjectInput as InvoiceInput

    page = client.crm.commerce.invoices.basic_api.get_page(
        limit=100, properties=["hs_invoice_status", "hs_amount_billed"])
    statuses = {i.properties["hs_invoice_status"] for i in page.results}
    assert statuses == {"draft", "open", "paid", "voided"} and len(page.results) == 18
    invoice = next(i for i in page.results if i.properties["hs_invoice_status"] == "open")
    client.crm.commerce.invoices.basic_api.update(
        invoice.id, InvoiceInput(properties={"hs_invoice_status": "draft"}))
    client.crm.commerce.invoices.basic_api.update(
        invoice.id, InvoiceInput(properties={"hs_invoice_status": "open"}))
    history = client.crm.commerce.invoices.basic_api.get_by_id(
        invoice.id, properties_with_history=["hs_invoice_status"])
    values = [h.value for h in history.properties_with_history["hs_invoice_status"]]
    assert values[:3] == ["open", "draft", "open"]


def test_unknown_object_type_and_not_emulated_paths(client: hubspot.Client, http):
    with pytest.raises(API_ERRORS) as raised:
        client.crm.objects.basic_api.get_page("unicorns")
    assert raised.value.status == 404
    response = http.get("/crm/v3/owners", headers={"Authorization": "Bearer x"})
    assert response.status_code == 501 and response.json()["category"] == "NOT_EMULATED"


def test_invalid_email_is_rejected(client: hubspot.Client):
    with pytest.raises(API_ERRORS) as raised:
        create(client, "contacts", email="not-an-email")
    assert error_of(raised)["errors"][0]["code"] == "INVALID_EMAIL"


def test_line_item_inherits_from_its_product(client: hubspot.Client):
    product = create(client, "products", name="Bivy", price="99.90", hs_sku="BIVY-1")
    line = create(client, "line_items", hs_product_id=product.id, quantity="2")
    assert (line.properties["name"], line.properties["price"], line.properties["hs_sku"]) == (
        "Bivy", "99.90", "BIVY-1")
    assert line.properties["amount"] == "199.80"
    with pytest.raises(API_ERRORS) as raised:
        create(client, "line_items", hs_product_id="999", quantity="1")
    assert raised.value.status == 400


def test_unknown_requested_properties_are_ignored(client: hubspot.Client):
    page = client.crm.contacts.basic_api.get_page(limit=1, properties=["email", "no_such_prop"])
    assert set(page.results[0].properties) == {"email", "hs_object_id", "createdate",
                                               "hs_lastmodifieddate", "lastmodifieddate"}
