"""QuickBooks triggers over HTTP: the emulator's signed webhooks in both of Intuit's formats reach
/webhooks/quickbooks/, a bad signature and a replay queue nothing new, CDC catches up after a
disconnect (and falls back to a LastUpdatedTime query past 30 days); and invoices QuickBooks →
HubSpot with a new contact and a missing product."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.providers.quickbooks.webhooks import signature_valid
from simplecommercesync.sync.engine.models import RecordStatus, SyncCursor, SyncDirection, SyncRecord
from simplecommercesync.sync.inbound.models import QuickBooksWebhookEvent
from simplecommercesync.sync.inbound.quickbooks_cdc import CURSOR_NAME, CURSOR_TYPE, poll_workspace_changes
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.quotes.models import QuoteDirection
from tests.product.sync.types.quotes.test_sync_quotes import hs_product, qb_estimate, quotes_on
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    wait_for,
    world_fixture,
)

pytestmark = [pytest.mark.integration]
VERIFIER = "scs-test-quickbooks-verifier"


@pytest.fixture
def qbo_hooks(world: World, settings: Any) -> Any:
    """The QuickBooks emulator's webhooks aimed at the live product, signed with a test verifier."""
    settings.SCS_QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER

    def aim(payload_format: str) -> None:
        answer = world.providers.quickbooks("POST", "/_emulator/webhooks", json={
            "url": f"{world.providers.base_url}/webhooks/quickbooks/", "verifier": VERIFIER, "format": payload_format})
        assert answer.status_code == 200, answer.text

    yield aim
    world.providers.quickbooks("POST", "/_emulator/webhooks", json={"url": ""})


@pytest.mark.parametrize("payload_format", ["cloudevents", "eventNotifications"])
def test_signed_webhooks_in_both_formats_queue_the_estimate(world: World, qbo_hooks: Any, payload_format: str) -> None:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    qbo_hooks(payload_format)
    sku = f"WH-{world.tag}"
    item_id = world.item(sku)
    hs_product(world, sku)
    estimate = qb_estimate(world, world.customer(f"Webb {world.tag}", f"w.{world.tag}@example.com"), item_id)
    wait_for(lambda: SyncRecord.objects.filter(sync_type="quotes", source_id=estimate["Id"]).exists())
    record = SyncRecord.objects.get(sync_type="quotes", source_id=estimate["Id"])
    assert record.source_side == "quickbooks" and record.source_account == world.realm_id
    assert record.requested_by == "webhook"
    world.drain("quotes")
    assert SyncRecord.objects.get(pk=record.pk).status == RecordStatus.SUCCESS


def test_bad_signature_is_refused_and_a_replay_queues_nothing_new(world: World, settings: Any) -> None:
    settings.SCS_QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    from quickbooks_emulator.webhooks import signature  # the emulator signs as Intuit does

    body = (b'[{"specversion": "1.0", "id": "evt-%s", "type": "qbo.estimate.created.v1", "time": '
            b'"2026-02-01T10:00:00.000Z", "intuitentityid": "990001", "intuitaccountid": "%s", "data": {}}]'
            % (world.tag.encode(), world.realm_id.encode()))
    url = f"{world.providers.base_url}/webhooks/quickbooks/"
    forged = httpx.post(url, content=body, headers={"intuit-signature": signature("wrong-verifier", body)})
    assert forged.status_code == 401
    assert httpx.post(url, content=body).status_code == 401
    assert not SyncRecord.objects.filter(source_id="990001").exists()
    assert not signature_valid(VERIFIER, body, signature("wrong-verifier", body))

    started = time.perf_counter()
    good = httpx.post(url, content=body, headers={"intuit-signature": signature(VERIFIER, body)})
    elapsed = time.perf_counter() - started
    assert good.status_code == 200 and elapsed < 1.0
    first = SyncRecord.objects.get(sync_type="quotes", source_id="990001")
    replay = httpx.post(url, content=body, headers={"intuit-signature": signature(VERIFIER, body)})
    assert replay.status_code == 200
    again = SyncRecord.objects.get(sync_type="quotes", source_id="990001")
    assert again.requested_at == first.requested_at  # the redelivery was recognised, not re-queued
    assert QuickBooksWebhookEvent.objects.filter(event_id=f"evt-{world.tag}").count() == 1


