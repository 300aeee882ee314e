"""A linked object deleted on the destination side, then its source changes: the product makes it
again from the source and replaces the link (the old link stays in the attempt's history), never
an unhandled error and never a second live object. Both directions, quotes and invoices, over HTTP
against both emulators. Also: an estimate write left in flight for a record that ends without a
write is closed, so it never replays later."""

from __future__ import annotations

import time
from typing import Any

import pytest

from simplecommercesync.sync import operations
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.models import (
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    SyncAttempt,
    SyncRecord,
    WriteState,
)
from simplecommercesync.sync.types.quotes.models import QuoteDirection
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes
from tests.product.sync.engine.test_sync_resilience import kill_worker, start_drain_worker
from tests.product.sync.mapping.test_hubspot_create_once import (
    QUOTE_CREATE,
    estimate_count,
    estimate_made_then_worker_killed,
    estimate_world,
    expire_leases,
    hubspot_count,
    invoice_record,
    kill_during_lost_answer,
    quickbooks_invoice,
    quote_made_then_worker_killed,
)
from tests.product.sync.types.quotes.test_sync_quotes import hs_quote, quote_record, quotes_on, settle
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def last_attempt(record: SyncRecord) -> SyncAttempt:
    attempt = SyncAttempt.objects.filter(record=record).exclude(action="unchanged").order_by("-pk").first()
    assert attempt is not None
    return attempt


def qb_change_first_line(world: World, entity: str, entity_id: str, qty: str) -> dict[str, Any]:
    """A person edits the first line's quantity in QuickBooks."""
    current = world.qb("GET", f"{entity}/{entity_id}")[entity.capitalize()]
    line = dict(current["Line"][0])
    detail = dict(line["SalesItemLineDetail"])
    detail["Qty"] = qty
    line["SalesItemLineDetail"] = detail
    line["Amount"] = str(float(qty) * float(detail["UnitPrice"]))
    changed: dict[str, Any] = world.qb("POST", entity, {
        "Id": entity_id, "SyncToken": current["SyncToken"], "sparse": True, "Line": [line]})[entity.capitalize()]
    return changed


def qb_delete(world: World, entity: str, entity_id: str) -> None:
    current = world.qb("GET", f"{entity}/{entity_id}")[entity.capitalize()]
    world.qb("POST", entity, {"Id": entity_id, "SyncToken": current["SyncToken"]}, params={"operation": "delete"})


def live_hubspot_ids(world: World, object_type: str, stamp: str, quickbooks_id: str) -> list[str]:
    """Live HubSpot objects carrying this QuickBooks id in our property."""
    found = world.hs("POST", f"/crm/v3/objects/{object_type}/search", {
        "filterGroups": [{"filters": [{"propertyName": stamp, "operator": "EQ", "value": quickbooks_id}]}],
        "properties": [stamp]})["results"]
    return sorted(str(f["id"]) for f in found)


def test_quote_deleted_in_hubspot_is_made_again_when_its_estimate_changes(world: World) -> None:
    estimate, product_id = estimate_world(world)
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    old_quote = record.destination_id
    world.hs("DELETE", f"/crm/v3/objects/quotes/{old_quote}")
    qb_change_first_line(world, "estimate", estimate["Id"], "5")
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)

    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    new_quote = record.destination_id
    assert new_quote and new_quote != old_quote
    link = RecordLink.objects.get(kind="quote", quickbooks_id=estimate["Id"])
    assert link.hubspot_id == new_quote
    assert live_hubspot_ids(world, "quotes", "scs_quickbooks_estimate_id", estimate["Id"]) == [new_quote]
    lines = world.hs("GET", f"/crm/v4/objects/quotes/{new_quote}/associations/line_items")["results"]
    assert len(lines) == 1
    line = world.hs("GET", f"/crm/v3/objects/line_items/{lines[0]['toObjectId']}?properties=quantity,hs_product_id")
    assert float(line["properties"]["quantity"]) == 5 and line["properties"]["hs_product_id"] == product_id
    attempt = last_attempt(record)
    assert attempt.changes["replaced_link"]["hubspot_id"] == old_quote
    assert f"quote {old_quote} was deleted in HubSpot" in record.note
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()
    # Settled: queued again, nothing more is created.
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    assert live_hubspot_ids(world, "quotes", "scs_quickbooks_estimate_id", estimate["Id"]) == [new_quote]


def test_estimate_deleted_in_quickbooks_is_made_again_when_its_quote_changes(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"RE-{world.tag}"
    world.item(sku, "10.00")
    quote_id = hs_quote(world, world.contact(f"re.{world.tag}@example.com"), [(sku, "2", "10.00")])
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    old_estimate = record.destination_id
    qb_delete(world, "estimate", old_estimate)
    world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}",
             {"properties": {"hs_expiration_date": "2027-01-31T00:00:00Z"}})
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)

    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    new_estimate = record.destination_id
    assert new_estimate and new_estimate != old_estimate
    assert world.qb("GET", f"estimate/{new_estimate}")["Estimate"]["ExpirationDate"] == "2027-01-31"
    assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == new_estimate
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=scs_quickbooks_estimate_id")
    assert quote["properties"]["scs_quickbooks_estimate_id"] == new_estimate
    assert last_attempt(record).changes["replaced_link"]["quickbooks_id"] == old_estimate
    assert f"estimate {old_estimate} was deleted in QuickBooks" in record.note


