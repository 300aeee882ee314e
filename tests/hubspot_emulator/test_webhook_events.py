"""Webhook events as HubSpot sends them: names, object type ids, associations, subscriptions."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import httpx
import pytest

from hubspot_emulator.cli import add_arguments, config_from
from hubspot_emulator.seed import DEMO_APP_ID, MAIN_PORTAL

from .conftest import PRODUCT_SCOPES, ConsentFlow, Receiver, hooked_server

SUBSCRIPTIONS = f"/_emulator/apps/{DEMO_APP_ID}/webhooks/subscriptions"


class Api:
    """Raw HTTP with the demo app's OAuth token, so every write is the app's."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        token = ConsentFlow(http).tokens(scope=f"{PRODUCT_SCOPES} crm.objects.line_items.write")
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def create(self, object_type: str, **properties: str) -> str:
        response = self.http.post(f"/crm/v3/objects/{object_type}", headers=self.headers,
                                  json={"properties": properties})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def update(self, object_type: str, object_id: str, **properties: str) -> None:
        response = self.http.patch(f"/crm/v3/objects/{object_type}/{object_id}",
                                   headers=self.headers, json={"properties": properties})
        assert response.status_code == 200, response.text

    def link(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        response = self.http.put(f"/crm/v4/objects/{from_type}/{from_id}/associations/default/"
                                 f"{to_type}/{to_id}", headers=self.headers)
        assert response.status_code == 200, response.text


def settle(receiver: Receiver, quiet: float = 0.5, minimum: int = 1) -> list[dict[str, Any]]:
    """Every event delivered once `minimum` calls came and deliveries stopped for `quiet` s."""
    deadline = time.monotonic() + 10
    while len(receiver.calls) < minimum and time.monotonic() < deadline:
        time.sleep(0.05)
    seen, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < quiet:
        if len(receiver.calls) != seen:
            seen, last_change = len(receiver.calls), time.monotonic()
        time.sleep(0.05)
    return [e for call in receiver.calls for e in json.loads(call["body"])]


def test_invoice_flow_sends_generic_events_and_association_changes():
    with hooked_server() as (receiver, base_url, _), httpx.Client(base_url=base_url) as http:
        api = Api(http)
        invoice = api.create("invoices", hs_currency="USD")
        contact = api.create("contacts", email="hooks@example.com")
        item = api.create("line_items", name="Tent", price="10.00", quantity="1")
        api.link("invoices", invoice, "contacts", contact)
        api.link("line_items", item, "invoices", invoice)
        api.update("invoices", invoice, hs_invoice_status="open")
        events = settle(receiver)

    kinds = [(e["subscriptionType"], e.get("objectTypeId")) for e in events]
    assert ("object.creation", "0-53") in kinds and ("contact.creation", None) in kinds
    assert ("line_item.creation", None) in kinds
    assert not any(e["subscriptionType"].startswith(("invoice.", "quote.")) for e in events)
    creation = next(e for e in events if e["subscriptionType"] == "object.creation")
    assert creation["objectId"] == int(invoice) and creation["changeFlag"] == "NEW"
    assert (creation["changeSource"], creation["sourceId"]) == ("INTEGRATION", str(DEMO_APP_ID))

    line_side = next(e for e in events if e["subscriptionType"] == "line_item.associationChange")
    assert (line_side["associationType"], line_side["fromObjectId"], line_side["toObjectId"],
            line_side["associationRemoved"]) == ("LINE_ITEM_TO_INVOICE", int(item), int(invoice),
                                                 False)
    invoice_side = [e for e in events if e["subscriptionType"] == "object.associationChange"
                    and e["associationType"] == "INVOICE_TO_LINE_ITEM"]
    assert [(e["fromObjectTypeId"], e["toObjectTypeId"]) for e in invoice_side] == [
        ("0-53", "0-8")]
    contact_side = [e for e in events if e["subscriptionType"] == "contact.associationChange"]
    assert contact_side[0]["associationType"] == "CONTACT_TO_INVOICE"

    changes = {(e["propertyName"], e["propertyValue"]): e for e in events
               if e["subscriptionType"] == "object.propertyChange"}
    assert changes[("hs_invoice_status", "open")]["changeSource"] == "INTEGRATION"
    # HubSpot's own calculations are not the app's writes: a sync skipping its own changes
    # still sees them.
    calculated = changes[("hs_amount_billed", "10.00")]
    assert calculated["changeSource"] == "CALCULATED" and "sourceId" not in calculated
    assert changes[("hs_number", "INV-1017")]["objectTypeId"] == "0-53"


def test_payment_events_and_refunds_from_the_control_api():
    with hooked_server() as (receiver, base_url, _), httpx.Client(base_url=base_url) as http:
        api = Api(http)
        private = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
        staff = {"Authorization": f"Bearer {private['token']}"}
        invoices = http.post("/crm/v3/objects/invoices/search", headers=staff, json={
            "filterGroups": [{"filters": [{"propertyName": "hs_title", "operator": "EQ",
                                           "value": "Order inv-01"}]}]}).json()["results"]
        invoice = invoices[0]["id"]
        payment = http.post("/crm/v3/objects/commerce_payments", headers=staff, json={
            "properties": {"hs_initial_amount": "337.79", "hs_initiated_date": "2026-02-01"}},
        ).json()["id"]
        api.link("invoices", invoice, "commerce_payments", payment)
        assert http.post(f"/_emulator/portals/{MAIN_PORTAL}/payments/{payment}/refund",
                         json={"amount": "37.79"}).status_code == 200
        events = settle(receiver)

    by_type = [(e["subscriptionType"], e.get("objectTypeId") or e.get("fromObjectTypeId"))
               for e in events]
    assert ("object.creation", "0-101") in by_type
    link = next(e for e in events if e.get("associationType") == "COMMERCE_PAYMENT_TO_INVOICE")
    assert (link["fromObjectTypeId"], link["toObjectTypeId"]) == ("0-101", "0-53")
    assert link["changeSource"] == "INTEGRATION"
    status = [(e["propertyValue"], e["changeSource"]) for e in events
              if e.get("propertyName") == "hs_invoice_status"]
    assert status == [("paid", "CALCULATED"), ("open", "CALCULATED")]
    refund = next(e for e in events if e.get("propertyName") == "hs_latest_status")
    assert (refund["propertyValue"], refund["changeSource"]) == ("partially_refunded", "CRM_UI")


def test_subscriptions_are_per_app_and_honour_the_property_filter():
    with hooked_server() as (receiver, base_url, _), httpx.Client(base_url=base_url) as http:
        listed = http.get(SUBSCRIPTIONS).json()["results"]
        assert {"eventType": "object.creation", "objectTypeId": "0-53"}.items() <= next(
            s for s in listed if s.get("objectTypeId") == "0-53"
            and s["eventType"] == "object.creation").items()
        for subscription in listed:
            assert http.delete(f"{SUBSCRIPTIONS}/{subscription['id']}").status_code == 204
        created = http.post(SUBSCRIPTIONS, json={
            "eventType": "object.propertyChange", "objectTypeId": "0-53",
            "propertyName": "hs_title", "active": True})
        assert created.status_code == 201
        subscription = created.json()
        assert subscription["propertyName"] == "hs_title"
        assert http.post(SUBSCRIPTIONS, json={"eventType": "object.propertyChange",
                                              "objectTypeId": "0-53", "active": True}
                         ).status_code == 400
        assert http.post(SUBSCRIPTIONS, json={"eventType": "invoice.creation",
                                              "active": True}).status_code == 400
        assert http.post(SUBSCRIPTIONS, json={"eventType": "deal.creation",
                                              "active": True}).status_code == 501

        api = Api(http)
        invoice = api.create("invoices", hs_currency="USD")
        api.create("contacts", email="unsubscribed@example.com")
        api.update("invoices", invoice, hs_title="Wanted", hs_comments="not wanted")
        events = settle(receiver)
        assert [(e["subscriptionType"], e["propertyName"], e["propertyValue"],
                 e["subscriptionId"]) for e in events] == [
            ("object.propertyChange", "hs_title", "Wanted", int(subscription["id"]))]

        paused = http.patch(f"{SUBSCRIPTIONS}/{subscription['id']}", json={"active": False})
        assert paused.json()["active"] is False
        api.update("invoices", invoice, hs_title="Unheard")
        time.sleep(0.5)
        assert len(settle(receiver)) == 1


def test_at_most_100_events_per_post():
    with hooked_server() as (receiver, base_url, _), httpx.Client(base_url=base_url) as http:
        api = Api(http)
        ids = [str(r["id"]) for r in http.post(
            "/crm/v3/objects/products/batch/create", headers=api.headers,
            json={"inputs": [{"properties": {"name": f"P{i}"}} for i in range(60)]},
        ).json()["results"]]
        response = http.post("/crm/v3/objects/products/batch/update", headers=api.headers,
                             json={"inputs": [{"id": i, "properties": {"price": "1",
                                                                       "hs_sku": f"S-{i}"}}
                                              for i in ids]})
        assert response.status_code == 200
        settle(receiver)
    sizes = [len(json.loads(c["body"])) for c in receiver.calls]
    assert sizes == [60, 100, 20]


def test_cli_sets_the_starting_subscriptions():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from(parser.parse_args([
        "--webhook-subscriptions",
        "contact.creation,object.propertyChange@0-53:hs_invoice_status"]))
    assert config.webhook_subscriptions is not None
    assert config_from(parser.parse_args([])).search_delay_s == 1.0
    assert config_from(parser.parse_args(["--seed", "empty"])).search_delay_s == 0.0
    with pytest.raises(SystemExit):
        config_from(parser.parse_args(["--webhook-subscriptions", "invoice.creation"]))

    with hooked_server(webhook_subscriptions=config.webhook_subscriptions) as (
            receiver, base_url, _), httpx.Client(base_url=base_url) as http:
        listed = http.get(SUBSCRIPTIONS).json()["results"]
        assert [(s["eventType"], s.get("objectTypeId"), s.get("propertyName"))
                for s in listed] == [("contact.creation", None, None),
                                     ("object.propertyChange", "0-53", "hs_invoice_status")]
        api = Api(http)
        api.create("products", name="silent")
        api.create("contacts", email="heard@example.com")
        events = settle(receiver)
    assert [e["subscriptionType"] for e in events] == ["contact.creation"]
