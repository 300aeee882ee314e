"""Invoices HubSpot → QuickBooks over HTTP against both emulators: the happy path, write-back,
no echo, and every way an invoice fails with its fix."""

from __future__ import annotations

import time

import pytest

from simplecommercesync.sync.engine.models import RecordLink, RecordStatus, SyncAttempt, SyncRecord
from simplecommercesync.sync.mapping import errors as mapping_errors
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    money,
    wait_for,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def test_webhook_queues_invoice_drain_writes_it_and_writes_back(world: World) -> None:
    sku = f"TENT-{world.tag}"
    world.item(sku, "289.00")
    email = f"maya.{world.tag}@example.com"
    contact = world.contact(email, "Maya", f"Chen{world.tag}")
    invoice_id = world.invoice(contact, [(sku, "2", "289.00")])
    # The emulator's webhook reached the product, which only queued the invoice.
    wait_for(lambda: SyncRecord.objects.filter(source_id=invoice_id, sync_type="invoices").exists())
    assert world.record(invoice_id).status == RecordStatus.PENDING

    report = world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert report.succeeded >= 1
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    assert money(written["TotalAmt"]) >= money("578.00")
    assert written["Line"][0]["SalesItemLineDetail"]["Qty"] in (2, "2", 2.0)
    customer = world.qb("GET", f"customer/{written['CustomerRef']['value']}")["Customer"]
    assert customer["PrimaryEmailAddr"]["Address"].lower() == email
    assert customer["DisplayName"] == f"Maya Chen{world.tag}"
    link = RecordLink.objects.get(kind="invoice", hubspot_id=invoice_id)
    assert link.hubspot_portal_id == str(world.portal_id) and link.quickbooks_realm_id == world.realm_id
    # Customers page row exists for the contact.
    assert world.record(contact, "customers").status == RecordStatus.SUCCESS

    # Our write-back produced no new QuickBooks write: a second drain finds nothing or "unchanged".
    count = world.invoice_count()
    world.queue(invoice_id)
    world.drain()
    assert world.invoice_count() == count
    last = SyncAttempt.objects.filter(record=world.record(invoice_id)).first()
    assert last is not None and last.action == "unchanged"


def test_write_back_lands_in_the_simplecommercesync_property_group(world: World) -> None:
    sku = f"WB-{world.tag}"
    world.item(sku)
    invoice_id = world.invoice(world.contact(f"wb.{world.tag}@example.com", "W", f"B{world.tag}"), [(sku, "1", "5")])
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    props = world.invoice_properties(invoice_id, "scs_quickbooks_invoice_id", "scs_sync_status")
    assert props.get("scs_quickbooks_invoice_id") == record.destination_id
    assert props.get("scs_sync_status") == "Synced"
    assert "Couldn't write the sync status back" not in record.note


def test_editing_an_open_invoice_updates_the_same_quickbooks_invoice(world: World) -> None:
    sku = f"BAG-{world.tag}"
    world.item(sku, "100.00")
    invoice_id = world.invoice(world.contact(f"e.{world.tag}@example.com"), [(sku, "1", "100.00")])
    world.queue(invoice_id)
    world.drain()
    first = world.record(invoice_id)
    assert first.status == RecordStatus.SUCCESS
    line_id = world.hs("GET", f"/crm/v4/objects/invoices/{invoice_id}/associations/line_items")["results"][0]["toObjectId"]
    world.hs("PATCH", f"/crm/v3/objects/line_items/{line_id}", {"properties": {"quantity": "3"}})
    count = world.invoice_count()
    world.queue(invoice_id)
    world.drain()
    again = world.record(invoice_id)
    assert again.status == RecordStatus.SUCCESS and again.destination_id == first.destination_id
    assert world.invoice_count() == count
    written = world.qb("GET", f"invoice/{first.destination_id}")["Invoice"]
    assert float(written["Line"][0]["SalesItemLineDetail"]["Qty"]) == 3


