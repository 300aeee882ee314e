"""A worker killed -9 after QuickBooks wrote a payment but before the link was stored: the next
drain replays the journaled request with its own requestid, so QuickBooks holds it once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from simplecommercesync.sync.engine.models import (
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    SyncRecord,
    WriteState,
)
from simplecommercesync.sync.engine.queue import upsert_pending
from tests.product.sync.engine.test_sync_resilience import LinkTableLock, worker_env
from tests.product.sync.types.payments.test_sync_payments import (  # noqa: F401 (fixture)
    assert_balances_match,
    pay,
    payworld_fixture,
    setup_invoice,
)
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    money,
    world_fixture,
)

pytestmark = [pytest.mark.integration]

WORKER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "simplecommercesync.settings"
import django
django.setup()
from simplecommercesync.sync.tasks import drain
drain(int(sys.argv[1]), "payments", trigger="worker")
"""


def payment_count(world: World) -> int:
    found = world.qb("GET", "query", params={"query": "SELECT COUNT(*) FROM Payment"})["QueryResponse"]
    return int(found["totalCount"])


def test_worker_killed_between_the_payment_write_and_its_link_writes_it_once(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "75.00")
    payworld.queue(invoice_id)
    payworld.drain("invoices")
    payment_id = pay(payworld, invoice_id, "75.00")
    upsert_pending(payworld.workspace_id, "payments", str(payworld.portal_id), [payment_id], requested_by="test")
    before = payment_count(payworld)
    # QuickBooks holds the payment request a second before handling it: the lock is in place first.
    payworld.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/payment$", "method": "POST", "delay_s": 1, "times": 1}).raise_for_status()
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(payworld.workspace_id)], env=worker_env(payworld))
    deadline = time.monotonic() + 30
    lock = None
    try:
        while True:
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never wrote"
            if lock is None and QuickBooksWrite.objects.filter(operation="create:Payment").exists():
                lock = LinkTableLock().__enter__()
            if lock is not None and payment_count(payworld) == before + 1:
                break  # QuickBooks has the payment; the worker is blocked storing the link
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if lock is not None:
            lock.__exit__()
        if worker.poll() is None:
            worker.kill()
    payworld.providers.quickbooks("DELETE", "/_emulator/faults")
    assert not RecordLink.objects.filter(kind="payment", hubspot_id=payment_id).exists()
    assert QuickBooksWrite.objects.filter(state=WriteState.SENT, operation="create:Payment").count() == 1

    SyncRecord.objects.filter(source_id=payment_id).update(claimed_until=timezone.now() - timedelta(seconds=1))
    payworld.drain("payments")
    assert payment_count(payworld) == before + 1, "replayed with the same requestid: no duplicate"
    assert payworld.record(payment_id, "payments").status == RecordStatus.SUCCESS
    assert RecordLink.objects.filter(kind="payment", hubspot_id=payment_id).count() == 1
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()
    assert assert_balances_match(payworld, invoice_id) == money("0")
