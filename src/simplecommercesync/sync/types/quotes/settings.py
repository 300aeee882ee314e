"""Save Configuration on Settings → Sync → Quotes. Turning the sync on asks for a full sync, which
brings over what already exists, not only later changes; the caller starts it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.engine.outcomes import OperationResult, Saved
from simplecommercesync.sync.types.quotes.models import QuoteSyncSettings


def save_quote_settings(workspace_id: int, by_user: User | None = None, **fields: Any) -> Saved:
    saved, _ = QuoteSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    was_on = saved.enabled
    for name, value in fields.items():
        setattr(saved, name, value)
    saved.updated_at, saved.updated_by = timezone.now(), by_user
    saved.save()
    return Saved(OperationResult("success", "Configuration saved."), start_full_sync=saved.enabled and not was_on)
