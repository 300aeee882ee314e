"""Property groups of the Properties API v3 through hubspot-api-client, and the product's own
properties written with an OAuth app's token."""

from __future__ import annotations

import json
from typing import Any

import httpx
import hubspot
import pytest
from hubspot.crm.objects import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput
from hubspot.crm.properties import (
    BatchInputPropertyCreate,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyUpdate,
)

from .conftest import API_ERRORS, PRODUCT_SCOPES, ConsentFlow
from .test_spec_schemas import check, response_schema

GROUP = "simplecommercesync"
# The write-back properties SimpleCommerceSync creates (simplecommercesync.sync.types.invoices.to_quickbooks).
PRODUCT_PROPERTIES = ("scs_quickbooks_invoice_id", "scs_quickbooks_invoice_number",
                      "scs_sync_status")
SCHEMA_SCOPES = "crm.schemas.contacts.read crm.schemas.contacts.write"


def refusal(raised: pytest.ExceptionInfo[Exception]) -> tuple[int, dict[str, Any]]:
    error: Any = raised.value
    return int(error.status), dict(json.loads(error.body))


def text_property(name: str, group: str = GROUP) -> PropertyCreate:
    return PropertyCreate(name=name, label=name.replace("_", " "), type="string",
                          field_type="text", group_name=group)


@pytest.mark.parametrize(("object_type", "built_in"), [
    ("contacts", {"contactinformation", "emailinformation", "conversioninformation"}),
    ("invoices", {"invoiceinformation"}),
    ("products", {"productinformation"}),
    ("line_items", {"lineiteminformation"}),
])
def test_each_object_type_lists_its_built_in_groups(client: hubspot.Client, object_type: str,
                                                    built_in: set[str]) -> None:
    groups = client.crm.properties.groups_api.get_all(object_type).results
    assert built_in <= {g.name for g in groups}
    assert all(g.archived is False for g in groups)
    # Every HubSpot-defined property sits in a group that exists.
    names = {g.name for g in groups}
    properties = client.crm.properties.core_api.get_all(object_type).results
    assert {p.group_name for p in properties} <= names


def test_group_create_read_update_and_archive(client: hubspot.Client) -> None:
    groups = client.crm.properties.groups_api
    created = groups.create("invoices", PropertyGroupCreate(name=GROUP, label="SimpleCommerceSync"))
    assert (created.name, created.label, created.display_order, created.archived) == (
        GROUP, "SimpleCommerceSync", -1, False)
    assert groups.get_by_name("invoices", GROUP).label == "SimpleCommerceSync"
    updated = groups.update("invoices", GROUP, PropertyGroupUpdate(label="Sync", display_order=3))
    assert (updated.label, updated.display_order) == ("Sync", 3)
    assert GROUP in {g.name for g in groups.get_all("invoices").results}
    # Groups belong to one object type.
    assert GROUP not in {g.name for g in groups.get_all("contacts").results}

    groups.archive("invoices", GROUP)

    assert GROUP not in {g.name for g in groups.get_all("invoices").results}
    with pytest.raises(API_ERRORS) as raised:
        groups.get_by_name("invoices", GROUP)
    status, body = refusal(raised)
    assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"
    # An archived group's name may be used again.
    assert groups.create("invoices", PropertyGroupCreate(name=GROUP, label="Again")).label == "Again"


def test_a_duplicate_group_name_is_a_409(client: hubspot.Client) -> None:
    groups = client.crm.properties.groups_api
    groups.create("contacts", PropertyGroupCreate(name=GROUP, label="SimpleCommerceSync"))
    for name in (GROUP, "contactinformation"):
        with pytest.raises(API_ERRORS) as raised:
            groups.create("contacts", PropertyGroupCreate(name=name, label="Twice"))
        status, body = refusal(raised)
        assert status == 409 and body["category"] == "CONFLICT"
        assert body["context"] == {"groupName": [name]}
    assert groups.get_by_name("contacts", GROUP).label == "SimpleCommerceSync"


@pytest.mark.parametrize(("body", "wrong"), [
    ({"label": "No name"}, "name"),
    ({"name": "no_label"}, "label"),
    ({"name": "Has Spaces", "label": "Bad"}, "name"),
    ({"name": "ok_name", "label": "Bad order", "displayOrder": "first"}, "displayOrder"),
])
def test_invalid_group_bodies_are_400(http: httpx.Client, private_token: str,
                                      body: dict[str, Any], wrong: str) -> None:
    response = http.post("/crm/v3/properties/invoices/groups", json=body,
                         headers={"Authorization": f"Bearer {private_token}"})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert wrong in [e["in"] for e in response.json()["errors"]]


def test_a_property_needs_an_existing_group(client: hubspot.Client) -> None:
    properties = client.crm.properties.core_api
    with pytest.raises(API_ERRORS) as raised:
        properties.create("invoices", text_property("scs_sync_status"))
    status, body = refusal(raised)
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["in"] == "groupName"
    assert "POST /crm/v3/properties/invoices/groups" in body["message"]
    assert "scs_sync_status" not in {p.name for p in properties.get_all("invoices").results}

    client.crm.properties.groups_api.create("invoices", PropertyGroupCreate(name=GROUP, label="S"))
    created = properties.create("invoices", text_property("scs_sync_status"))
    assert created.group_name == GROUP

    # Moving it to a group that doesn't exist is refused too; to a built-in one works.
    with pytest.raises(API_ERRORS) as raised:
        properties.update("invoices", "scs_sync_status", PropertyUpdate(group_name="nowhere"))
    assert refusal(raised)[0] == 400
    moved = properties.update("invoices", "scs_sync_status",
                              PropertyUpdate(group_name="invoiceinformation"))
    assert moved.group_name == "invoiceinformation"


