"""Scale-out on PostgreSQL + Redis: two `scs worker` processes and two web processes (gunicorn of
`scs serve --no-worker --web-workers 2`) sync one workspace against both emulators, whose rate
limits are scaled down so that our shared limiter has to hold the processes back. Checked in the
emulators: every record synced exactly once, no 429 at all (our budget is shared through Redis),
and one token refresh per provider after the access tokens expired mid-run."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator_core.server import ServerThread
from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import TaxSettings, UnmappedTaxBehavior
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings

from .chaos_support import (
    ON_POSTGRES,
    ON_REDIS,
    ProductProcesses,
    assert_books_match,
    diagnosis,
    generate_books,
    product_env,
    queue_books,
    settled,
    throttled,
    token_calls,
    unsettled,
    wait_until,
)
from .conftest import PASSWORD, Providers, wire_providers
from .test_sync_support import _HOOKED_APPS, build_world

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (ON_POSTGRES and ON_REDIS), reason=(
        "scale-out needs PostgreSQL + Redis (SQLite has one writer and no shared queue, locks or "
        "rate-limit budget): set TEST_DATABASE_URL and TEST_REDIS_URL, as `make test` does")),
]
# The emulators' limits and ours, scaled together: QuickBooks 10 batch calls a minute and 2 in
# flight, HubSpot 28 calls per 10 s and 1 search per second.
SCALE = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def scaled_emulators(web_port: int) -> Iterator[tuple[str, str]]:
    """Both emulators with scaled limits; HubSpot's webhooks go to our web processes."""
    from hubspot_emulator import EmulatorConfig as HubSpotConfig
    from hubspot_emulator import create_app as hubspot_app
    from quickbooks_emulator.app import create_app as quickbooks_app
    from quickbooks_emulator.config import EmulatorConfig as QuickBooksConfig

    hubspot = hubspot_app(HubSpotConfig(seed="demo", rate_limit_scale=SCALE,
                                        webhook_url=f"http://127.0.0.1:{web_port}/webhooks/hubspot/"))
    with ServerThread(hubspot) as hub, ServerThread(quickbooks_app(QuickBooksConfig(
            seed="demo", rate_limit_scale=SCALE))) as qbo:
        _HOOKED_APPS[hub.url] = hubspot  # connect_without_browser issues codes inside it
        yield hub.url, qbo.url


@pytest.fixture
def providers(settings: Any, transactional_db: None, web_port: int, scaled_emulators: tuple[str, str]) -> Providers:
    return wire_providers(settings, f"http://127.0.0.1:{web_port}", *scaled_emulators)


def route_counts(providers: Providers) -> dict[str, dict[str, int]]:
    """Calls per route (any answer) each emulator has seen so far."""
    return {name: {route: sum(statuses.values())
                   for route, statuses in control("GET", "/_emulator/requests").json()["by_route"].items()}
            for name, control in (("hubspot", providers.hubspot), ("quickbooks", providers.quickbooks))}


def signed_in(base_url: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60, follow_redirects=True)
    client.get("/sign-in/").raise_for_status()
    answer = client.post("/sign-in/", data={"username": email, "password": PASSWORD,
                                            "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    assert answer.status_code == 200 and "/sign-in/" not in str(answer.url), answer.text[:500]
    return client


def save_form(client: httpx.Client, path: str, fields: dict[str, Any]) -> str:
    """Save Configuration, as the browser posts it; returns the page it lands on."""
    answer = client.post(path, data={**fields, "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_two_workers_and_two_web_processes_sync_everything_once_within_the_limits(
        providers: Providers, admin: User, tmp_path: Path, web_port: int) -> None:
    world = build_world(providers, admin)
    TaxSettings.objects.filter(workspace_id=world.workspace_id).update(
        unmapped_behavior=UnmappedTaxBehavior.NON_TAXABLE)
    InvoiceSyncSettings.objects.filter(workspace_id=world.workspace_id).update(enabled=False)  # the admin turns it on
    books = generate_books(world, seed=31, invoices=100, contacts=20, products=30)
    processes = ProductProcesses(product_env(world, SCS_RATE_LIMIT_SCALE=str(SCALE)), tmp_path)
    try:
        processes.start_web("web", web_port, web_workers=2)
        processes.start_worker("worker-a", periodic=True)
        processes.start_worker("worker-b", periodic=False)
        for control in (providers.hubspot, providers.quickbooks):
            control("DELETE", "/_emulator/requests").raise_for_status()
        tokens_before = token_calls(providers)

        # An admin turns payments, then invoices on in the web app: each starts a full sync there.
        web = signed_in(f"http://127.0.0.1:{web_port}", admin.email)
        page = save_form(web, "/settings/sync/payments/", {
            "enabled": "on", "status_filter": ["succeeded"], "require_invoice": "on", "sync_refunds": "on"})
        assert "Sync started" in page, page[:2000]
        page = save_form(web, "/settings/sync/invoices/", {
            "enabled": "on", "direction": "hubspot_to_quickbooks", "status_filter": ["open", "paid"],
            "skip_integration_source": "on", "sync_void_status": "on"})
        assert "Sync started" in page, page[:2000]
        assert PaymentSyncSettings.objects.get(workspace_id=world.workspace_id).enabled

        # Mid-run both providers expire every access token: each connection refreshes once. A poll
        # then finds every record again (a webhook storm would do the same), so that both sync
        # types call both providers after the expiry whatever the first pass had left to do.
        wait_until(lambda: SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="invoices",
                                                     status=RecordStatus.SUCCESS).count() >= 20, 180,
                   lambda: f"{unsettled(world)}\n{processes.logs()}")
        routes_before = route_counts(providers)
        providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
        providers.quickbooks("POST", "/_emulator/tokens/expire", json={"realm_id": world.realm_id}).raise_for_status()
        queue_books(world, books)
        wait_until(lambda: settled(world, books), 420, lambda: f"still unsettled {unsettled(world)}; {diagnosis(world)}\n{processes.logs()}")
        # Read before the census below adds calls of its own.
        refreshes = {k: v - tokens_before[k] for k, v in token_calls(providers).items()}
        after_expiry = {name: {route: n - routes_before[name].get(route, 0) for route, n in counts.items()
                               if n > routes_before[name].get(route, 0)}
                        for name, counts in route_counts(providers).items()}
        throttles = throttled(providers)
        requests = {name: control("GET", "/_emulator/requests").json()["total"]
                    for name, control in (("hubspot", providers.hubspot), ("quickbooks", providers.quickbooks))}
    finally:
        processes.stop_all()

    world.hubspot_token = world.quickbooks_token = ""  # the test's own tokens expired too
    assert_books_match(world, books)
    assert throttles == {"hubspot": {}, "quickbooks": {}}, f"429s beyond our shared budget: {throttles}"
    assert refreshes == {"hubspot": 1, "quickbooks": 1}, f"{refreshes}; calls after the expiry: {after_expiry}"
    print(f"scale-out: 2 workers x 2 threads + 2 web processes; {requests} API calls, 0 throttled, "
          f"refreshes {refreshes}; QuickBooks gained {books.expected}")
