"""Shared set-up of the sync tests: both emulators (HubSpot's webhooks aimed at the live product),
both accounts connected through the real consent pages, and records made over the APIs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from emulator_core.server import ServerThread
from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.drain import DrainReport
from simplecommercesync.sync.engine.models import SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.mapping.tax_models import TaxSettings, UnmappedTaxBehavior
from simplecommercesync.sync.tasks import drain
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

from .conftest import QUICKBOOKS_TEST_APP, Providers, wire_providers

US_PORTAL, EU_PORTAL = 2468101, 2468102
US_REALM, EU_REALM = "9341453050011001", "9341453050011003"


_HOOKED_APPS: dict[str, Any] = {}


@pytest.fixture(scope="session")
def hooked_hubspot(live_server: Any) -> Iterator[ServerThread]:
    """A HubSpot emulator whose webhooks go to the live product, as in demo mode."""
    from hubspot_emulator import EmulatorConfig, create_app

    config = EmulatorConfig(seed="demo", webhook_url=f"{live_server.url}/webhooks/hubspot/")
    app = create_app(config)
    with ServerThread(app) as server:
        _HOOKED_APPS[server.url] = app
        yield server


def connect_without_browser(providers: Providers, admin: User, portal_id: int, realm_id: str) -> None:
    """Both connections made with real tokens of the test apps (the consent pages themselves are
    covered by the connections tests): HubSpot's code is issued inside the in-process emulator and
    exchanged over HTTP, which also installs the app so the portal's webhooks reach us."""
    from django.utils import timezone

    from simplecommercesync.connections.models import Connection, Status
    from simplecommercesync.connections.tokens import store_token
    from simplecommercesync.providers.registry import get_provider

    from .conftest import HUBSPOT_TEST_APP

    emulator = _HOOKED_APPS[providers.hubspot_url].state.world
    hubspot = get_provider("hubspot")
    redirect = f"{providers.base_url}/settings/connections/hubspot/callback/"
    user = emulator.directory.user("owner@northwind.example")
    code = emulator.oauth.issue_code(emulator.oauth.app(HUBSPOT_TEST_APP[0]), user,
                                     emulator.directory.portals[portal_id], redirect,
                                     [scope.name for scope in hubspot.scopes])
    answer = httpx.post(f"{providers.hubspot_url}/oauth/v3/token", data={
        "grant_type": "authorization_code", "client_id": HUBSPOT_TEST_APP[0],
        "client_secret": HUBSPOT_TEST_APP[1], "redirect_uri": redirect, "code": code.code})
    assert answer.status_code == 200, answer.text
    quickbooks = providers.quickbooks("POST", f"/_emulator/companies/{realm_id}/token",
                                      json={"client_id": QUICKBOOKS_TEST_APP[0]})
    assert quickbooks.status_code == 201, quickbooks.text
    now = timezone.now()
    for key, account, token in (("hubspot", str(portal_id), answer.json()),
                                ("quickbooks", realm_id, quickbooks.json())):
        connection, _ = Connection.objects.get_or_create(workspace=admin.workspace, provider=key)
        connection.status, connection.account_id, connection.connected_at = Status.CONNECTED, account, now
        connection.last_account_id = account
        store_token(connection, get_provider(key), token, now)
        connection.save()


