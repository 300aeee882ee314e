"""The parts of the crash, fault and scale-out tests: the product as real processes (`scs worker`,
`scs serve --no-worker`), a generated world on both emulators, and a census of what QuickBooks holds
afterwards, compared with what it must hold: every record once, none missing, none doubled."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.db import connection as db_connection
from django.db.models import Count

from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import TaxSettings, UnmappedTaxBehavior
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from tests.product.sync.engine.test_sync_resilience import worker_env

from .conftest import Providers
from .test_sync_support import World

SCS = str(Path(sys.executable).with_name("scs"))
ON_POSTGRES = not db_connection.settings_dict["ENGINE"].endswith("sqlite3")
ON_REDIS = bool(os.environ.get("REDIS_URL"))


# -- the world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What the sync must add to QuickBooks (emulator_core.generated_world decides it)."""

    invoices: int
    customers: int
    payments: int


@dataclass
class Books:
    """A generated world beside the demo one: the HubSpot ids to sync, what QuickBooks held before."""

    expected: Expected
    invoice_ids: list[str]
    payment_ids: list[str]
    emails: list[str]  # of the contacts that non-draft invoices bill
    before: Census


# Each QuickBooks write held a moment before QuickBooks handles it: a sync that batches 100
# invoices at once would otherwise be over before a kill or a revocation could land inside it.
PACED_WRITES = {"path_regex": r"/v3/company/[^/]+/(batch|invoice|payment|customer)$", "delay_s": 0.3,
                "times": 100_000}


def hubspot_ids(world: World, object_type: str) -> set[str]:
    ids: set[str] = set()
    after = ""
    while True:
        page = world.hs("GET", f"/crm/v3/objects/{object_type}?limit=100" + (f"&after={after}" if after else ""))
        ids.update(str(r["id"]) for r in page["results"])
        after = ((page.get("paging") or {}).get("next") or {}).get("after") or ""
        if not after:
            return ids


def generate_books(world: World, *, seed: int, invoices: int, contacts: int, products: int,
                   lines: int = 2) -> Books:
    """A generated world in the connected portal and company: HubSpot gets contacts, products and
    invoices (every fifth a draft, every fifth paid by a payment); QuickBooks only the items, so
    the sync creates every customer, invoice and payment of it itself."""
    known = hubspot_ids(world, "invoices"), hubspot_ids(world, "commerce_payments")
    before = census(world)
    httpx.post(f"{world.providers.hubspot_url}/_emulator/portals/{world.portal_id}/generate", timeout=120, json={
        "seed": seed, "contacts": contacts, "products": products, "invoices": invoices,
        "lines_per_invoice": lines}).raise_for_status()
    httpx.post(f"{world.providers.quickbooks_url}/_emulator/companies/{world.realm_id}/generate", timeout=120,
               json={"seed": seed, "items": products}).raise_for_status()
    # generated_world: statuses cycle open, open, open, paid, draft; drafts never reach QuickBooks.
    expected = Expected(invoices=sum(1 for i in range(invoices) if i % 5 != 4),
                        customers=len({i % contacts for i in range(invoices) if i % 5 != 4}),
                        payments=sum(1 for i in range(invoices) if i % 5 == 3))
    invoice_ids = sorted(hubspot_ids(world, "invoices") - known[0], key=int)
    payment_ids = sorted(hubspot_ids(world, "commerce_payments") - known[1], key=int)
    assert len(invoice_ids) == invoices and len(payment_ids) == expected.payments
    emails = [f"customer{i}.s{seed}@generated.example"
              for i in sorted({i % contacts for i in range(invoices) if i % 5 != 4})]
    return Books(expected, invoice_ids, payment_ids, emails, before)


def queue_books(world: World, books: Books) -> None:
    """What webhooks or a poll do with new HubSpot records: queue them and wake a worker."""
    from simplecommercesync.sync.engine.queue import upsert_pending
    from simplecommercesync.sync.tasks import wake

    portal = str(world.portal_id)
    upsert_pending(world.workspace_id, "invoices", portal, books.invoice_ids, requested_by="test")
    upsert_pending(world.workspace_id, "payments", portal, books.payment_ids, requested_by="test")
    wake(world.workspace_id, "invoices", "test")
    wake(world.workspace_id, "payments", "test")


def enable_syncs(world: World, payments: bool = True) -> None:
    """Invoice (and payment) sync on, in the database, as Save Configuration would leave them."""
    InvoiceSyncSettings.objects.update_or_create(workspace_id=world.workspace_id, defaults={"enabled": True})
    # Generated items aren't taxable; the US company's automated tax would otherwise add tax.
    TaxSettings.objects.update_or_create(workspace_id=world.workspace_id,
                                         defaults={"unmapped_behavior": UnmappedTaxBehavior.NON_TAXABLE})
    if payments:
        PaymentSyncSettings.objects.update_or_create(workspace_id=world.workspace_id, defaults={"enabled": True})


