"""Fault survival of real `scs worker` processes during a generated sync: 429 storms, 5xx,
timeouts (answers late or lost after QuickBooks did the work), connection resets, a HubSpot grant
revoked mid-run, the database dropping the worker's connections, and (`make chaos` only) the
PostgreSQL and Redis services restarted. Each run ends with a census of QuickBooks: every invoice,
customer and payment once, none missing."""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db_connection

from simplecommercesync.accounts.models import User
from simplecommercesync.connections.models import Cause, Connection, Status
from simplecommercesync.connections.signals import connection_healthy
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord, SyncRun

from .chaos_support import (
    ON_POSTGRES,
    PACED_WRITES,
    Books,
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
from .test_sync_support import (  # noqa: F401 (fixtures)
    World,
    build_world,
    connect_without_browser,
    hooked_hubspot,
    hooked_providers,
)

pytestmark = [pytest.mark.integration]
CHAOS = bool(os.environ.get("SCS_CHAOS"))
chaos_only = pytest.mark.skipif(not CHAOS, reason="restarts a shared service or runs long: `make chaos` runs it")


@pytest.fixture
def providers(hooked_providers: Providers) -> Providers:  # noqa: F811 (the imported fixture)
    return hooked_providers


def start(providers: Providers, admin: User, tmp_path: Path, seed: int, invoices: int,
          workers: int = 1, paced_s: float | None = None) -> tuple[World, Books, ProductProcesses]:
    """`paced_s`: each QuickBooks write held that long, so that what a test does "mid-run" lands
    while the sync runs (unpaced, a few hundred invoices sync in a second or two)."""
    world = build_world(providers, admin)
    enable_syncs(world)
    books = generate_books(world, seed=seed, invoices=invoices, contacts=max(5, invoices // 5), products=30)
    if paced_s is not None:
        providers.quickbooks("POST", "/_emulator/faults", json={**PACED_WRITES, "delay_s": paced_s}).raise_for_status()
    processes = ProductProcesses(product_env(world), tmp_path)
    for n in range(workers):
        processes.start_worker(f"worker-{n}", periodic=n == 0)
    return world, books, processes


def succeeded(world: World) -> int:
    return SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="invoices",
                                     status=RecordStatus.SUCCESS).count()


def wait_for_share(world: World, books: Books, share: float, timeout_s: float = 180) -> None:
    goal = int(len(books.invoice_ids) * share)
    wait_until(lambda: succeeded(world) >= goal or settled(world, books), timeout_s,
               lambda: f"{succeeded(world)} of {goal} invoices synced; {unsettled(world)}")


def finish(world: World, books: Books, processes: ProductProcesses, timeout_s: float = 300) -> None:
    try:
        wait_until(lambda: settled(world, books), timeout_s,
                   lambda: f"still unsettled {unsettled(world)}; {diagnosis(world)}\n{processes.logs()}")
    finally:
        processes.stop_all()
    assert_books_match(world, books)


def fault_kind(rule: dict[str, Any]) -> str:
    if rule.get("status") == 429:
        return "429"
    if rule.get("status"):
        return "5xx"
    if rule.get("delay_s"):
        return "timeout"
    if rule.get("answer_delay_s"):
        return "answer lost"
    return "reset"


def fired(control: Any, injected: list[dict[str, Any]]) -> Counter[str]:
    """Injected faults that fired, by kind: what was asked for minus what is left unconsumed."""
    found: Counter[str] = Counter()
    for rule in injected:
        found[fault_kind(rule)] += rule["times"]
    for rule in control("GET", "/_emulator/faults").json()["faults"]:
        found[fault_kind(rule)] -= rule["times"]
    return found


def fault_storm(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """QuickBooks and HubSpot faults: throttling, server errors, late and lost answers, resets."""
    quickbooks = [
        {"path_regex": r"/batch$", "status": 429, "headers": {"Retry-After": "1"}, "times": rng.randint(3, 6)},
        {"path_regex": r"/query$", "status": 503, "times": rng.randint(2, 4)},
        {"path_regex": r"/batch$", "status": 500, "times": 2},
        # Handled after the client gave up (timeout 3 s), and handled but its answer lost: the
        # journal replays each with its own requestid.
        {"path_regex": r"/batch$", "delay_s": 4, "times": 1},
        {"path_regex": r"/batch$", "answer_delay_s": 4, "times": 1},
        {"path_regex": r"/batch$", "reset_connection": True, "times": 1},
        {"path_regex": r"/payment$", "answer_delay_s": 4, "times": 1},
    ]
    hubspot = [
        {"path_regex": r"/batch/read$", "status": 429, "times": rng.randint(3, 6)},
        {"path_regex": r"/batch/read$", "status": 502, "times": 2},
        {"path_regex": r"/batch/read$", "reset_connection": True, "times": 1},
        {"path_regex": r"/batch/read$", "delay_s": 4, "times": 1},
        {"path_regex": r"/batch/update$", "status": 503, "times": 1},
    ]
    return quickbooks, hubspot


def run_fault_storm(providers: Providers, admin: User, tmp_path: Path, seed: int, invoices: int) -> int:
    """A storm at the start; a long run (`make chaos`) gets another at a third and at two thirds."""
    rng = random.Random(seed)
    world, books, processes = start(providers, admin, tmp_path, seed, invoices)
    quickbooks: list[dict[str, Any]] = []
    hubspot: list[dict[str, Any]] = []

    def storm() -> None:
        more = fault_storm(rng)
        providers.quickbooks("POST", "/_emulator/faults", json=more[0]).raise_for_status()
        providers.hubspot("POST", "/_emulator/faults", json=more[1]).raise_for_status()
        quickbooks.extend(more[0])
        hubspot.extend(more[1])

    storm()
    queue_books(world, books)
    started = time.monotonic()
    try:
        for share in ((0.33, 0.66) if invoices >= 300 else ()):
            wait_for_share(world, books, share)
            storm()
    except BaseException:
        processes.stop_all()
        raise
    finish(world, books, processes)
    injected = sum(r["times"] for r in quickbooks + hubspot)
    kinds = fired(providers.quickbooks, quickbooks) + fired(providers.hubspot, hubspot)
    count = sum(kinds.values())
    print(f"fault storm seed {seed}: {count} of {injected} faults fired ({dict(sorted(kinds.items()))}) over "
          f"{invoices} invoices in {time.monotonic() - started:.0f} s; QuickBooks gained {books.expected}: "
          "0 missing, 0 doubled")
    return count


def test_429_storms_5xx_timeouts_and_resets_lose_and_double_nothing(
        providers: Providers, admin: User, tmp_path: Path) -> None:
    count = run_fault_storm(providers, admin, tmp_path, seed=5, invoices=60)
    assert count >= 15, "most injected faults must have hit the sync"


def test_a_grant_revoked_mid_run_stops_the_sync_says_so_and_resumes_after_reconnect(
        providers: Providers, admin: User, tmp_path: Path) -> None:
    # Paced: unpaced, the 250 invoices synced before the revocation was even noticed.
    world, books, processes = start(providers, admin, tmp_path, seed=9, invoices=250, paced_s=1.0)
    queue_books(world, books)
    wait_for_share(world, books, 0.01)
    providers.hubspot("POST", f"/_emulator/portals/{world.portal_id}/uninstall").raise_for_status()
    hubspot = Connection.objects.filter(workspace_id=world.workspace_id, provider="hubspot")
    try:
        wait_until(lambda: hubspot.get().status == Status.DISCONNECTED, 60,
                   lambda: f"HubSpot connection still {hubspot.get().status}\n{processes.logs()}")
        assert hubspot.get().cause == Cause.REVOKED
        time.sleep(3)  # whatever was in flight ends
        stopped_at = succeeded(world)
        time.sleep(4)
        assert succeeded(world) == stopped_at, "nothing syncs while HubSpot is disconnected"
        waiting = SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.PENDING)
        failed = SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.FAILED)
        assert waiting.exists() and not failed.exists(), (
            f"held, not failed: {unsettled(world)}; failed {list(failed.values_list('sync_type', 'error_message'))[:3]}")
        # What the Data and dashboard pages show: why the run stopped, and the fix.
        notes = list(SyncRun.objects.filter(workspace_id=world.workspace_id).values_list("note", flat=True))
        said = [n for n in notes if "paused" in n.lower() or "authorization" in n.lower()]
        held = waiting.filter(error_kind=errors.UNAUTHORIZED.key).count()
        assert said or held, f"no run or record says why syncing stopped: {notes[-5:]}"
    except BaseException:
        processes.stop_all()
        raise
    providers.quickbooks("DELETE", "/_emulator/faults").raise_for_status()
    connect_without_browser(providers, admin, world.portal_id, world.realm_id)
    connection_healthy.send(sender=Connection, workspace_id=world.workspace_id, provider="hubspot")
    finish(world, books, processes)


def terminate_backends(except_pid: int) -> int:
    """What a database restart does to the workers: every session of this test database dropped."""
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> %s", [except_pid])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@pytest.mark.skipif(not ON_POSTGRES, reason="drops PostgreSQL sessions (SQLite has no server to lose)")
def test_database_connections_dropped_mid_run_lose_and_double_nothing(
        providers: Providers, admin: User, tmp_path: Path) -> None:
    world, books, processes = start(providers, admin, tmp_path, seed=13, invoices=100, workers=2, paced_s=0.3)
    queue_books(world, books)
    dropped = 0
    for share in (0.25, 0.6):
        wait_for_share(world, books, share)
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        dropped += terminate_backends(own)
    finish(world, books, processes)
    assert dropped >= 2
    print(f"dropped {dropped} database sessions of 2 workers mid-run; QuickBooks gained {books.expected}")


@chaos_only
@pytest.mark.chaos
@pytest.mark.parametrize("seed", [101, 202])
def test_chaos_fault_storms_over_500_invoices(providers: Providers, admin: User, tmp_path: Path, seed: int) -> None:
    assert run_fault_storm(providers, admin, tmp_path, seed=seed, invoices=500) >= 45


def restart_postgres() -> None:
    cluster = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True,
                   timeout=120)


