"""QuickBooks → HubSpot creates happen once: HubSpot has no idempotency key, so a worker killed
between HubSpot's answer and the stored link must not lead to a second quote or invoice. Each test
counts the objects in the HubSpot emulator. Also: the estimate's id and number written back onto
the quote without an echo, and the tax of a quote made from an estimate (on its line items)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from simplecommercesync.sync.engine.models import (
    QuickBooksWrite,
    RecordLink,
    RecordStatus,
    SyncAttempt,
    SyncDirection,
    SyncRecord,
    WriteState,
)
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.quotes.models import QuoteDirection
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes
from tests.product.sync.engine.test_sync_resilience import (
    kill_worker,
    kill_worker_blocked_storing_links,
    start_drain_worker,
)
from tests.product.sync.mapping.test_reverse_tax_by_rate import (
    map_california_sales_tax,
    quote_lines,
    taxed_and_untaxed_estimate,
)
from tests.product.sync.types.quotes.test_sync_quotes import (
    hs_product,
    hs_quote,
    qb_estimate,
    quote_record,
    quotes_on,
    settle,
    writes,
)
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    _HOOKED_APPS,
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]

QUOTE_CREATE, INVOICE_CREATE = "hubspot:create:quotes", "hubspot:create:invoices"
ESTIMATE_CREATE = "create:Estimate"


def hubspot_count(world: World, object_type: str) -> int:
    """Live objects of a type in the portal, as the emulator holds them (no search involved)."""
    counts = world.providers.hubspot("GET", "/_emulator/state").json()["counts"]
    return int(counts[str(world.portal_id)][object_type])


def expire_leases(world: World) -> None:
    SyncRecord.objects.filter(workspace_id=world.workspace_id).update(
        claimed_until=timezone.now() - timedelta(seconds=1), next_attempt_at=None)


@pytest.fixture
def search_delay(world: World) -> Iterator[Any]:
    """Sets how long the portal's search index lags writes (HubSpot's "short delay")."""
    backend = _HOOKED_APPS[world.providers.hubspot_url].state.world.backend(world.portal_id)
    before = backend.search_delay_s

    def set_delay(seconds: float) -> None:
        backend.search_delay_s = seconds

    yield set_delay
    backend.search_delay_s = before


def estimate_world(world: World) -> tuple[dict[str, Any], str]:
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    sku = f"ONCE-{world.tag}"
    item_id = world.item(sku, "25.00")
    product_id = hs_product(world, sku, "25.00")
    email = f"once.{world.tag}@example.com"
    world.contact(email, "Olive", f"Once{world.tag}")  # known: the drain writes nothing before the quote
    estimate = qb_estimate(world, world.customer(f"Olive Once {world.tag}", email), item_id, "3", "25.00")
    return estimate, product_id


def quote_made_then_worker_killed(world: World, estimate: dict[str, Any]) -> int:
    """The estimate's worker dies after HubSpot made its quote, before the link was stored.
    Returns the portal's quote count from before."""
    before = hubspot_count(world, "quotes")
    # HubSpot holds the quote create a second; the link table is locked meanwhile, so the worker
    # blocks right after HubSpot answered, before anything records the quote.
    world.providers.hubspot("POST", "/_emulator/faults", json={
        "path_regex": r"/crm/v3/objects/quotes/batch/create$", "delay_s": 1, "times": 1}).raise_for_status()
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    kill_worker_blocked_storing_links(start_drain_worker(world, "quotes"), QUOTE_CREATE,
                                      lambda: hubspot_count(world, "quotes") == before + 1,
                                      "the worker never created the quote")
    world.providers.hubspot("DELETE", "/_emulator/faults")
    return before


