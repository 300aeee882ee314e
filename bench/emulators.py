"""The emulators' control APIs as the bench uses them: reset, generate worlds, read request logs,
and get real OAuth tokens of the product's app over HTTP (consent pages driven by a script)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from .stack import HUBSPOT_APP, QUICKBOOKS_APP, Ports

PORTAL = 2468101
REALM = "9341453050011001"
HUBSPOT_OWNER = ("owner@northwind.example", "hubspot-demo")
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass
class Workload:
    """A generated world: the same seed and counts on both sides give matching SKUs and emails."""

    seed: int
    invoices: int
    contacts: int
    products: int
    lines_per_invoice: int = 3
    quotes: int = 0  # HubSpot quotes (status APPROVED), with lines_per_invoice lines each


class Emulators:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.http = httpx.Client(timeout=600)
        self._hubspot_token = ""

    def close(self) -> None:
        self.http.close()

    # -- control ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Both worlds back to the demo seed, limits, faults and request logs cleared."""
        for url in (self.ports.hubspot_url, self.ports.quickbooks_url):
            self.http.post(f"{url}/_emulator/reset", json={"seed": "demo"}).raise_for_status()
        self._hubspot_token = ""

    def clear_logs(self) -> None:
        for url in (self.ports.hubspot_url, self.ports.quickbooks_url):
            self.http.delete(f"{url}/_emulator/requests").raise_for_status()

    def request_counts(self) -> dict[str, Any]:
        """Calls each emulator answered since the last clear, in all and by route."""
        counts: dict[str, Any] = {}
        for name, url in (("hubspot", self.ports.hubspot_url), ("quickbooks", self.ports.quickbooks_url)):
            summary = self.http.get(f"{url}/_emulator/requests").json()
            by_route = {route: sum(statuses.values()) for route, statuses in summary["by_route"].items()
                        if "/_emulator/" not in route and "/oauth" not in route}
            throttled = sum(statuses.get("429", 0) for statuses in summary["by_route"].values())
            counts[name] = {"total": sum(by_route.values()), "throttled": throttled, "by_route": by_route}
        return counts

    def generate(self, workload: Workload, *, quickbooks_customers: bool = False, status: str = "open") -> None:
        """HubSpot gets contacts, products and open invoices; QuickBooks the items (and, if asked,
        the customers), so invoices find their items and, by default, create new customers."""
        hubspot = {"seed": workload.seed, "contacts": workload.contacts, "products": workload.products,
                   "invoices": workload.invoices, "lines_per_invoice": workload.lines_per_invoice,
                   "invoice_status": status}
        if workload.quotes:
            hubspot["quotes"] = workload.quotes
        self.http.post(f"{self.ports.hubspot_url}/_emulator/portals/{PORTAL}/generate",
                       json=hubspot).raise_for_status()
        # The emulator's generate refuses 0 customers even without invoices: customer 0 exists,
        # so one contact of the workload matches an existing customer and the rest are new.
        quickbooks = {"seed": workload.seed, "items": workload.products,
                      "customers": workload.contacts if quickbooks_customers else 1, "invoices": 0}
        self.http.post(f"{self.ports.quickbooks_url}/_emulator/companies/{REALM}/generate",
                       json=quickbooks).raise_for_status()

    # -- HubSpot as a person ------------------------------------------------------------------
    def hubspot(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        if not self._hubspot_token:
            answer = self.http.post(f"{self.ports.hubspot_url}/_emulator/portals/{PORTAL}/private-app-token")
            self._hubspot_token = answer.json()["token"]
        response = self.http.request(method, f"{self.ports.hubspot_url}{path}", json=json, params=params,
                                     headers={"Authorization": f"Bearer {self._hubspot_token}"})
        response.raise_for_status()
        return response.json() if response.content else None

    def archive_demo_invoices(self, object_type: str = "invoices") -> int:
        """The Northwind invoices (or quotes) of the demo seed would mix into a full backfill: archive them."""
        ids: list[str] = []
        after: str | None = None
        while True:
            page = self.hubspot("GET", f"/crm/v3/objects/{object_type}",
                                params={"limit": 100, **({"after": after} if after else {})})
            ids.extend(str(r["id"]) for r in page["results"])
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        for start in range(0, len(ids), 100):
            self.hubspot("POST", f"/crm/v3/objects/{object_type}/batch/archive",
                         {"inputs": [{"id": i} for i in ids[start:start + 100]]})
        return len(ids)

    # -- OAuth tokens of the product's apps ---------------------------------------------------
    def hubspot_grant(self, scopes: list[str]) -> dict[str, Any]:
        """The consent flow over HTTP as a person would click it: sign in, approve, exchange."""
        redirect = f"{self.ports.web_url}/settings/connections/hubspot/callback/"
        state = secrets.token_urlsafe(8)
        query = urlencode({"client_id": HUBSPOT_APP[0], "redirect_uri": redirect, "scope": " ".join(scopes),
                           "state": state})
        with httpx.Client(base_url=self.ports.hubspot_url, timeout=30) as browser:
            page = browser.get(f"/oauth/{PORTAL}/authorize?{query}")
            token = FORM_TOKEN.search(page.text)
            if token is None:
                raise RuntimeError("HubSpot emulator showed no sign-in form")
            browser.post("/oauth/sign-in", data={
                "form_token": token.group(1), "next": f"/oauth/{PORTAL}/authorize?{query}",
                "email": HUBSPOT_OWNER[0], "password": HUBSPOT_OWNER[1]})
            consent = browser.get(f"/oauth/{PORTAL}/authorize?{query}")
            token = FORM_TOKEN.search(consent.text)
            if token is None:
                raise RuntimeError("HubSpot emulator showed no consent form")
            answer = browser.post("/oauth/consent", data={
                "form_token": token.group(1), "client_id": HUBSPOT_APP[0], "redirect_uri": redirect,
                "scope": " ".join(scopes), "optional_scope": "", "state": state,
                "portal_id": str(PORTAL), "decision": "approve"})
            location = answer.headers.get("location", "")
            code = parse_qs(urlparse(location).query).get("code", [""])[0]
            if not code:
                raise RuntimeError(f"HubSpot consent gave no code: {location or answer.status_code}")
            exchanged = browser.post("/oauth/2026-03/token", data={
                "grant_type": "authorization_code", "client_id": HUBSPOT_APP[0],
                "client_secret": HUBSPOT_APP[1], "redirect_uri": redirect, "code": code})
            exchanged.raise_for_status()
            grant: dict[str, Any] = exchanged.json()
            return grant

    def quickbooks_grant(self) -> dict[str, Any]:
        answer = self.http.post(f"{self.ports.quickbooks_url}/_emulator/companies/{REALM}/token",
                                json={"client_id": QUICKBOOKS_APP[0]})
        answer.raise_for_status()
        grant: dict[str, Any] = answer.json()
        return grant
