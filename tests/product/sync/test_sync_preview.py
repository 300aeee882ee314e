"""Preview (dry run) of invoices and customers against both emulators: the emulators' request logs
show no write call during a preview, nothing changes in our database, and the counts equal what
the real run then does. Also the CLI's --dry-run table and the Preview button in a browser."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from simplecommercesync.sync import commands, operations
from simplecommercesync.sync.engine.models import (
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    SyncAttempt,
    SyncRecord,
)
from simplecommercesync.sync.preview import PreviewResult
from tests.product.conftest import sign_in_browser
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    wait_for,
    world_fixture,
)

pytestmark = [pytest.mark.integration]

# Reads: HubSpot batch reads, searches and association reads are POSTs; QuickBooks reads are GETs.
READ_POSTS = ("/batch/read", "/search")


def clear_logs(world: World) -> None:
    world.providers.hubspot("DELETE", "/_emulator/requests").raise_for_status()
    world.providers.quickbooks("DELETE", "/_emulator/requests").raise_for_status()


def writes_logged(world: World) -> list[str]:
    """Calls that could write. QuickBooks' POST /batch also carries the batched customer-email
    queries, so it is not counted here; `quickbooks_changes_since` proves it wrote nothing."""
    calls: list[str] = []
    for control in (world.providers.hubspot, world.providers.quickbooks):
        summary = control("GET", "/_emulator/requests").json()
        assert summary["total"] < 500, "more calls than the log keeps: the assertion would be blind"
        calls.extend(f"{r['method']} {r['path']}" for r in summary["recent"])
    return [c for c in calls if not (c.startswith("GET ") or c.endswith(READ_POSTS) or c.endswith("/batch"))]


def quickbooks_changes_since(world: World, moment: datetime) -> int:
    """Objects QuickBooks' change data capture reports changed since `moment` (Intuit CDC API)."""
    answer = world.qb("GET", "cdc", params={"entities": "Invoice,Customer,Item,Payment",
                                           "changedSince": moment.isoformat(timespec="seconds")})
    changed = 0
    for block in answer["CDCResponse"]:
        for response in block.get("QueryResponse") or []:
            changed += sum(len(v) for k, v in response.items() if isinstance(v, list))
    return changed


def total_logged(world: World) -> int:
    return sum(c("GET", "/_emulator/requests").json()["total"]
               for c in (world.providers.hubspot, world.providers.quickbooks))


def what_the_run_did(record_ids: list[int]) -> Counter[str]:
    done: Counter[str] = Counter()
    for record_id in record_ids:
        attempt = SyncAttempt.objects.filter(record_id=record_id).first()
        assert attempt is not None
        if attempt.outcome == "failed":
            done["fail"] += 1
        elif attempt.outcome == "skipped":
            done["skip"] += 1
        else:
            done[{"created": "create", "updated": "update", "voided": "void"}.get(attempt.action, attempt.action)] += 1
    return done


def a_mixed_queue(world: World) -> dict[str, str]:
    """Invoices that a run would create, update, leave unchanged, skip and fail, all Pending."""
    sku = f"PV-{world.tag}"
    world.item(sku, "15.00")
    known_email = f"known.pv.{world.tag}@example.com"
    world.customer(f"Known Preview {world.tag}", known_email)
    known = world.contact(known_email, "Known", f"Preview{world.tag}")
    new = world.contact(f"new.pv.{world.tag}@example.com", "New", f"Preview{world.tag}")
    no_email = world.contact(None, "Nomail", f"Preview{world.tag}")
    synced = world.invoice(known, [(sku, "1", "15.00")])
    edited = world.invoice(known, [(sku, "2", "15.00")])
    world.queue(synced, edited)
    world.drain()
    assert world.record(synced).status == world.record(edited).status == RecordStatus.SUCCESS
    invoices = {
        "create (known customer)": world.invoice(known, [(sku, "3", "15.00")]),
        "create (new customer)": world.invoice(new, [(sku, "1", "15.00")]),
        "fail (SKU)": world.invoice(known, [(f"NOPE-{world.tag}", "1", "1.00")]),
        "fail (email)": world.invoice(no_email, [(sku, "1", "15.00")]),
        "skip (draft)": world.invoice(known, [(sku, "1", "15.00")], status="draft"),
        "unchanged": synced,
        "update": edited,
    }
    world.hs("PATCH", f"/crm/v3/objects/invoices/{edited}", {"properties": {"hs_due_date": "2026-04-30T00:00:00Z"}})
    world.queue(*invoices.values())
    wait_for(lambda: SyncRecord.objects.filter(
        workspace_id=world.workspace_id, sync_type="invoices", status=RecordStatus.PENDING).count() == len(invoices))
    # The last webhooks settle (they only bump requested_at of Pending records); the emulator
    # delivers them serially, so a fixed pause was sometimes too short.
    world.settle_webhooks()
    return invoices