def test_worker_killed_between_hubspot_quote_create_and_link_adopts_that_quote(world: World) -> None:
    estimate, product_id = estimate_world(world)
    before = quote_made_then_worker_killed(world, estimate)
    assert not RecordLink.objects.filter(kind="quote", quickbooks_id=estimate["Id"]).exists()
    assert QuickBooksWrite.objects.filter(operation=QUOTE_CREATE, state=WriteState.SENT).count() == 1
    assert quote_record(world, estimate["Id"]).status == RecordStatus.PROCESSING

    expire_leases(world)
    settle(world)
    assert hubspot_count(world, "quotes") == before + 1, "adopted, not created twice"
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "Adopted the HubSpot quote an interrupted attempt had created" in record.note
    quote_id = record.destination_id
    assert RecordLink.objects.get(kind="quote", quickbooks_id=estimate["Id"]).hubspot_id == quote_id
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=hs_status,scs_quickbooks_estimate_id,"
                            "scs_quickbooks_estimate_number,hs_quote_number")["properties"]
    assert quote["hs_status"] == "APPROVAL_NOT_NEEDED"
    assert quote["scs_quickbooks_estimate_id"] == estimate["Id"]
    assert quote["scs_quickbooks_estimate_number"] == quote["hs_quote_number"] == estimate["DocNumber"]
    lines = world.hs("GET", f"/crm/v4/objects/quotes/{quote_id}/associations/line_items")["results"]
    assert len(lines) == 1, "the adopted quote got its line once"
    line = world.hs("GET", f"/crm/v3/objects/line_items/{lines[0]['toObjectId']}?properties=hs_product_id,quantity")
    assert line["properties"]["hs_product_id"] == product_id and float(line["properties"]["quantity"]) == 3
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def estimate_count(world: World) -> int:
    found = world.qb("GET", "query", params={"query": "SELECT COUNT(*) FROM Estimate"})["QueryResponse"]
    return int(found["totalCount"])


def estimate_made_then_worker_killed(world: World) -> tuple[str, int]:
    """A quote whose worker died after QuickBooks made its estimate, before the link was stored:
    the estimate's write is journaled as sent and nothing is linked. Returns the quote's id and
    the realm's estimate count from before."""
    quotes_on(world, QuoteDirection.HUBSPOT_TO_QUICKBOOKS)
    sku = f"EST1-{world.tag}"
    world.item(sku, "10.00")
    email = f"est1.{world.tag}@example.com"
    world.customer(f"Esther Once {world.tag}", email)
    quote_id = hs_quote(world, world.contact(email), [(sku, "2", "10.00")])
    before = estimate_count(world)
    world.providers.quickbooks("POST", "/_emulator/faults", json={
        "path_regex": r"/estimate$", "method": "POST", "delay_s": 1, "times": 1}).raise_for_status()
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    kill_worker_blocked_storing_links(start_drain_worker(world, "quotes"), ESTIMATE_CREATE,
                                      lambda: estimate_count(world) == before + 1,
                                      "the worker never wrote the estimate")
    world.providers.quickbooks("DELETE", "/_emulator/faults")
    assert not RecordLink.objects.filter(kind="quote", hubspot_id=quote_id).exists()
    assert QuickBooksWrite.objects.filter(operation=ESTIMATE_CREATE, state=WriteState.SENT).count() == 1
    return quote_id, before


def test_worker_killed_between_quickbooks_estimate_create_and_link_replays_not_repeats(world: World) -> None:
    """The other direction of the same gap: quote → estimate replays its journaled write."""
    quote_id, before = estimate_made_then_worker_killed(world)

    expire_leases(world)
    settle(world)
    assert estimate_count(world) == before + 1, "replayed with the same requestid: one estimate"
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert RecordLink.objects.get(kind="quote", hubspot_id=quote_id).quickbooks_id == record.destination_id
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=scs_quickbooks_estimate_id")
    assert quote["properties"]["scs_quickbooks_estimate_id"] == record.destination_id
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def quickbooks_invoice(world: World) -> dict[str, Any]:
    InvoiceSyncSettings.objects.filter(workspace_id=world.workspace_id).update(
        direction=SyncDirection.QUICKBOOKS_TO_HUBSPOT)
    sku = f"INV1-{world.tag}"
    item_id = world.item(sku, "40.00")
    hs_product(world, sku, "40.00")
    email = f"inv1.{world.tag}@example.com"
    world.contact(email, "Ivy", f"Once{world.tag}")
    customer_id = world.customer(f"Ivy Once {world.tag}", email)
    invoice: dict[str, Any] = world.qb("POST", "invoice", {"CustomerRef": {"value": customer_id}, "Line": [
        {"DetailType": "SalesItemLineDetail", "Amount": "80.00",
         "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": 2, "UnitPrice": 40}}]})["Invoice"]
    upsert_pending(world.workspace_id, "invoices", world.realm_id, [invoice["Id"]], requested_by="test",
                   source_side="quickbooks")
    return invoice