def test_invoice_deleted_in_hubspot_is_made_again_when_its_quickbooks_invoice_changes(world: World) -> None:
    invoice = quickbooks_invoice(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    old_invoice = record.destination_id
    world.hs("DELETE", f"/crm/v3/objects/invoices/{old_invoice}")
    qb_change_first_line(world, "invoice", invoice["Id"], "3")
    SyncRecord.objects.filter(pk=record.pk).update(status=RecordStatus.PENDING, next_attempt_at=None)
    world.drain()

    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    new_invoice = record.destination_id
    assert new_invoice and new_invoice != old_invoice
    assert RecordLink.objects.get(kind="invoice", quickbooks_id=invoice["Id"]).hubspot_id == new_invoice
    assert live_hubspot_ids(world, "invoices", "scs_quickbooks_invoice_id", invoice["Id"]) == [new_invoice]
    lines = world.hs("GET", f"/crm/v4/objects/invoices/{new_invoice}/associations/line_items")["results"]
    assert len(lines) == 1
    assert last_attempt(record).changes["replaced_link"]["hubspot_id"] == old_invoice
    assert f"invoice {old_invoice} was deleted in HubSpot" in record.note


def deleted_in_quickbooks_then_changed_in_hubspot(world: World, prefix: str,
                                                  properties: dict[str, str]) -> tuple[str, str, int]:
    """A HubSpot invoice synced to QuickBooks; a person deletes the QuickBooks invoice, then sets
    `properties` on the HubSpot one, which is synced again. Returns the HubSpot invoice's id, the
    deleted QuickBooks invoice's id and QuickBooks' invoice count after the delete."""
    sku = f"{prefix.upper()}-{world.tag}"
    world.item(sku, "30.00")
    invoice_id = world.invoice(world.contact(f"{prefix}.{world.tag}@example.com"), [(sku, "1", "30.00")])
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    old_invoice = record.destination_id
    qb_delete(world, "invoice", old_invoice)
    count = world.invoice_count()
    world.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": properties})
    world.queue(invoice_id)
    world.drain()
    return invoice_id, old_invoice, count


def test_invoice_deleted_in_quickbooks_fails_saying_so_and_retry_sync_makes_it_again(world: World) -> None:
    """QuickBooks holds the books: an invoice deleted there comes back only when a person asks."""
    invoice_id, old_invoice, count = deleted_in_quickbooks_then_changed_in_hubspot(
        world, "ri", {"hs_due_date": "2026-04-30T00:00:00Z"})

    record = world.record(invoice_id)
    assert record.status == RecordStatus.FAILED
    assert record.error_kind == errors.DELETED_IN_QUICKBOOKS.key
    assert f"(id {old_invoice}), which this record was synced to, no longer exists" in record.error_message
    assert record.error_fix == errors.DELETED_IN_QUICKBOOKS.fix
    assert last_attempt(record).changes["deleted_link"]["quickbooks_id"] == old_invoice
    assert world.invoice_count() == count, "nothing made again on its own"
    assert world.invoice_properties(invoice_id, "scs_sync_status")["scs_sync_status"] == "Failed: Deleted in QuickBooks"
    # Another change in HubSpot: still nothing written to the books.
    world.queue(invoice_id)
    world.drain()
    assert world.record(invoice_id).error_kind == errors.DELETED_IN_QUICKBOOKS.key
    assert world.invoice_count() == count

    assert operations.retry_record(record.pk).level == "success"
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    new_invoice = record.destination_id
    assert new_invoice and new_invoice != old_invoice
    assert world.invoice_count() == count + 1
    assert world.qb("GET", f"invoice/{new_invoice}")["Invoice"]["DueDate"] == "2026-04-30"
    assert RecordLink.objects.get(kind="invoice", hubspot_id=invoice_id).quickbooks_id == new_invoice
    assert world.invoice_properties(invoice_id, "scs_quickbooks_invoice_id")["scs_quickbooks_invoice_id"] == new_invoice
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


# -- estimate writes left in flight by a dead worker --------------------------------------------------
def the_estimate(world: World, quote_id: str) -> dict[str, Any]:
    found = [e for e in world.query("SELECT * FROM Estimate")
             if str(e.get("PrivateNote") or "").startswith(f"From HubSpot quote {quote_id} ")]
    assert len(found) == 1, found
    return found[0]


def test_an_estimate_write_in_flight_is_closed_when_its_quote_is_filtered_out_and_never_replays(
        world: World) -> None:
    quote_id, before = estimate_made_then_worker_killed(world)
    # Before the retry the quote leaves the Sync Statuses: this attempt writes nothing.
    world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}", {"properties": {"hs_status": "REJECTED"}})
    expire_leases(world)
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "not in the Sync Statuses" in record.note
    assert "An interrupted attempt had created QuickBooks Estimate" in record.note
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists(), "closed, never replayed later"
    estimate = the_estimate(world, quote_id)
    assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == estimate["Id"]
    assert estimate_count(world) == before + 1
    # Weeks later the quote is approved again: the linked estimate is updated, none is created.
    world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}", {"properties": {"hs_status": "ACCEPTED"}})
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert record.destination_id == estimate["Id"]
    assert world.qb("GET", f"estimate/{estimate['Id']}")["Estimate"]["TxnStatus"] == "Accepted"
    assert estimate_count(world) == before + 1


