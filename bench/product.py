"""The product's side of a scenario, done in this process as the web app would: a workspace with
both accounts connected (real tokens), invoice sync on, Sync now; and reading outcomes from the
database. Needs Django set up against the same database as the web server and workers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from .emulators import PORTAL, REALM, Emulators

PASSWORD = "bench-password-1"


@dataclass
class BenchWorkspace:
    workspace_id: int
    user_id: int
    email: str


def workspace_for(name: str, emulators: Emulators) -> BenchWorkspace:
    """A workspace of its own per scenario, connected to the emulators' portal and company, with
    invoice sync on; every other bench workspace's sync is turned off so webhooks reach only this one."""
    from simplecommercesync.accounts.provisioning import ensure_admin
    from simplecommercesync.connections.models import Connection, Status
    from simplecommercesync.connections.tokens import store_token
    from simplecommercesync.providers.registry import get_provider
    from simplecommercesync.sync.mapping.tax_models import TaxSettings, UnmappedTaxBehavior
    from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

    email = f"bench-{name.lower()}@simplecommercesync.example"
    user = ensure_admin(email, PASSWORD, f"Bench {name}").user
    InvoiceSyncSettings.objects.exclude(workspace=user.workspace).update(enabled=False)
    hubspot = get_provider("hubspot")
    grants = (("hubspot", str(PORTAL), emulators.hubspot_grant([s.name for s in hubspot.scopes])),
              ("quickbooks", REALM, emulators.quickbooks_grant()))
    now = timezone.now()
    for key, account, token in grants:
        conn, _ = Connection.objects.get_or_create(workspace=user.workspace, provider=key)
        conn.status, conn.account_id, conn.last_account_id, conn.connected_at = Status.CONNECTED, account, account, now
        store_token(conn, get_provider(key), token, now)
        conn.save()
    InvoiceSyncSettings.objects.update_or_create(workspace=user.workspace, defaults={"enabled": True})
    TaxSettings.objects.update_or_create(workspace=user.workspace,
                                         defaults={"unmapped_behavior": UnmappedTaxBehavior.TAXABLE})
    return BenchWorkspace(user.workspace_id, user.pk, email)


def sync_everything(workspace: BenchWorkspace, sync_type: str = "invoices") -> str:
    """Settings → Sync → "Sync now (everything)": queue every record here, drain in the worker."""
    from simplecommercesync.sync.operations import sync_now

    return sync_now(workspace.workspace_id, sync_type, full=True).message


def enable_payment_sync(workspace: BenchWorkspace) -> None:
    from simplecommercesync.sync.types.payments.models import PaymentSyncSettings

    PaymentSyncSettings.objects.update_or_create(workspace_id=workspace.workspace_id, defaults={"enabled": True})


def enable_quote_sync(workspace: BenchWorkspace) -> None:
    """Settings → Sync → Quotes on, HubSpot → QuickBooks, the default statuses (APPROVED among them)."""
    from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings

    QuoteSyncSettings.objects.update_or_create(workspace_id=workspace.workspace_id, defaults={
        "enabled": True, "direction": QuoteDirection.HUBSPOT_TO_QUICKBOOKS})


def wait_until_settled(workspace: BenchWorkspace, expected: int, timeout_s: float,
                       since: datetime | None = None, sync_type: str = "invoices") -> dict[str, Any]:
    """Waits until `expected` invoice records exist and none is Pending or Processing (attempted
    after `since`, when given); returns counts by status and the last record's finish time."""
    from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord

    deadline = time.monotonic() + timeout_s
    rows = SyncRecord.objects.filter(workspace_id=workspace.workspace_id, sync_type=sync_type)
    while True:
        counts = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        connection.close()  # SQLite: let the writers have the file between polls
        total = sum(counts.values())
        busy = counts.get(RecordStatus.PENDING, 0) + counts.get(RecordStatus.PROCESSING, 0)
        done_after = True
        if since is not None:
            done_after = rows.filter(last_attempt_at__gte=since).count() >= expected
        if total >= expected and busy == 0 and done_after:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{busy} of {total} {sync_type} records still waiting after {timeout_s:.0f} s: {counts}")
        time.sleep(0.2)
    last = rows.aggregate(last=Max("updated_at"))["last"]
    return {"by_status": counts, "last_finished_at": last}


def first_attempt_at(workspace: BenchWorkspace) -> datetime | None:
    from simplecommercesync.sync.engine.models import SyncRecord

    value: datetime | None = SyncRecord.objects.filter(
        workspace_id=workspace.workspace_id, sync_type="invoices").aggregate(first=Min("created_at"))["first"]
    return value


def seed_synced_rows(workspace: BenchWorkspace, count: int, first_id: int = 9_000_000) -> None:
    """Records and links of invoices synced long ago (ids no portal has), as a workspace that has
    run for years holds them: only our database sees them, which is the point of P4 and P6."""
    from simplecommercesync.sync.engine.models import LinkKind, RecordLink, RecordStatus, SyncRecord

    now = timezone.now()
    statuses = [RecordStatus.SUCCESS] * 18 + [RecordStatus.FAILED, RecordStatus.SUCCESS]
    for start in range(0, count, 10_000):
        block = range(first_id + start, first_id + min(start + 10_000, count))
        SyncRecord.objects.bulk_create([
            SyncRecord(workspace_id=workspace.workspace_id, sync_type="invoices", source_account=str(PORTAL),
                       source_id=str(i), status=statuses[i % len(statuses)], label=f"Invoice INV-{i}",
                       destination_id=str(i), destination_label=f"INV-{i}",
                       error_kind="sku_not_found" if i % 20 == 18 else "",
                       error_message=f"SKU not found: SKU-{i % 50}" if i % 20 == 18 else "",
                       last_attempt_at=now - timedelta(days=30, seconds=i), updated_at=now - timedelta(days=30, seconds=i),
                       created_at=now - timedelta(days=30, seconds=i))
            for i in block], batch_size=2000)
        RecordLink.objects.bulk_create([
            RecordLink(workspace_id=workspace.workspace_id, kind=LinkKind.INVOICE, hubspot_portal_id=str(PORTAL),
                       quickbooks_realm_id=REALM, hubspot_id=str(i), quickbooks_id=str(i), fingerprint="0" * 64,
                       quickbooks_label=f"INV-{i}")
            for i in block], batch_size=2000)
    with connection.cursor() as cursor:
        # What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) does to a table that grew.
        cursor.execute("ANALYZE")


def session_cookie(workspace: BenchWorkspace) -> dict[str, str]:
    """A signed-in session for the pages, made the way Django's test client does (database sessions)."""
    from django.test import Client

    from simplecommercesync.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=workspace.user_id))
    return {name: morsel.value for name, morsel in client.cookies.items()}


def link_count(workspace: BenchWorkspace) -> int:
    from simplecommercesync.sync.engine.models import RecordLink

    return RecordLink.objects.filter(workspace_id=workspace.workspace_id).count()


def attempts_since(workspace: BenchWorkspace, since: datetime) -> list[tuple[str, datetime, str]]:
    """(invoice id, finished at, action) of every invoice attempt that ended after `since`."""
    from simplecommercesync.sync.engine.models import SyncAttempt

    rows = (SyncAttempt.objects.filter(record__workspace_id=workspace.workspace_id,
                                       record__sync_type="invoices", finished_at__gte=since)
            .values_list("record__source_id", "finished_at", "action").order_by("finished_at"))
    return [(source_id, finished, action) for source_id, finished, action in rows if finished is not None]
