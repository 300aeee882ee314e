"""Issue 10's remaining cases, over HTTP against both emulators: Strict Mode tax, both QuickBooks
tax models, a portal switch, a worker killed -9 mid-batch while a second drain runs (PostgreSQL),
and the periodic poll finding a change when HubSpot can't reach us (no webhook URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from emulator_core.server import ServerThread
from simplecommercesync.accounts.models import User
from simplecommercesync.sync import operations
from simplecommercesync.sync.engine.drain import DrainReport
from simplecommercesync.sync.engine.models import QuickBooksWrite, RecordLink, RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import QuickBooksTaxCode, TaxMapping
from simplecommercesync.sync.tasks import drain
from tests.product import test_sync_support as support
from tests.product.conftest import Providers, wire_providers
from tests.product.sync.engine.test_sync_resilience import worker_env
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    EU_PORTAL,
    EU_REALM,
    US_PORTAL,
    US_REALM,
    World,
    build_world,
    connect_without_browser,
    hooked_hubspot,
    hooked_providers,
    money,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def hubspot_rates(world: World) -> dict[str, str]:
    """HubSpot tax rate name → id, in the world's portal."""
    found = world.hs("GET", "/tax-rates/v1/tax-rates")["results"]
    return {str(r["name"]): str(r["id"]) for r in found}


def quickbooks_codes(world: World) -> dict[str, str]:
    return {str(c["Name"]): str(c["Id"]) for c in world.query("SELECT * FROM TaxCode")}


def mapped(world: World, rate_id: str, code_id: str) -> None:
    TaxMapping.objects.create(workspace_id=world.workspace_id, hubspot_portal_id=str(world.portal_id),
                              quickbooks_realm_id=world.realm_id, hubspot_tax_rate_id=rate_id,
                              quickbooks_tax_code_id=code_id)


# -- tax ---------------------------------------------------------------------------------------


