"""When the sync itself breaks, not the record: a crash is retried and fails the record only after
several in a row (waiting for an invoice or a throttled provider in between doesn't count), and our
own database going away mid-drain hands the batch back untouched."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from django.db import connection as db_connection

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import MAX_UNEXPECTED
from simplecommercesync.sync.engine.models import RecordStatus, SyncAttempt, SyncRecord
from simplecommercesync.sync.mapping import customer_creation
from tests.product.sync.engine.test_sync_resilience import invoices_with_known_customer
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]
ON_POSTGRES = not db_connection.settings_dict["ENGINE"].endswith("sqlite3")
# HubSpot answering its batch read with a result of no shape we know: something we never expected.
GARBLED_READ = {"path_regex": r"/crm/v3/objects/invoices/batch/read$", "status": 200,
                "body": {"status": "COMPLETE", "results": [{"unexpected": "shape"}]}}


def due_now(world: World) -> None:
    """Let backed-off records be claimed again (what waiting out the backoff would do)."""
    SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.PENDING).update(
        next_attempt_at=None)


def test_a_record_fails_as_internal_error_only_after_crashes_in_a_row(world: World) -> None:
    (invoice,) = invoices_with_known_customer(world, 1)
    world.providers.hubspot("POST", "/_emulator/faults", json={**GARBLED_READ, "times": 100}).raise_for_status()
    for crash in range(1, MAX_UNEXPECTED):
        world.drain()
        record = world.record(invoice)
        assert record.status == RecordStatus.PENDING, (crash, record.status, record.error_message)
        assert record.error_kind == errors.INTERNAL_ERROR.key
        assert f"{crash} time(s) in a row" in record.error_message
        due_now(world)
    world.drain()
    record = world.record(invoice)
    assert record.status == RecordStatus.FAILED
    assert (record.error_kind, record.error_fix) == (errors.INTERNAL_ERROR.key, errors.INTERNAL_ERROR.fix)
    assert f"{MAX_UNEXPECTED} time(s) in a row" in record.error_message

    world.providers.hubspot("DELETE", "/_emulator/faults").raise_for_status()
    SyncRecord.objects.filter(pk=record.pk).update(status=RecordStatus.PENDING)  # what Retry Sync does
    world.drain()
    assert world.record(invoice).status == RecordStatus.SUCCESS
    assert len(world.invoices_for(world.invoice_properties(invoice, "hs_number")["hs_number"])) == 1


def test_other_retries_before_a_crash_do_not_add_up_to_a_failure(world: World) -> None:
    (invoice,) = invoices_with_known_customer(world, 1)
    # A record that waited through many passes (a payment for its invoice, a throttled provider)...
    SyncRecord.objects.filter(workspace_id=world.workspace_id, source_id=invoice).update(
        transient_failures=MAX_UNEXPECTED * 2)
    # ...then meets one crash: it keeps waiting, and syncs on its next pass.
    world.providers.hubspot("POST", "/_emulator/faults", json={**GARBLED_READ, "times": 1}).raise_for_status()
    world.drain()
    record = world.record(invoice)
    assert (record.status, record.error_kind) == (RecordStatus.PENDING, errors.INTERNAL_ERROR.key)
    assert "1 time(s) in a row" in record.error_message
    due_now(world)
    world.drain()
    assert world.record(invoice).status == RecordStatus.SUCCESS


@pytest.mark.skipif(not ON_POSTGRES, reason="drops a PostgreSQL session (SQLite has no server to lose)")
def test_the_database_dropping_the_drains_session_hands_the_batch_back_untouched(world: World) -> None:
    ids = invoices_with_known_customer(world, 3)
    before = world.invoice_count()
    # QuickBooks holds the batch write 2 s; meanwhile the drain's own database session is killed, so
    # the drain meets a dead connection when it stores what QuickBooks created.
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/batch$", "delay_s": 2.0, "times": 1}).raise_for_status()
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        drain_pid = cursor.fetchone()[0]

    def kill_the_drains_session() -> None:
        time.sleep(1.0)
        import psycopg

        settings = db_connection.settings_dict
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                             dbname=settings["NAME"], autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [drain_pid])

    killer = threading.Thread(target=kill_the_drains_session)
    killer.start()
    report = world.drain()
    killer.join()
    assert report.stopped_because and "connection was lost" in report.stopped_because, report

    records = SyncRecord.objects.filter(workspace_id=world.workspace_id, source_id__in=ids)
    assert all(r.status == RecordStatus.PENDING and r.transient_failures == 0 for r in records), \
        [(r.status, r.transient_failures, r.error_kind) for r in records]
    assert not SyncAttempt.objects.filter(record__in=records, error_kind=errors.INTERNAL_ERROR.key).exists()

    world.drain()  # the journaled batch is replayed with its requestid: QuickBooks answers the first result
    assert all(world.record(i).status == RecordStatus.SUCCESS for i in ids)
    assert world.invoice_count() == before + 3


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="set TEST_REDIS_URL to test the Redis lock")
def test_a_record_whose_customer_another_drain_is_creating_waits_without_failing(
        world: World, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SCS_REDIS_URL = os.environ["TEST_REDIS_URL"]
    monkeypatch.setattr(customer_creation, "WAIT_SECONDS", 0.5)
    sku = f"BUSY-{world.tag}"
    world.item(sku, "12.00")
    invoice = world.invoice(world.contact(f"new.{world.tag}@example.com", "New", "Customer"), [(sku, "1", "12.00")])
    world.settle_webhooks()
    world.queue(invoice)
    held, done = threading.Event(), threading.Event()

    def another_drain_creating_customers() -> None:
        with customer_creation.customer_creation_lock(world.workspace_id, world.realm_id):
            held.set()
            done.wait(30)

    holder = threading.Thread(target=another_drain_creating_customers)
    holder.start()
    try:
        assert held.wait(5)
        world.drain()
    finally:
        done.set()
        holder.join()
    record = world.record(invoice)
    assert record.status == RecordStatus.PENDING and record.error_kind != errors.INTERNAL_ERROR.key
    latest = SyncAttempt.objects.filter(record=record).latest("pk")
    assert "still creating QuickBooks customers" in latest.message
    due_now(world)
    world.drain()
    assert world.record(invoice).status == RecordStatus.SUCCESS
