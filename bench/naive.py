"""The naive baseline of P2: what a straightforward integration does, one invoice at a time.

Per invoice: its contact and line items from HubSpot one call each, then in QuickBooks the
customer by email (created if missing), each item by SKU, and one single create. A 429 waits
for Retry-After, as any client must. Same emulators, limits and workload as P1.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx

from .emulators import PORTAL, REALM, Emulators


class NaiveSync:
    def __init__(self, emulators: Emulators, hubspot_token: str, quickbooks_token: str) -> None:
        self.hubspot = httpx.Client(base_url=emulators.ports.hubspot_url, timeout=30,
                                    headers={"Authorization": f"Bearer {hubspot_token}"})
        self.quickbooks = httpx.Client(base_url=f"{emulators.ports.quickbooks_url}/v3/company/{REALM}",
                                       timeout=30, headers={"Authorization": f"Bearer {quickbooks_token}",
                                                            "Accept": "application/json"})
        self.created = 0
        self.failed = 0

    def close(self) -> None:
        self.hubspot.close()
        self.quickbooks.close()

    def _send(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
        while True:
            response = client.request(method, path, **kwargs)
            if response.status_code == 429:
                time.sleep(float(response.headers.get("Retry-After") or 1))
                continue
            response.raise_for_status()
            return response.json()

    def hs(self, path: str, **params: Any) -> Any:
        return self._send(self.hubspot, "GET", path, params=params or None)

    def qb_query(self, text: str) -> list[dict[str, Any]]:
        answer = self._send(self.quickbooks, "GET", "/query", params={"query": text, "minorversion": "75"})
        entity = text.split(" FROM ")[1].split()[0]
        found: list[dict[str, Any]] = answer["QueryResponse"].get(entity) or []
        return found

    def qb_create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._send(self.quickbooks, "POST", f"/{entity.lower()}", json=body,
                            params={"minorversion": "75"})
        created: dict[str, Any] = answer[entity]
        return created

    def run(self) -> None:
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100, "properties": "hs_number,hs_currency,hs_invoice_date,hs_due_date"}
            if after:
                params["after"] = after
            page = self.hs("/crm/v3/objects/invoices", **params)
            for invoice in page["results"]:
                self.sync_one(invoice)
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def sync_one(self, invoice: dict[str, Any]) -> None:
        invoice_id = invoice["id"]
        contacts = self.hs(f"/crm/v4/objects/invoices/{invoice_id}/associations/contacts")["results"]
        line_ids = [r["toObjectId"] for r in self.hs(f"/crm/v4/objects/invoices/{invoice_id}/associations/line_items")["results"]]
        contact = self.hs(f"/crm/v3/objects/contacts/{contacts[0]['toObjectId']}",
                          properties="email,firstname,lastname")["properties"]
        email = str(contact["email"]).strip().lower()
        customers = self.qb_query(f"SELECT * FROM Customer WHERE PrimaryEmailAddr = '{email}'")  # noqa: S608
        if customers:
            customer_id = customers[0]["Id"]
        else:
            name = f"{contact.get('firstname', '')} {contact.get('lastname', '')}".strip() or email
            customer_id = self.qb_create("Customer", {"DisplayName": name,
                                                      "PrimaryEmailAddr": {"Address": email}})["Id"]
        lines = []
        for line_id in line_ids:
            line = self.hs(f"/crm/v3/objects/line_items/{line_id}", properties="hs_sku,quantity,price,name")["properties"]
            items = self.qb_query(f"SELECT * FROM Item WHERE Sku = '{line['hs_sku']}'")  # noqa: S608
            if not items:
                self.failed += 1
                return
            qty, price = Decimal(str(line["quantity"])), Decimal(str(line["price"]))
            lines.append({"DetailType": "SalesItemLineDetail", "Amount": str((qty * price).quantize(Decimal("0.01"))),
                          "SalesItemLineDetail": {"ItemRef": {"value": items[0]["Id"]}, "Qty": str(qty),
                                                  "UnitPrice": str(price), "TaxCodeRef": {"value": "TAX"}}})
        props = invoice["properties"]
        self.qb_create("Invoice", {"CustomerRef": {"value": customer_id}, "Line": lines,
                                   "DocNumber": str(props.get("hs_number") or "")[:21]})
        self.created += 1


def hubspot_private_token(emulators: Emulators) -> str:
    answer = emulators.http.post(f"{emulators.ports.hubspot_url}/_emulator/portals/{PORTAL}/private-app-token")
    token: str = answer.json()["token"]
    return token
