"""The engine under trouble: a worker killed mid-write, a disconnect mid-drain, 429 storms and
5xx. Each test counts QuickBooks invoices in the emulator: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.connections.signals import connection_healthy
from simplecommercesync.sync.engine.models import (
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    SyncRecord,
    WriteState,
)
from tests.product.conftest import HUBSPOT_TEST_APP, QUICKBOOKS_TEST_APP
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]

WORKER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "simplecommercesync.settings"
import django
django.setup()
from simplecommercesync.sync.tasks import drain
drain(int(sys.argv[1]), sys.argv[2], trigger="worker")
"""


def worker_env(world: World) -> dict[str, str]:
    database = db_connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@{database['HOST']}:"
               f"{database['PORT'] or 5432}/{database['NAME']}")
    providers = world.providers
    return {
        **os.environ,
        # The plain settings: the test settings would swap DATABASE_URL for the suite's own.
        "DJANGO_SETTINGS_MODULE": "simplecommercesync.settings",
        "DATABASE_URL": url,
        "SCS_BASE_URL": providers.base_url,
        "SCS_HUBSPOT_CLIENT_ID": HUBSPOT_TEST_APP[0], "SCS_HUBSPOT_CLIENT_SECRET": HUBSPOT_TEST_APP[1],
        "SCS_HUBSPOT_AUTH_BASE_URL": providers.hubspot_url, "SCS_HUBSPOT_API_BASE_URL": providers.hubspot_url,
        "SCS_QBO_CLIENT_ID": QUICKBOOKS_TEST_APP[0], "SCS_QBO_CLIENT_SECRET": QUICKBOOKS_TEST_APP[1],
        "SCS_QBO_DISCOVERY_URL": f"{providers.quickbooks_url}/.well-known/openid_sandbox_configuration",
        "SCS_QBO_API_BASE_URL": providers.quickbooks_url, "SCS_QBO_ENVIRONMENT": "sandbox",
    }


def invoices_with_known_customer(world: World, count: int) -> list[str]:
    return invoices_and_contact(world, count)[0]


def invoices_and_contact(world: World, count: int) -> tuple[list[str], str]:
    sku = f"KILL-{world.tag}"
    world.item(sku, "20.00")
    email = f"known.{world.tag}@example.com"
    world.customer(f"Known Customer {world.tag}", email)
    contact = world.contact(email, "Known", f"Customer{world.tag}")
    ids = [world.invoice(contact, [(sku, str(n + 1), "20.00")]) for n in range(count)]
    # A creation webhook arriving after the worker claimed an invoice puts it back to Pending.
    world.settle_webhooks()
    world.queue(*ids)
    return ids, contact