def postmaster_started() -> Any:
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


# The shared Redis of CI (and of every test run on this machine), as CI starts it: restarted only
# when it runs with exactly these settings, and started again with them (`redis-cli config get '*'`).
CI_REDIS = {"bind": "127.0.0.1 -::1", "port": "6379", "save": "", "appendonly": "no", "dir": "/var/lib/redis",
            "logfile": "/var/log/redis/ci.log", "daemonize": "yes", "databases": "16"}


def redis_settings() -> dict[str, str]:
    answer = subprocess.run(["redis-cli", "config", "get", "*"], capture_output=True, text=True, timeout=30)
    pairs = answer.stdout.splitlines()
    found = dict(zip(pairs[::2], pairs[1::2], strict=False))
    return {name: found.get(name, "") for name in CI_REDIS}


def restart_redis() -> None:
    before = redis_settings()
    if before != CI_REDIS:
        pytest.skip(f"this Redis is not set up like CI's ({before}); not restarting it by hand")
    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, timeout=30)
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
                    "--logfile", "/var/log/redis/ci.log"], check=True, timeout=30, cwd="/")
    deadline = time.monotonic() + 30
    while subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
        assert time.monotonic() < deadline, "Redis did not come back"
        time.sleep(0.2)
    assert redis_settings() == before, f"Redis came back configured differently: {before} → {redis_settings()}"


