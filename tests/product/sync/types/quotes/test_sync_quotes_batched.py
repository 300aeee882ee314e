"""Quotes → estimates a batch at a time (issue 14): the contacts of a batch read once, its customers
resolved and created together, its estimates sent ≤ 30 to a journaled QuickBooks batch and their ids
written back in one HubSpot batch update; and a worker killed with such a batch in flight leaves
each estimate made once, linked to its quote, whichever drain takes its records next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from simplecommercesync.sync.engine.drain import build_context
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
from simplecommercesync.sync.types.quotes.replays import REPLAYED_NOTE
from simplecommercesync.sync.types.quotes.sync import QuoteSync
from tests.product.sync.engine.test_sync_resilience import (
    kill_worker_blocked_storing_links,
    start_drain_worker,
)
from tests.product.sync.mapping.test_hubspot_create_once import estimate_count
from tests.product.sync.types.quotes.test_sync_quotes import hs_quote, quote_record, quotes_on, settle
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def calls(world: World, provider: str, route_end: str, method: str = "POST") -> int:
    control = world.providers.hubspot if provider == "hubspot" else world.providers.quickbooks
    by_route: dict[str, dict[str, int]] = control("GET", "/_emulator/requests").json()["by_route"]
    return sum(sum(statuses.values()) for route, statuses in by_route.items()
               if route.startswith(f"{method} ") and route.endswith(route_end))


def clear_request_logs(world: World) -> None:
    world.providers.hubspot("DELETE", "/_emulator/requests").raise_for_status()
    world.providers.quickbooks("DELETE", "/_emulator/requests").raise_for_status()


def written_back(world: World, quote_id: str) -> dict[str, str]:
    found: dict[str, str] = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=scs_quickbooks_estimate_id,"
                                            "scs_quickbooks_estimate_number,hs_quote_number")["properties"]
    return found


def test_a_batch_of_quotes_is_read_resolved_and_written_together(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    skus = [f"BAT{i}-{world.tag}" for i in range(3)]
    items = {sku: world.item(sku, "12.00") for sku in skus}
    known_email = f"known.{world.tag}@example.com"
    known_customer = world.customer(f"Known Buyer {world.tag}", known_email)
    emails = [known_email, *(f"new{i}.{world.tag}@example.com" for i in range(3))]
    contacts = [world.contact(email, "Bea", f"Batch{i}{world.tag}") for i, email in enumerate(emails)]
    quote_ids = [hs_quote(world, contacts[i % len(contacts)], [(skus[i % 3], "2", "12.00"), (skus[(i + 1) % 3], "1",
                                                                                           "12.00")])
                 for i in range(7)]
    world.settle_webhooks()
    clear_request_logs(world)
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), quote_ids, requested_by="test")
    world.drain("quotes")

    customers_by_email: dict[str, str] = {}
    for i, quote_id in enumerate(quote_ids):
        record = quote_record(world, quote_id)
        assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
        estimate = world.qb("GET", f"estimate/{record.destination_id}")["Estimate"]
        assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in estimate["Line"]
                if line.get("DetailType") == "SalesItemLineDetail"] == [items[skus[i % 3]], items[skus[(i + 1) % 3]]]
        customer = world.qb("GET", f"customer/{estimate['CustomerRef']['value']}")["Customer"]
        email = emails[i % len(contacts)]
        assert customer["PrimaryEmailAddr"]["Address"] == email
        assert customers_by_email.setdefault(email, customer["Id"]) == customer["Id"], "one customer per contact"
        assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == record.destination_id
        back = written_back(world, quote_id)
        assert back["scs_quickbooks_estimate_id"] == record.destination_id
        assert back["scs_quickbooks_estimate_number"] == back["hs_quote_number"] == estimate["DocNumber"]
    assert customers_by_email[known_email] == known_customer, "the existing customer is matched by email"
    assert len(set(customers_by_email.values())) == 4

    # The batch's calls, not the quotes': one contact read, one write-back, estimates in one batch.
    assert calls(world, "hubspot", "/objects/contacts/batch/read") == 1
    assert calls(world, "hubspot", "/objects/quotes/batch/update") == 1
    assert calls(world, "quickbooks", "/estimate") == 0, "no estimate sent on its own"
    assert calls(world, "quickbooks", "/customer") == 0, "no customer created on its own"
    # One batch of email lookups, one of the three new customers, one of the seven estimates.
    assert calls(world, "quickbooks", "/batch") == 3
    # The SKUs in one query, the new customers' display names in two (plain and with email).
    assert calls(world, "quickbooks", "/query", "GET") == 3
    estimate_batches = [row for row in QuickBooksWrite.objects.filter(operation="batch")
                        if {e["kind"] for e in row.record_ids} == {"quote"}]
    assert [len(row.record_ids) for row in estimate_batches] == [7]
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def quotes_batched_then_worker_killed(world: World, count: int) -> tuple[list[str], int]:
    """Quotes for known customers (so the only journaled batch is the estimates'), whose worker
    dies after QuickBooks made their estimates in one batch request, before any link was stored."""
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"KB-{world.tag}"
    world.item(sku, "15.00")
    quote_ids = []
    for i in range(count):
        email = f"kb{i}.{world.tag}@example.com"
        world.customer(f"Kim Batch{i} {world.tag}", email)
        quote_ids.append(hs_quote(world, world.contact(email, "Kim", f"Batch{i}{world.tag}"), [(sku, str(i + 1),
                                                                                                "15.00")]))
    world.settle_webhooks()
    before = estimate_count(world)
    # QuickBooks holds each batch request a second (the email lookups', then the estimates'), so
    # the link table is surely locked before the estimates' answer comes back.
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/batch$", "method": "POST", "delay_s": 1, "times": 2}).raise_for_status()
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), quote_ids, requested_by="test")
    kill_worker_blocked_storing_links(start_drain_worker(world, "quotes"), "batch",
                                      lambda: estimate_count(world) == before + count,
                                      "the worker never wrote the estimates")
    world.providers.quickbooks("DELETE", "/_emulator/faults")
    assert not RecordLink.objects.filter(kind="quote", hubspot_id__in=quote_ids).exists()
    assert QuickBooksWrite.objects.filter(operation="batch", state=WriteState.SENT).count() == 1
    return quote_ids, before


def expire(world: World, quote_ids: list[str]) -> None:
    SyncRecord.objects.filter(workspace_id=world.workspace_id, sync_type="quotes", source_id__in=quote_ids).update(
        claimed_until=timezone.now() - timedelta(seconds=1), next_attempt_at=None)


def assert_each_estimate_once(world: World, quote_ids: list[str], before: int) -> None:
    assert estimate_count(world) == before + len(quote_ids), "replayed with the same requestid: none made twice"
    for quote_id in quote_ids:
        record = quote_record(world, quote_id)
        assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
        assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == record.destination_id
        assert written_back(world, quote_id)["scs_quickbooks_estimate_id"] == record.destination_id
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def test_worker_killed_with_a_batch_of_estimates_in_flight_replays_the_batch_not_repeats_it(world: World) -> None:
    quote_ids, before = quotes_batched_then_worker_killed(world, 4)

    expire(world, quote_ids)
    settle(world)
    assert_each_estimate_once(world, quote_ids, before)
    for quote_id in quote_ids:
        record = quote_record(world, quote_id)
        assert REPLAYED_NOTE in record.note
        first = SyncAttempt.objects.filter(record=record, outcome="success").order_by("pk").first()
        assert first is not None and first.action == "created"


def test_a_batch_in_flight_split_between_drains_links_every_estimate_once(world: World) -> None:
    """The dead worker's batch answers for four records; the next drain holds only two of them (the
    others' leases have not run out): its replay links all four, so the other two, claimed later,
    find their estimates instead of creating them again."""
    quote_ids, before = quotes_batched_then_worker_killed(world, 4)

    expire(world, quote_ids[:2])
    settle(world)
    assert {quote_record(world, q).status for q in quote_ids[2:]} == {RecordStatus.PROCESSING}
    assert RecordLink.objects.filter(kind="quote", hubspot_id__in=quote_ids).count() == 4
    expire(world, quote_ids[2:])
    settle(world)
    assert_each_estimate_once(world, quote_ids, before)


def test_an_estimate_quickbooks_refuses_fails_its_quote_alone_and_its_batch_is_answered(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"REF-{world.tag}"
    item_id = world.item(sku, "20.00")
    email = f"ref.{world.tag}@example.com"
    customer_id = world.customer(f"Rae Refused {world.tag}", email)
    taken = f"R-{world.tag}"
    for number in (taken, f"{taken}-b"):
        world.qb("POST", "estimate", {"CustomerRef": {"value": customer_id}, "DocNumber": number, "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": "20.00",
             "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": 1, "UnitPrice": "20.00"}}]})
    contact = world.contact(email, "Rae", f"Refused{world.tag}")
    good = [hs_quote(world, contact, [(sku, "1", "20.00")], number=f"R-{world.tag}-{i}") for i in range(2)]
    refused = hs_quote(world, contact, [(sku, "1", "20.00")], number=taken)
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [*good, refused], requested_by="test")
    world.drain("quotes")

    record = quote_record(world, refused)
    assert record.status == RecordStatus.FAILED
    assert record.error_kind == "already_synced", (record.error_kind, record.error_message)
    assert "QuickBooks refused the estimate" in record.error_message
    assert not RecordLink.objects.filter(kind="quote", hubspot_id=refused).exists()
    assert not written_back(world, refused).get("scs_quickbooks_estimate_id")
    for quote_id in good:
        record = quote_record(world, quote_id)
        assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
        assert written_back(world, quote_id)["scs_quickbooks_estimate_id"] == record.destination_id
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists(), "the refused item's batch is answered"

    # A batch QuickBooks refuses whole, item by item: no link, and its journal row answered all the same.
    both = [hs_quote(world, contact, [(sku, "1", "20.00")], number=number) for number in (taken, f"{taken}-b")]
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), both, requested_by="test")
    world.drain("quotes")
    assert {quote_record(world, q).status for q in both} == {RecordStatus.FAILED}
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists(), "never replayed later"


def test_preview_plans_a_batch_of_quotes_with_one_contact_read_and_writes_nothing(world: World) -> None:
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"PRV-{world.tag}"
    world.item(sku, "30.00")
    known = f"pk.{world.tag}@example.com"
    world.customer(f"Pia Known {world.tag}", known)
    fresh = f"pn.{world.tag}@example.com"
    contacts = [world.contact(known, "Pia", f"Known{world.tag}"), world.contact(fresh, "Pia", f"New{world.tag}"),
                world.contact(None, "Pia", f"Nomail{world.tag}")]
    quote_ids = [hs_quote(world, contact, [(sku, "1", "30.00")]) for contact in (*contacts, contacts[1])]
    world.settle_webhooks()
    clear_request_logs(world)
    context = build_context(world.workspace_id, "quotes")
    try:
        rows = QuoteSync().preview(context, quote_ids)
    finally:
        context.close()

    assert [row.action for row in rows] == ["create", "create", "fail", "create"]
    assert f"A new QuickBooks customer would be created for {fresh}" in rows[1].reason
    assert "would be created" not in rows[0].reason, "the known customer is matched by email"
    assert rows[2].error_kind == "customer_email_missing"
    assert calls(world, "hubspot", "/objects/contacts/batch/read") == 1
    assert calls(world, "quickbooks", "/estimate") == calls(world, "quickbooks", "/customer") == 0
    assert not QuickBooksWrite.objects.exists()
    assert not RecordLink.objects.filter(kind__in=("quote", "customer")).exists()
