"""QuickBooks → HubSpot tax in a US company on automated sales tax, with the demo's obvious mapping
(HubSpot "California Sales Tax" → QuickBooks "California"): QuickBooks names its own code on the
estimate ("CA (automated sales tax)"), which no mapping names, so the line's rate is the mapped one
charging the same percentage. Over HTTP against both emulators."""

from __future__ import annotations

from typing import Any

import pytest

from simplecommercesync.sync import operations
from simplecommercesync.sync.engine.models import RecordStatus
from simplecommercesync.sync.mapping.tax_models import ReverseUnmappedTaxBehavior, TaxMapping, TaxSettings
from simplecommercesync.sync.types.quotes.models import QuoteDirection
from simplecommercesync.sync.types.quotes.queueing import queue_quote_changes
from tests.product.sync.types.quotes.test_sync_quotes import hs_product, quote_record, quotes_on, settle
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def map_california_sales_tax(world: World, code_name: str = "California") -> tuple[dict[str, str], dict[str, str]]:
    """Refresh Cache, then map HubSpot's California Sales Tax to the QuickBooks tax code named
    `code_name` (the mapping a demo user adds first names "California"). Returns the HubSpot
    rate ids and the QuickBooks code ids, by name."""
    assert operations.refresh_tax_cache(world.workspace_id).level == "success"
    rates = {str(r["name"]): str(r["id"]) for r in world.hs("GET", "/tax-rates/v1/tax-rates")["results"]}
    codes = {str(c["Name"]): str(c["Id"]) for c in world.query("SELECT * FROM TaxCode")}
    TaxMapping.objects.create(workspace_id=world.workspace_id, hubspot_portal_id=str(world.portal_id),
                              quickbooks_realm_id=world.realm_id, hubspot_tax_rate_id=rates["California Sales Tax"],
                              quickbooks_tax_code_id=codes[code_name])
    return rates, codes


def taxed_and_untaxed_estimate(world: World, taxed: str, untaxed: str, display_name: str, email: str,
                               address: dict[str, str]) -> dict[str, Any]:
    """Quotes on from QuickBooks to HubSpot, and an estimate in QuickBooks for a new customer at
    `address` (billing and shipping): the item `taxed` on a line coded TAX, `untaxed` on one coded
    NON, 100.00 each; both items taxable, each with its HubSpot product."""
    quotes_on(world, QuoteDirection.QUICKBOOKS_TO_HUBSPOT)
    items = {sku: str(world.qb("POST", "item", {
        "Name": f"Item {sku}", "Sku": sku, "Type": "Service", "UnitPrice": "100.00", "Taxable": True,
        "IncomeAccountRef": {"value": "2"}})["Item"]["Id"]) for sku in (taxed, untaxed)}
    for sku in items:
        hs_product(world, sku, "100.00")
    customer_id = str(world.qb("POST", "customer", {
        "DisplayName": display_name, "PrimaryEmailAddr": {"Address": email},
        "BillAddr": address, "ShipAddr": address})["Customer"]["Id"])
    estimate: dict[str, Any] = world.qb("POST", "estimate", {
        "CustomerRef": {"value": customer_id}, "TxnStatus": "Pending", "ExpirationDate": "2026-12-31",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "100.00", "SalesItemLineDetail": {
                      "ItemRef": {"value": items[sku]}, "Qty": 1, "UnitPrice": 100, "TaxCodeRef": {"value": code}}}
                 for sku, code in ((taxed, "TAX"), (untaxed, "NON"))]})["Estimate"]
    return estimate


def estimate_to(world: World, state: str, city: str, postal: str, n: int = 1) -> tuple[dict[str, Any], str, str]:
    """An estimate in QuickBooks for a customer in `state`: one taxable line, one not."""
    taxed, untaxed = f"TXS{n}-{state}-{world.tag}", f"NTS{n}-{state}-{world.tag}"
    address = {"Line1": "1 Main St", "City": city, "CountrySubDivisionCode": state, "PostalCode": postal,
               "Country": "US"}
    estimate = taxed_and_untaxed_estimate(world, taxed, untaxed, f"Rita Rate {n} {state} {world.tag}",
                                          f"rt{n}.{state.lower()}.{world.tag}@example.com", address)
    return estimate, taxed, untaxed


def quote_lines(world: World, quote_id: str) -> dict[str, dict[str, Any]]:
    line_ids = [r["toObjectId"] for r in
                world.hs("GET", f"/crm/v4/objects/quotes/{quote_id}/associations/line_items")["results"]]
    lines = [world.hs("GET", f"/crm/v3/objects/line_items/{i}?properties=hs_sku,hs_tax_rate_group_id")["properties"]
             for i in line_ids]
    return {line["hs_sku"]: line for line in lines}


def test_automated_sales_tax_code_takes_the_mapped_rate_with_the_same_percentage(world: World) -> None:
    rates, codes = map_california_sales_tax(world)
    # Strict: an unmatched code would fail, so success proves the match, not a fallback.
    TaxSettings.objects.filter(workspace_id=world.workspace_id).update(
        reverse_unmapped_behavior=ReverseUnmappedTaxBehavior.STRICT)
    estimate, taxed, untaxed = estimate_to(world, "CA", "Truckee", "96161")
    assert estimate["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == codes["CA (automated sales tax)"]
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    by_sku = quote_lines(world, record.destination_id)
    assert by_sku[taxed]["hs_tax_rate_group_id"] == rates["California Sales Tax"]
    assert not by_sku[untaxed].get("hs_tax_rate_group_id")
    assert "CA (automated sales tax), 7.25 %) took the mapped HubSpot tax rate" in record.note


def test_automated_sales_tax_code_no_mapped_rate_charges_is_left_without_a_rate(world: World) -> None:
    map_california_sales_tax(world)  # nothing maps New York City Sales Tax (8.875 %)
    estimate, taxed, _ = estimate_to(world, "NY", "New York", "10038")
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    assert not quote_lines(world, record.destination_id)[taxed].get("hs_tax_rate_group_id")
    assert "QuickBooks tax code NY (automated sales tax) has no HubSpot tax rate; the line has none." in record.note
    # Strict Mode fails it, naming the code.
    TaxSettings.objects.filter(workspace_id=world.workspace_id).update(
        reverse_unmapped_behavior=ReverseUnmappedTaxBehavior.STRICT)
    estimate, _, _ = estimate_to(world, "NY", "New York", "10038", n=2)
    queue_quote_changes(world.workspace_id, "quickbooks", world.realm_id, [estimate["Id"]], requested_by="test")
    settle(world)
    record = quote_record(world, estimate["Id"])
    assert record.status == RecordStatus.FAILED
    assert record.error_message == ("Unmapped tax code: QuickBooks tax code NY (automated sales tax) has no HubSpot "
                                    "tax rate (Strict Mode).")