@chaos_only
@pytest.mark.chaos
@pytest.mark.skipif(not ON_POSTGRES, reason="restarts the PostgreSQL service")
def test_chaos_postgresql_restarted_mid_run(providers: Providers, admin: User, tmp_path: Path) -> None:
    world, books, processes = start(providers, admin, tmp_path, seed=17, invoices=300, workers=2, paced_s=0.3)
    queue_books(world, books)
    try:
        wait_for_share(world, books, 0.3)
        done, left = succeeded(world), unsettled(world)
        before = postmaster_started()
        restart_postgres()
        db_connection.close()  # this test's own session went with the restart too
        assert postmaster_started() > before, "PostgreSQL was not restarted"
    except BaseException:
        processes.stop_all()
        raise
    started = time.monotonic()
    finish(world, books, processes)
    print(f"PostgreSQL restarted mid-run ({done} invoices done, {left} waiting), all settled "
          f"{time.monotonic() - started:.0f} s later; QuickBooks gained {books.expected}: 0 missing, 0 doubled")


@chaos_only
@pytest.mark.chaos
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="restarts the Redis service")
def test_chaos_redis_restarted_mid_run(providers: Providers, admin: User, tmp_path: Path) -> None:
    world, books, processes = start(providers, admin, tmp_path, seed=19, invoices=300, workers=2, paced_s=0.3)
    queue_books(world, books)
    try:
        wait_for_share(world, books, 0.3)
        done, left = succeeded(world), unsettled(world)
        restart_redis()  # queued tasks, locks and rate-limit windows are gone
    except BaseException:
        processes.stop_all()
        raise
    started = time.monotonic()
    finish(world, books, processes)
    print(f"Redis restarted mid-run ({done} invoices done, {left} waiting), all settled "
          f"{time.monotonic() - started:.0f} s later; QuickBooks gained {books.expected}: 0 missing, 0 doubled")
