"""Associations v4, properties API v3 and tax rates v1 through the SDK (tax rates raw)."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import PropertyCreate, PropertyUpdate

from .conftest import API_ERRORS


def make(client: hubspot.Client, object_type: str, **properties: str) -> str:
    return client.crm.objects.basic_api.create(
        object_type, SimplePublicObjectInputForCreate(properties=properties)).id


def test_default_association_both_directions(client: hubspot.Client):
    invoice = make(client, "invoices", hs_currency="USD")
    contact = make(client, "contacts", email="assoc@example.com")
    v4 = client.crm.associations.v4
    v4.basic_api.create_default("invoices", invoice, "contacts", contact)
    forward = v4.basic_api.get_page("invoices", invoice, "contacts")
    assert [(r.to_object_id, r.association_types[0].type_id) for r in forward.results] == [
        (contact, 177)]
    back = v4.basic_api.get_page("contacts", contact, "invoices")
    assert back.results[0].association_types[0].type_id == 178
    v4.basic_api.archive("invoices", invoice, "contacts", contact)
    assert v4.basic_api.get_page("invoices", invoice, "contacts").results == []


def test_labeled_association_with_type_id(client: hubspot.Client):
    quote = make(client, "quotes", hs_title="Q", hs_expiration_date="2026-12-31")
    line = make(client, "line_items", name="L", quantity="1", price="5")
    result = client.crm.associations.v4.basic_api.create(
        "quotes", quote, "line_items", line,
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=67)])
    assert result.from_object_type_id == "0-14" and result.to_object_id == line
    with pytest.raises(API_ERRORS) as raised:
        client.crm.associations.v4.basic_api.create(
            "quotes", quote, "line_items", line,
            [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=177)])
    assert raised.value.status == 400


def test_batch_associations_and_v3_associations_on_read(client: hubspot.Client):
    invoice = make(client, "invoices", hs_currency="USD")
    lines = [make(client, "line_items", name=f"L{i}", quantity="1", price="2") for i in range(2)]
    batch = client.crm.associations.v4.batch_api
    batch.create_default("invoices", "line_items", BatchInputPublicDefaultAssociationMultiPost(
        inputs=[PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=invoice),
                                                  to=PublicObjectId(id=line))
                for line in lines]))
    read = batch.get_page("invoices", "line_items", BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=invoice)]))
    assert sorted(t.to_object_id for t in read.results[0].to) == sorted(lines)
    fetched = client.crm.commerce.invoices.basic_api.get_by_id(invoice,
                                                               associations=["line_items"])
    assert {a.id for a in fetched.associations["line_items"].results} == set(lines)
    assert fetched.associations["line_items"].results[0].type == "invoice_to_line_item"


def test_batch_create_labeled_and_create_with_associations(client: hubspot.Client):
    contact = make(client, "contacts", email="inline@example.com")
    invoice = client.crm.objects.basic_api.create("invoices", SimplePublicObjectInputForCreate(
        properties={"hs_currency": "USD"},
        associations=[{"to": {"id": contact}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 177}]}])).id
    line = make(client, "line_items", name="Strap", quantity="1", price="10.00")
    client.crm.associations.v4.basic_api.create_default("invoices", invoice, "line_items", line)
    client.crm.objects.basic_api.update("invoices", invoice, SimplePublicObjectInput(
        properties={"hs_invoice_status": "open"}))
    payment = make(client, "commerce_payments", hs_initial_amount="10.00",
                   hs_initiated_date="2026-02-01")
    created = client.crm.associations.v4.batch_api.create(
        "invoices", "commerce_payments", BatchInputPublicAssociationMultiPost(inputs=[
            PublicAssociationMultiPost(_from=PublicObjectId(id=invoice),
                                       to=PublicObjectId(id=payment),
                                       types=[AssociationSpec(
                                           association_category="HUBSPOT_DEFINED",
                                           association_type_id=541)])]))
    assert created.results[0].to_object_id == payment
    page = client.crm.associations.v4.basic_api.get_page("invoices", invoice, "contacts")
    assert [r.to_object_id for r in page.results] == [contact]


def test_demo_invoices_are_associated(client: hubspot.Client):
    invoices = client.crm.commerce.invoices.basic_api.get_page(
        limit=100, associations=["contacts", "line_items", "commerce_payments"])
    assert all("line_items" in i.associations and "contacts" in i.associations
               for i in invoices.results)
    counts = {len(i.associations["line_items"].results) for i in invoices.results}
    assert counts <= {1, 2, 3, 4, 5}
    assert sum(1 for i in invoices.results if i.associations.get("commerce_payments")) >= 5


def test_custom_unique_property_and_upsert(client: hubspot.Client):
    properties = client.crm.properties.core_api
    created = properties.create("invoices", PropertyCreate(
        name="scs_qbo_invoice_id", label="QuickBooks invoice id", type="string",
        field_type="text", group_name="invoiceinformation", has_unique_value=True))
    assert created.has_unique_value is True
    fetched = properties.get_by_name("invoices", "scs_qbo_invoice_id")
    assert fetched.label == "QuickBooks invoice id"
    properties.update("invoices", "scs_qbo_invoice_id", PropertyUpdate(label="QBO id"))
    names = [p.name for p in properties.get_all("invoices").results]
    assert "scs_qbo_invoice_id" in names and "hs_currency" in names
    with pytest.raises(API_ERRORS) as raised:
        properties.create("invoices", PropertyCreate(
            name="scs_qbo_invoice_id", label="again", type="string", field_type="text",
            group_name="invoiceinformation"))
    assert raised.value.status == 409
    upsert = client.crm.objects.batch_api.upsert(
        "invoices", BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            SimplePublicObjectBatchInputUpsert(id="QBO-77", id_property="scs_qbo_invoice_id",
                                               properties={"hs_currency": "USD"})]))
    assert upsert.results[0].new is True
    again = client.crm.objects.batch_api.upsert(
        "invoices", BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
            SimplePublicObjectBatchInputUpsert(id="QBO-77", id_property="scs_qbo_invoice_id",
                                               properties={"hs_title": "Updated"})]))
    assert again.results[0].new is False and again.results[0].id == upsert.results[0].id
    with pytest.raises(API_ERRORS) as raised:
        make(client, "invoices", hs_currency="USD", scs_qbo_invoice_id="QBO-77")
    assert raised.value.status == 409


def test_properties_need_schema_scopes(flow, http):
    tokens = flow.tokens(scope="oauth crm.objects.invoices.read")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/crm/v3/properties/invoices", headers=headers).status_code == 200
    created = http.post("/crm/v3/properties/invoices", headers=headers, json={
        "name": "x_y", "label": "X", "type": "string", "fieldType": "text",
        "groupName": "invoiceinformation"})
    assert created.status_code == 403
    assert created.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.schemas.invoices.write"]


def test_tax_rates(http, private_token):
    headers = {"Authorization": f"Bearer {private_token}"}
    rates = http.get("/tax-rates/v1/tax-rates", headers=headers).json()["results"]
    assert [(r["name"], r["percentageRate"]) for r in rates] == [
        ("California Sales Tax", 7.25), ("New York City Sales Tax", 8.875),
        ("Tax exempt", 0.0)]
    assert set(rates[0]) >= {"id", "name", "label", "percentageRate", "active", "createdAt",
                             "updatedAt"}
    one = http.get(f"/tax-rates/v1/tax-rates/{rates[1]['id']}", headers=headers).json()
    assert one["label"] == "NYC 8.875%"
    page = http.get("/tax-rates/v1/tax-rates?limit=2", headers=headers).json()
    rest = http.get(f"/tax-rates/v1/tax-rates?after={page['paging']['next']['after']}",
                    headers=headers).json()
    assert len(page["results"]) == 2 and len(rest["results"]) == 1
    missing = http.get("/tax-rates/v1/tax-rates/1", headers=headers)
    assert missing.status_code == 404 and json.loads(missing.text)["category"] == \
        "OBJECT_NOT_FOUND"


def test_account_details(flow, http):
    tokens = flow.tokens(scope="oauth", portal=2468102)
    details = http.get("/account-info/v3/details",
                       headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert details["portalId"] == 2468102 and details["companyCurrency"] == "EUR"
    assert details["timeZone"] == "Europe/Paris" and details["utcOffset"] in ("+01:00", "+02:00")


@pytest.mark.parametrize(("from_type", "to_type", "forward", "back"), [
    ("invoices", "quotes", 407, 408),
    ("invoices", "taxes", 415, 416),
    ("quotes", "taxes", 366, 367),
])
def test_commerce_association_types(client: hubspot.Client, from_type: str, to_type: str,
                                    forward: int, back: int):
    make_for = {"invoices": {"hs_currency": "USD"},
                "quotes": {"hs_title": "Q", "hs_expiration_date": "2026-06-01"},
                "taxes": {"hs_label": "VAT", "hs_type": "PERCENT", "hs_value": "20"}}
    first = make(client, from_type, **make_for[from_type])
    second = make(client, to_type, **make_for[to_type])
    client.crm.associations.v4.basic_api.create_default(from_type, first, to_type, second)
    there = client.crm.associations.v4.basic_api.get_page(from_type, first, to_type)
    assert [t.type_id for t in there.results[0].association_types] == [forward]
    back_page = client.crm.associations.v4.basic_api.get_page(to_type, second, from_type)
    assert [t.type_id for t in back_page.results[0].association_types] == [back]


@pytest.mark.parametrize("object_type", ["companies", "deals", "0-2", "0-3"])
def test_companies_and_deals_are_not_emulated(client: hubspot.Client, http, private_token: str,
                                              object_type: str):
    headers = {"Authorization": f"Bearer {private_token}"}
    listed = http.get(f"/crm/v3/objects/{object_type}", headers=headers)
    assert listed.status_code == 501 and listed.json()["category"] == "NOT_EMULATED"
    invoice = make(client, "invoices", hs_currency="USD")
    linked = http.put(f"/crm/v4/objects/invoices/{invoice}/associations/default/{object_type}/1",
                      headers=headers)
    assert linked.status_code == 501 and linked.json()["category"] == "NOT_EMULATED"
