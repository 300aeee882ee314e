"""Settings → Sync → Payments. Anyone in the workspace reads it; only an admin saves it, enforced
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
from simplecommercesync.connections.errors import STARTUP_TROUBLE
from simplecommercesync.sync.engine.declaration import SettingsActions
from simplecommercesync.sync.types.payments.models import PAYMENT_STATUSES, PaymentSyncSettings
from simplecommercesync.sync.types.payments.settings import save_payment_settings

PAYMENT_STATUS_LABELS = {"processing": "Processing", "succeeded": "Succeeded (recommended)", "refunded": "Refunded"}


class PaymentSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label="Enable Payment Sync",
        required=False,
        help_text="Payments recorded in HubSpot are written to QuickBooks and applied to their synced invoice. "
        "Turning it on also starts a full sync of the payments already in HubSpot.",
    )
    status_filter = forms.MultipleChoiceField(
        label="Payment Status Filter",
        required=False,
        choices=[(s, PAYMENT_STATUS_LABELS[s]) for s in PAYMENT_STATUSES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Only HubSpot payments in a checked status sync; failed payments never sync. Recommended: Succeeded.",
    )
    require_invoice = forms.BooleanField(
        label="Require Invoice",
        required=False,
        help_text="A payment syncs only once its invoice has synced, applied to that QuickBooks invoice; until then it "
        "waits (Invoice not synced) and goes by itself. Off: it may be recorded against the customer, unapplied.",
    )
    sync_refunds = forms.BooleanField(
        label="Sync Refunds",
        required=False,
        help_text="A refund in HubSpot becomes a QuickBooks refund receipt for the payment's customer, and the "
        "invoice opens again by the refunded amount, as in HubSpot.",
    )


def _initial(current: PaymentSyncSettings) -> dict[str, Any]:
    return {"enabled": current.enabled, "status_filter": list(current.status_filter),
            "require_invoice": current.require_invoice, "sync_refunds": current.sync_refunds}


@login_required
def payments(request: HttpRequest, actions: SettingsActions) -> HttpResponse:
    user = user_of(request)
    current = PaymentSyncSettings.objects.filter(workspace_id=user.workspace_id).first() or PaymentSyncSettings()
    if request.method != "POST":
        return _page(request, PaymentSettingsForm(initial=_initial(current)), current)
    require_admin(request)
    form = PaymentSettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, form, current, status=400)
    try:
        saved = save_payment_settings(user.workspace_id, user, **form.cleaned_data)
        result = actions.settle(user.workspace_id, "payments", saved)
    except STARTUP_TROUBLE as trouble:
        say(request, "warning", f"Configuration saved. The first full sync couldn't start: {trouble}")
    else:
        say(request, result.level, result.message)
    return redirect("sync_settings:payments")


def _page(request: HttpRequest, form: PaymentSettingsForm, current: PaymentSyncSettings,
          status: int = 200) -> HttpResponse:
    return render(request, "sync_settings/payments.html", {"tab": "payments", "form": form, "current": current},
                  status=status)


def settings_pages(actions: SettingsActions) -> list[URLPattern]:
    return [path("settings/sync/payments/", partial(payments, actions=actions), name="payments")]