def test_cdc_catches_up_after_a_disconnect(world: World) -> None:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    assert poll_workspace_changes(world.workspace_id) == set()  # starts the cursor, no webhooks here
    connection = Connection.objects.get(workspace_id=world.workspace_id, provider="quickbooks")
    Connection.objects.filter(pk=connection.pk).update(status=Status.DISCONNECTED)
    sku = f"CDC-{world.tag}"
    item_id = world.item(sku)
    hs_product(world, sku)
    missed = qb_estimate(world, world.customer(f"Cade {world.tag}", f"c.{world.tag}@example.com"), item_id)
    assert not SyncRecord.objects.filter(sync_type="quotes", source_id=missed["Id"]).exists()
    Connection.objects.filter(pk=connection.pk).update(status=Status.CONNECTED)
    wake = poll_workspace_changes(world.workspace_id, kind="catch_up")
    assert (world.workspace_id, "quotes") in wake
    record = SyncRecord.objects.get(sync_type="quotes", source_id=missed["Id"])
    assert record.requested_by == "catch_up"
    world.drain("quotes")
    assert SyncRecord.objects.get(pk=record.pk).status == RecordStatus.SUCCESS


def test_a_gap_older_than_30_days_falls_back_to_a_last_updated_time_query(world: World) -> None:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    SyncCursor.objects.update_or_create(
        workspace_id=world.workspace_id, sync_type=CURSOR_TYPE, source_account=world.realm_id, name=CURSOR_NAME,
        defaults={"value": timezone.now() - timedelta(days=40)})
    sku = f"OLD-{world.tag}"
    estimate = qb_estimate(world, world.customer(f"Olga {world.tag}", f"o.{world.tag}@example.com"), world.item(sku))
    world.providers.quickbooks("DELETE", "/_emulator/requests")
    poll_workspace_changes(world.workspace_id)
    assert SyncRecord.objects.filter(sync_type="quotes", source_id=estimate["Id"]).exists()
    routes = world.providers.quickbooks("GET", "/_emulator/requests").json()["by_route"]
    assert not any("/cdc" in r for r in routes)  # CDC would refuse a changedSince 40 days back
    cursor = SyncCursor.objects.get(workspace_id=world.workspace_id, sync_type=CURSOR_TYPE, name=CURSOR_NAME)
    assert cursor.value is not None and timezone.now() - cursor.value < timedelta(minutes=1)


def test_quickbooks_invoice_reaches_hubspot_with_a_new_contact_and_fails_on_a_missing_product(world: World) -> None:
    InvoiceSyncSettings.objects.filter(workspace_id=world.workspace_id).update(
        direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT)
    sku, missing = f"INV-{world.tag}", f"GONE-{world.tag}"
    item_id = world.item(sku, "40.00")
    hs_product(world, sku, "40.00")
    email = f"newbie.{world.tag}@example.com"
    customer_id = world.customer(f"Newbie {world.tag}", email)

    def qb_invoice(item: str) -> dict[str, Any]:
        found: dict[str, Any] = world.qb("POST", "invoice", {"CustomerRef": {"value": customer_id}, "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": "80.00",
             "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 2, "UnitPrice": 40}}]})["Invoice"]
        return found

    good, bad = qb_invoice(item_id), qb_invoice(world.item(missing))
    from simplecommercesync.sync.engine.queue import upsert_pending

    upsert_pending(world.workspace_id, "invoices", world.realm_id, [good["Id"], bad["Id"]], requested_by="test",
                   source_side="quickbooks")
    world.drain()
    record = SyncRecord.objects.get(sync_type="invoices", source_side="quickbooks", source_id=good["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    hubspot_id = record.destination_id
    invoice = world.hs("GET", f"/crm/v3/objects/invoices/{hubspot_id}?properties=hs_invoice_status,hs_object_source")
    assert invoice["properties"]["hs_invoice_status"] == "open"
    contacts = world.hs("GET", f"/crm/v4/objects/invoices/{hubspot_id}/associations/contacts")["results"]
    contact = world.hs("GET", f"/crm/v3/objects/contacts/{contacts[0]['toObjectId']}?properties=email,firstname")
    assert contact["properties"]["email"] == email  # created: nobody had this email in HubSpot
    lines = world.hs("GET", f"/crm/v4/objects/invoices/{hubspot_id}/associations/line_items")["results"]
    assert len(lines) == 1
    failed = SyncRecord.objects.get(sync_type="invoices", source_side="quickbooks", source_id=bad["Id"])
    assert failed.status == RecordStatus.FAILED and failed.error_kind == mapping_errors.HUBSPOT_SKU_NOT_FOUND.key
    assert failed.error_message == f"SKU not found in HubSpot: {missing}"
    # Our own HubSpot invoice never comes back as a HubSpot-side record (one direction at a time).
    time.sleep(0.5)
    assert not SyncRecord.objects.filter(sync_type="invoices", source_side="hubspot", source_id=hubspot_id).exists()
    # Queued again unchanged: nothing new is written to HubSpot.
    before = world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"]
    upsert_pending(world.workspace_id, "invoices", world.realm_id, [good["Id"]], requested_by="test",
                   source_side="quickbooks")
    world.drain()
    after = world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"]
    assert {r: c for r, c in after.items() if "batch/create" in r} == {r: c for r, c in before.items()
                                                                       if "batch/create" in r}
