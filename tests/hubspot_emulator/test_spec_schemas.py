"""New response bodies checked against HubSpot's own OpenAPI files.

The files are read from a clone of HubSpot/HubSpot-public-api-spec-collection (a bare git dir is
fine) named by HUBSPOT_SPEC_REPO; they are never copied into this repository. Without the clone
these tests are skipped, not failed.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from hubspot_emulator.seed import DEMO_APP_ID

SPEC_REPO = Path(os.environ.get(
    "HUBSPOT_SPEC_REPO", "/work/.mirror/HubSpot+HubSpot-public-api-spec-collection/repo"))
SPECS = {
    "invoices": "PublicApiSpecs/CRM/Invoices/Rollouts/424/v3/invoices.json",
    "quotes": "PublicApiSpecs/CRM/Quotes/Rollouts/424/v3/quotes.json",
    "line_items": "PublicApiSpecs/CRM/Line Items/Rollouts/424/v3/lineItems.json",
    "commerce_payments": "PublicApiSpecs/CRM/Commerce Payments/Rollouts/424/v3/commercePayments.json",
    "associations": "PublicApiSpecs/CRM/Associations/Rollouts/130902/v4/associations.json",
    "webhooks": "PublicApiSpecs/Webhooks/Webhooks/Rollouts/147891/2026-03/webhooks.json",
    "properties": "PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json",
}


@functools.cache
def spec(name: str) -> dict[str, Any]:
    if not SPEC_REPO.exists():
        pytest.skip(f"HubSpot spec repository not at {SPEC_REPO} (set HUBSPOT_SPEC_REPO)")
    git_dir = ["git", "-C", str(SPEC_REPO)]
    shown = subprocess.run([*git_dir, "show", f"HEAD:{SPECS[name]}"], capture_output=True,
                           check=False)
    if shown.returncode != 0:
        path = SPEC_REPO / SPECS[name]
        if not path.exists():
            pytest.skip(f"{SPECS[name]} is not in {SPEC_REPO}")
        return dict(json.loads(path.read_text()))
    return dict(json.loads(shown.stdout))


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` as JSON Schema's `type: [t, "null"]`."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def check(name: str, schema_ref: str, body: Any) -> None:
    document = _nullable(spec(name))
    schema = {"$ref": f"#/components/schemas/{schema_ref}", "components": document["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft7Validator)


def response_schema(name: str, path: str, method: str, status: str) -> str:
    content = spec(name)["paths"][path][method]["responses"][status]["content"]
    return str(content["application/json"]["schema"]["$ref"]).rsplit("/", 1)[1]


@pytest.fixture
def headers(private_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {private_token}"}


def _first(http: httpx.Client, headers: dict[str, str], object_type: str,
           properties: str) -> dict[str, Any]:
    page = http.get(f"/crm/v3/objects/{object_type}?limit=1&properties={properties}",
                    headers=headers).json()
    one = http.get(f"/crm/v3/objects/{object_type}/{page['results'][0]['id']}"
                   f"?properties={properties}&associations=line_items", headers=headers)
    assert one.status_code == 200
    return dict(one.json())


@pytest.mark.parametrize(("object_type", "properties", "path"), [
    ("invoices", "hs_invoice_status,hs_amount_billed,hs_balance_due,hs_object_source",
     "/crm/v3/objects/invoices/{invoiceId}"),
    ("quotes", "hs_status,hs_quote_amount", "/crm/v3/objects/quotes/{quoteId}"),
    ("line_items", "amount,hs_tax_amount,hs_total_discount", "/crm/v3/objects/line_items/{lineItemId}"),
    ("commerce_payments", "hs_latest_status,hs_refunds_amount",
     "/crm/v3/objects/commerce_payments/{commercePaymentId}"),
])
def test_records_match_the_spec(http: httpx.Client, headers: dict[str, str], object_type: str,
                                properties: str, path: str):
    body = _first(http, headers, object_type, properties)
    check(object_type, response_schema(object_type, path, "get", "200"), body)


def test_invoice_search_and_validation_error_match_the_spec(http: httpx.Client,
                                                            headers: dict[str, str]):
    found = http.post("/crm/v3/objects/invoices/search", headers=headers, json={
        "filterGroups": [{"filters": [{"propertyName": "hs_invoice_status", "operator": "EQ",
                                       "value": "paid"}]}],
        "sorts": [{"propertyName": "hs_amount_billed", "direction": "DESCENDING"}],
        "properties": ["hs_amount_billed"], "limit": 1})
    assert found.status_code == 200 and found.json()["total"] >= 2
    check("invoices", response_schema("invoices", "/crm/v3/objects/invoices/search", "post",
                                      "200"), found.json())
    draft = http.post("/crm/v3/objects/invoices", headers=headers,
                      json={"properties": {"hs_currency": "USD"}}).json()
    refused = http.patch(f"/crm/v3/objects/invoices/{draft['id']}", headers=headers,
                         json={"properties": {"hs_invoice_status": "open"}})
    assert refused.status_code == 400
    check("invoices", "Error", refused.json())
    read_only = http.patch(f"/crm/v3/objects/invoices/{draft['id']}", headers=headers,
                           json={"properties": {"hs_balance_due": "0"}})
    check("invoices", "Error", read_only.json())


def test_association_pages_match_the_spec(http: httpx.Client, headers: dict[str, str]):
    invoice = http.get("/crm/v3/objects/invoices?limit=1", headers=headers).json()["results"][0]
    page = http.get(f"/crm/v4/objects/invoices/{invoice['id']}/associations/line_items",
                    headers=headers)
    schema = response_schema(
        "associations",
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}", "get", "200")
    check("associations", schema, page.json())


def test_webhook_subscriptions_match_the_spec(http: httpx.Client):
    base = f"/_emulator/apps/{DEMO_APP_ID}/webhooks/subscriptions"
    created = http.post(base, json={"eventType": "object.propertyChange", "objectTypeId": "0-53",
                                    "propertyName": "hs_invoice_status", "active": True})
    assert created.status_code == 201
    check("webhooks", "SubscriptionResponse", created.json())
    listed = http.get(base).json()
    check("webhooks", "SubscriptionListResponse", listed)
    events = spec("webhooks")["components"]["schemas"]["SubscriptionCreateRequest"][
        "properties"]["eventType"]["enum"]
    assert {s["eventType"] for s in listed["results"]} <= set(events)
