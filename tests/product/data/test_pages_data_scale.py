"""Data → Invoices at 100,000 records: keyset pages, no OFFSET, one grouped count.

Speed itself is measured by `make bench` (P6), never asserted with timers here. This test holds
what makes the page fast at any size: a fixed, small number of queries whatever the page or the
table size (no query per row), and the same for a deep page as for the first. Run with -s to see
the server times it measured."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from tests.product.pages_support import PORTAL, signed_in

pytestmark = pytest.mark.django_db

ROWS = 100_000
# Session, user, workspace, the page's rows, the status counts and a little more: never one per row.
MAX_QUERIES = 12


def make_rows(workspace_id: int) -> None:
    now = timezone.now()
    statuses = [RecordStatus.SUCCESS] * 17 + [RecordStatus.FAILED, RecordStatus.PENDING, RecordStatus.PROCESSING]
    SyncRecord.objects.bulk_create(
        (
            SyncRecord(
                workspace_id=workspace_id, sync_type="invoices", source_account=PORTAL, source_id=str(100000 + i),
                status=statuses[i % len(statuses)], label=f"INV-{100000 + i} · Customer {i % 997}",
                destination_id=str(i) if i % 20 else "", destination_label=f"INV-{100000 + i}",
                error_kind="sku_not_found" if i % 20 == 17 else "",
                error_message=f"SKU not found: SKU-{i % 50}" if i % 20 == 17 else "",
                last_attempt_at=now - timedelta(seconds=i), updated_at=now - timedelta(seconds=i),
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )


def timed_get(client, url: str) -> tuple[float, float, str, int]:  # type: ignore[no-untyped-def]
    """Seconds for the whole request, seconds of it spent in SyncRecord queries, the page, and how
    many queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    if os.environ.get("SCS_SCALE_DETAIL"):
        for q in queries.captured_queries:
            if "sync_syncrecord" in q["sql"]:
                print(f"    {q['time']} s  {q['sql'][-160:]}")
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + q["sql"]) if connection.vendor == "postgresql" else None
                    if connection.vendor == "postgresql":
                        print("      " + "\n      ".join(r[0] for r in cursor.fetchall()[:6]))
    in_records = sum(float(q["time"]) for q in queries.captured_queries if "sync_syncrecord" in q["sql"])
    return elapsed, in_records, response.content.decode(), len(queries.captured_queries)


def test_list_pages_stay_fast_at_100000_records(admin: User) -> None:
    started = time.perf_counter()
    make_rows(admin.workspace_id)
    print(f"\nbulk_create of {ROWS} records: {time.perf_counter() - started:.1f} s ({connection.vendor})")
    with connection.cursor() as cursor:
        # What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) does to a table that grew:
        # without statistics the planner guesses the table is empty.
        cursor.execute("ANALYZE sync_syncrecord")
    client = signed_in(admin)
    client.get("/data/invoices/")  # warm caches (templates, session)
    middle = SyncRecord.objects.get(source_id=str(100000 + ROWS // 2))
    key = f"{middle.updated_at.isoformat()}~{middle.pk}".replace("+", "%2B")
    cases = {
        "first page": "/data/invoices/",
        "page at row 50,000": f"/data/invoices/?after={key}",
        "Failed only": "/data/invoices/?status=failed",
        "Failed, row 50,000": f"/data/invoices/?status=failed&after={key}",
        "search by number": "/data/invoices/?q=INV-150001",
        "search in names/errors": "/data/invoices/?q=SKU-7",
    }
    query_counts = {}
    for name, url in cases.items():
        elapsed, in_records, html, query_counts[name] = timed_get(client, url)
        rows = html.count('data-testid="status-badge"')
        print(f"{name:<24} {elapsed * 1000:7.1f} ms in all, {in_records * 1000:6.1f} ms in record queries, "
              f"{rows} rows, {query_counts[name]} queries")
        assert rows > 0, name
    assert max(query_counts.values()) <= MAX_QUERIES, query_counts
    assert query_counts["page at row 50,000"] == query_counts["first page"], query_counts
    assert f'>Failed <span class="count">{ROWS // 20}</span>' in html