class LinkTableLock:
    """Holds a lock from a second database connection so the worker blocks exactly when it
    stores links: after QuickBooks has answered, before anything records that it did."""

    def __init__(self) -> None:
        self.settings = db_connection.settings_dict
        self.raw: Any = None

    def __enter__(self) -> LinkTableLock:
        if self.settings["ENGINE"].endswith("sqlite3"):
            import sqlite3

            self.raw = sqlite3.connect(self.settings["NAME"], isolation_level=None, timeout=20)
            self.raw.execute("BEGIN IMMEDIATE")  # the one writer of a WAL database; readers go on
        else:
            import psycopg

            self.raw = psycopg.connect(
                dbname=self.settings["NAME"], user=self.settings["USER"], password=self.settings.get("PASSWORD") or None,
                host=self.settings["HOST"], port=self.settings["PORT"] or 5432)
            self.raw.execute("LOCK TABLE sync_recordlink IN EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.rollback() if hasattr(self.raw, "rollback") else None
        self.raw.close()


def start_drain_worker(world: World, sync_type: str) -> subprocess.Popen[bytes]:
    """A worker process draining one sync type of the world's workspace, as `scs worker` would."""
    return subprocess.Popen([sys.executable, "-c", WORKER, str(world.workspace_id), sync_type],
                            env=worker_env(world))


def kill_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL, as a crash or an OOM kill would: no cleanup runs in the worker."""
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGKILL)
    worker.wait()


def kill_worker_blocked_storing_links(worker: subprocess.Popen[bytes], journaled_operation: str,
                                      provider_holds_it: Callable[[], bool], never: str) -> None:
    """Kills the worker in the gap after the provider answered a write, before its link is stored.
    Once the write is journaled (`journaled_operation`) the link table is locked, so the worker
    blocks storing the link; when `provider_holds_it()`, the worker is killed. The provider
    should hold the write's request a moment (an emulator fault with delay_s) so the lock is
    surely in place before the answer comes back. `never` is the failure if the worker exits or
    30 s pass first."""
    deadline = time.monotonic() + 30
    lock = None
    try:
        while True:
            assert time.monotonic() < deadline and worker.poll() is None, never
            if lock is None and QuickBooksWrite.objects.filter(operation=journaled_operation).exists():
                lock = LinkTableLock().__enter__()
            if lock is not None and provider_holds_it():
                break  # the provider has the write; the worker is blocked storing its link
            time.sleep(0.02)
        assert lock is not None, "the lock was taken before the links could be stored"
        kill_worker(worker)
    finally:
        if lock is not None:
            lock.__exit__()
        kill_worker(worker)


def test_worker_killed_between_quickbooks_write_and_link_creates_each_invoice_once(world: World) -> None:
    ids = invoices_with_known_customer(world, 5)
    before = world.invoice_count()
    # Hold the lock once the invoice batch is journaled; QuickBooks holds each batch request a
    # second before handling it, so the lock is surely in place before the answer comes back.
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/batch$", "method": "POST", "delay_s": 1, "times": 5}).raise_for_status()
    kill_worker_blocked_storing_links(start_drain_worker(world, "invoices"), "batch",
                                      lambda: world.invoice_count() == before + 5, "the worker never wrote")
    world.providers.quickbooks("DELETE", "/_emulator/faults")
    assert not RecordLink.objects.filter(kind="invoice").exists(), "the worker died before storing links"
    assert QuickBooksWrite.objects.filter(state=WriteState.SENT, operation="batch").count() == 1
    assert set(SyncRecord.objects.filter(source_id__in=ids).values_list("status", flat=True)) == {
        RecordStatus.PROCESSING}

    # Nothing happens before the lease runs out; then another drain takes the records again.
    assert world.drain().processed == 0
    SyncRecord.objects.filter(source_id__in=ids).update(claimed_until=timezone.now() - timedelta(seconds=1))
    world.drain()
    assert world.invoice_count() == before + 5, "replayed with the same requestid: no duplicates"
    assert RecordLink.objects.filter(kind="invoice").count() == 5
    assert all(world.record(i).status == RecordStatus.SUCCESS for i in ids)
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def test_disconnect_mid_drain_stops_at_the_next_record_and_resumes_after_reconnect(world: World) -> None:
    ids, contact = invoices_and_contact(world, 4)
    before = world.invoice_count()
    world.providers.hubspot("POST", "/_emulator/faults", json={
        "path_regex": r"/crm/v4/associations/invoices/line_items/batch/read$", "delay_s": 1.5}).raise_for_status()
    reports: list[Any] = []
    drainer = threading.Thread(target=lambda: reports.append(world.drain()))
    drainer.start()
    time.sleep(0.7)  # the drain is reading line items; QuickBooks is disconnected meanwhile
    Connection.objects.filter(workspace_id=world.workspace_id, provider="quickbooks").update(
        status=Status.DISCONNECTED)
    drainer.join(30)
    assert reports and reports[0].stopped_because.startswith("Syncs are paused")
    assert world.invoice_count() == before, "no QuickBooks call after the gate closed"
    statuses = set(SyncRecord.objects.filter(source_id__in=ids).values_list("status", flat=True))
    assert statuses == {RecordStatus.PENDING}, "held, not failed or lost"

    # Changed while disconnected: still arrives.
    extra = world.invoice(contact, [(f"KILL-{world.tag}", "1", "20.00")])
    world.queue(extra)
    Connection.objects.filter(workspace_id=world.workspace_id, provider="quickbooks").update(status=Status.CONNECTED)
    connection_healthy.send(sender=Connection, workspace_id=world.workspace_id, provider="quickbooks")
    world.drain()
    assert world.invoice_count() == before + 5
    assert all(world.record(i).status == RecordStatus.SUCCESS for i in [*ids, extra])


def test_429_storms_and_5xx_are_retried_without_duplicates(world: World) -> None:
    ids = invoices_with_known_customer(world, 3)
    before = world.invoice_count()
    world.providers.quickbooks("POST", "/_emulator/faults", json=[
        {"path_regex": r"/batch$", "status": 429, "headers": {"Retry-After": "1"}, "times": 3},
        {"path_regex": r"/query$", "status": 503, "times": 2},
    ]).raise_for_status()
    world.providers.hubspot("POST", "/_emulator/faults", json=[
        {"path_regex": r"/batch/read$", "status": 429, "times": 2},
        {"path_regex": r"/batch/read$", "status": 502, "times": 1},
    ]).raise_for_status()
    world.drain()
    for _ in range(5):  # whatever was left Pending with a backoff is retried when due
        SyncRecord.objects.filter(status=RecordStatus.PENDING).update(next_attempt_at=None)
        world.drain()
    assert world.invoice_count() == before + 3
    assert all(world.record(i).status == RecordStatus.SUCCESS for i in ids)
    by_route = world.providers.quickbooks("GET", "/_emulator/requests").json()["by_route"]
    throttled = sum(counts.get("429", 0) for route, counts in by_route.items() if "batch" in route)
    assert throttled == 3, by_route