def test_batch_create_refuses_only_the_inputs_without_a_group(client: hubspot.Client,
                                                              http: httpx.Client,
                                                              private_token: str) -> None:
    client.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name=GROUP, label="S"))
    response = http.post("/crm/v3/properties/contacts/batch/create", headers={
        "Authorization": f"Bearer {private_token}"}, json={"inputs": [
            text_property("scs_quickbooks_customer_id").to_dict() | {"fieldType": "text",
                                                                     "groupName": GROUP},
            {"name": "scs_lost", "label": "Lost", "type": "string", "fieldType": "text",
             "groupName": "missing_group"}]})
    assert response.status_code == 207
    body = response.json()
    assert [r["name"] for r in body["results"]] == ["scs_quickbooks_customer_id"]
    assert body["numErrors"] == 1 and body["errors"][0]["context"] == {"groupName": ["missing_group"]}


def test_groups_holding_properties_and_built_in_groups_cannot_be_archived(client: hubspot.Client) -> None:
    groups = client.crm.properties.groups_api
    groups.create("invoices", PropertyGroupCreate(name=GROUP, label="S"))
    client.crm.properties.core_api.create("invoices", text_property("scs_sync_status"))
    with pytest.raises(API_ERRORS) as raised:
        groups.archive("invoices", GROUP)
    status, body = refusal(raised)
    assert status == 400 and "scs_sync_status" in body["message"]

    client.crm.properties.core_api.archive("invoices", "scs_sync_status")
    groups.archive("invoices", GROUP)
    assert GROUP not in {g.name for g in groups.get_all("invoices").results}

    for call in (lambda: groups.archive("invoices", "invoiceinformation"),
                 lambda: groups.update("invoices", "invoiceinformation",
                                       PropertyGroupUpdate(label="Mine now"))):
        with pytest.raises(API_ERRORS) as raised:
            call()
        assert refusal(raised)[0] == 400
    assert groups.get_by_name("invoices", "invoiceinformation").label == "Invoice information"


def test_groups_need_schema_scopes(flow: ConsentFlow, http: httpx.Client) -> None:
    tokens = flow.tokens(scope="oauth crm.objects.invoices.read")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = http.get("/crm/v3/properties/invoices/groups", headers=headers)
    assert listed.status_code == 200
    created = http.post("/crm/v3/properties/invoices/groups", headers=headers,
                        json={"name": GROUP, "label": "S"})
    assert created.status_code == 403
    assert created.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.schemas.invoices.write"]


def test_an_oauth_app_creates_its_properties_then_writes_and_reads_them(
        flow: ConsentFlow, sdk: Any) -> None:
    token = flow.tokens(scope=f"{PRODUCT_SCOPES} {SCHEMA_SCOPES}")["access_token"]
    app = sdk(token)
    for object_type, names in (("invoices", PRODUCT_PROPERTIES),
                               ("contacts", ("scs_quickbooks_customer_id",))):
        app.crm.properties.groups_api.create(
            object_type, PropertyGroupCreate(name=GROUP, label="SimpleCommerceSync", display_order=-1))
        created = app.crm.properties.batch_api.create(object_type, BatchInputPropertyCreate(
            inputs=[text_property(n) for n in names]))
        assert sorted(p.name for p in created.results) == sorted(names)

    invoices = app.crm.objects.basic_api.get_page("invoices", limit=2).results
    contacts = app.crm.objects.basic_api.get_page("contacts", limit=2).results
    app.crm.objects.batch_api.update("invoices", BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=i.id, properties={
            "scs_quickbooks_invoice_id": f"14{n}", "scs_quickbooks_invoice_number": f"100{n}",
            "scs_sync_status": "Synced"}) for n, i in enumerate(invoices)]))
    app.crm.objects.batch_api.update("contacts", BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=c.id, properties={"scs_quickbooks_customer_id": f"5{n}"})
        for n, c in enumerate(contacts)]))

    read = {i.id: i.properties for i in app.crm.objects.basic_api.get_page(
        "invoices", limit=100, properties=list(PRODUCT_PROPERTIES)).results}
    assert [read[i.id]["scs_quickbooks_invoice_id"] for i in invoices] == ["140", "141"]
    assert {read[i.id]["scs_sync_status"] for i in invoices} == {"Synced"}
    fetched = app.crm.objects.basic_api.get_by_id("contacts", contacts[1].id,
                                                  properties=["scs_quickbooks_customer_id"])
    assert fetched.properties["scs_quickbooks_customer_id"] == "51"


def test_group_bodies_match_the_spec(http: httpx.Client, private_token: str) -> None:
    headers = {"Authorization": f"Bearer {private_token}"}
    base = "/crm/v3/properties/{objectType}/groups"
    listed = http.get("/crm/v3/properties/invoices/groups", headers=headers)
    check("properties", response_schema("properties", base, "get", "200"), listed.json())
    created = http.post("/crm/v3/properties/invoices/groups", headers=headers,
                        json={"name": GROUP, "label": "SimpleCommerceSync", "displayOrder": -1})
    assert created.status_code == 201
    check("properties", response_schema("properties", base, "post", "201"), created.json())
    again = http.post("/crm/v3/properties/invoices/groups", headers=headers,
                      json={"name": GROUP, "label": "SimpleCommerceSync"})
    assert again.status_code == 409
    check("properties", "Error", again.json())
    orphan = http.post("/crm/v3/properties/invoices", headers=headers, json={
        "name": "scs_orphan", "label": "Orphan", "type": "string", "fieldType": "text",
        "groupName": "nowhere"})
    assert orphan.status_code == 400
    check("properties", "Error", orphan.json())
