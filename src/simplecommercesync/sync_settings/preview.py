"""Preview on a sync tab: POST /settings/sync/<type>/preview/ (admin only, CSRF-checked).

How a tab shows it — one line in the tab's template, where the button and the table should be:

    {% include "sync_settings/_preview.html" with sync_type="invoices" %}

The partial renders a "Preview" button (a plain form POST with the CSRF token; htmx, when loaded,
swaps the answer into the card instead of loading a page). The view runs
`sync.operations.preview(workspace, sync_type)` — what a run would consider now, planned as
create / update / void / unchanged / skip / fail with the reason, nothing written to either side —
and answers with `_preview_result.html` (the table of counts and records) for htmx, or the full
page `preview.html` otherwise. A sync type whose handler has no `preview` method gets a plain
"Preview isn't available" message, never an error. Only admins see the button; the view enforces
it (a member's POST is a 403).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from simplecommercesync.accounts.models import User
from simplecommercesync.accounts.roles import admin_required
from simplecommercesync.sync import operations
from simplecommercesync.sync.catalogue import SYNC_TYPES


@require_POST
@admin_required
def preview(request: HttpRequest, sync_type: str) -> HttpResponse:
    if sync_type not in SYNC_TYPES:
        raise Http404("No such sync type.")
    assert isinstance(request.user, User)
    result = operations.preview(request.user.workspace_id, sync_type)
    context = {"result": result, "sync_type": sync_type, "tab": sync_type, "is_admin": True}
    if request.headers.get("HX-Request") == "true":
        return render(request, "sync_settings/_preview_result.html", context)
    return render(request, "sync_settings/preview.html", context)
