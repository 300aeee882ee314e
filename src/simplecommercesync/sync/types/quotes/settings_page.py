"""Settings → Sync → Quotes. Anyone in the workspace reads it; only an admin saves it, enforced
here (a member's POST is a 403), not only by hiding the button."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from simplecommercesync.accounts.requests import require_admin, say, user_of
from simplecommercesync.sync.engine.declaration import SettingsActions
from simplecommercesync.sync.types.quotes.models import (
    QUOTE_STATUSES,
    QuoteDirection,
    QuoteSyncSettings,
    default_quote_statuses,
)
from simplecommercesync.sync.types.quotes.settings import save_quote_settings

RECOMMENDED = set(default_quote_statuses())
QUOTE_STATUS_LABELS = {
    "DRAFT": "Draft", "PENDING_APPROVAL": "Pending Approval", "REJECTED": "Rejected", "APPROVED": "Approved",
    "APPROVAL_NOT_NEEDED": "Approval Not Needed", "ACCEPTED": "Accepted",
}


class QuoteSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label="Enable Quote Sync", required=False,
        help_text="HubSpot quotes and QuickBooks estimates are kept in step within seconds of a change.",
    )
    direction = forms.ChoiceField(
        label="Sync Direction", choices=QuoteDirection.choices, widget=forms.RadioSelect,
        help_text="Bidirectional: a change on either side is written to the other; when both sides changed "
        "between two syncs, the most recent change wins and the record's history notes the overwritten one.",
    )
    status_filter = forms.MultipleChoiceField(
        label="Sync Statuses", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(s, QUOTE_STATUS_LABELS[s] + (" (recommended)" if s in RECOMMENDED else "")) for s in QUOTE_STATUSES],
        help_text="Only quotes in a checked HubSpot status sync, whichever side changed. Recommended: Approved, "
        "Approval Not Needed and Accepted.",
    )
    sync_void_status = forms.BooleanField(
        label="Sync Void Status", required=False,
        help_text="A voided (deleted) HubSpot quote closes its QuickBooks estimate, and an estimate closed "
        "without an invoice voids the quote.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") and not data.get("status_filter"):
            self.add_error("status_filter", "Check at least one quote status to sync (recommended: Approved, "
                                            "Approval Not Needed and Accepted), or turn Quote Sync off.")
        return data


def _initial(current: QuoteSyncSettings) -> dict[str, Any]:
    return {"enabled": current.enabled, "direction": current.direction, "status_filter": list(current.status_filter),
            "sync_void_status": current.sync_void_status}


@login_required
def quotes(request: HttpRequest, actions: SettingsActions) -> HttpResponse:
    user = user_of(request)
    current = QuoteSyncSettings.objects.filter(workspace_id=user.workspace_id).first() or QuoteSyncSettings()
    if request.method != "POST":
        return _page(request, QuoteSettingsForm(initial=_initial(current)), current)
    require_admin(request)
    form = QuoteSettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, form, current, status=400)
    saved = save_quote_settings(user.workspace_id, user, **form.cleaned_data)
    result = actions.settle(user.workspace_id, "quotes", saved)
    say(request, result.level, result.message)
    return redirect("sync_settings:quotes")


def _page(request: HttpRequest, form: QuoteSettingsForm, current: QuoteSyncSettings, status: int = 200) -> HttpResponse:
    return render(request, "sync_settings/quotes.html", {"tab": "quotes", "form": form, "current": current},
                  status=status)


def settings_pages(actions: SettingsActions) -> list[URLPattern]:
    return [path("settings/sync/quotes/", partial(quotes, actions=actions), name="quotes")]
