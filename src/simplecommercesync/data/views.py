"""Data → Invoices / Customers: the table, one record with its attempts, Retry, CSV export.

Everyone in the workspace reads; Retry changes what the engine does, so it is admin-only and
enforced here (a member's POST is a 403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from simplecommercesync.accounts.models import User
from simplecommercesync.accounts.next_url import local_next
from simplecommercesync.accounts.roles import admin_required
from simplecommercesync.data.csv_export import csv_lines
from simplecommercesync.data.listing import STATUSES, RecordFilter, page_of, records_of
from simplecommercesync.data.payment_invoices import payment_invoices
from simplecommercesync.data.status_counts import status_counts
from simplecommercesync.data.templatetags.error_text import after_title
from simplecommercesync.providers.hubspot.record_pages import hubspot_record_url
from simplecommercesync.providers.quickbooks.record_pages import quickbooks_record_url
from simplecommercesync.sync import operations
from simplecommercesync.sync.catalogue import SYNC_TYPES, SyncType, error_kind
from simplecommercesync.sync.models import RecordStatus, SourceSide, SyncRecord

ATTEMPTS_SHOWN = 100


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _sync_type(key: str) -> SyncType:
    sync_type = SYNC_TYPES.get(key)
    if sync_type is None:
        raise Http404("No such data page.")
    return sync_type


def row_view(record: SyncRecord, sync_type: SyncType, now: datetime | None = None) -> dict[str, Any]:
    kind = error_kind(record.error_kind) if record.error_kind else None
    # Products may sync from QuickBooks: then the source is the QuickBooks side.
    from_quickbooks = record.source_side == SourceSide.QUICKBOOKS
    error_title = kind.title if kind else record.error_kind
    waiting = record.status == RecordStatus.PENDING and record.next_attempt_at is not None \
        and record.next_attempt_at > (now or timezone.now())
    return {
        "record": record,
        "direction": "QuickBooks → HubSpot" if from_quickbooks else "HubSpot → QuickBooks",
        "hubspot_id": record.destination_id if from_quickbooks else record.source_id,
        "quickbooks_id": record.source_id if from_quickbooks else record.destination_id,
        "quickbooks_text": record.source_id if from_quickbooks else record.destination_label or record.destination_id,
        "hubspot_url": "" if from_quickbooks else hubspot_record_url(
            record.source_account, sync_type.hubspot_object, record.source_id),
        "quickbooks_url": quickbooks_record_url(
            sync_type.quickbooks_entity, record.source_id if from_quickbooks else record.destination_id),
        "error_title": error_title,
        "error_detail": after_title(record.error_message, error_title),
        "retryable": record.status in (RecordStatus.FAILED, RecordStatus.PENDING),
        "waiting": waiting,
        "retry_at": _local_text(record.next_attempt_at, "%Y-%m-%d %H:%M:%S") if waiting else "",
    }


def _local_text(moment: datetime | None, pattern: str) -> str:
    """`moment|date:"Y-m-d H:i T"` as the template would write it (the active zone is the
    workspace's), without a template filter per row: strftime plus the zone's abbreviation."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.strftime(pattern)} {local.tzname() or ''}".rstrip()


def list_row(record: SyncRecord, sync_type: SyncType, base: str, now: datetime) -> dict[str, Any]:
    """A table row with everything the row loop shows already made: its links from one reversed
    prefix and its time formatted here (make bench P6: 119 URL reversals, 100 date filters and
    ~1,800 template nodes were most of a page's time)."""
    row = row_view(record, sync_type, now)
    last = record.last_attempt_at
    row.update(
        status=record.status,
        status_label=record.get_status_display(),
        name=record.label or record.source_id,
        detail_url=f"{base}{record.pk}/",
        retry_url=f"{base}{record.pk}/retry/",
        last_attempt_iso=timezone.localtime(last).isoformat() if last else "",
        last_attempt_text=_local_text(last, "%Y-%m-%d %H:%M"),
        retrying=record.status == RecordStatus.PENDING,
        error_kind=record.error_kind,
        error_fix=record.error_fix,
        note=record.note,
        total_difference=record.total_difference,
    )
    return row


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("data:list", "invoices")


@login_required
def record_list(request: HttpRequest, sync_type_key: str) -> HttpResponse:
    sync_type = _sync_type(sync_type_key)
    workspace_id = _user(request).workspace_id
    filters = RecordFilter.from_query(request.GET)
    rows = records_of(workspace_id, sync_type.key, filters)
    page = page_of(rows, after=request.GET.get("after", ""), before=request.GET.get("before", ""),
                   # A search scans anyway: once, not once per status.
                   split_by=() if filters.status or filters.search else STATUSES)
    counts = status_counts(workspace_id, sync_type.key)
    # /data/<type>/: a record's page and its Retry are <base><pk>/ and <base><pk>/retry/ (urls.py).
    base = reverse("data:list", args=[sync_type.key])
    now = timezone.now()
    context = {
        "sync_type": sync_type,
        "sync_types": SYNC_TYPES.values(),
        "filters": filters,
        "statuses": [(s, RecordStatus(s).label, counts.get(s)) for s in STATUSES],
        "rows": [list_row(r, sync_type, base, now) for r in page.rows],
        "page": page,
        "next_query": urlencode(filters.query(after=page.next_key)) if page.next_key else "",
        "previous_query": urlencode(filters.query(before=page.previous_key)) if page.previous_key else "",
        "filter_query": urlencode(filters.query()),
        "failed_count": counts.get(RecordStatus.FAILED, 0),
        "here": request.get_full_path(),
    }
    return render(request, "data/list.html", context)


@login_required
def record_detail(request: HttpRequest, sync_type_key: str, record_id: int) -> HttpResponse:
    sync_type = _sync_type(sync_type_key)
    record = get_object_or_404(
        SyncRecord, pk=record_id, workspace_id=_user(request).workspace_id, sync_type=sync_type.key
    )
    attempts = list(record.attempts.all()[:ATTEMPTS_SHOWN])
    context = {
        "sync_type": sync_type,
        "sync_types": SYNC_TYPES.values(),
        "row": row_view(record, sync_type),
        "record": record,
        "attempts": [{"attempt": a, "changes": change_rows(a.changes)} for a in attempts],
        "attempt_total": record.attempts.count(),
        "belongs_to": payment_invoices(record) if sync_type.key == "payments" else [],
        "attempts_shown": ATTEMPTS_SHOWN,
        "here": request.get_full_path(),
    }
    return render(request, "data/detail.html", context)


def change_rows(changes: Any) -> list[dict[str, Any]]:
    """An attempt's "what changed" as rows: field, before, after (a plan of a create has no before)."""
    if not isinstance(changes, dict):
        return [] if not changes else [{"field": "", "before": "", "after": changes}]
    rows = []
    for name, value in changes.items():
        if isinstance(value, (list, tuple)) and len(value) == 2:
            rows.append({"field": name, "before": value[0], "after": value[1]})
        else:
            rows.append({"field": name, "before": None, "after": value})
    return rows


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = local_next(request, request.POST.get("next", ""))
    return HttpResponseRedirect(target or fallback)


@admin_required
@require_POST
def retry(request: HttpRequest, sync_type_key: str, record_id: int) -> HttpResponse:
    sync_type = _sync_type(sync_type_key)
    record = get_object_or_404(
        SyncRecord, pk=record_id, workspace_id=_user(request).workspace_id, sync_type=sync_type.key
    )
    if record.status not in (RecordStatus.FAILED, RecordStatus.PENDING):
        messages.info(request, f"Only Failed or Pending records can be retried; this one is {record.get_status_display()}.")
    else:
        result = operations.retry_record(record.pk, _user(request))
        {"success": messages.success}.get(result.level, messages.warning)(request, result.message)
    return _back(request, reverse("data:detail", args=[sync_type.key, record.pk]))


@admin_required
@require_POST
def retry_all_failed(request: HttpRequest, sync_type_key: str) -> HttpResponse:
    sync_type = _sync_type(sync_type_key)
    result = operations.retry_all_failed(_user(request).workspace_id, sync_type.key)
    {"success": messages.success}.get(result.level, messages.warning)(request, result.message)
    return _back(request, reverse("data:list", args=[sync_type.key]))


@login_required
def export_csv(request: HttpRequest, sync_type_key: str) -> StreamingHttpResponse:
    sync_type = _sync_type(sync_type_key)
    user = _user(request)
    filters = RecordFilter.from_query(request.GET)
    rows = records_of(user.workspace_id, sync_type.key, filters).order_by("-updated_at", "-id")
    stamp = timezone.localtime(timezone.now(), user.workspace.zone).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_lines(rows, sync_type, user.workspace.zone), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="simplecommercesync-{sync_type.key}-{stamp}.csv"'
    return response