def invoice_record(world: World, invoice_id: str) -> SyncRecord:
    return SyncRecord.objects.get(workspace_id=world.workspace_id, sync_type="invoices", source_side="quickbooks",
                                  source_id=invoice_id)


def kill_during_lost_answer(world: World, path_regex: str, object_type: str, sync_type: str) -> None:
    """HubSpot creates the object and holds its answer; the worker is killed before it hears it."""
    before = hubspot_count(world, object_type)
    world.providers.hubspot("POST", "/_emulator/faults", json={
        "path_regex": path_regex, "answer_delay_s": 5, "times": 1}).raise_for_status()
    worker = start_drain_worker(world, sync_type)
    deadline = time.monotonic() + 30
    try:
        while hubspot_count(world, object_type) == before:
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never created it"
            time.sleep(0.02)
    finally:
        kill_worker(worker)
    world.providers.hubspot("DELETE", "/_emulator/faults")


def test_worker_killed_while_hubspot_answers_an_invoice_create_adopts_that_invoice(world: World) -> None:
    invoice = quickbooks_invoice(world)
    before = hubspot_count(world, "invoices")
    kill_during_lost_answer(world, r"/crm/v3/objects/invoices/batch/create$", "invoices", "invoices")
    assert hubspot_count(world, "invoices") == before + 1
    assert QuickBooksWrite.objects.filter(operation=INVOICE_CREATE, state=WriteState.SENT).count() == 1
    assert not RecordLink.objects.filter(kind="invoice", quickbooks_id=invoice["Id"]).exists()

    expire_leases(world)
    world.drain()
    assert hubspot_count(world, "invoices") == before + 1, "adopted, not created twice"
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "Adopted the HubSpot invoice" in record.note
    hubspot_id = record.destination_id
    found = world.hs("GET", f"/crm/v3/objects/invoices/{hubspot_id}?properties=hs_invoice_status,"
                            "scs_quickbooks_invoice_id,scs_quickbooks_invoice_number")["properties"]
    assert found["hs_invoice_status"] == "open"
    assert found["scs_quickbooks_invoice_id"] == invoice["Id"]
    assert found["scs_quickbooks_invoice_number"] == invoice["DocNumber"]
    lines = world.hs("GET", f"/crm/v4/objects/invoices/{hubspot_id}/associations/line_items")["results"]
    assert len(lines) == 1
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def test_a_create_hidden_by_search_lag_is_waited_for_then_adopted(world: World, search_delay: Any) -> None:
    invoice = quickbooks_invoice(world)
    before = hubspot_count(world, "invoices")
    search_delay(3)  # the new invoice is invisible to search for 3 s
    kill_during_lost_answer(world, r"/crm/v3/objects/invoices/batch/create$", "invoices", "invoices")
    expire_leases(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.PENDING, "search shows nothing yet: that proves nothing, so wait"
    assert "search doesn't show it yet" in record.error_message
    assert hubspot_count(world, "invoices") == before + 1
    time.sleep(3.2)
    expire_leases(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "Adopted the HubSpot invoice" in record.note
    assert hubspot_count(world, "invoices") == before + 1


def test_a_create_that_never_reached_hubspot_is_made_once_search_has_settled(world: World) -> None:
    invoice = quickbooks_invoice(world)
    before = hubspot_count(world, "invoices")
    # The connection drops with the create: it may or may not have happened.
    world.providers.hubspot("POST", "/_emulator/faults", json={
        "path_regex": r"/crm/v3/objects/invoices/batch/create$", "reset_connection": True,
        "times": 1}).raise_for_status()
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.PENDING, (record.error_kind, record.error_message)
    assert QuickBooksWrite.objects.filter(operation=INVOICE_CREATE, state=WriteState.SENT).count() == 1
    expire_leases(world)
    world.drain()
    assert invoice_record(world, invoice["Id"]).status == RecordStatus.PENDING, "within search's delay: wait"
    assert hubspot_count(world, "invoices") == before
    # Past the time search needs to show a write, finding nothing proves nothing was created.
    QuickBooksWrite.objects.filter(operation=INVOICE_CREATE).update(created_at=timezone.now() - timedelta(minutes=1))
    expire_leases(world)
    world.drain()
    record = invoice_record(world, invoice["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert "Adopted" not in record.note
    assert hubspot_count(world, "invoices") == before + 1
    assert not QuickBooksWrite.objects.filter(state=WriteState.SENT).exists()


def test_quote_synced_to_an_estimate_carries_its_id_and_number_without_echo(world: World) -> None:
    quotes_on(world)
    sku = f"WB-{world.tag}"
    world.item(sku, "10.00")
    hs_product(world, sku, "10.00")
    quote_id = hs_quote(world, world.contact(f"wb.{world.tag}@example.com"), [(sku, "1", "10.00")])
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    settle(world)
    record = quote_record(world, quote_id)
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    estimate = world.qb("GET", f"estimate/{record.destination_id}")["Estimate"]
    quote = world.hs("GET", f"/crm/v3/objects/quotes/{quote_id}?properties=scs_quickbooks_estimate_id,"
                            "scs_quickbooks_estimate_number,hs_quote_number")["properties"]
    assert quote["scs_quickbooks_estimate_id"] == estimate["Id"]
    assert quote["scs_quickbooks_estimate_number"] == quote["hs_quote_number"] == estimate["DocNumber"]
    # The write-back is ours: queued again from either side, nothing is written anywhere.
    before = writes(world)
    queue_quote_changes(world.workspace_id, "hubspot", str(world.portal_id), [quote_id], requested_by="test")
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    assert writes(world) == before
    assert SyncAttempt.objects.filter(record=record).first().action == "unchanged"  # type: ignore[union-attr]


def test_quote_from_an_estimate_takes_tax_on_its_line_items_only(world: World) -> None:
    # Automated sales tax names the destination state's code on the estimate (TxnTaxCodeRef).
    rates, codes = map_california_sales_tax(world, "CA (automated sales tax)")
    taxed, untaxed = f"TX-{world.tag}", f"NT-{world.tag}"
    address = {"Line1": "1 Market St", "City": "San Francisco", "CountrySubDivisionCode": "CA",
               "PostalCode": "94105", "Country": "US"}
    # US automated sales tax: lines are TAX/NON; QuickBooks puts the state's code on the estimate.
    estimate = taxed_and_untaxed_estimate(world, taxed, untaxed, f"Tess Tax {world.tag}",
                                          f"tax.{world.tag}@example.com", address)
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    assert estimate["TxnTaxDetail"].get("TxnTaxCodeRef", {}).get("value") == codes["CA (automated sales tax)"]
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    quote_id = record.destination_id
    by_sku = quote_lines(world, quote_id)
    assert by_sku[taxed]["hs_tax_rate_group_id"] == rates["California Sales Tax"]
    assert not by_sku[untaxed].get("hs_tax_rate_group_id")
    # Tax is on the lines; an order-level tax object as well would tax the quote twice.
    assert world.hs("GET", f"/crm/v4/objects/quotes/{quote_id}/associations/taxes")["results"] == []
