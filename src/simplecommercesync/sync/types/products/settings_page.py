"""Settings → Sync → Products: Enable Product Sync, Sync Direction, the income account for new
QuickBooks items, Manage Mappings, and Start Full Sync with a live progress bar (htmx polls the
progress fragment every second until the full sync is done). Anyone in the workspace reads it;
only an admin changes anything, enforced here (a member's POST is a 403)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from simplecommercesync.accounts.requests import require_admin, say, user_of
from simplecommercesync.accounts.roles import admin_required
from simplecommercesync.connections.gate import SyncsPaused
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.engine.declaration import SettingsActions
from simplecommercesync.sync.engine.models import SyncDirection
from simplecommercesync.sync.engine.outcomes import OperationResult
from simplecommercesync.sync.types.products.catalog import full_sync_progress
from simplecommercesync.sync.types.products.fields import DEFAULT_MAPPINGS, QUICKBOOKS_ITEM_FIELDS
from simplecommercesync.sync.types.products.models import (
    ProductFieldMapping,
    ProductSyncSettings,
    ProductTransform,
)
from simplecommercesync.sync.types.products.settings import (
    ProductChoices,
    add_mapping,
    delete_mapping,
    product_choices,
    save_product_settings,
    start_full_sync,
)

DIRECTION_HELP = {
    SyncDirection.HUBSPOT_TO_QUICKBOOKS: "HubSpot is the source of truth: product changes in HubSpot update "
    "QuickBooks items; changes made to items in QuickBooks are not copied back.",
    SyncDirection.QUICKBOOKS_TO_HUBSPOT: "QuickBooks is the source of truth: item changes in QuickBooks update "
    "HubSpot products; changes made to products in HubSpot are not copied back.",
}


class ProductSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label="Enable Product Sync", required=False,
        help_text="Products created or changed on the source side are written to the other side within a minute, "
        "matched by SKU (exact, including upper and lower case).")
    direction = forms.ChoiceField(label="Sync Direction", choices=SyncDirection.choices, widget=forms.RadioSelect)
    income_account_id = forms.ChoiceField(
        label="Income Account", required=False,
        help_text="The QuickBooks income account of the items the sync creates (QuickBooks requires one).")

    def __init__(self, accounts: list[tuple[str, str]], default_label: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.fields["income_account_id"]
        assert isinstance(account, forms.ChoiceField)
        account.choices = [("", f"Default: {default_label}"), *accounts]


class MappingForm(forms.Form):
    hubspot_property = forms.ChoiceField(label="HubSpot product property")
    quickbooks_field = forms.ChoiceField(label="QuickBooks item field", choices=list(QUICKBOOKS_ITEM_FIELDS.items()))
    transform = forms.ChoiceField(label="Transform", choices=ProductTransform.choices)

    def __init__(self, properties: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["hubspot_property"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— choose a HubSpot property —"), *properties]


@login_required
def products(request: HttpRequest) -> HttpResponse:
    workspace_id = user_of(request).workspace_id
    if request.method == "POST":
        # Before anything reads the providers: a member's POST calls neither HubSpot nor QuickBooks.
        require_admin(request)
    current = ProductSyncSettings.objects.filter(workspace_id=workspace_id).first() or ProductSyncSettings()
    choices = product_choices(workspace_id)
    accounts = dict(choices.income_accounts)
    default_label = accounts.get(choices.default_income_account, "the company's product income account")
    if request.method == "POST":
        form = ProductSettingsForm(choices.income_accounts, default_label, request.POST)
        if form.is_valid():
            result = save_product_settings(workspace_id, user_of(request), **form.cleaned_data)
            say(request, result.level, result.message)
            return redirect("sync_settings:products")
        return _page(request, current, choices, form, status=400)
    form = ProductSettingsForm(choices.income_accounts, default_label, initial={
        "enabled": current.enabled, "direction": current.direction, "income_account_id": current.income_account_id})
    return _page(request, current, choices, form)


def _page(request: HttpRequest, current: ProductSyncSettings, choices: ProductChoices,
          form: ProductSettingsForm, *, mapping_form: MappingForm | None = None, status: int = 200) -> HttpResponse:
    workspace_id = user_of(request).workspace_id
    context = {
        "tab": "products",
        "form": form,
        "current": current,
        "direction_help": DIRECTION_HELP,
        "choices": choices,
        "defaults": DEFAULT_MAPPINGS,
        "item_fields": QUICKBOOKS_ITEM_FIELDS,
        "mappings": ProductFieldMapping.objects.filter(workspace_id=workspace_id),
        "mapping_form": mapping_form or MappingForm(choices.hubspot_properties),
        "progress": full_sync_progress(workspace_id),
    }
    return render(request, "sync_settings/products.html", context, status=status)


@admin_required
@require_POST
def mapping_add(request: HttpRequest) -> HttpResponse:
    workspace_id = user_of(request).workspace_id
    choices = product_choices(workspace_id)
    form = MappingForm(choices.hubspot_properties, request.POST)
    if not form.is_valid():
        messages.warning(request, "Choose a HubSpot property, a QuickBooks item field and a transform, then press "
                                  "Add Mapping.")
        return redirect("sync_settings:products")
    result = add_mapping(workspace_id, **form.cleaned_data)
    say(request, result.level, result.message)
    return redirect("sync_settings:products")


@admin_required
@require_POST
def mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    result = delete_mapping(user_of(request).workspace_id, mapping_id)
    say(request, result.level, result.message)
    return redirect("sync_settings:products")


@admin_required
@require_POST
def full_sync(request: HttpRequest, actions: SettingsActions) -> HttpResponse:
    workspace_id = user_of(request).workspace_id
    try:
        result = start_full_sync(workspace_id, actions)
    except (ProviderError, SyncsPaused) as trouble:
        result = OperationResult(
            "error", f"The full sync couldn't start: {trouble} Press Start Full Sync to try again.")
    if request.headers.get("HX-Request"):
        return _progress(request, result.message, result.level)
    say(request, result.level, result.message)
    return redirect("sync_settings:products")


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    return _progress(request)


def _progress(request: HttpRequest, message: str = "", level: str = "") -> HttpResponse:
    return render(request, "sync_settings/_product_progress.html", {
        "progress": full_sync_progress(user_of(request).workspace_id), "message": message, "level": level})


def settings_pages(actions: SettingsActions) -> list[URLPattern]:
    return [
        path("settings/sync/products/", products, name="products"),
        path("settings/sync/products/mappings/", mapping_add, name="products_mapping_add"),
        path("settings/sync/products/mappings/<int:mapping_id>/delete/", mapping_delete,
             name="products_mapping_delete"),
        path("settings/sync/products/full-sync/", partial(full_sync, actions=actions), name="products_full_sync"),
        path("settings/sync/products/full-sync/progress/", progress, name="products_progress"),
    ]