def test_an_estimate_write_in_flight_for_a_quote_deleted_before_the_retry_closes_that_estimate(
        world: World) -> None:
    quote_id, before = estimate_made_then_worker_killed(world)
    world.hs("DELETE", f"/crm/v3/objects/quotes/{quote_id}")
    expire_leases(world)
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "An interrupted attempt had created QuickBooks Estimate" in record.note
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()
    # Deleted in HubSpot counts as voided (Sync Void Status, on by default): the estimate is closed.
    assert the_estimate(world, quote_id)["TxnStatus"] == "Closed"
    assert estimate_count(world) == before + 1


def test_a_quote_create_in_doubt_for_an_estimate_deleted_before_the_retry_is_found_and_voided(world: World) -> None:
    """The HubSpot side of the same gap: the worker died after HubSpot made the quote; the estimate is
    deleted in QuickBooks before the retry, so the retry creates nothing, and must not leave that
    quote behind unlinked, nor its journal row open."""
    estimate, _ = estimate_world(world)
    before = quote_made_then_worker_killed(world, estimate)
    assert QuickBooksWrite.objects.filter(operation=QUOTE_CREATE, state=WriteState.SENT).count() == 1
    orphan = live_hubspot_ids(world, "quotes", "scs_quickbooks_estimate_id", estimate["Id"])
    assert len(orphan) == 1
    qb_delete(world, "estimate", estimate["Id"])

    expire_leases(world)
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert f"An interrupted attempt had created HubSpot quote {orphan[0]}" in record.note
    assert "voided (archived)" in record.note
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()
    # Deleted in QuickBooks counts as voided (Sync Void Status): the quote it had made is archived.
    assert hubspot_count(world, "quotes") == before


def test_an_invoice_create_in_doubt_for_a_quickbooks_invoice_deleted_before_the_retry_is_found_and_linked(
        world: World) -> None:
    invoice = quickbooks_invoice(world)
    before = hubspot_count(world, "invoices")
    kill_during_lost_answer(world, r"/crm/v3/objects/invoices/batch/create$", "invoices", "invoices")
    orphan = live_hubspot_ids(world, "invoices", "scs_quickbooks_invoice_id", invoice["Id"])
    assert len(orphan) == 1
    qb_delete(world, "invoice", invoice["Id"])
    expire_leases(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert f"An interrupted attempt had created HubSpot invoice {orphan[0]} (a draft)" in record.note
    assert RecordLink.objects.get(kind="invoice", quickbooks_id=invoice["Id"]).hubspot_id == orphan[0]
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()
    assert hubspot_count(world, "invoices") == before + 1, "kept, nothing created"


def test_invoice_voided_in_hubspot_after_its_quickbooks_invoice_was_deleted_has_nothing_to_void(world: World) -> None:
    invoice_id, old_invoice, count = deleted_in_quickbooks_then_changed_in_hubspot(
        world, "rv", {"hs_invoice_status": "voided"})
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert f"(id {old_invoice}) was deleted in QuickBooks, so there is nothing to void." in record.note
    assert world.invoice_count() == count


def test_an_invoice_create_interrupted_before_its_move_to_open_is_opened_by_the_retry(world: World) -> None:
    invoice = quickbooks_invoice(world)
    before = hubspot_count(world, "invoices")
    # HubSpot holds the draft → open update; the worker dies while waiting, the invoice linked as a draft.
    world.providers.hubspot("POST", "/_emulator/faults", json={
        "path_regex": r"/crm/v3/objects/invoices/batch/update$", "delay_s": 5, "times": 1}).raise_for_status()
    worker = start_drain_worker(world, "invoices")
    deadline = time.monotonic() + 30
    try:
        while not RecordLink.objects.filter(kind="invoice", quickbooks_id=invoice["Id"]).exists() or not (
                world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"].get(
                    "POST /crm/v3/objects/line_items/batch/create")):
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never linked the invoice"
            time.sleep(0.05)
        time.sleep(0.5)  # inside the held update
    finally:
        kill_worker(worker)
    world.providers.hubspot("DELETE", "/_emulator/faults")
    hubspot_id = RecordLink.objects.get(kind="invoice", quickbooks_id=invoice["Id"]).hubspot_id
    assert world.invoice_properties(hubspot_id, "hs_invoice_status")["hs_invoice_status"] == "draft"

    expire_leases(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert record.destination_id == hubspot_id
    assert world.invoice_properties(hubspot_id, "hs_invoice_status")["hs_invoice_status"] == "open"
    assert hubspot_count(world, "invoices") == before + 1
    assert len(world.hs("GET", f"/crm/v4/objects/invoices/{hubspot_id}/associations/line_items")["results"]) == 1
