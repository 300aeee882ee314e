"""v3 webhooks: signed batches for API changes, changeSource, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx

from hubspot_emulator.seed import DEMO_APP_ID, DEMO_CLIENT_SECRET, MAIN_PORTAL

from .conftest import ConsentFlow


def test_signed_batches_tell_integration_from_ui_changes(hooked):
    receiver, base_url, hook_url = hooked
    with httpx.Client(base_url=base_url) as http:
        tokens = ConsentFlow(http).tokens()
        app_headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        created = http.post("/crm/v3/objects/contacts", headers=app_headers,
                            json={"properties": {"email": "hook@example.com"}}).json()
        [creation] = receiver.events()
        assert creation["subscriptionType"] == "contact.creation"
        assert creation["objectId"] == int(created["id"]) and creation["portalId"] == MAIN_PORTAL
        assert creation["changeSource"] == "INTEGRATION"
        assert creation["sourceId"] == str(DEMO_APP_ID) and creation["appId"] == DEMO_APP_ID
        call = receiver.calls[0]
        timestamp = call["headers"]["x-hubspot-request-timestamp"]
        expected = base64.b64encode(hmac.new(
            DEMO_CLIENT_SECRET.encode(),
            b"POST" + hook_url.encode() + call["body"] + timestamp.encode(),
            hashlib.sha256).digest()).decode()
        assert call["headers"]["x-hubspot-signature-v3"] == expected
        assert abs(int(timestamp) - time.time() * 1000) < 60_000

        private = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
        http.patch(f"/crm/v3/objects/invoices/{_first_invoice(http, app_headers)}",
                   headers={"Authorization": f"Bearer {private['token']}"},
                   json={"properties": {"hs_invoice_status": "voided"}})
        events = receiver.events(count=2)
        change = events[1]
        assert change["subscriptionType"] == "object.propertyChange"
        assert change["objectTypeId"] == "0-53"
        assert change["propertyName"] == "hs_invoice_status"
        assert change["propertyValue"] == "voided"
        assert change["changeSource"] == "CRM_UI" and "sourceId" not in change


def _first_invoice(http: httpx.Client, headers: dict[str, str]) -> str:
    page = http.get("/crm/v3/objects/invoices?limit=1&properties=hs_invoice_status",
                    headers=headers).json()
    invoice = page["results"][0]
    assert invoice["properties"]["hs_invoice_status"] != "voided"
    return str(invoice["id"])


def test_failed_delivery_is_retried(hooked):
    receiver, base_url, _ = hooked
    receiver.fail_first = 1
    with httpx.Client(base_url=base_url) as http:
        tokens = ConsentFlow(http).tokens()
        http.post("/crm/v3/objects/products",
                  headers={"Authorization": f"Bearer {tokens['access_token']}"},
                  json={"properties": {"name": "Retry me"}})
        deadline = time.monotonic() + 5
        while len(receiver.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.calls) == 2
        assert receiver.calls[0]["body"] == receiver.calls[1]["body"]
        assert json.loads(receiver.calls[1]["body"])[0]["subscriptionType"] == \
            "product.creation"
        stats = http.get("/_emulator/state").json()["webhooks"]
        assert stats["delivered"] == 1


def test_no_events_without_an_install(hooked):
    receiver, base_url, _ = hooked
    with httpx.Client(base_url=base_url) as http:
        private = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
        http.post("/crm/v3/objects/contacts",
                  headers={"Authorization": f"Bearer {private['token']}"},
                  json={"properties": {"email": "quiet@example.com"}})
        time.sleep(0.3)
        assert receiver.calls == []
