"""A changed line item re-syncs its invoice through the database, not through a task: the webhook
stores a LineItemChange row, and the invoices drain resolves such rows in associations batches."""

from __future__ import annotations

import pytest

from simplecommercesync.sync.engine.models import RecordStatus, SyncAttempt
from simplecommercesync.sync.types.invoices.models import LineItemChange
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    money,
    wait_for,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def association_reads(world: World) -> int:
    by_route = world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"]
    return sum(by_route.get("POST /crm/v4/associations/line_items/invoices/batch/read", {}).values())


def test_a_line_item_change_is_stored_and_the_next_drain_updates_its_invoice(world: World) -> None:
    sku = f"LI-{world.tag}"
    world.item(sku, "12.00")
    contact = world.contact(f"li.{world.tag}@example.com", "Line", f"Item{world.tag}")
    invoices = [world.invoice(contact, [(sku, "1", "12.00")]) for _ in range(3)]
    world.queue(*invoices)
    world.drain()
    assert all(world.record(i).status == RecordStatus.SUCCESS for i in invoices)
    line_ids = [world.hs("GET", f"/crm/v4/objects/invoices/{i}/associations/line_items")["results"][0]["toObjectId"]
                for i in invoices]

    reads_before = association_reads(world)
    for line_id in line_ids[:2]:  # two line items of two invoices change in HubSpot
        world.hs("PATCH", f"/crm/v3/objects/line_items/{line_id}", {"properties": {"quantity": "5"}})
    # The webhook only stored the changes (no task, no HubSpot call): a worker killed now loses nothing.
    wait_for(lambda: LineItemChange.objects.filter(workspace_id=world.workspace_id).count() == 2)
    assert association_reads(world) == reads_before

    world.drain()
    assert association_reads(world) == reads_before + 1, "both line items resolved in one batch call"
    assert not LineItemChange.objects.filter(workspace_id=world.workspace_id).exists()
    for invoice_id in invoices[:2]:
        record = world.record(invoice_id)
        assert record.status == RecordStatus.SUCCESS
        assert SyncAttempt.objects.filter(record=record).first().action == "updated"  # type: ignore[union-attr]
        written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
        assert money(written["Line"][0]["Amount"]) == money("60.00")
    # Its only write is the first create (an echo check of HubSpot's own calculated changes may have
    # looked at it again, finding nothing to do).
    untouched = SyncAttempt.objects.filter(record=world.record(invoices[2])).exclude(action="unchanged")
    assert [a.action for a in untouched] == ["created"], "the invoice whose lines didn't change was not synced again"


def test_line_item_changes_of_a_previous_portal_are_dropped(world: World) -> None:
    LineItemChange.objects.create(workspace_id=world.workspace_id, hubspot_portal_id="999", line_item_id="1")
    world.drain()
    assert not LineItemChange.objects.filter(workspace_id=world.workspace_id).exists()


def test_the_periodic_sweep_finds_work_whose_wake_up_was_lost(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from simplecommercesync.sync.engine.models import SyncRecord
    from simplecommercesync.sync.engine.queue import due_drains

    now = timezone.now()
    world.queue("1", "2")
    SyncRecord.objects.filter(source_id="1").update(status=RecordStatus.PROCESSING, claimed_until=now - timedelta(1))
    SyncRecord.objects.filter(source_id="2").update(next_attempt_at=now + timedelta(minutes=5))
    assert due_drains(now) == [(world.workspace_id, "invoices")], "the dead worker's record"
    SyncRecord.objects.filter(source_id="1").update(claimed_until=now + timedelta(minutes=1))
    assert due_drains(now) == [], "a live lease and a backoff are left alone"