def test_strict_mode_fails_the_whole_invoice_on_an_unmapped_rate_and_retry_after_mapping_works(
        hooked_providers: Providers, admin: User) -> None:  # noqa: F811 (fixture)
    world = build_world(hooked_providers, admin, strict=True)
    assert operations.refresh_tax_cache(world.workspace_id).level == "success"
    rates, codes = hubspot_rates(world), quickbooks_codes(world)
    mapped(world, rates["California Sales Tax"], codes["California"])
    sku = f"STRICT-{world.tag}"
    world.item(sku, "100.00")
    contact = world.contact(f"strict.{world.tag}@example.com", "Strict", f"Mode{world.tag}")
    invoice_id = world.invoice(contact, [(sku, "1", "100.00", rates["California Sales Tax"]),
                                         (sku, "1", "100.00", rates["New York City Sales Tax"])])
    before = world.invoice_count()
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.FAILED and record.error_kind == "unmapped_tax_rate"
    assert record.error_message.startswith("Unmapped tax rate: New York City Sales Tax")
    assert "Strict Mode" in record.error_message
    assert "Add Tax Mapping" in record.error_fix
    assert world.invoice_count() == before, "the whole invoice failed: not one line was written"

    mapped(world, rates["New York City Sales Tax"], codes["New York City"])
    assert operations.retry_record(record.pk).level == "success"
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, record.error_message
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    lines = [line for line in written["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    # US automated sales tax: lines are only TAX/NON; QuickBooks works out the rate from addresses.
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in lines] == ["TAX", "TAX"]


def test_non_us_company_gets_a_vat_code_on_every_line(
        hooked_providers: Providers, admin: User) -> None:  # noqa: F811 (fixture)
    world = build_world(hooked_providers, admin, portal_id=EU_PORTAL, realm_id=EU_REALM)
    assert operations.refresh_tax_cache(world.workspace_id).level == "success"
    rates, codes = hubspot_rates(world), quickbooks_codes(world)
    assert "TAX" not in codes, "a non-US company has real tax codes only"
    # Each EU rate maps to the QuickBooks code the Northwind data pairs it with.
    from emulator_core.northwind import EU_TAX_RATES

    pairs = [(rates[r.name], codes[r.quickbooks_code]) for r in EU_TAX_RATES[:2]]
    for rate_id, code_id in pairs:
        mapped(world, rate_id, code_id)
    assert QuickBooksTaxCode.objects.filter(workspace_id=world.workspace_id, quickbooks_realm_id=EU_REALM).exists()
    sku = f"VAT-{world.tag}"
    world.item(sku, "50.00")
    contact = world.contact(f"vat.{world.tag}@example.com", "Vat", f"Line{world.tag}")
    invoice_id = world.invoice(contact, [(sku, "1", "50.00", pairs[0][0]), (sku, "2", "50.00", pairs[1][0])],
                               currency="EUR")
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    lines = [line for line in written["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in lines] == [pairs[0][1], pairs[1][1]]
    assert "TxnTaxCodeRef" not in (written.get("TxnTaxDetail") or {}), "no US jurisdiction on a VAT invoice"
    assert money(written["TotalAmt"]) > Decimal("150.00"), "QuickBooks added VAT from the per-line codes"


# -- portal switch -----------------------------------------------------------------------------


def test_after_a_portal_switch_nothing_of_the_first_portals_links_is_reused(world: World) -> None:
    sku = f"SW-{world.tag}"
    world.item(sku, "8.00")
    email = f"switch.{world.tag}@example.com"
    first = world.invoice(world.contact(email, "Switch", f"Over{world.tag}"), [(sku, "1", "8.00")])
    world.queue(first)
    world.drain()
    old = world.record(first)
    assert old.status == RecordStatus.SUCCESS
    old_links = set(RecordLink.objects.values_list("pk", "hubspot_portal_id", "hubspot_id", "quickbooks_id",
                                                   "fingerprint"))
    assert {p for _, p, *_ in old_links} == {str(US_PORTAL)}

    connect_without_browser(world.providers, world.admin, EU_PORTAL, US_REALM)  # same company, other portal
    second_world = World(world.providers, world.admin, EU_PORTAL, US_REALM, tag=world.tag)
    second = second_world.invoice(second_world.contact(email, "Switch", f"Over{world.tag}"), [(sku, "2", "8.00")],
                                  currency="USD")
    before = world.invoice_count()
    # The first portal's invoice id queued again (a stale webhook, a retry): it is not this portal's.
    SyncRecord.objects.filter(pk=old.pk).update(status=RecordStatus.PENDING, next_attempt_at=None)
    second_world.queue(second)
    second_world.drain()

    assert world.invoice_count() == before + 1, "one new invoice for the new portal; the old one untouched"
    new = SyncRecord.objects.get(workspace_id=world.workspace_id, source_account=str(EU_PORTAL), source_id=second)
    assert new.status == RecordStatus.SUCCESS and new.destination_id != old.destination_id
    stale = SyncRecord.objects.get(pk=old.pk)
    if first != second:
        assert stale.status == RecordStatus.SUCCESS and "Deleted in HubSpot" in stale.note
    new_links = set(RecordLink.objects.values_list("pk", "hubspot_portal_id", "hubspot_id", "quickbooks_id",
                                                   "fingerprint")) - old_links
    assert new_links and {p for _, p, *_ in new_links} == {str(EU_PORTAL)}, "new links, keyed by the new portal"
    assert old_links <= set(RecordLink.objects.values_list("pk", "hubspot_portal_id", "hubspot_id", "quickbooks_id",
                                                           "fingerprint")), "the old links are kept, unchanged"
    written = world.qb("GET", f"invoice/{old.destination_id}")["Invoice"]
    assert money(written["TotalAmt"]) == money("8.00"), "the first portal's QuickBooks invoice was not updated"


# -- kill -9 with two drains -------------------------------------------------------------------


def test_a_worker_killed_mid_batch_while_another_drains_leaves_no_duplicates(world: World) -> None:
    if db_connection.vendor != "postgresql":
        pytest.skip("two drains at once need PostgreSQL (SKIP LOCKED); run with TEST_DATABASE_URL")
    counts = {"seed": 7, "contacts": 20, "products": 10, "invoices": 230, "lines_per_invoice": 3}
    created = world.providers.hubspot("POST", f"/_emulator/portals/{world.portal_id}/generate",
                                      json={**counts, "invoice_status": "open"})
    assert created.status_code == 201, created.text
    world.providers.quickbooks("POST", f"/_emulator/companies/{world.realm_id}/generate",
                               json={**counts, "invoices": 0}).raise_for_status()
    before = world.invoice_count()
    queued = operations.queue_everything(world.workspace_id, "invoices", requested_by="test")
    assert queued >= 230
    # Each QuickBooks batch write answers after 0.3 s, so the kill lands with writes in flight.
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/batch$", "method": "POST", "answer_delay_s": 0.3}).raise_for_status()
    env = worker_env(world)
    workers = [subprocess.Popen([sys.executable, "-c", support_worker(), str(world.workspace_id)], env=env)
               for _ in range(2)]
    try:
        # The kill lands while the first worker holds a claimed batch and QuickBooks writes are out.
        held_by_first = SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.PROCESSING,
                                                  claimed_by__startswith=f"{workers[0].pid}-")
        writes_out = QuickBooksWrite.objects.filter(workspace_id=world.workspace_id)
        deadline = time.monotonic() + 60
        while not (held_by_first.exists() and writes_out.exists()):
            assert time.monotonic() < deadline and workers[0].poll() is None
            time.sleep(0.05)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        assert workers[1].wait(180) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    world.providers.quickbooks("DELETE", "/_emulator/faults")
    stranded = SyncRecord.objects.filter(status=RecordStatus.PROCESSING).count()
    assert stranded > 0, "the dead worker's claimed records stay claimed until their lease runs out"
    # The dead worker's claimed records wait out their lease; then any drain takes them again.
    SyncRecord.objects.filter(status=RecordStatus.PROCESSING).update(claimed_until=timezone.now() - timedelta(1))
    world.drain()
    records = SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="invoices",
                                        source_account=str(world.portal_id))
    assert set(records.values_list("status", flat=True)) <= {RecordStatus.SUCCESS, RecordStatus.FAILED}
    synced = records.filter(status=RecordStatus.SUCCESS).exclude(destination_id="").count()
    assert world.invoice_count() == before + synced, "each synced invoice exactly once in QuickBooks"
    numbers = [i.get("DocNumber") for i in world.query("SELECT * FROM Invoice MAXRESULTS 1000")]
    assert len(numbers) == len(set(numbers)), "no invoice number twice"


def support_worker() -> str:
    return """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "simplecommercesync.settings"
import django
django.setup()
from simplecommercesync.sync.tasks import drain
drain(int(sys.argv[1]), "invoices", trigger="worker")
"""


# -- a drain that stalls past its lease -----------------------------------------------------------


def test_a_drain_that_stalled_past_its_lease_writes_nothing_for_records_another_drain_took(
        world: World, settings: Any) -> None:
    """The first drain's first QuickBooks call hangs longer than the lease; a second drain takes
    the invoice meanwhile and syncs it. When the first wakes, it must not write for it too."""
    # Tests time provider calls out after 2 s: three hanging attempts (the call is retried) stall
    # the first drain past a 6 s lease, which leaves the second drain, on a loaded machine, time
    # to sync before its own lease runs out.
    settings.SCS_SYNC_LEASE_SECONDS = 6
    world.item("LEASE-1")
    invoice_id = world.invoice(world.contact(f"lease.{world.tag}@example.com"), [("LEASE-1", "1", "10.00")])
    world.settle_webhooks()
    world.queue(invoice_id)
    before = world.invoice_count()
    world.providers.quickbooks("DELETE", "/_emulator/requests").raise_for_status()
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/v3/company/", "delay_s": 4, "times": 3}).raise_for_status()
    stalled: dict[str, Any] = {}

    def first_drain() -> None:
        try:
            stalled["report"] = operations_drain(world)
        finally:
            db_connection.close()

    thread = threading.Thread(target=first_drain)
    thread.start()
    record = world.record(invoice_id)
    deadline = time.monotonic() + 15
    while record.status != RecordStatus.PROCESSING or record.claimed_until is None or \
            record.claimed_until > timezone.now():
        assert time.monotonic() < deadline, "the first drain never claimed the invoice"
        time.sleep(0.05)
        record.refresh_from_db()
    second = operations_drain(world)
    thread.join(30)
    assert not thread.is_alive()
    assert second.succeeded == 1
    assert stalled["report"].succeeded == 0 and stalled["report"].failed == 0
    record.refresh_from_db()
    assert record.status == RecordStatus.SUCCESS
    assert world.invoice_count() == before + 1
    log = world.providers.quickbooks("GET", "/_emulator/requests").json()["by_route"]
    writes = {route: answers for route, answers in log.items()
              if route.startswith("POST") and route.endswith(("/invoice", "/batch"))}
    # The second drain's customer lookup (a batch of queries) and its one invoice create; the
    # stalled drain's lookup timed out and was retried, but it wrote nothing.
    assert sum(writes.get(f"POST /v3/company/{world.realm_id}/invoice", {}).values()) == 1, writes


def operations_drain(world: World) -> DrainReport:
    """A drain without `World.drain`'s wait for webhooks, so it starts while the other one is still stalled."""
    return drain(world.workspace_id, "invoices", trigger="test")


# -- polling without webhooks -------------------------------------------------------------------


@pytest.fixture(scope="session")
def quiet_hubspot() -> Iterator[ServerThread]:
    """A HubSpot emulator that sends no webhooks: an installation HubSpot can't reach."""
    from hubspot_emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig(seed="demo", webhook_url=None))
    with ServerThread(app) as server:
        support._HOOKED_APPS[server.url] = app
        yield server


