"""Settings → Sync → Invoices. Anyone in the workspace reads it; only an admin saves it, and that is
enforced here (a member's POST is a 403), not only by hiding buttons."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from simplecommercesync.accounts.requests import require_admin, say, user_of
from simplecommercesync.connections.errors import STARTUP_TROUBLE
from simplecommercesync.sync.engine.declaration import SettingsActions
from simplecommercesync.sync.engine.models import SyncDirection
from simplecommercesync.sync.types.invoices.models import INVOICE_STATUSES, InvoiceSyncSettings
from simplecommercesync.sync.types.invoices.settings import save_invoice_settings

INVOICE_STATUS_LABELS = {"draft": "Draft", "open": "Open", "paid": "Paid", "voided": "Voided"}
# Shown under Sync Direction: one direction at a time, and what switching does.
DIRECTION_HELP = (
    "One direction at a time. QuickBooks to HubSpot: QuickBooks invoices become HubSpot invoices (contact by "
    "email, lines by SKU). Switching never changes invoices that already synced."
)


class InvoiceSettingsForm(forms.Form):
    """Says exactly what to change when it refuses a value."""

    enabled = forms.BooleanField(
        label="Enable Invoice Sync",
        required=False,
        help_text="Invoices created or changed in HubSpot are written to QuickBooks within seconds. "
        "Turning it on also starts a full sync of the invoices already in HubSpot.",
    )
    direction = forms.ChoiceField(label="Sync Direction", choices=SyncDirection.choices)
    status_filter = forms.MultipleChoiceField(
        label="Invoice Status Filter",
        required=False,
        choices=[(s, INVOICE_STATUS_LABELS[s]) for s in INVOICE_STATUSES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Only HubSpot invoices in a checked status sync. Recommended: Open and Paid.",
    )
    skip_integration_source = forms.BooleanField(
        label="Skip Integration Source",
        required=False,
        help_text="Ignore invoices that an integration created in HubSpot — including SimpleCommerceSync's "
        "own writes — so nothing syncs in a loop. Turn it off only if another app creates invoices in "
        "HubSpot that should also reach QuickBooks.",
    )
    sync_void_status = forms.BooleanField(
        label="Sync Void Status",
        required=False,
        help_text="Voiding an invoice in HubSpot voids its QuickBooks invoice.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") and not data.get("status_filter"):
            self.add_error(
                "status_filter",
                "Check at least one invoice status to sync (recommended: Open and Paid), or turn Invoice Sync off.",
            )
        return data


@login_required
def invoices(request: HttpRequest, actions: SettingsActions) -> HttpResponse:
    workspace_id = user_of(request).workspace_id
    current = InvoiceSyncSettings.objects.filter(workspace_id=workspace_id).first() or InvoiceSyncSettings()
    if request.method != "POST":
        form = InvoiceSettingsForm(initial=_invoice_initial(current))
        return _invoices_page(request, form, current)
    require_admin(request)
    form = InvoiceSettingsForm(request.POST)
    if not form.is_valid():
        return _invoices_page(request, form, current, status=400)
    try:
        saved = save_invoice_settings(workspace_id, user_of(request), **form.cleaned_data)
        result = actions.settle(workspace_id, "invoices", saved)
    except STARTUP_TROUBLE as trouble:
        say(request, "warning", f"Configuration saved. The first full sync couldn't start: {trouble}")
    else:
        say(request, result.level, result.message)
    return redirect("sync_settings:invoices")


def _invoice_initial(current: InvoiceSyncSettings) -> dict[str, Any]:
    return {
        "enabled": current.enabled,
        "direction": current.direction,
        "status_filter": list(current.status_filter),
        "skip_integration_source": current.skip_integration_source,
        "sync_void_status": current.sync_void_status,
    }


def _invoices_page(
    request: HttpRequest, form: InvoiceSettingsForm, current: InvoiceSyncSettings, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "sync_settings/invoices.html",
        {"tab": "invoices", "form": form, "current": current, "direction_help": DIRECTION_HELP},
        status=status,
    )


def settings_pages(actions: SettingsActions) -> list[URLPattern]:
    return [path("settings/sync/invoices/", partial(invoices, actions=actions), name="invoices")]
