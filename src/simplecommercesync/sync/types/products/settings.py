"""What Settings → Sync → Products does: save the settings, manage mappings, start a full sync
(through the actions the page was given: types can't reach the operations), and read the choices
its pickers offer (HubSpot product properties, QuickBooks income accounts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from simplecommercesync.accounts.models import User, Workspace
from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.providers.http.errors import ProviderError
from simplecommercesync.sync.engine.declaration import SettingsActions
from simplecommercesync.sync.engine.drain import build_context
from simplecommercesync.sync.engine.models import SyncDirection
from simplecommercesync.sync.engine.outcomes import OperationResult
from simplecommercesync.sync.types.products.fields import QUICKBOOKS_ITEM_FIELDS, RESERVED_HUBSPOT_PROPERTIES
from simplecommercesync.sync.types.products.models import (
    ProductFieldMapping,
    ProductSyncSettings,
    ProductTransform,
)
from simplecommercesync.sync.types.products.sync import default_income_account


def _workspace_id(workspace: Workspace | int) -> int:
    return workspace if isinstance(workspace, int) else workspace.pk


def save_product_settings(workspace: Workspace | int, by_user: User | None = None, *, enabled: bool,
                          direction: str, income_account_id: str = "") -> OperationResult:
    workspace_id = _workspace_id(workspace)
    if direction not in SyncDirection.values:
        return OperationResult("error", "Choose a Sync Direction: HubSpot to QuickBooks or QuickBooks to HubSpot.")
    settings, _ = ProductSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    was = (settings.enabled, settings.direction)
    settings.enabled, settings.direction, settings.income_account_id = enabled, direction, income_account_id
    settings.updated_at, settings.updated_by = timezone.now(), by_user
    settings.save()
    if enabled and was != (True, direction):
        return OperationResult("success", "Configuration saved. Press Start Full Sync to sync the whole catalog "
                                          "now; from here on, product changes sync by themselves.")
    return OperationResult("success", "Configuration saved.")


def add_mapping(workspace: Workspace | int, hubspot_property: str, quickbooks_field: str,
                transform: str) -> OperationResult:
    if quickbooks_field not in QUICKBOOKS_ITEM_FIELDS:
        return OperationResult("error", "Choose one of the QuickBooks item fields offered.")
    if transform not in ProductTransform.values:
        return OperationResult("error", "Choose a transform: Direct, Uppercase, Lowercase or Currency.")
    if not hubspot_property or hubspot_property in RESERVED_HUBSPOT_PROPERTIES:
        return OperationResult("error", "Choose a HubSpot product property other than the default mappings' own.")
    try:
        ProductFieldMapping.objects.create(workspace_id=_workspace_id(workspace), hubspot_property=hubspot_property,
                                           quickbooks_field=quickbooks_field, transform=transform)
    except IntegrityError:
        return OperationResult("error", f"{QUICKBOOKS_ITEM_FIELDS[quickbooks_field]} is already mapped: delete "
                                        "that mapping first.")
    label = dict(ProductTransform.choices)[transform]
    return OperationResult("success", f"Mapping added: {hubspot_property} ↔ {QUICKBOOKS_ITEM_FIELDS[quickbooks_field]} "
                                      f"({label}).")


def delete_mapping(workspace: Workspace | int, mapping_id: int) -> OperationResult:
    deleted, _ = ProductFieldMapping.objects.filter(workspace_id=_workspace_id(workspace), pk=mapping_id).delete()
    return OperationResult("success", "Mapping deleted.") if deleted else OperationResult("error", "No such mapping.")


def start_full_sync(workspace: Workspace | int, actions: SettingsActions) -> OperationResult:
    workspace_id = _workspace_id(workspace)
    settings = ProductSyncSettings.objects.filter(workspace_id=workspace_id).first()
    if settings is None or not settings.enabled:
        return OperationResult("error", "Turn on Enable Product Sync and press Save Configuration first.")
    result = actions.sync_now(workspace_id, "products", full=True)
    return OperationResult(result.level, result.message.replace("Sync started", "Full sync started"))


@dataclass
class ProductChoices:
    """What the pickers offer; `trouble` says why a list is empty (not connected, provider down)."""

    hubspot_properties: list[tuple[str, str]]
    income_accounts: list[tuple[str, str]]
    default_income_account: str = ""
    trouble: str = ""


def product_choices(workspace: Workspace | int) -> ProductChoices:
    """Live from both sides: HubSpot's product properties (custom ones included, through the
    Properties API) and QuickBooks' Income accounts. Read on page load; both are short lists."""
    workspace_id = _workspace_id(workspace)
    reason = SyncGate.closed_because(workspace_id)
    if reason is not None:
        return ProductChoices([], [], trouble=f"Connect HubSpot and QuickBooks to choose fields and accounts ({reason}).")
    try:
        context = build_context(workspace_id, "products")
    except ProviderError as exc:  # ConnectionUnavailable, Unauthorized
        return ProductChoices([], [], trouble=f"Connect HubSpot and QuickBooks to choose fields and accounts ({exc}).")
    try:
        properties = sorted(
            ((str(p["name"]), f"{p.get('label') or p['name']} ({p['name']})") for p in context.hubspot.properties("products")
             if p.get("name") not in RESERVED_HUBSPOT_PROPERTIES and not p.get("calculated")
             and not (p.get("modificationMetadata") or {}).get("readOnlyValue")),
            key=lambda pair: pair[1].lower())
        accounts = [(str(a["Id"]), str(a.get("Name") or a["Id"])) for a in
                    context.quickbooks.query("Account", "AccountType = 'Income' AND Active = true")]
        default = default_income_account(context) or ""
    except ProviderError as exc:
        return ProductChoices([], [], trouble=f"Couldn't read the choices: {exc.message} Reload the page to try again.")
    finally:
        context.close()
    return ProductChoices(properties, accounts, default)