def test_the_periodic_poll_finds_a_change_within_the_poll_interval_without_webhooks(
        settings: Any, live_server: Any, quiet_hubspot: ServerThread, quickbooks_server: ServerThread,
        admin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from simplecommercesync.sync import tasks

    interval = 5
    monkeypatch.setenv("SCS_SYNC_POLL_SECONDS", str(interval))
    providers = wire_providers(settings, live_server.url, quiet_hubspot.url, quickbooks_server.url)
    world = build_world(providers, admin)
    tasks.poll_task.call_local()  # the first poll starts the cursor
    sku = f"POLL-{world.tag}"
    world.item(sku)
    contact = world.contact(f"poll.{world.tag}@example.com", "Poll", f"Only{world.tag}")
    stop = threading.Event()

    def worker() -> None:  # the consumer's periodic schedule: a poll every interval, drains when woken
        next_poll = time.monotonic()
        while not stop.is_set():
            if time.monotonic() >= next_poll:
                tasks.poll_task.call_local()
                next_poll += interval
            if SyncRecord.objects.filter(status=RecordStatus.PENDING, sync_type="invoices").exists():
                world.drain()
            time.sleep(0.1)

    thread = threading.Thread(target=worker, daemon=True)
    invoice_id = world.invoice(contact, [(sku, "1", "10.00")])
    started = time.monotonic()
    thread.start()
    try:
        while time.monotonic() - started < 3 * interval:
            record = SyncRecord.objects.filter(source_id=invoice_id, sync_type="invoices").first()
            if record is not None and record.status == RecordStatus.SUCCESS:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(20)
    took = time.monotonic() - started
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS and record.requested_by == "poll", record.requested_by
    # HubSpot's search lags a change by about a second, so a change can miss one poll: two intervals.
    assert took < 2 * interval + 2, f"synced after {took:.1f} s with polls every {interval} s"
