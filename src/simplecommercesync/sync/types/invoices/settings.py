"""Save Configuration on Settings → Sync → Invoices, for the tab, the CLI and the tests alike.
Turning the sync on asks for a full sync; the caller starts it (types can't reach the operations)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.outcomes import OperationResult, Saved
from simplecommercesync.sync.types.invoices.models import INVOICE_STATUSES, InvoiceSyncSettings


def save_invoice_settings(workspace_id: int, by_user: User | None = None, **fields: Any) -> Saved:
    settings, _ = InvoiceSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    was_enabled = settings.enabled
    statuses = fields.get("status_filter")
    if statuses is not None:
        unknown = set(statuses) - set(INVOICE_STATUSES)
        if unknown:
            return Saved(OperationResult("error", f"Unknown invoice statuses: {', '.join(sorted(unknown))}."))
    for name in ("enabled", "direction", "status_filter", "skip_integration_source", "sync_void_status"):
        if name in fields:
            setattr(settings, name, fields[name])
    settings.updated_at, settings.updated_by = timezone.now(), by_user
    settings.save()
    # QuickBooks → HubSpot starts from changes (webhooks, CDC), never by listing HubSpot's invoices.
    start = settings.enabled and not was_enabled and settings.direction == "hubspot_to_quickbooks"
    return Saved(OperationResult("success", "Configuration saved."), start_full_sync=start)
