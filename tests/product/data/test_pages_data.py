"""Data → Invoices / Customers with Django's test client: the table, links to both sides, times in
the workspace's zone, filters, keyset pages, the record's attempt history, Retry, CSV export, and
what a member may not do. Records are made by the engine's own queue (upsert → claim → finish)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.config import OAuthApp
from simplecommercesync.data.csv_export import safe_cell
from simplecommercesync.sync.engine.models import RecordStatus, SyncAttempt, SyncRecord
from simplecommercesync.sync.mapping import errors as mapping_errors
from tests.product.pages_support import PORTAL, connect_both, failed, settle, signed_in, succeeded

pytestmark = pytest.mark.django_db

LIST = "/data/invoices/"
SKU_MESSAGE = "SKU not found: tent-2p (QuickBooks has TENT-2P — SKUs match exactly)"


@pytest.fixture
def invoices(admin: User) -> dict[str, int]:
    admin.workspace.time_zone = "America/New_York"
    admin.workspace.save()
    return settle(admin.workspace, "invoices", {
        "5001": succeeded("130", "INV-1001", label="INV-1001 · Maya Chen",
                          changes={"TotalAmt": ["0.00", "578.00"], "DocNumber": [None, "INV-1001"]}),
        "5002": failed(mapping_errors.SKU_NOT_FOUND, SKU_MESSAGE, label="INV-1002 · =HYPERLINK(\"x\")"),
        "5003": failed(mapping_errors.CUSTOMER_EMAIL_MISSING, "Customer email missing: contact 77 has no email.",
                       label="INV-1003 · Bo Smith"),
    })


def test_table_shows_badges_links_local_times_and_the_fix(settings, admin: User, invoices: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    settings.SCS_QUICKBOOKS = OAuthApp("id", "secret", auth_base_url="https://appcenter.intuit.com",
                                       api_base_url="https://sandbox-quickbooks.api.intuit.com", environment="sandbox")
    settings.SCS_HUBSPOT = OAuthApp("id", "secret", auth_base_url="https://app.hubspot.com",
                                    api_base_url="https://api.hubapi.com")
    html = signed_in(admin).get(LIST).content.decode()
    assert html.count('data-testid="status-badge"') == 3
    assert '<span class="badge badge-failed" data-testid="status-badge">Failed</span>' in html
    assert '<span class="badge badge-success" data-testid="status-badge">Success</span>' in html
    assert f"https://app.hubspot.com/contacts/{PORTAL}/record/0-53/5001" in html
    assert "https://app.sandbox.qbo.intuit.com/app/invoice?txnId=130" in html
    assert "SKU not found" in html and "tent-2p (QuickBooks has TENT-2P" in html
    assert mapping_errors.SKU_NOT_FOUND.fix in html and mapping_errors.CUSTOMER_EMAIL_MISSING.fix in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", html), "times are in the workspace's zone"
    assert html.count(">Retry Sync</button>") == 2  # Failed rows only; Success has nothing to retry
    assert "Retry all failed (2)" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_demo_links_lead_to_the_emulators(settings, admin: User, invoices: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    settings.SCS_HUBSPOT = OAuthApp("id", "secret", auth_base_url="http://127.0.0.1:8101",
                                    api_base_url="http://127.0.0.1:8101")
    settings.SCS_QUICKBOOKS = OAuthApp("id", "secret", auth_base_url="http://127.0.0.1:8102/.well-known/x",
                                       api_base_url="http://127.0.0.1:8102", environment="sandbox")
    html = signed_in(admin).get(LIST).content.decode()
    assert f"http://127.0.0.1:8101/contacts/{PORTAL}/record/0-53/5001" in html
    assert "http://127.0.0.1:8102/app/invoice?txnId=130" in html


def test_filters_by_status_and_search(admin: User, invoices: dict[str, int]) -> None:
    client = signed_in(admin)
    failed_only = client.get(LIST, {"status": "failed"}).content.decode()
    assert failed_only.count('data-testid="status-badge"') == 2 and "INV-1001" not in failed_only
    assert re.search(r'aria-current="true">Failed <span class="count">2</span>', failed_only)
    by_name = client.get(LIST, {"q": "bo smith"}).content.decode()
    assert 'data-testid="record-5003"' in by_name and by_name.count('data-testid="status-badge"') == 1
    by_id = client.get(LIST, {"q": "5002"}).content.decode()
    assert 'data-testid="record-5002"' in by_id and 'data-testid="record-5001"' not in by_id
    by_error = client.get(LIST, {"q": "TENT-2P"}).content.decode()
    assert 'data-testid="record-5002"' in by_error and by_error.count('data-testid="status-badge"') == 1
    nothing = client.get(LIST, {"status": "processing", "q": "zzz"}).content.decode()
    assert "No invoices match these filters." in nothing


def test_keyset_pages_cover_every_row_once(admin: User) -> None:
    settle(admin.workspace, "invoices", {str(9000 + i): failed(mapping_errors.SKU_NOT_FOUND, f"SKU not found: S{i}")
                                          for i in range(120)})
    client = signed_in(admin)
    seen: list[str] = []
    url = LIST
    pages = 0
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r'data-testid="record-(\d+)"', html)
        older = re.search(r'href="\?([^"]+)" rel="next"', html)
        url = f"{LIST}?{older.group(1).replace('&amp;', '&')}" if older else ""
        pages += 1
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    # And back again from the last page.
    newer = re.search(r'href="\?([^"]+)" rel="prev"', html)
    assert newer is not None
    back = client.get(f"{LIST}?{newer.group(1).replace('&amp;', '&')}").content.decode()
    assert re.findall(r'data-testid="record-(\d+)"', back) == seen[50:100]


def test_keyset_pages_keep_rows_that_share_a_time(admin: User) -> None:
    """Rows updated in the same instant (a bulk edit) are told apart by id, on every status."""
    moment = timezone.now().replace(microsecond=0)
    statuses = [RecordStatus.SUCCESS, RecordStatus.FAILED, RecordStatus.PENDING]
    SyncRecord.objects.bulk_create([
        SyncRecord(workspace_id=admin.workspace_id, sync_type="invoices", source_account=PORTAL,
                   source_id=str(7000 + i), status=statuses[i % 3], label=f"INV-{i}",
                   updated_at=moment if i < 110 else moment - timedelta(seconds=i))
        for i in range(130)])
    client = signed_in(admin)
    seen: list[list[str]] = []
    url = LIST
    while url:
        html = client.get(url).content.decode()
        seen.append(re.findall(r'data-testid="record-(\d+)"', html))
        older = re.search(r'href="\?([^"]+)" rel="next"', html)
        url = f"{LIST}?{older.group(1).replace('&amp;', '&')}" if older else ""
    everything = [pk for page in seen for pk in page]
    assert [len(page) for page in seen] == [50, 50, 30] and len(set(everything)) == 130
    newer = re.search(r'href="\?([^"]+)" rel="prev"', html)
    assert newer is not None
    back = client.get(f"{LIST}?{newer.group(1).replace('&amp;', '&')}").content.decode()
    assert re.findall(r'data-testid="record-(\d+)"', back) == seen[1]


def test_record_detail_shows_attempt_history_and_what_changed(admin: User, invoices: dict[str, int]) -> None:
    settle(admin.workspace, "invoices", {"5001": succeeded("130", "INV-1001", changes={"TotalAmt": ["578.00", "600.00"]})})
    html = signed_in(admin).get(f"/data/invoices/{invoices['5001']}/").content.decode()
    assert "Attempt history" in html and html.count('class="outcome outcome-success"') == 2
    assert "<td>TotalAmt</td><td>578.00</td><td>600.00</td>" in html
    assert "<td>DocNumber</td><td><span class=\"muted\">—</span></td><td>INV-1001</td>" in html
    assert "INV-1001" in html and "Retry Sync</button>" not in html


def test_retry_sync_puts_a_failed_record_back_to_pending(admin: User, invoices: dict[str, int]) -> None:
    client = signed_in(admin)
    record_id = invoices["5002"]
    response = client.post(f"/data/invoices/{record_id}/retry/", {"next": f"{LIST}?status=failed"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=failed"
    record = SyncRecord.objects.get(pk=record_id)
    assert record.status == RecordStatus.PENDING and record.requested_by == "retry"
    html = client.get(f"/data/invoices/{record_id}/").content.decode()
    assert "is queued to sync again." in html
    assert '<span class="badge badge-pending" data-testid="status-badge">Pending</span>' in html
    # History is kept: the failed attempt is still there.
    assert SyncAttempt.objects.filter(record_id=record_id, outcome="failed").count() == 1


def test_retry_refuses_a_successful_record_and_offsite_next(admin: User, invoices: dict[str, int]) -> None:
    client = signed_in(admin)
    response = client.post(f"/data/invoices/{invoices['5001']}/retry/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/data/invoices/{invoices['5001']}/"
    assert "Only Failed or Pending records can be retried; this one is Success." in client.get(response["Location"]).content.decode()
    assert SyncRecord.objects.get(pk=invoices["5001"]).status == RecordStatus.SUCCESS


def test_retry_all_failed(admin: User, invoices: dict[str, int]) -> None:
    client = signed_in(admin)
    page = client.get(client.post("/data/invoices/retry-failed/")["Location"]).content.decode()
    assert "2 failed records queued to sync again." in page
    statuses = dict(SyncRecord.objects.filter(workspace=admin.workspace).values_list("source_id", "status"))
    assert statuses == {"5001": "success", "5002": "pending", "5003": "pending"}


def test_member_reads_data_but_cannot_retry(member: User) -> None:
    ids = settle(member.workspace, "invoices", {"5002": failed(mapping_errors.SKU_NOT_FOUND, SKU_MESSAGE)})
    client = signed_in(member)
    html = client.get(LIST).content.decode()
    assert "SKU not found" in html and "Retry Sync</button>" not in html and "Retry all failed" not in html
    assert client.post(f"/data/invoices/{ids['5002']}/retry/").status_code == 403
    assert client.post("/data/invoices/retry-failed/").status_code == 403
    assert SyncRecord.objects.get(pk=ids["5002"]).status == RecordStatus.FAILED
    assert client.get("/data/invoices/export.csv").status_code == 200


def test_retry_needs_the_csrf_token(admin: User, invoices: dict[str, int]) -> None:
    client = signed_in(admin, csrf_checks=True)
    assert client.post(f"/data/invoices/{invoices['5002']}/retry/").status_code == 403
    assert client.post("/data/invoices/retry-failed/").status_code == 403


def test_other_workspaces_records_are_not_found(admin: User, invoices: dict[str, int]) -> None:
    from simplecommercesync.accounts.models import Role, Workspace

    other = User.objects.create_user("boss@other.example", "correct-horse-42",
                                     workspace=Workspace.objects.create(name="Other"), role=Role.ADMIN)
    client = signed_in(other)
    assert client.get(f"/data/invoices/{invoices['5002']}/").status_code == 404
    assert client.post(f"/data/invoices/{invoices['5002']}/retry/").status_code == 404
    assert "5002" not in client.get(LIST).content.decode()
    assert client.get("/data/nonexistent/").status_code == 404


def test_csv_export_is_streamed_filtered_local_and_formula_safe(admin: User, invoices: dict[str, int]) -> None:
    response = signed_in(admin).get("/data/invoices/export.csv", {"status": "failed"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="simplecommercesync-invoices-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:6] == ["Status", "HubSpot id", "Name", "QuickBooks id", "QuickBooks number", "Last attempt"]
    body = {r[1]: r for r in rows[1:]}
    assert set(body) == {"5002", "5003"}
    assert body["5002"][0] == "Failed" and body["5002"][7] == "SKU not found"
    assert body["5002"][2] == "INV-1002 · =HYPERLINK(\"x\")"  # starts with "I": left alone
    assert body["5002"][9] == mapping_errors.SKU_NOT_FOUND.fix
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00", body["5002"][5]), body["5002"][5]


@pytest.mark.parametrize("value,written", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\t=x", "'\t=x"),
    ("Plain", "Plain"), ("", ""), (None, ""),
])
def test_formula_like_cells_are_quoted(value: str | None, written: str) -> None:
    assert safe_cell(value) == written


def test_export_quotes_a_formula_label(admin: User) -> None:
    settle(admin.workspace, "customers", {"77": failed(mapping_errors.CUSTOMER_EMAIL_MISSING, "no email",
                                                       label="=cmd|' /C calc'!A0")})
    response = signed_in(admin).get("/data/customers/export.csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"


def test_customers_page_links_contacts_and_customers(admin: User) -> None:
    settle(admin.workspace, "customers", {"901": succeeded("58", "Maya Chen", label="Maya Chen <maya@example.com>")})
    html = signed_in(admin).get("/data/customers/").content.decode()
    assert f"/contacts/{PORTAL}/record/0-1/901" in html and "/app/customerdetail?nameId=58" in html
    assert 'aria-current="page">Customers</a>' in html


def test_dashboard_counts_last_24_hours_and_recent_activity(admin: User, invoices: dict[str, int]) -> None:
    connect_both(admin.workspace)
    SyncRecord.objects.filter(source_id="5003").update(updated_at=timezone.now() - timedelta(days=2))
    html = signed_in(admin).get("/").content.decode()
    counts = html.split('data-testid="counts-invoices"')[1].split("</tr>")[0]
    assert re.findall(r'badge-\w+">(\d+)<', counts) == ["1", "1", "0"]  # success, failed (5003 is older), pending
    activity = html.split('data-testid="recent-activity"')[1]
    assert "INV-1002" in activity and "SKU not found" in activity
    assert html.count('role="alert"') == 0  # both connections healthy: no warning banner


def test_dashboard_keeps_the_connection_warning_banner(admin: User) -> None:
    html = signed_in(admin).get("/").content.decode()
    assert "Syncs in the last 24 hours" in html
    assert "Nothing has synced yet." in html


def test_the_sidebar_lists_data_and_sync_settings(admin: User) -> None:
    html = signed_in(admin).get("/data/", follow=True).content.decode()
    nav = html.split('<nav class="sidebar"')[1].split("</nav>")[0]
    assert 'href="/data/invoices/"' in nav and 'href="/data/customers/"' in nav
    # PRODUCT.md §2: Data lists Invoices, Quotes, Payments, Products and Customers, in that order.
    order = [nav.index(f'href="/data/{key}/"') for key in ("invoices", "quotes", "payments", "products", "customers")]
    assert order == sorted(order)
    assert 'href="/settings/sync/invoices/"' in nav


def test_connections_page_points_failing_syncs_to_settings_and_data(admin: User) -> None:
    connect_both(admin.workspace)
    client = signed_in(admin)
    assert 'data-testid="sync-failures-' not in client.get("/settings/connections/").content.decode()
    settle(admin.workspace, "invoices", {"5002": failed(mapping_errors.SKU_NOT_FOUND, SKU_MESSAGE),
                                         "5003": failed(mapping_errors.SKU_NOT_FOUND, SKU_MESSAGE)})
    html = client.get("/settings/connections/").content.decode()
    block = html.split('data-testid="sync-failures-hubspot"')[1].split("</div>")[0]
    assert "Connected, but syncs fail." in block
    assert "2 invoices failed in the last 24 hours" in block
    assert 'href="/data/invoices/?status=failed"' in block and 'href="/settings/sync/invoices/"' in block
    assert 'data-testid="sync-failures-quickbooks"' in html


def test_connections_page_has_no_failure_block_for_a_provider_not_connected(admin: User) -> None:
    settle(admin.workspace, "invoices", {"5002": failed(mapping_errors.SKU_NOT_FOUND, SKU_MESSAGE)})
    html = signed_in(admin).get("/settings/connections/").content.decode()
    assert "Connected, but syncs fail." not in html


def test_each_data_page_links_to_its_own_sync_settings(admin: User) -> None:
    client = signed_in(admin)
    for key, tab in (("invoices", "invoices"), ("payments", "payments"), ("quotes", "quotes"),
                     ("products", "products"), ("customers", "invoices")):
        html = client.get(f"/data/{key}/").content.decode()
        assert f'href="/settings/sync/{tab}/">Sync settings</a>' in html, key
