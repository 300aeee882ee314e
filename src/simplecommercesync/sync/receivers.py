"""How the engine answers the connections signals."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from simplecommercesync.connections.gate import SyncGate
from simplecommercesync.connections.signals import account_switched, connection_healthy
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import TaxMapping
from simplecommercesync.sync.tasks import catch_up_task, wake
from simplecommercesync.sync.types.invoices.line_items import workspaces_with_line_item_changes
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

logger = logging.getLogger(__name__)


@receiver(connection_healthy)
def release_held_work(sender: Any, workspace_id: int, provider: str, **kwargs: Any) -> None:
    """Held records go again, and a catch-up poll finds what changed while we were away."""
    SyncRecord.objects.filter(
        workspace_id=workspace_id, status=RecordStatus.PENDING, error_kind=errors.UNAUTHORIZED.key
    ).update(error_kind="", error_message="", error_fix="", next_attempt_at=None)
    if not SyncGate.is_open(workspace_id):
        return
    catch_up_task(workspace_id)
    waiting = set(
        SyncRecord.objects.filter(workspace_id=workspace_id, status=RecordStatus.PENDING)
        .values_list("sync_type", flat=True).distinct()
    )
    if workspace_id in workspaces_with_line_item_changes():
        waiting.add("invoices")
    for sync_type in sorted(waiting):
        wake(workspace_id, sync_type, "catch_up")


@receiver(account_switched)
def settings_to_review(
    sender: Any, workspace_id: int, provider: str, old_account_id: str = "", new_account_id: str = "", **kwargs: Any
) -> list[str]:
    """Settings that belong to the old portal/company; links never carry over (they are keyed by
    portal + realm), so only these need a person's eye."""
    review: list[str] = []
    field = "hubspot_portal_id" if provider == "hubspot" else "quickbooks_realm_id"
    old_mappings = TaxMapping.objects.filter(workspace_id=workspace_id, **{field: old_account_id}).count()
    if old_mappings:
        review.append(f"Tax mappings ({old_mappings}) were made for the previous account: "
                      "map this account's tax rates in Settings → Sync → Tax.")
    settings = InvoiceSyncSettings.objects.filter(workspace_id=workspace_id).first()
    if settings is not None and settings.enabled:
        review.append("Invoice Status Filter and Sync Void Status: check they suit this account "
                      "(Settings → Sync → Invoices).")
    return review