# -- the census ------------------------------------------------------------------------------------


@dataclass
class Census:
    """QuickBooks' invoices, customers and payments, keyed by the HubSpot object each came from."""

    invoices: Counter[str] = field(default_factory=Counter)
    customers: Counter[str] = field(default_factory=Counter)
    payments: Counter[str] = field(default_factory=Counter)

    def doubled(self, before: Census) -> dict[str, list[str]]:
        """Keys QuickBooks gained more than one object for, or gained one for while it already had it."""
        found: dict[str, list[str]] = {}
        for name in ("invoices", "customers", "payments"):
            now, then = getattr(self, name), getattr(before, name)
            keys = sorted(k for k, n in now.items() if n - then[k] > 1 or (n > then[k] and then[k]))
            if keys:
                found[name] = keys
        return found

    def counts(self) -> Expected:
        return Expected(sum(self.invoices.values()), sum(self.customers.values()), sum(self.payments.values()))


FROM_HUBSPOT = re.compile(r"From HubSpot (?:invoice|payment) (\d+)")


def census(world: World) -> Census:
    found = Census()
    for entity, into in (("Invoice", found.invoices), ("Payment", found.payments)):
        for row in _all(world, entity):
            match = FROM_HUBSPOT.search(str(row.get("PrivateNote") or ""))
            into[match.group(1) if match else f"qb-{row['Id']}"] += 1
    for row in _all(world, "Customer"):
        email = str((row.get("PrimaryEmailAddr") or {}).get("Address") or "").strip().lower()
        found.customers[email or f"qb-{row['Id']}"] += 1
    return found


def _all(world: World, entity: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = world.query(f"SELECT * FROM {entity} STARTPOSITION {len(rows) + 1} MAXRESULTS 1000")
        rows.extend(page)
        if len(page) < 1000:
            return rows


def assert_books_match(world: World, books: Books) -> Census:
    """Every generated invoice (but drafts), billed contact and payment is in QuickBooks exactly once,
    nothing else was doubled (the poll may sync demo records too: once each), every record of ours
    ended Succeeded."""
    found = census(world)
    assert not found.doubled(books.before), f"duplicates in QuickBooks: {found.doubled(books.before)}"
    drafts = set(books.invoice_ids[4::5])
    missing = {
        "invoices": sorted(i for i in books.invoice_ids if i not in drafts and found.invoices[i] != 1),
        "payments": sorted(i for i in books.payment_ids if found.payments[i] != 1),
        "customers": sorted(e for e in books.emails if found.customers[e] != 1),
    }
    assert not any(missing.values()), f"missing from QuickBooks: {missing}"
    assert not drafts & set(found.invoices), "a draft reached QuickBooks"
    added = Expected(sum(found.invoices[i] for i in books.invoice_ids),
                     sum(found.customers[e] for e in books.emails), sum(found.payments[i] for i in books.payment_ids))
    assert added == books.expected, f"the sync added {added} to QuickBooks, expected {books.expected}"
    ours = SyncRecord.objects.filter(workspace_id=world.workspace_id,
                                     source_id__in=[*books.invoice_ids, *books.payment_ids])
    # Once synced, a record may be queued again by the echo of our own write-back (HubSpot's webhook
    # for it can arrive after the run settled and the workers stopped): Pending, but it succeeded.
    never = ours.exclude(status=RecordStatus.SUCCESS).exclude(status=RecordStatus.PENDING, last_success_at__isnull=False)
    assert not never.exists(), "records that never succeeded: " + str(list(never.values_list(
        "sync_type", "source_id", "status", "error_kind", "error_message", "requested_by")[:10]))
    return found


def unsettled(world: World) -> dict[str, int]:
    """Records still waiting or being worked on, by sync type."""
    rows = SyncRecord.objects.filter(workspace_id=world.workspace_id,
                                     status__in=[RecordStatus.PENDING, RecordStatus.PROCESSING])
    return dict(rows.values_list("sync_type").annotate(n=Count("pk")).values_list("sync_type", "n"))


def diagnosis(world: World) -> str:
    """Why records are still waiting: each unsettled record's state, and the latest runs' notes."""
    from simplecommercesync.sync.engine.models import SyncRun

    rows = (SyncRecord.objects.filter(workspace_id=world.workspace_id,
                                      status__in=[RecordStatus.PENDING, RecordStatus.PROCESSING])
            .values_list("sync_type", "status", "error_kind", "transient_failures")
            .annotate(n=Count("pk")).order_by())
    sample = list(SyncRecord.objects.filter(workspace_id=world.workspace_id,
                                            status__in=[RecordStatus.PENDING, RecordStatus.PROCESSING])
                  .values("sync_type", "source_id", "status", "claimed_until", "next_attempt_at",
                          "error_message")[:3])
    runs = list(SyncRun.objects.filter(workspace_id=world.workspace_id).order_by("-pk")
                .values_list("sync_type", "queued", "succeeded", "retried", "held", "note")[:6])
    return f"records {list(rows)}; e.g. {sample}; latest runs {runs}"


def wait_until(check: Callable[[], bool], timeout_s: float, what: Callable[[], str], step_s: float = 0.5) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what()}")
        time.sleep(step_s)