@dataclass
class World:
    """Both sides for one test: make records over the APIs, count what QuickBooks holds."""

    providers: Providers
    admin: User
    portal_id: int
    realm_id: str
    hubspot_token: str = ""
    quickbooks_token: str = ""
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    @property
    def workspace_id(self) -> int:
        return self.admin.workspace_id

    # -- HubSpot ------------------------------------------------------------------------------
    def hs(self, method: str, path: str, json: Any = None) -> Any:
        if not self.hubspot_token:
            answer = self.providers.hubspot("POST", f"/_emulator/portals/{self.portal_id}/private-app-token")
            self.hubspot_token = answer.json()["token"]
        response = httpx.request(method, f"{self.providers.hubspot_url}{path}", json=json, timeout=10,
                                 headers={"Authorization": f"Bearer {self.hubspot_token}"})
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def contact(self, email: str | None, first: str = "Ada", last: str = "Lovelace") -> str:
        props = {"firstname": first, "lastname": last}
        if email is not None:
            props["email"] = email
        return str(self.hs("POST", "/crm/v3/objects/contacts", {"properties": props})["id"])

    def invoice(self, contact_id: str | None, lines: list[tuple[str, str, str] | tuple[str, str, str, str]],
                status: str = "open", currency: str = "USD") -> str:
        """lines: (sku, quantity, price[, tax rate id])."""
        invoice_id = str(self.hs("POST", "/crm/v3/objects/invoices",
                                 {"properties": {"hs_currency": currency,
                                                 "hs_invoice_date": "2026-02-01T00:00:00Z",
                                                 "hs_due_date": "2026-03-03T00:00:00Z"}})["id"])
        if contact_id:
            self.hs("PUT", f"/crm/v4/objects/invoices/{invoice_id}/associations/default/contacts/{contact_id}")
        for line in lines:
            props = {"name": f"Line {line[0]}", "hs_sku": line[0], "quantity": line[1], "price": line[2]}
            if len(line) > 3:
                props["hs_tax_rate_group_id"] = line[3]
            line_id = self.hs("POST", "/crm/v3/objects/line_items", {"properties": props})["id"]
            self.hs("PUT", f"/crm/v4/objects/invoices/{invoice_id}/associations/default/line_items/{line_id}")
        if status != "draft":
            self.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": {"hs_invoice_status": status}})
        return invoice_id

    def invoice_properties(self, invoice_id: str, *names: str) -> dict[str, Any]:
        query = ",".join(names)
        found: dict[str, Any] = self.hs("GET", f"/crm/v3/objects/invoices/{invoice_id}?properties={query}")["properties"]
        return found

    # -- QuickBooks ---------------------------------------------------------------------------
    def qb(self, method: str, path: str, json: Any = None, params: dict[str, str] | None = None) -> Any:
        if not self.quickbooks_token:
            answer = self.providers.quickbooks("POST", f"/_emulator/companies/{self.realm_id}/token",
                                               json={"client_id": QUICKBOOKS_TEST_APP[0]})
            assert answer.status_code == 201, answer.text
            self.quickbooks_token = answer.json()["access_token"]
        response = httpx.request(
            method, f"{self.providers.quickbooks_url}/v3/company/{self.realm_id}/{path}", json=json, timeout=10,
            params={"minorversion": "75", **(params or {})},
            headers={"Authorization": f"Bearer {self.quickbooks_token}", "Accept": "application/json"})
        assert response.status_code < 300, response.text
        return response.json()

    def query(self, text: str) -> list[dict[str, Any]]:
        body = self.qb("GET", "query", params={"query": text})["QueryResponse"]
        entity = text.split(" FROM ")[1].split()[0]
        found: list[dict[str, Any]] = body.get(entity) or []
        return found

    def item(self, sku: str, price: str = "10.00") -> str:
        body = {"Name": f"Item {sku} {self.tag}", "Sku": sku, "Type": "Service", "UnitPrice": price,
                "IncomeAccountRef": {"value": "2"}}
        return str(self.qb("POST", "item", body)["Item"]["Id"])

    def customer(self, display_name: str, email: str | None) -> str:
        body: dict[str, Any] = {"DisplayName": display_name}
        if email is not None:
            body["PrimaryEmailAddr"] = {"Address": email}
        return str(self.qb("POST", "customer", body)["Customer"]["Id"])

    def invoices_for(self, doc_number: str) -> list[dict[str, Any]]:
        return self.query(f"SELECT * FROM Invoice WHERE DocNumber = '{doc_number}'")

    def invoice_count(self) -> int:
        found = self.qb("GET", "query", params={"query": "SELECT COUNT(*) FROM Invoice"})["QueryResponse"]
        return int(found["totalCount"])

    # -- product ------------------------------------------------------------------------------
    def queue(self, *invoice_ids: str) -> None:
        upsert_pending(self.workspace_id, "invoices", str(self.portal_id), invoice_ids, requested_by="test")

    def drain(self, sync_type: str = "invoices") -> DrainReport:
        self.settle_webhooks()
        return drain(self.workspace_id, sync_type, trigger="test")

    def settle_webhooks(self, timeout_s: float = 40.0) -> None:
        """Waits until the HubSpot emulator has delivered the webhooks of every change made so far.
        Its deliveries are serial with backoff, so one refused webhook of an earlier test can hold
        this test's creation events back until after the drain, queueing its records again."""
        deadline = time.monotonic() + timeout_s
        while self.providers.hubspot("GET", "/_emulator/state").json()["webhooks"].get("pending"):
            assert time.monotonic() < deadline, "the HubSpot emulator's webhooks never settled"
            time.sleep(0.05)

    def record(self, invoice_id: str, sync_type: str = "invoices") -> SyncRecord:
        return SyncRecord.objects.get(workspace_id=self.workspace_id, sync_type=sync_type, source_id=invoice_id)


def build_world(providers: Providers, admin: User, portal_id: int = US_PORTAL,
                realm_id: str = US_REALM, strict: bool = False) -> World:
    connect_without_browser(providers, admin, portal_id, realm_id)
    InvoiceSyncSettings.objects.update_or_create(workspace=admin.workspace, defaults={"enabled": True})
    TaxSettings.objects.update_or_create(
        workspace=admin.workspace,
        defaults={"unmapped_behavior": UnmappedTaxBehavior.STRICT if strict else UnmappedTaxBehavior.TAXABLE})
    return World(providers, admin, portal_id, realm_id)


@pytest.fixture
def hooked_providers(settings: Any, live_server: Any, hooked_hubspot: ServerThread,
                     quickbooks_server: ServerThread) -> Providers:
    return wire_providers(settings, live_server.url, hooked_hubspot.url, quickbooks_server.url)


@pytest.fixture(name="world")
def world_fixture(hooked_providers: Providers, admin: User) -> World:
    return build_world(hooked_providers, admin)


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def wait_for(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Polls `predicate` until it is truthy; webhooks reach the product on the emulator's own thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
