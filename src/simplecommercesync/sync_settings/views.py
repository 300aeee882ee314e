"""Settings → Sync itself (its address opens the Invoices tab) and its Tax tab: tax is not a sync
type, its settings apply to invoices and quotes alike. Anyone in the workspace reads it; only an
admin writes, and that is enforced here (a member's POST is a 403), not only by hiding buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from simplecommercesync.accounts.requests import require_admin, say, user_of
from simplecommercesync.accounts.roles import admin_required
from simplecommercesync.connections.errors import STARTUP_TROUBLE
from simplecommercesync.sync import operations
from simplecommercesync.sync.models import TaxMapping, TaxSettings
from simplecommercesync.sync_settings.accounts_in_use import accounts_in_use
from simplecommercesync.sync_settings.forms import TaxMappingForm, TaxSettingsForm
from simplecommercesync.sync_settings.tax_choices import TaxChoices, code_label, rate_label, tax_choices


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("sync_settings:invoices")


# -- Tax --------------------------------------------------------------------------------------


def _tax_settings(workspace_id: int) -> TaxSettings:
    return TaxSettings.objects.filter(workspace_id=workspace_id).first() or TaxSettings(workspace_id=workspace_id)


def _tax_context(request: HttpRequest) -> tuple[int, TaxChoices, TaxSettings]:
    workspace_id = user_of(request).workspace_id
    choices = tax_choices(workspace_id, accounts_in_use(workspace_id))
    return workspace_id, choices, _tax_settings(workspace_id)


@login_required
def tax(request: HttpRequest) -> HttpResponse:
    workspace_id, choices, current = _tax_context(request)
    if request.method != "POST":
        return _tax_page(request, choices, current)
    require_admin(request)
    form = TaxSettingsForm(choices, request.POST)
    if not form.is_valid():
        return _tax_page(request, choices, current, settings_form=form, status=400)
    current.mapping_enabled = form.cleaned_data["mapping_enabled"]
    current.unmapped_behavior = form.cleaned_data["unmapped_behavior"]
    current.default_tax_code_id = form.cleaned_data["default_tax_code_id"] or ""
    current.reverse_unmapped_behavior = form.cleaned_data["reverse_unmapped_behavior"]
    current.updated_at = timezone.now()
    current.save()
    messages.success(request, "Configuration saved.")
    return redirect("sync_settings:tax")


def _tax_page(
    request: HttpRequest,
    choices: TaxChoices,
    current: TaxSettings,
    *,
    settings_form: TaxSettingsForm | None = None,
    mapping_form: TaxMappingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace_id = current.workspace_id
    if settings_form is None:
        behavior = current.unmapped_behavior
        settings_form = TaxSettingsForm(choices, initial={
            "mapping_enabled": current.mapping_enabled,
            # A saved behavior this company can't use is not preselected; the page says why.
            "unmapped_behavior": behavior if behavior not in choices.hidden_behaviors else None,
            "default_tax_code_id": current.default_tax_code_id,
            "reverse_unmapped_behavior": current.reverse_unmapped_behavior,
        })
    if mapping_form is None:
        mapping_form = TaxMappingForm(choices, workspace_id, initial={"active": True})
    accounts = choices.accounts
    mappings = list(
        TaxMapping.objects.filter(
            workspace_id=workspace_id, hubspot_portal_id=accounts.portal_id, quickbooks_realm_id=accounts.realm_id
        ).order_by("hubspot_tax_rate_id")
    ) if accounts.known else []
    other_pairs = TaxMapping.objects.filter(workspace_id=workspace_id).count() - len(mappings)
    rates, codes = choices.rates_by_id, choices.codes_by_id
    rows = [
        {
            "mapping": m,
            "rate": rate_label(rates[m.hubspot_tax_rate_id]) if m.hubspot_tax_rate_id in rates
            else f"Tax rate {m.hubspot_tax_rate_id} (not in HubSpot any more — press Refresh Cache)",
            "code": code_label(codes[m.quickbooks_tax_code_id]) if m.quickbooks_tax_code_id in codes
            else f"Tax code {m.quickbooks_tax_code_id} (not in QuickBooks any more — press Refresh Cache)",
        }
        for m in mappings
    ]
    context = {
        "tab": "tax",
        "current": current,
        "choices": choices,
        "settings_form": settings_form,
        "mapping_form": mapping_form,
        "rows": rows,
        "other_pairs": other_pairs,
        "saved_behavior_hidden": current.unmapped_behavior in choices.hidden_behaviors,
        "saved_behavior_label": current.get_unmapped_behavior_display(),
    }
    return render(request, "sync_settings/tax.html", context, status=status)


@admin_required
@require_POST
def tax_refresh(request: HttpRequest) -> HttpResponse:
    try:
        result = operations.refresh_tax_cache(user_of(request).workspace_id)
    except STARTUP_TROUBLE as trouble:
        messages.warning(request, f"Refresh Cache didn't finish: {trouble} Press Refresh Cache to try again.")
    else:
        say(request, result.level, result.message)
    return redirect("sync_settings:tax")


@admin_required
@require_POST
def mapping_add(request: HttpRequest) -> HttpResponse:
    workspace_id, choices, current = _tax_context(request)
    if not choices.accounts.known:
        messages.warning(request, "Connect HubSpot and QuickBooks first: mappings belong to a portal and a company.")
        return redirect("sync_settings:tax")
    form = TaxMappingForm(choices, workspace_id, request.POST)
    if not form.is_valid():
        return _tax_page(request, choices, current, mapping_form=form, status=400)
    mapping = TaxMapping.objects.create(
        workspace_id=workspace_id,
        hubspot_portal_id=choices.accounts.portal_id,
        quickbooks_realm_id=choices.accounts.realm_id,
        hubspot_tax_rate_id=form.cleaned_data["hubspot_tax_rate_id"],
        quickbooks_tax_code_id=form.cleaned_data["quickbooks_tax_code_id"],
        active=form.cleaned_data["active"],
    )
    messages.success(request, f"Tax mapping added: {_describe(choices, mapping)}.")
    return redirect("sync_settings:tax")


@admin_required
def mapping_edit(request: HttpRequest, mapping_id: int) -> HttpResponse:
    workspace_id, choices, _ = _tax_context(request)
    mapping = get_object_or_404(TaxMapping, pk=mapping_id, workspace_id=workspace_id)
    if request.method == "POST":
        form = TaxMappingForm(choices, workspace_id, request.POST, editing=mapping)
        if form.is_valid():
            mapping.hubspot_tax_rate_id = form.cleaned_data["hubspot_tax_rate_id"]
            mapping.quickbooks_tax_code_id = form.cleaned_data["quickbooks_tax_code_id"]
            mapping.active = form.cleaned_data["active"]
            mapping.save()
            messages.success(request, f"Tax mapping saved: {_describe(choices, mapping)}.")
            return redirect("sync_settings:tax")
        status = 400
    else:
        form = TaxMappingForm(choices, workspace_id, editing=mapping, initial={
            "hubspot_tax_rate_id": mapping.hubspot_tax_rate_id,
            "quickbooks_tax_code_id": mapping.quickbooks_tax_code_id,
            "active": mapping.active,
        })
        status = 200
    return render(request, "sync_settings/mapping_edit.html",
                  {"tab": "tax", "form": form, "mapping": mapping}, status=status)


@admin_required
@require_POST
def mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    workspace_id, choices, _ = _tax_context(request)
    mapping = get_object_or_404(TaxMapping, pk=mapping_id, workspace_id=workspace_id)
    described = _describe(choices, mapping)
    mapping.delete()
    messages.success(request, f"Tax mapping deleted: {described}.")
    return redirect("sync_settings:tax")


def _describe(choices: TaxChoices, mapping: TaxMapping) -> str:
    rate = choices.rates_by_id.get(mapping.hubspot_tax_rate_id)
    code = choices.codes_by_id.get(mapping.quickbooks_tax_code_id)
    return (f"{rate_label(rate) if rate else mapping.hubspot_tax_rate_id} → "
            f"{code_label(code) if code else mapping.quickbooks_tax_code_id}")
