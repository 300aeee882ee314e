"""Webhook → QuickBooks latency with one worker draining as webhooks arrive (PERFORMANCE.md P3):
from the HubSpot change (opening an invoice) to the QuickBooks invoice being linked."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def test_webhook_to_quickbooks_latency(world: World) -> None:
    sku = f"LAT-{world.tag}"
    world.item(sku)
    contact = world.contact(f"lat.{world.tag}@example.com", "Lat", f"Ency{world.tag}")
    stop = threading.Event()

    def worker() -> None:  # the Huey consumer's job, done in a loop so time is the engine's own
        while not stop.is_set():
            if SyncRecord.objects.filter(status=RecordStatus.PENDING, sync_type="invoices").exists():
                world.drain()
            time.sleep(0.02)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    latencies: list[float] = []
    try:
        for n in range(8):
            invoice_id = world.invoice(contact, [(sku, str(n + 1), "3.00")], status="draft")
            time.sleep(0.3)  # the draft's own webhooks settle (drafts are outside the status filter)
            started = time.perf_counter()  # the change a person makes: open the invoice
            world.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": {"hs_invoice_status": "open"}})
            deadline = started + 15
            while time.perf_counter() < deadline:
                record = SyncRecord.objects.filter(source_id=invoice_id, sync_type="invoices").first()
                if record is not None and record.status == RecordStatus.SUCCESS and record.destination_id:
                    break
                time.sleep(0.01)
            latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        thread.join(10)
    median, worst = statistics.median(latencies), max(latencies)
    print(f"webhook → QuickBooks invoice: p50 {median:.2f} s, max {worst:.2f} s over {len(latencies)} invoices")
    assert worst < 15, latencies
    assert median <= 3.0, latencies
