"""`python -m bench [--quick]`: run P1–P6 against both emulators and write bench/results/latest.json.

See bench/README.md for what each scenario measures and how the P1 ceiling is computed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from .ceiling import BackfillWorkload, Limits, backfill_ceiling, payments_ceiling, quotes_ceiling
from .emulators import Emulators, Workload
from .results import load_average, machine, median, percentile, table, write
from .stack import ROOT, Ports, Stack, cpu_seconds, peak_rss_mb, product_environment

SCALE = 10.0
SEED = 7


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, about two minutes")
    parser.add_argument("--only", default="", help="comma list of scenario ids (P1,P2,...,PAYMENTS,QUOTES) to run")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL",
                                                            "postgres://postgres@127.0.0.1:5432/scs_bench"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--scale-out-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    return parser.parse_args(argv)


class Bench:
    def __init__(self, args: argparse.Namespace, database_url: str = "", redis_url: str = "") -> None:
        self.args = args
        self.quick = args.quick
        self.var = ROOT / "bench" / "var" / ("postgres" if database_url else "sqlite")
        if self.var.exists():
            shutil.rmtree(self.var)
        (self.var / "logs").mkdir(parents=True)
        self.ports = Ports()
        env = product_environment(self.ports, self.var, SCALE, database_url, redis_url)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        self.stack = Stack(self.ports, env, self.var / "logs")
        self.emulators = Emulators(self.ports)
        self.entries: list[dict[str, Any]] = []
        self.machine = machine()
        n = 400 if self.quick else 2000
        self.backfill = Workload(SEED, invoices=n, contacts=n // 4, products=200)

    # -- helpers ------------------------------------------------------------------------------
    def entry(self, sid: str, what: str, figure: float, unit: str, target: str, met: bool,
              params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        found = {"id": sid, "what": what, "figure": round(figure, 4), "unit": unit, "target": target,
                 "met": met, "params": params, "machine": self.machine, "load_average": load_average(), **extra}
        self.entries.append(found)
        print(f"  {sid}: {figure:,.3f} {unit} (target {target}: {'met' if met else 'NOT met'})", flush=True)
        return found

    def fresh_world(self, workload: Workload, status: str = "open") -> None:
        self.emulators.reset()
        self.emulators.archive_demo_invoices()
        self.emulators.generate(workload, status=status)

    @staticmethod
    def per_record(counts: dict[str, Any], records: int) -> dict[str, float]:
        return {side: round(counts[side]["total"] / max(records, 1), 3) for side in ("hubspot", "quickbooks")}

    # -- scenarios ----------------------------------------------------------------------------
    def p2_naive(self) -> float:
        from .naive import NaiveSync, hubspot_private_token

        w = self.backfill
        self.fresh_world(w)
        sync = NaiveSync(self.emulators, hubspot_private_token(self.emulators),
                         self.emulators.quickbooks_grant()["access_token"])
        self.emulators.clear_logs()
        started = time.monotonic()
        sync.run()
        seconds = time.monotonic() - started
        sync.close()
        counts = self.emulators.request_counts()
        rate = sync.created / seconds
        self.naive = {"records_per_second": round(rate, 3), "seconds": round(seconds, 2), "created": sync.created,
                      "failed": sync.failed, "calls": counts, "calls_per_record": self.per_record(counts, sync.created)}
        print(f"  naive baseline: {sync.created} invoices in {seconds:.1f} s = {rate:.2f}/s", flush=True)
        return rate

    def p1_backfill(self, workload: Workload, name: str, workers: int = 1) -> dict[str, Any]:
        from . import product

        self.fresh_world(workload)
        workspace = product.workspace_for(name, self.emulators)
        pids = [self.stack.start_worker(f"worker-{name}-{i}") for i in range(workers)]
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        emulator_pids = {name: self.stack.processes[name].pid for name in ("hubspot-emulator", "quickbooks-emulator")}
        emulator_cpu = {name: cpu_seconds(pid) for name, pid in emulator_pids.items()}
        profilers = self.profile(name, pids)
        self.emulators.clear_logs()
        started = datetime.now(UTC)
        clock = time.monotonic()
        product.sync_everything(workspace)
        settled = product.wait_until_settled(workspace, workload.invoices, timeout_s=1800)
        wall = time.monotonic() - clock
        seconds = (settled["last_finished_at"] - started).total_seconds()
        counts = self.emulators.request_counts()
        self.stop_profiles(profilers)
        succeeded = int(settled["by_status"].get("success", 0))
        return {"workspace": workspace, "seconds": seconds, "wall": wall, "succeeded": succeeded,
                "by_status": settled["by_status"], "calls": counts,
                "calls_per_record": self.per_record(counts, workload.invoices),
                "rate": succeeded / seconds, "pids": pids,
                "worker_cpu_s": round(sum(cpu_seconds(p) - cpu_before[p] for p in pids), 2),
                "emulator_cpu_s": {name: round(cpu_seconds(pid) - emulator_cpu[name], 2)
                                   for name, pid in emulator_pids.items()},
                "peak_rss_mb": round(max(peak_rss_mb(p) for p in pids), 1)}

    def profile(self, name: str, pids: list[int]) -> list[subprocess.Popen[bytes]]:
        """With BENCH_PROFILE set: a py-spy recording of each worker (bench/var/*/logs/profile-*)."""
        if not os.environ.get("BENCH_PROFILE"):
            return []
        return [subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                                  "--idle", "--format", "raw", "--rate", "50", "--output",
                                  str(self.var / "logs" / f"profile-{name}-{pid}.txt")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for pid in pids]

    @staticmethod
    def stop_profiles(profilers: list[subprocess.Popen[bytes]]) -> None:
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)

    def p1(self) -> dict[str, Any]:
        w = self.backfill
        run = self.p1_backfill(w, "P1")
        self.p1_run = run
        ceiling = backfill_ceiling(BackfillWorkload(w.invoices, w.lines_per_invoice, w.contacts, w.products),
                                   Limits(SCALE))
        ratio = run["rate"] / ceiling.records_per_second
        params = {"invoices": w.invoices, "lines_per_invoice": w.lines_per_invoice, "contacts": w.contacts,
                  "skus": w.products, "rate_limit_scale": SCALE, "workers": 1, "database": "sqlite",
                  "seconds": round(run["seconds"], 2), "by_status": run["by_status"],
                  "worker_cpu_s": run["worker_cpu_s"], "emulator_cpu_s": run["emulator_cpu_s"]}
        return self.entry("P1", "HubSpot → QuickBooks invoice backfill", run["rate"], "invoices/s", "≥ 90 % of ceiling",
                          ratio >= 0.9, params, ceiling=round(ceiling.records_per_second, 3), ratio=round(ratio, 3),
                          ceiling_detail=ceiling.as_json(), calls=run["calls"], calls_per_record=run["calls_per_record"])

    def p2(self, naive_rate: float) -> dict[str, Any]:
        ours = self.p1_run["rate"]
        ratio = ours / naive_rate
        w = self.backfill
        return self.entry("P2", "ours vs a naive per-invoice sync, same workload and limits", ours, "invoices/s",
                          "≥ 10 × naive", ratio >= 10, {"invoices": w.invoices, "rate_limit_scale": SCALE},
                          baseline=self.naive["records_per_second"], ratio=round(ratio, 2), naive=self.naive,
                          calls_per_record={"ours": self.p1_run["calls_per_record"],
                                            "naive": self.naive["calls_per_record"]})

    def change_invoices(self, ids: list[str], day: int) -> list[float]:
        """PATCH each invoice's due date as a person would in HubSpot; returns when each landed."""
        due = (datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%dT00:00:00Z")
        stamps = []
        for invoice_id in ids:
            self.emulators.hubspot("PATCH", f"/crm/v3/objects/invoices/{invoice_id}",
                                   {"properties": {"hs_due_date": due}})
            stamps.append(time.time())
        return stamps

    def wait_updates(self, workspace: Any, changed: dict[str, float], timeout_s: float) -> dict[str, float]:
        """invoice id → seconds from its change to the end of the attempt that updated QuickBooks."""
        from . import product

        since = datetime.fromtimestamp(min(changed.values()), UTC)
        deadline = time.monotonic() + timeout_s
        latencies: dict[str, float] = {}
        while time.monotonic() < deadline:
            for invoice_id, finished, action in product.attempts_since(workspace, since):
                if invoice_id in changed and invoice_id not in latencies and action == "updated" \
                        and finished.timestamp() >= changed[invoice_id]:
                    latencies[invoice_id] = finished.timestamp() - changed[invoice_id]
            if len(latencies) == len(changed):
                break
            time.sleep(0.1)
        return latencies

    def synced_invoice_ids(self, workspace: Any, count: int, skip: int = 0) -> list[str]:
        from simplecommercesync.sync.engine.models import RecordLink

        ids = RecordLink.objects.filter(workspace_id=workspace.workspace_id, kind="invoice",
                                        quickbooks_id__regex=r"^\d+$").exclude(hubspot_id__startswith="9")
        return list(ids.order_by("pk").values_list("hubspot_id", flat=True)[skip:skip + count])

    def p3(self) -> dict[str, Any]:
        workspace = self.p1_run["workspace"]
        seconds = 10 if self.quick else 30
        ids = self.synced_invoice_ids(workspace, 5 * seconds)
        changed: dict[str, float] = {}
        started = time.monotonic()
        for n, invoice_id in enumerate(ids):
            time.sleep(max(0.0, started + n / 5 - time.monotonic()))  # 5 changes per second, evenly
            changed[invoice_id] = self.change_invoices([invoice_id], day=n)[0]
        latencies = self.wait_updates(workspace, changed, timeout_s=120)
        values = list(latencies.values())
        p50, p95 = median(values), percentile(values, 0.95)
        return self.entry("P3", "webhook → QuickBooks write latency at 5 changes/s, one worker, SQLite", p95, "s (p95)",
                          "p50 ≤ 1 s, p95 ≤ 3 s", p50 <= 1 and p95 <= 3 and len(values) == len(ids),
                          {"changes": len(ids), "rate_per_s": 5, "synced": len(values), "workers": 1},
                          ceiling=3.0, ratio=round(p95 / 3.0, 3), p50_s=round(p50, 3), p95_s=round(p95, 3),
                          max_s=round(max(values), 3) if values else None)

    def p4(self) -> dict[str, Any]:
        from . import product

        workspace = self.p1_run["workspace"]
        existing = product.link_count(workspace)
        product.seed_synced_rows(workspace, max(0, 100_000 - existing))
        links = product.link_count(workspace)
        rounds: dict[int, dict[str, Any]] = {}
        skip = 300
        for n in (1, 10):
            ids = self.synced_invoice_ids(workspace, n, skip=skip)
            skip += n
            time.sleep(3)  # let earlier echoes (our own write-backs) settle before counting
            self.emulators.clear_logs()
            # One batch update changes all n at once (an import, a bulk edit), so the figure is
            # the product's handling of n changes, not n webhook deliveries one after another.
            due = (datetime(2028, 1, 1, tzinfo=UTC) + timedelta(days=n)).strftime("%Y-%m-%dT00:00:00Z")
            self.emulators.hubspot("POST", "/crm/v3/objects/invoices/batch/update", {
                "inputs": [{"id": i, "properties": {"hs_due_date": due}} for i in ids]})
            changed = dict.fromkeys(ids, time.time())
            latencies = self.wait_updates(workspace, changed, timeout_s=60)
            seconds = max(latencies.values()) if len(latencies) == n else float("inf")
            time.sleep(3)  # the write-back's own webhook is part of the cost of a change
            counts = self.emulators.request_counts()
            # The change itself (our batch update as "a person") is not one of the product's calls.
            routes = counts["hubspot"]["by_route"]
            routes["POST /crm/v3/objects/invoices/batch/update"] -= 1
            counts["hubspot"]["total"] -= 1
            rounds[n] = {"seconds_to_last": round(seconds, 3), "calls": counts,
                         "calls_per_change": self.per_record(counts, n)}
        ten = rounds[10]
        return self.entry("P4", "10 changed invoices in a workspace with 100,000 synced links", ten["seconds_to_last"],
                          "s", "≤ 1 s, calls ∝ changes", ten["seconds_to_last"] <= 1.0,
                          {"links": links, "changes": 10}, ceiling=1.0, ratio=round(ten["seconds_to_last"], 3),
                          rounds={str(k): v for k, v in rounds.items()})

    def p5(self) -> dict[str, Any]:
        n = 3000 if self.quick else int(os.environ.get("BENCH_P5_INVOICES", "20000"))
        w = Workload(SEED + 1, invoices=n, contacts=max(1, n // 10), products=500)
        for name in [p for p in self.stack.processes if p.startswith("worker")]:
            self.stack.stop(name)
        run = self.p1_backfill(w, "P5")
        rss = run["peak_rss_mb"]
        return self.entry("P5", f"peak RSS of the worker during a backfill of {n:,} invoices", rss, "MB",
                          "≤ 300 MB", rss <= 300, {"invoices": n, "contacts": w.contacts, "skus": w.products,
                                                  "seconds": round(run["seconds"], 1),
                                                  "rate_invoices_per_s": round(run["rate"], 2),
                                                  "by_status": run["by_status"]},
                          ceiling=300.0, ratio=round(rss / 300, 3))

    def p6(self) -> dict[str, Any]:
        from simplecommercesync.sync.engine.models import SyncRecord

        from . import product

        workspace = self.p1_run["workspace"]
        total = SyncRecord.objects.filter(workspace_id=workspace.workspace_id, sync_type="invoices").count()
        middle = SyncRecord.objects.filter(workspace_id=workspace.workspace_id, sync_type="invoices") \
            .order_by("-updated_at", "-pk")[total // 2]
        key = f"{middle.updated_at.isoformat()}~{middle.pk}"
        pages = {"Data → Invoices": "/data/invoices/", "Data → Invoices, row 50,000": f"/data/invoices/?after={key}",
                 "Data → Invoices, Failed": "/data/invoices/?status=failed",
                 "Settings → Connections": "/settings/connections/"}
        repeats = 20 if self.quick else 50
        times: dict[str, list[float]] = {}
        with httpx.Client(base_url=self.ports.web_url, cookies=product.session_cookie(workspace), timeout=30) as web:
            for name, url in pages.items():
                web.get(url)  # warm
                times[name] = []
                for _ in range(repeats):
                    begun = time.perf_counter()
                    answer = web.get(url)
                    times[name].append(time.perf_counter() - begun)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{url} answered {answer.status_code}")
        p95 = {name: round(percentile(v, 0.95) * 1000, 1) for name, v in times.items()}
        worst = max(p95.values())
        return self.entry("P6", f"page time p95 with {total:,} invoice rows (HTTP round trip on loopback)", worst,
                          "ms (worst p95)", "p95 ≤ 100 ms", worst <= 100,
                          {"rows": total, "requests_per_page": repeats, "web_workers": 2}, ceiling=100.0,
                          ratio=round(worst / 100, 3), p95_ms=p95,
                          p50_ms={name: round(median(v) * 1000, 1) for name, v in times.items()})

    def payments(self) -> dict[str, Any]:
        """Payments backfill: paid invoices synced first, then every payment (applied to its invoice)."""
        from . import product

        n = 200 if self.quick else 1000
        w = Workload(SEED + 2, invoices=n, contacts=max(1, n // 4), products=200)
        for name in [p for p in self.stack.processes if p.startswith("worker")]:
            self.stack.stop(name)
        self.fresh_world(w, status="paid")
        workspace = product.workspace_for("PAY", self.emulators)
        pid = self.stack.start_worker("worker-PAY")
        product.sync_everything(workspace)
        product.wait_until_settled(workspace, n, timeout_s=900)
        product.enable_payment_sync(workspace)
        settled, seconds, worker_cpu, emulator_cpu, counts = self.sync_all_measured("PAY", pid, workspace, n,
                                                                                    "payments")
        succeeded = int(settled["by_status"].get("success", 0))
        rate = succeeded / seconds
        ceiling = payments_ceiling(n, Limits(SCALE))
        ratio = rate / ceiling.records_per_second
        return self.entry("PAYMENTS", "HubSpot → QuickBooks payments backfill (invoices already synced)", rate,
                          "payments/s", "≥ 90 % of ceiling (as P1)", ratio >= 0.9,
                          {"payments": n, "seconds": round(seconds, 2), "by_status": settled["by_status"],
                           "rate_limit_scale": SCALE, "worker_cpu_s": worker_cpu, "emulator_cpu_s": emulator_cpu},
                          ceiling=round(ceiling.records_per_second, 3), ratio=round(ratio, 3),
                          ceiling_detail=ceiling.as_json(), calls=counts, calls_per_record=self.per_record(counts, n))

    def sync_all_measured(self, label: str, pid: int, workspace: Any, n: int,
                          sync_type: str) -> tuple[dict[str, Any], float, float, dict[str, float], dict[str, Any]]:
        """Sync now (everything) for one sync type on a fresh worker, until its n records settle:
        (settled, seconds, worker CPU s, each emulator's CPU s, request counts)."""
        from . import product

        self.emulators.clear_logs()
        cpu_before = cpu_seconds(pid)
        emulator_pids = {name: self.stack.processes[name].pid for name in ("hubspot-emulator", "quickbooks-emulator")}
        emulator_before = {name: cpu_seconds(p) for name, p in emulator_pids.items()}
        profilers = self.profile(label, [pid])
        started = datetime.now(UTC)
        product.sync_everything(workspace, sync_type)
        settled = product.wait_until_settled(workspace, n, timeout_s=900, sync_type=sync_type)
        seconds = (settled["last_finished_at"] - started).total_seconds()
        worker_cpu = round(cpu_seconds(pid) - cpu_before, 2)
        emulator_cpu = {name: round(cpu_seconds(p) - emulator_before[name], 2) for name, p in emulator_pids.items()}
        self.stop_profiles(profilers)
        return settled, seconds, worker_cpu, emulator_cpu, self.emulators.request_counts()

    def quotes(self) -> dict[str, Any]:
        """Quotes backfill: approved HubSpot quotes → QuickBooks estimates, customers created as in P1."""
        from . import product

        n = 200 if self.quick else 1000
        w = Workload(SEED + 3, invoices=0, contacts=max(1, n // 4), products=200, quotes=n)
        for name in [p for p in self.stack.processes if p.startswith("worker")]:
            self.stack.stop(name)
        self.emulators.reset()
        self.emulators.archive_demo_invoices()
        self.emulators.archive_demo_invoices("quotes")  # the demo seed's approved quotes would mix in
        self.emulators.generate(w)
        workspace = product.workspace_for("QUO", self.emulators)
        product.enable_quote_sync(workspace)
        pid = self.stack.start_worker("worker-QUO")
        settled, seconds, worker_cpu, emulator_cpu, counts = self.sync_all_measured("QUO", pid, workspace, n,
                                                                                    "quotes")
        succeeded = int(settled["by_status"].get("success", 0))
        rate = succeeded / seconds
        ceiling = quotes_ceiling(BackfillWorkload(n, w.lines_per_invoice, w.contacts, w.products), Limits(SCALE))
        ratio = rate / ceiling.records_per_second
        return self.entry("QUOTES", "HubSpot → QuickBooks quotes backfill (estimates, new customers)", rate,
                          "estimates/s", "≥ 90 % of ceiling (as P1)", ratio >= 0.9,
                          {"quotes": n, "lines_per_quote": w.lines_per_invoice, "contacts": w.contacts,
                           "skus": w.products, "seconds": round(seconds, 2), "by_status": settled["by_status"],
                           "rate_limit_scale": SCALE, "worker_cpu_s": worker_cpu, "emulator_cpu_s": emulator_cpu},
                          ceiling=round(ceiling.records_per_second, 3), ratio=round(ratio, 3),
                          ceiling_detail=ceiling.as_json(), calls=counts, calls_per_record=self.per_record(counts, n))

    def scale_out(self) -> dict[str, Any] | None:
        """P1's workload with two workers on PostgreSQL + Redis, in a child bench (its own stack)."""
        from simplecommercesync.backends_available import answers

        if not (answers(self.args.postgres, 5432) and answers(self.args.redis, 6379)):
            print("  P1-scale-out: PostgreSQL or Redis did not answer at 127.0.0.1; skipped", flush=True)
            return None
        out = self.var / "scale-out.json"
        argv = [sys.executable, "-m", "bench", "--scale-out-child", "--out", str(out)]
        if self.quick:
            argv.append("--quick")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCS_", "DATABASE_URL", "REDIS_URL"))}
        subprocess.run(argv, check=True, cwd=str(ROOT), env=env)
        found: dict[str, Any] = json.loads(out.read_text())
        found["machine"], found["load_average"] = self.machine, load_average()
        ratio = found["figure"] / self.p1_run["rate"]
        found.update(baseline=round(self.p1_run["rate"], 3), ratio=round(ratio, 3), met=ratio > 1)
        self.entries.append(found)
        print(f"  P1-scale-out: {found['figure']:.2f} invoices/s with 2 workers on PostgreSQL + Redis "
              f"({ratio:.2f} × one worker on SQLite)", flush=True)
        return found

    def run(self) -> None:
        only = {s.strip().upper() for s in self.args.only.split(",") if s.strip()}

        def wanted(sid: str) -> bool:
            return not only or sid in only

        run_info = {"started": datetime.now(UTC).isoformat(), "quick": self.quick, "rate_limit_scale": SCALE,
                    "machine": self.machine, "load_average_start": load_average()}
        self.stack.start_emulators(SCALE)
        self.stack.start_web()
        try:
            naive_rate = None
            if wanted("P2"):
                print("P2 naive baseline…", flush=True)
                naive_rate = self.p2_naive()
            if any(wanted(sid) for sid in ("P1", "P2", "P3", "P4", "P6", "SCALE")):
                print("P1 backfill…", flush=True)
                self.p1()
            if naive_rate is not None:
                self.p2(naive_rate)
            if wanted("P3"):
                print("P3 webhook latency…", flush=True)
                self.p3()
            if wanted("P4") or wanted("P6"):
                print("P4 changes among 100,000 links…", flush=True)
                self.p4()
            if wanted("P6"):
                print("P6 page times…", flush=True)
                self.p6()
            if wanted("P5"):
                print("P5 memory of a large backfill…", flush=True)
                self.p5()
            if wanted("PAYMENTS") and "payments" in _sync_types():
                print("Payments backfill…", flush=True)
                self.payments()
            if wanted("QUOTES"):
                print("Quotes backfill…", flush=True)
                self.quotes()
        finally:
            self.stack.stop_all()
            self.emulators.close()
        if wanted("SCALE"):
            print("P1 scale-out (PostgreSQL + Redis, two workers)…", flush=True)
            self.scale_out()
        run_info["load_average_end"] = load_average()
        run_info["finished"] = datetime.now(UTC).isoformat()
        write(Path(self.args.out), run_info, self.entries)
        print()
        print(table(self.entries))
        print(f"\nWrote {self.args.out}")


def _sync_types() -> set[str]:
    from simplecommercesync.sync.catalogue import SYNC_TYPES

    return set(SYNC_TYPES)


def scale_out_child(args: argparse.Namespace) -> None:
    """Runs in its own process: Django here is configured for PostgreSQL + Redis."""
    _fresh_postgres(args.postgres)
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # our own db number: the Huey queue and limiter keys
    bench = Bench(args, database_url=args.postgres, redis_url=args.redis)
    bench.stack.start_emulators(SCALE)
    try:
        run = bench.p1_backfill(bench.backfill, "SCALE", workers=2)
    finally:
        bench.stack.stop_all()
        bench.emulators.close()
    w = bench.backfill
    Path(args.out).write_text(json.dumps({
        "id": "P1-scale-out", "what": "P1's backfill with two workers on PostgreSQL + Redis",
        "figure": round(run["rate"], 4), "unit": "invoices/s", "target": "faster than one worker",
        "met": True, "params": {"invoices": w.invoices, "workers": 2, "database": "postgresql",
                                "seconds": round(run["seconds"], 2), "by_status": run["by_status"],
                                "worker_cpu_s": run["worker_cpu_s"]},
        "calls_per_record": run["calls_per_record"]}, default=str))


def _fresh_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.scale_out_child:
        scale_out_child(args)
        return 0
    Bench(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