def settled(world: World, books: Books) -> bool:
    """Every queued invoice and payment has a Succeeded record and nothing is waiting."""
    if unsettled(world):
        return False
    done = dict(SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.SUCCESS)
                .values_list("sync_type").annotate(n=Count("pk")).values_list("sync_type", "n"))
    return done.get("invoices", 0) >= len(books.invoice_ids) and done.get("payments", 0) >= len(books.payment_ids)


# -- the processes ---------------------------------------------------------------------------------


def product_env(world: World, **extra: str) -> dict[str, str]:
    """The environment of every product process: this test's database, task queue (SCS_QUEUE_NAME,
    set per test process) and Redis, both emulators, and a short lease so a killed worker's records
    come back within the test."""
    env = worker_env(world)
    env.update({"SCS_SYNC_LEASE_SECONDS": "10", "SCS_SYNC_POLL_SECONDS": "5",
                "SCS_PROVIDER_TIMEOUT_SECONDS": "3", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


@dataclass
class Process:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None


class ProductProcesses:
    """`scs worker` and `scs serve --no-worker` children of the test, each with a log file; killed
    with -9 and restarted on demand; all stopped at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[str, Process] = {}
        self.kills = 0

    def start_worker(self, name: str, *, periodic: bool = True, threads: int = 2) -> None:
        argv = [SCS, "worker", "--workers", str(threads)] + ([] if periodic else ["--no-periodic"])
        process = self._start(name, argv)
        self._wait_for(process, lambda: "Huey consumer started" in process.log.read_text(errors="replace"), 90)

    def start_web(self, name: str, port: int, web_workers: int = 2) -> None:
        argv = [SCS, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port),
                "--web-workers", str(web_workers)]
        process = self._start(name, argv)

        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500
            except httpx.HTTPError:
                return False

        self._wait_for(process, ready, 120)

    def kill(self, name: str) -> None:
        """kill -9: no clean-up of any kind runs in the worker."""
        process = self.processes[name]
        assert process.popen is not None and process.popen.poll() is None, f"{name} is not running"
        os.kill(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=30)
        self.kills += 1

    def restart(self, name: str, **kwargs: Any) -> None:
        process = self.processes.pop(name)
        assert "worker" in process.argv
        self.start_worker(name, periodic="--no-periodic" not in process.argv, **kwargs)

    def alive(self, name: str) -> bool:
        popen = self.processes[name].popen
        return popen is not None and popen.poll() is None

    def stop_all(self) -> None:
        for process in self.processes.values():
            popen = process.popen
            if popen is None or popen.poll() is not None:
                continue
            # Huey stops gracefully on SIGINT; `scs serve` stops gunicorn on SIGTERM.
            popen.send_signal(signal.SIGINT if "worker" in process.argv else signal.SIGTERM)
        for process in self.processes.values():
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()

    def logs(self) -> str:
        return "\n".join(f"== {p.name} ==\n{p.log.read_text(errors='replace')[-3000:]}"
                         for p in self.processes.values() if p.log.exists())

    def _start(self, name: str, argv: list[str]) -> Process:
        log = self.log_dir / f"{name}.log"
        process = Process(name, argv, log)
        with log.open("ab") as handle:
            process.popen = subprocess.Popen(argv, env=self.env, stdout=handle, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def _wait_for(self, process: Process, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            assert process.popen is not None
            if process.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} did not start:\n{process.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)


def token_calls(providers: Providers) -> dict[str, int]:
    """Refreshes: calls our processes made to each provider's token endpoint (any answer). Not
    HubSpot's /token/introspect, which a process uses to tell a token another one just replaced
    from a revoked grant."""
    counts = {}
    for name, control in (("hubspot", providers.hubspot), ("quickbooks", providers.quickbooks)):
        by_route = control("GET", "/_emulator/requests").json()["by_route"]
        counts[name] = sum(sum(statuses.values()) for route, statuses in by_route.items()
                           if route.startswith("POST ") and route.endswith(("/token", "/tokens/bearer"))
                           and "/_emulator/" not in route)
    return counts


def throttled(providers: Providers) -> dict[str, dict[str, int]]:
    """429 answers per route, per provider (faults injected by a test are counted too)."""
    found: dict[str, dict[str, int]] = {}
    for name, control in (("hubspot", providers.hubspot), ("quickbooks", providers.quickbooks)):
        by_route = control("GET", "/_emulator/requests").json()["by_route"]
        found[name] = {route: statuses["429"] for route, statuses in by_route.items() if "429" in statuses}
    return found