def test_voiding_in_hubspot_voids_the_quickbooks_invoice_once(world: World) -> None:
    sku = f"VOID-{world.tag}"
    world.item(sku, "40.00")
    invoice_id = world.invoice(world.contact(f"v.{world.tag}@example.com"), [(sku, "1", "40.00")])
    world.queue(invoice_id)
    world.drain()
    synced = world.record(invoice_id)
    assert synced.status == RecordStatus.SUCCESS
    # Voiding changes nothing we send but the status: it must still reach QuickBooks.
    world.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": {"hs_invoice_status": "voided"}})
    world.queue(invoice_id)
    world.drain()
    voided = world.qb("GET", f"invoice/{synced.destination_id}")["Invoice"]
    assert money(voided["TotalAmt"]) == money("0") and "Voided" in voided.get("PrivateNote", "")
    assert SyncAttempt.objects.filter(record=world.record(invoice_id), action="voided").count() == 1
    # Once voided, another pass has nothing to do.
    world.queue(invoice_id)
    world.drain()
    assert SyncAttempt.objects.filter(record=world.record(invoice_id), action="voided").count() == 1


def test_sku_errors_name_the_sku_and_fail_the_whole_invoice(world: World) -> None:
    world.item(f"TENT-2P-{world.tag}")
    present = f"FUEL-{world.tag}"
    world.item(present)
    contact = world.contact(f"s.{world.tag}@example.com")
    case_only = world.invoice(contact, [(f"tent-2p-{world.tag}", "1", "10.00"), (present, "1", "10.00")])
    missing = world.invoice(contact, [(f"PACK-{world.tag}", "1", "10.00"), (present, "1", "10.00")])
    count = world.invoice_count()
    world.queue(case_only, missing)
    world.drain()
    record = world.record(case_only)
    assert record.status == RecordStatus.FAILED and record.error_kind == mapping_errors.SKU_NOT_FOUND.key
    assert record.error_message == (f"SKU not found: tent-2p-{world.tag} (QuickBooks has TENT-2P-{world.tag} — "
                                    "SKUs match exactly)")
    assert world.record(missing).error_message == f"SKU not found: PACK-{world.tag}"
    assert record.error_fix == mapping_errors.SKU_NOT_FOUND.fix
    assert world.invoice_count() == count  # never a partial invoice

    # Fix the SKU in QuickBooks and press Retry Sync: it goes through.
    from simplecommercesync.sync.operations import retry_record

    world.item(f"PACK-{world.tag}")
    retry_record(world.record(missing).pk, world.admin)
    world.drain()
    assert world.record(missing).status == RecordStatus.SUCCESS
    assert world.invoice_count() == count + 1


def test_customer_errors_missing_email_and_no_contact(world: World) -> None:
    sku = f"SVC-{world.tag}"
    world.item(sku)
    no_email = world.invoice(world.contact(None, "Felix", "Haddad"), [(sku, "1", "5.00")])
    no_contact = world.invoice(None, [(sku, "1", "5.00")], status="draft")
    from simplecommercesync.sync.operations import save_invoice_settings

    save_invoice_settings(world.workspace_id, status_filter=["draft", "open", "paid"])
    world.queue(no_email, no_contact)
    world.drain()
    first = world.record(no_email)
    assert first.error_kind == mapping_errors.CUSTOMER_EMAIL_MISSING.key
    assert "Felix Haddad has no email address" in first.error_message
    assert world.record(no_contact).error_kind == mapping_errors.CUSTOMER_NOT_FOUND.key


def test_a_created_customer_carries_the_contacts_address(world: World) -> None:
    sku = f"ADDR-{world.tag}"
    world.item(sku, "10.00")
    contact = world.contact(f"ny.{world.tag}@example.com", "Nia", f"York{world.tag}")
    address = {"address": "350 5th Ave", "city": "New York", "state": "NY", "zip": "10118", "country": "US"}
    world.hs("PATCH", f"/crm/v3/objects/contacts/{contact}", {"properties": address})
    invoice_id = world.invoice(contact, [(sku, "1", "10.00")])
    world.queue(invoice_id)
    world.drain()
    record = world.record(invoice_id)
    assert record.status == RecordStatus.SUCCESS, record.error_message
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    customer = world.qb("GET", f"customer/{written['CustomerRef']['value']}")["Customer"]
    # Automated sales tax follows the customer's address, so it must be the contact's.
    assert customer["BillAddr"]["CountrySubDivisionCode"] == "NY"
    assert customer["ShipAddr"]["City"] == "New York" and customer["BillAddr"]["PostalCode"] == "10118"


