"""Quotes ↔ estimates over HTTP against both emulators: each direction, the status filter, void
both ways, an estimate converted to an invoice, and bidirectional edits (latest wins, no echo)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from simplecommercesync.sync.engine.models import RecordLink, RecordStatus, SyncAttempt, SyncRecord
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.quotes.models import QuoteDirection, QuoteSyncSettings
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def quotes_on(world: World, direction: str = QuoteDirection.BIDIRECTIONAL, **extra: Any) -> None:
    QuoteSyncSettings.objects.update_or_create(workspace_id=world.workspace_id,
                                               defaults={"enabled": True, "direction": direction, **extra})


def hs_quote(world: World, contact_id: str, lines: list[tuple[str, str, str]], status: str = "APPROVED",
             number: str = "") -> str:
    props = {"hs_title": f"Quote {world.tag}", "hs_expiration_date": "2026-12-31T00:00:00Z", "hs_currency": "USD"}
    if number:
        props["hs_quote_number"] = number
    quote_id = str(world.hs("POST", "/crm/v3/objects/quotes", {"properties": props})["id"])
    world.hs("PUT", f"/crm/v4/objects/quotes/{quote_id}/associations/default/contacts/{contact_id}")
    for sku, qty, price in lines:
        line = world.hs("POST", "/crm/v3/objects/line_items",
                        {"properties": {"name": f"Line {sku}", "hs_sku": sku, "quantity": qty, "price": price}})
        world.hs("PUT", f"/crm/v4/objects/quotes/{quote_id}/associations/default/line_items/{line['id']}")
    if status != "DRAFT":
        world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}", {"properties": {"hs_status": status}})
    return quote_id


def hs_product(world: World, sku: str, price: str = "10.00") -> str:
    return str(world.hs("POST", "/crm/v3/objects/products",
                        {"properties": {"name": f"Product {sku}", "hs_sku": sku, "price": price}})["id"])


def qb_estimate(world: World, customer_id: str, item_id: str, qty: str = "2", price: str = "10.00",
                status: str = "Pending") -> dict[str, Any]:
    body = {"CustomerRef": {"value": customer_id}, "TxnStatus": status, "ExpirationDate": "2026-12-31",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": str(float(qty) * float(price)),
                      "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": price}}]}
    found: dict[str, Any] = world.qb("POST", "estimate", body)["Estimate"]
    return found


def quote_record(world: World, source_id: str) -> SyncRecord:
    return SyncRecord.objects.get(workspace_id=world.workspace_id, sync_type="quotes", source_id=source_id)


def settle(world: World) -> None:
    """Drain until nothing is pending (webhooks of our own writes queue the pair once more)."""
    for _ in range(4):
        time.sleep(0.3)
        world.drain("quotes")
        if not SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="quotes",
                                         status=RecordStatus.PENDING).exists():
            return


def writes(world: World) -> dict[str, int]:
    """Write calls so far: QuickBooks estimate creates/updates, HubSpot quote and line-item writes."""
    counts = {"quickbooks": 0, "hubspot": 0}
    qb = world.providers.quickbooks("GET", "/_emulator/requests").json()["by_route"]
    counts["quickbooks"] = sum(sum(c.values()) for r, c in qb.items() if r.startswith("POST ") and "/estimate" in r)
    hs = world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"]
    counts["hubspot"] = sum(
        sum(c.values()) for r, c in hs.items()
        if r.split(" ")[0] in ("POST", "PATCH", "PUT", "DELETE") and ("/quotes" in r or "/line_items" in r)
        and not r.endswith(("/batch/read", "/search")))
    return counts


def test_quote_to_estimate_with_customer_lines_number_and_status(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"TENT-{world.tag}"
    item_id = world.item(sku, "289.00")
    email = f"q.{world.tag}@example.com"
    quote_id = hs_quote(world, world.contact(email, "Quinn", f"Q{world.tag}"), [(sku, "2", "289.00")],
                        status="ACCEPTED", number=f"Q-{world.tag}")
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    estimate = world.qb("GET", f"estimate/{record.destination_id}")["Estimate"]
    assert estimate["DocNumber"] == f"Q-{world.tag}"
    assert estimate["TxnStatus"] == "Accepted"
    assert estimate["ExpirationDate"] == "2026-12-31"
    line = estimate["Line"][0]["SalesItemLineDetail"]
    assert line["ItemRef"]["value"] == item_id and float(line["Qty"]) == 2
    customer = world.qb("GET", f"customer/{estimate['CustomerRef']['value']}")["Customer"]
    assert customer["PrimaryEmailAddr"]["Address"] == email
    assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == record.destination_id


def test_statuses_in_and_out_of_the_filter(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"FLT-{world.tag}"
    world.item(sku)
    contact = world.contact(f"f.{world.tag}@example.com")
    by_status = {status: hs_quote(world, contact, [(sku, "1", "10.00")], status=status)
                 for status in ("DRAFT", "PENDING_APPROVAL", "REJECTED", "APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED")}
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), list(by_status.values()),
                        requested_by="test")
    settle(world)
    synced = {s for s, q in by_status.items() if quote_record(world, q).destination_id}
    assert synced == {"APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED"}
    skipped = quote_record(world, by_status["REJECTED"])
    assert "not in the Sync Statuses" in skipped.note
    # Checking Draft makes a draft quote sync as a Pending estimate.
    QuoteSyncSettings.objects.filter(workspace_id=world.workspace_id).update(
        status_filter=["DRAFT", "APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED"])
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [by_status["DRAFT"]], requested_by="test")
    settle(world)
    draft = quote_record(world, by_status["DRAFT"])
    assert world.qb("GET", f"estimate/{draft.destination_id}")["Estimate"]["TxnStatus"] == "Pending"


def test_estimate_to_quote_creates_contact_line_items_and_number(world: World) -> None:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    sku = f"LAMP-{world.tag}"
    item_id = world.item(sku, "25.00")
    product_id = hs_product(world, sku, "25.00")
    email = f"est.{world.tag}@example.com"
    customer_id = world.customer(f"Estelle Tag{world.tag}", email)
    estimate = qb_estimate(world, customer_id, item_id, "3", "25.00")
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    quote_id = record.destination_id
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=hs_status,hs_quote_number,hs_expiration_date")
    assert quote["properties"]["hs_status"] == "APPROVAL_NOT_NEEDED"
    assert quote["properties"]["hs_quote_number"] == estimate["DocNumber"]
    lines = world.hs("GET", f"/crm/v4/objects/quotes/{quote_id}/associations/line_items")["results"]
    line = world.hs("GET", f"/crm/v3/objects/line_items/{lines[0]['toObjectId']}?properties=hs_product_id,quantity,hs_sku")
    assert line["properties"]["hs_product_id"] == product_id and float(line["properties"]["quantity"]) == 3
    contacts = world.hs("GET", f"/crm/v4/objects/quotes/{quote_id}/associations/contacts")["results"]
    contact = world.hs("GET", f"/crm/v3/objects/contacts/{contacts[0]['toObjectId']}?properties=email")
    assert contact["properties"]["email"] == email


def test_estimate_with_a_missing_hubspot_product_fails_naming_the_sku(world: World) -> None:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    sku = f"NOPE-{world.tag}"
    estimate = qb_estimate(world, world.customer(f"Nina {world.tag}", f"n.{world.tag}@example.com"), world.item(sku))
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.FAILED
    assert record.error_kind == mapping_errors.HUBSPOT_SKU_NOT_FOUND.key
    assert record.error_message == f"SKU not found in HubSpot: {sku}"
    assert record.error_fix == mapping_errors.HUBSPOT_SKU_NOT_FOUND.fix


def _linked_pair(world: World, n: int = 1) -> tuple[str, str, SyncRecord]:
    sku = f"BI{n}-{world.tag}"
    world.item(sku, "10.00")
    hs_product(world, sku, "10.00")  # lines match by SKU on both sides
    quote_id = hs_quote(world, world.contact(f"bi{n}.{world.tag}@example.com"), [(sku, "1", "10.00")])
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    return quote_id, record.destination_id, record


def test_bidirectional_edits_on_each_side_sync_once_and_never_echo(world: World) -> None:
    quotes_on(world)
    quote_id, estimate_id, record = _linked_pair(world)
    settle(world)
    before = writes(world)
    # An untouched pair queued again (our own writes' webhooks, a poll) writes nothing anywhere.
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate_id], requested_by="test")
    settle(world)
    assert writes(world) == before
    assert SyncAttempt.objects.filter(record=record).first().action == "unchanged"  # type: ignore[union-attr]

    # Edit in QuickBooks: the quote follows; then nothing more is written on either side.
    estimate = world.qb("GET", f"estimate/{estimate_id}")["Estimate"]
    world.qb("POST", "estimate", {"Id": estimate_id, "SyncToken": estimate["SyncToken"], "sparse": True,
                                  "TxnStatus": "Accepted"})
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate_id], requested_by="test")
    settle(world)
    status = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=hs_status")["properties"]["hs_status"]
    assert status == "ACCEPTED", [(a.action, a.message, a.changes) for a in SyncAttempt.objects.filter(record=record)]
    after_qb_edit = writes(world)
    assert after_qb_edit["quickbooks"] == before["quickbooks"] + 1  # the test's own edit, nothing of ours
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    assert writes(world) == after_qb_edit

    # Edit in HubSpot: the estimate follows, once.
    world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}", {"properties": {"hs_expiration_date": "2027-01-15T00:00:00Z"}})
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    assert world.qb("GET", f"estimate/{estimate_id}")["Estimate"]["ExpirationDate"] == "2027-01-15"
    after_hs_edit = writes(world)
    assert after_hs_edit["quickbooks"] == after_qb_edit["quickbooks"] + 1
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate_id], requested_by="test")
    settle(world)
    assert writes(world) == after_hs_edit


def test_both_sides_edited_the_later_wins_and_the_history_names_the_overwritten_change(world: World) -> None:
    quotes_on(world)
    quote_id, estimate_id, record = _linked_pair(world)
    estimate = world.qb("GET", f"estimate/{estimate_id}")["Estimate"]
    world.qb("POST", "estimate", {"Id": estimate_id, "SyncToken": estimate["SyncToken"], "sparse": True,
                                  "ExpirationDate": "2027-02-01"})
    time.sleep(1.1)  # HubSpot's change is the later one, by the providers' own clocks
    world.hs("PATCH", f"/crm/v3/objects/quotes/{quote_id}", {"properties": {"hs_expiration_date": "2027-03-01T00:00:00Z"}})
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    assert world.qb("GET", f"estimate/{estimate_id}")["Estimate"]["ExpirationDate"] == "2027-03-01"
    expires = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=hs_expiration_date")
    assert expires["properties"]["hs_expiration_date"].startswith("2027-03-01")
    overwriting = [a for a in SyncAttempt.objects.filter(record=record) if "overwritten" in a.changes]
    assert overwriting and overwriting[0].changes["overwritten"]["side"] == "QuickBooks"
    assert "overwrote the QuickBooks change" in overwriting[0].message


def test_void_both_ways(world: World) -> None:
    quotes_on(world)
    quote_id, estimate_id, record = _linked_pair(world)
    # HubSpot → QuickBooks: the quote is archived (voided) → the estimate closes.
    world.hs("DELETE", f"/crm/v3/objects/quotes/{quote_id}")
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    assert world.qb("GET", f"estimate/{estimate_id}")["Estimate"]["TxnStatus"] == "Closed"
    assert SyncAttempt.objects.filter(record=record, action="voided").exists()

    # QuickBooks → HubSpot: an estimate closed without an invoice archives its quote.
    quote2, estimate2, record2 = _linked_pair(world, 2)
    estimate = world.qb("GET", f"estimate/{estimate2}")["Estimate"]
    world.qb("POST", "estimate", {"Id": estimate2, "SyncToken": estimate["SyncToken"], "sparse": True,
                                  "TxnStatus": "Closed"})
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate2], requested_by="test")
    settle(world)
    import httpx

    gone = httpx.get(f"{world.providers.hubspot_url}/crm/v3/objects/quotes/{quote2}",
                     headers={"Authorization": f"Bearer {world.hubspot_token}"})
    assert gone.status_code == 404
    assert SyncAttempt.objects.filter(record=record2, action="voided").exists()


def test_estimate_converted_to_an_invoice_accepts_the_quote(world: World) -> None:
    quotes_on(world)
    quote_id, estimate_id, record = _linked_pair(world)
    estimate = world.qb("GET", f"estimate/{estimate_id}")["Estimate"]
    invoice = world.qb("POST", "invoice", {
        "CustomerRef": estimate["CustomerRef"], "Line": estimate["Line"][:1],
        "LinkedTxn": [{"TxnId": estimate_id, "TxnType": "Estimate"}]})["Invoice"]
    assert world.qb("GET", f"estimate/{estimate_id}")["Estimate"]["TxnStatus"] == "Closed"
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate_id], requested_by="test")
    settle(world)
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=hs_status")
    assert quote["properties"]["hs_status"] == "ACCEPTED"
    assert f"Converted to QuickBooks invoice {invoice['Id']}" in quote_record(world, quote_id).note


def test_turning_quote_sync_on_brings_over_the_quotes_that_already_exist(world: World) -> None:
    from django.test import Client

    from simplecommercesync.accounts.models import Role, User

    sku = f"OLD-{world.tag}"
    world.item(sku, "25.00")
    existing = hs_quote(world, world.contact(f"old.{world.tag}@example.com"), [(sku, "1", "25.00")],
                        status="ACCEPTED")
    admin = User.objects.create_user(f"admin.{world.tag}@example.com", "correct-horse-42",
                                     workspace_id=world.workspace_id, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/sync/quotes/", {
        "enabled": "on", "direction": QuoteDirection.HUBSPOT_TO_QUICKBOOKS,
        "status_filter": ["APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED"], "sync_void_status": "on",
    }, follow=True)
    assert "Configuration saved. Sync started:" in response.content.decode()
    # Not a change since the sync was turned on, yet queued: turning it on is a full sync.
    assert SyncRecord.objects.filter(sync_type="quotes", source_id=existing).exists()
    settle(world)
    record = quote_record(world, existing)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
