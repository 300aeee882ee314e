"""Crash survival: real `scs worker` processes killed with -9 at random points of a generated
invoice sync (invoices, the customers they need, the payments of paid ones) and restarted. Each run
ends with a census of QuickBooks: every invoice, customer and payment once, none missing.

`make test` runs one short seeded run; `make chaos` (SCS_CHAOS=1) runs several seeds of 500
invoices with more kills."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.models import QuickBooksWrite, RecordStatus, SyncRecord, WriteState

from .chaos_support import (
    PACED_WRITES,
    Books,
    Expected,
    ProductProcesses,
    assert_books_match,
    diagnosis,
    enable_syncs,
    generate_books,
    product_env,
    queue_books,
    settled,
    unsettled,
    wait_until,
)
from .conftest import Providers
from .test_sync_support import World, build_world, hooked_hubspot, hooked_providers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration]


@pytest.fixture
def providers(hooked_providers: Providers) -> Providers:  # noqa: F811 (the imported fixture)
    return hooked_providers

chaos_only = [pytest.mark.chaos, pytest.mark.skipif(
    not __import__("os").environ.get("SCS_CHAOS"), reason="long randomized run: `make chaos` runs it")]


@dataclass
class KillRun:
    seed: int
    invoices: int
    kills: int


def succeeded(world: World, sync_type: str = "invoices") -> int:
    return SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type=sync_type,
                                     status=RecordStatus.SUCCESS).count()


def quickbooks_requests(providers: Providers) -> int:
    return int(providers.quickbooks("GET", "/_emulator/requests").json()["total"])


def run_with_kills(providers: Providers, admin: User, tmp_path: Path, run: KillRun) -> tuple[Books, int]:
    """Generate, start a worker, kill -9 it `kills` times at random points of the sync (after a
    random number of QuickBooks requests since the last start, then a random pause), restart it
    each time, and wait for the end."""
    rng = random.Random(run.seed)
    most_between = 3 if run.invoices <= 100 else 12
    world = build_world(providers, admin)
    enable_syncs(world)
    books = generate_books(world, seed=run.seed, invoices=run.invoices,
                           contacts=max(5, run.invoices // 5), products=40)
    processes = ProductProcesses(product_env(world), tmp_path)
    kills = 0
    try:
        providers.quickbooks("POST", "/_emulator/faults", json=PACED_WRITES).raise_for_status()
        processes.start_worker("worker")
        started = time.monotonic()
        queue_books(world, books)
        for _ in range(run.kills):
            goal = quickbooks_requests(providers) + rng.randint(1, most_between)
            deadline = time.monotonic() + 240
            while quickbooks_requests(providers) < goal and not settled(world, books) \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.8))  # anywhere inside the batch in hand
            if settled(world, books):
                break
            processes.kill("worker")
            kills += 1
            processes.restart("worker")
        wait_until(lambda: settled(world, books), 300,
                   lambda: f"still unsettled {unsettled(world)} after {kills} kills; {diagnosis(world)}\n{processes.logs()}")
    finally:
        processes.stop_all()
    assert_books_match(world, books)
    print(f"kill -9 run seed {run.seed}: {kills} kills over {run.invoices} invoices in "
          f"{time.monotonic() - started:.0f} s; QuickBooks gained {books.expected}: 0 missing, 0 doubled")
    assert not QuickBooksWrite.objects.filter(workspace_id=world.workspace_id, state=WriteState.SENT).exists()
    return books, kills


def test_a_worker_killed_twice_mid_sync_leaves_quickbooks_exactly_as_expected(
        providers: Providers, admin: User, tmp_path: Path) -> None:
    books, kills = run_with_kills(providers, admin, tmp_path, KillRun(seed=7, invoices=100, kills=2))
    assert kills == 2, "the sync finished before the second kill: make the run longer"
    assert books.expected == Expected(invoices=80, customers=16, payments=20)


def test_a_worker_killed_in_the_middle_of_a_poll_does_not_stop_later_polls(
        providers: Providers, admin: User, tmp_path: Path) -> None:
    """Records a dead worker claimed come back only through the poll (nothing else wakes their
    drain), so the poll's one-at-a-time lock must not outlive the worker that held it: Huey's
    lock_task left it taken for good and every later poll was skipped."""
    from django.utils import timezone

    from simplecommercesync.sync.engine.queue import upsert_pending

    world = build_world(providers, admin)
    enable_syncs(world)
    books = generate_books(world, seed=3, invoices=10, contacts=5, products=10)
    portal = str(world.portal_id)
    upsert_pending(world.workspace_id, "invoices", portal, books.invoice_ids, requested_by="test")
    upsert_pending(world.workspace_id, "payments", portal, books.payment_ids, requested_by="test")
    # What a worker killed mid-batch leaves: its records claimed, their lease running out soon.
    SyncRecord.objects.filter(workspace_id=world.workspace_id).update(
        status=RecordStatus.PROCESSING, claimed_by="a-killed-worker",
        claimed_until=timezone.now() + timedelta(seconds=5))
    # The poll hangs on HubSpot (each answer later than our timeout) while it holds its lock.
    providers.hubspot("POST", "/_emulator/faults", json=[
        {"path_regex": r"/crm/v3/objects/(invoices|commerce_payments)", "delay_s": 8, "times": 20}]).raise_for_status()
    processes = ProductProcesses(product_env(world), tmp_path)
    try:
        processes.start_worker("worker")
        log = processes.processes["worker"].log

        def hanging_polls() -> set[str]:
            text = log.read_text(errors="replace")
            started = set(re.findall(r"Executing simplecommercesync\.sync\.tasks\.poll_task: (\S+)", text))
            ended = re.findall(r"sync\.tasks\.poll_task: (\S+) executed|Task (\S+) not run", text)
            return started - {executed or skipped for executed, skipped in ended}

        def a_poll_hangs() -> bool:
            running = hanging_polls()
            time.sleep(1.5)
            return bool(running & hanging_polls())

        # The first poll only starts the cursors; a later one asks HubSpot and hangs there.
        wait_until(a_poll_hangs, 40, lambda: log.read_text()[-2000:], step_s=0.1)
        processes.kill("worker")
        providers.hubspot("DELETE", "/_emulator/faults").raise_for_status()
        processes.restart("worker")
        wait_until(lambda: settled(world, books), 90,
                   lambda: f"still unsettled {unsettled(world)}; {diagnosis(world)}\n{processes.logs()}")
    finally:
        processes.stop_all()
    assert_books_match(world, books)


@pytest.mark.parametrize("seed", [11, 23, 37])
def test_chaos_kill_9_at_random_points_of_a_500_invoice_sync(
        providers: Providers, admin: User, tmp_path: Path, seed: int) -> None:
    books, kills = run_with_kills(providers, admin, tmp_path, KillRun(seed=seed, invoices=500, kills=5))
    print(f"chaos seed {seed}: {kills} kills -9 of 500 invoices; QuickBooks gained {books.expected} exactly")
    assert kills >= 3


for _mark in chaos_only:
    test_chaos_kill_9_at_random_points_of_a_500_invoice_sync = _mark(
        test_chaos_kill_9_at_random_points_of_a_500_invoice_sync)