def test_duplicate_emails_choose_the_oldest_and_name_clash_gets_a_unique_display_name(world: World) -> None:
    sku = f"LAMP-{world.tag}"
    world.item(sku)
    shared = f"sofia.{world.tag}@example.com"
    first = world.customer(f"Sofia Rossi {world.tag}", shared)
    world.customer(f"Harborlight Cafe {world.tag}", f"  {shared.upper()} ")
    clash_email = f"clara.{world.tag}@example.com"
    world.customer(f"Clara Moreau{world.tag}", f"other.{world.tag}@example.com")
    dup = world.invoice(world.contact(shared, "Sofia", "Rossi"), [(sku, "1", "5.00")])
    clash = world.invoice(world.contact(clash_email, "Clara", f"Moreau{world.tag}"), [(sku, "1", "5.00")])
    world.queue(dup, clash)
    world.drain()
    record = world.record(dup)
    assert record.status == RecordStatus.SUCCESS
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    assert written["CustomerRef"]["value"] == first
    assert "Several QuickBooks customers have the email" in record.note
    created = world.qb("GET", f"invoice/{world.record(clash).destination_id}")["Invoice"]["CustomerRef"]["value"]
    name = world.qb("GET", f"customer/{created}")["Customer"]["DisplayName"]
    assert name == f"Clara Moreau{world.tag} ({clash_email})"


def test_email_change_after_linking_updates_the_customer_never_duplicates(world: World) -> None:
    sku = f"POLE-{world.tag}"
    world.item(sku)
    contact = world.contact(f"noah.{world.tag}@example.com", "Noah", "Kim")
    invoice_id = world.invoice(contact, [(sku, "1", "5.00")])
    world.queue(invoice_id)
    world.drain()
    customer_id = world.qb("GET", f"invoice/{world.record(invoice_id).destination_id}")["Invoice"]["CustomerRef"]["value"]
    customers_before = len(world.query("SELECT * FROM Customer MAXRESULTS 1000"))
    new_email = f"noah.kim.{world.tag}@example.org"
    world.hs("PATCH", f"/crm/v3/objects/contacts/{contact}", {"properties": {"email": new_email}})
    from simplecommercesync.sync.engine.queue import upsert_pending

    upsert_pending(world.workspace_id, "customers", str(world.portal_id), [contact], requested_by="test")
    world.drain("customers")
    assert world.qb("GET", f"customer/{customer_id}")["Customer"]["PrimaryEmailAddr"]["Address"] == new_email
    second = world.invoice(contact, [(sku, "2", "5.00")])
    world.queue(second)
    world.drain()
    assert world.qb("GET", f"invoice/{world.record(second).destination_id}")["Invoice"]["CustomerRef"]["value"] == customer_id
    assert len(world.query("SELECT * FROM Customer MAXRESULTS 1000")) == customers_before


def test_bad_signature_and_stale_timestamp_are_rejected_and_nothing_is_queued(world: World) -> None:
    import httpx

    from tests.product.conftest import HUBSPOT_TEST_APP

    body = b'[{"portalId": %d, "objectId": 999001, "objectTypeId": "0-53", "subscriptionType": "object.creation", "appId": 1}]' % world.portal_id
    url = f"{world.providers.base_url}/webhooks/hubspot/"
    from hubspot_emulator.webhooks import signed_headers

    good = signed_headers(HUBSPOT_TEST_APP[1], url, body)
    forged = {**good, "X-HubSpot-Signature-v3": signed_headers("wrong-secret", url, body)["X-HubSpot-Signature-v3"]}
    stale = signed_headers(HUBSPOT_TEST_APP[1], url, body, now_ms=int((time.time() - 400) * 1000))
    assert httpx.post(url, content=body, headers=forged).status_code == 401
    assert httpx.post(url, content=body, headers=stale).status_code == 401
    assert not SyncRecord.objects.filter(source_id="999001").exists()
    started = time.perf_counter()
    answer = httpx.post(url, content=body, headers=good)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 204 and elapsed < 1.0
    # A replayed delivery upserts the same row: still one record.
    assert httpx.post(url, content=body, headers=good).status_code == 204
    assert SyncRecord.objects.filter(source_id="999001").count() == 1