def test_invoice_preview_writes_nothing_and_the_real_run_then_does_what_it_said(world: World) -> None:
    invoices = a_mixed_queue(world)
    links, journal = RecordLink.objects.count(), QuickBooksWrite.objects.count()
    before = {r.pk: (r.status, r.updated_at) for r in SyncRecord.objects.filter(workspace_id=world.workspace_id)}
    clear_logs(world)
    time.sleep(1.1)  # CDC's changedSince has whole seconds: start the window after the last write
    started = datetime.now(UTC)

    result = operations.preview(world.workspace_id, "invoices")
    console = Console(record=True, width=200)
    assert commands.run("invoices", full=False, workspace=str(world.workspace_id), console=console, dry_run=True) == 0

    assert total_logged(world) > 0, "the preview read both sides"
    assert writes_logged(world) == [], "no write call to HubSpot or QuickBooks during a preview"
    assert quickbooks_changes_since(world, started) == 0, "QuickBooks' own change log: nothing written"
    assert (RecordLink.objects.count(), QuickBooksWrite.objects.count()) == (links, journal)
    after = {r.pk: (r.status, r.updated_at) for r in SyncRecord.objects.filter(workspace_id=world.workspace_id)}
    assert after == before, "no record queued, claimed or finished by a preview"

    by_id = {row.source_id: row for row in result.rows}
    expected = {name.split(" ")[0]: 0 for name in invoices}
    for name, invoice_id in invoices.items():
        assert by_id[invoice_id].action == name.split(" ")[0], (name, by_id[invoice_id])
        expected[name.split(" ")[0]] += 1
    assert {k: v for k, v in result.counts.items() if v} == expected
    assert "SKU not found: NOPE-" in by_id[invoices["fail (SKU)"]].reason
    assert by_id[invoices["fail (email)"]].error_kind == "customer_email_missing"
    assert "new QuickBooks customer would be created" in by_id[invoices["create (new customer)"]].reason
    assert "not in the Invoice Status Filter" in by_id[invoices["skip (draft)"]].reason
    out = console.export_text()
    assert "Preview of Invoices (dry run: nothing was written)" in out
    assert "SKU not found: NOPE-" in out and "Customer email missing" in out

    world.drain()
    assert quickbooks_changes_since(world, started - timedelta(seconds=1)) > 0, "the CDC check can see writes"
    records = [world.record(i).pk for i in invoices.values()]
    done = what_the_run_did(records)
    assert {k: v for k, v in done.items() if v} == expected, "the run did what the preview said"


def test_customer_preview_matches_the_run(world: World) -> None:
    sku = f"PC-{world.tag}"
    world.item(sku)
    contact = world.contact(f"pc.{world.tag}@example.com", "Pre", f"View{world.tag}")
    world.queue(world.invoice(contact, [(sku, "1", "10.00")]))
    world.drain()
    world.hs("PATCH", f"/crm/v3/objects/contacts/{contact}", {"properties": {"email": f"pc2.{world.tag}@example.com"}})
    wait_for(lambda: world.record(contact, "customers").status == RecordStatus.PENDING)
    clear_logs(world)
    result: PreviewResult = operations.preview(world.workspace_id, "customers")
    assert writes_logged(world) == []
    assert [(r.source_id, r.action) for r in result.rows] == [(contact, "update")]
    world.drain("customers")
    assert what_the_run_did([world.record(contact, "customers").pk]) == Counter({"update": 1})


@pytest.mark.browser
def test_preview_button_on_the_invoices_tab_shows_the_table(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sku = f"PB-{world.tag}"
    invoice_id = world.invoice(world.contact(f"pb.{world.tag}@example.com", "Pb", f"User{world.tag}"),
                               [(sku, "1", "5.00")])
    world.queue(invoice_id)
    base = world.providers.base_url
    sign_in_browser(page, base, world.admin.email)
    page.goto(f"{base}/settings/sync/invoices/")
    clear_logs(world)
    page.get_by_test_id("preview-invoices").get_by_role("button", name="Preview").click()
    table = page.get_by_test_id("preview-rows")
    try:
        table.wait_for()
    except Exception:
        print(page.url, page.content()[-3000:])
        raise
    assert page.url == f"{base}/settings/sync/invoices/", "htmx swapped the table into the tab"
    row = table.locator(f"tr:has-text('{invoice_id}')")
    assert row.get_attribute("data-action") == "fail"
    assert f"SKU not found: {sku}" in row.inner_text()
    assert page.get_by_test_id("preview-counts").locator("td[data-action=fail]").inner_text() == "1"
    assert writes_logged(world) == []
    assert world.record(invoice_id).status == RecordStatus.PENDING


def test_preview_is_for_admins_only_and_needs_a_post(world: World, client: Any) -> None:
    from simplecommercesync.accounts.models import User

    member = User.objects.create_user(email=f"member.{world.tag}@example.com", password="x" * 16,
                                      workspace=world.admin.workspace, role="member")
    client.force_login(member)
    assert client.post("/settings/sync/invoices/preview/").status_code == 403
    client.force_login(world.admin)
    assert client.get("/settings/sync/invoices/preview/").status_code == 405
    assert client.post("/settings/sync/nonsense/preview/").status_code == 404
    page = client.post("/settings/sync/invoices/preview/")
    assert page.status_code == 200 and b"Preview of Invoices" in page.content
