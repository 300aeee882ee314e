"""Save Configuration on Settings → Sync → Payments, for the tab, the CLI and the tests alike.
Turning the sync on asks for a full sync; the caller starts it (types can't reach the operations)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.outcomes import OperationResult, Saved
from simplecommercesync.sync.types.payments.models import PAYMENT_STATUSES, PaymentSyncSettings


def save_payment_settings(workspace_id: int, by_user: User | None = None, **fields: Any) -> Saved:
    settings, _ = PaymentSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    was_enabled = settings.enabled
    statuses = fields.get("status_filter")
    if statuses is not None:
        unknown = set(statuses) - set(PAYMENT_STATUSES)
        if unknown:
            return Saved(OperationResult("error", f"Unknown payment statuses: {', '.join(sorted(unknown))}."))
    for name in ("enabled", "status_filter", "require_invoice", "sync_refunds"):
        if name in fields:
            setattr(settings, name, fields[name])
    settings.updated_at, settings.updated_by = timezone.now(), by_user
    settings.save()
    return Saved(OperationResult("success", "Configuration saved."),
                 start_full_sync=settings.enabled and not was_enabled)
