"""CRM search through the SDK: operators, sorts, paging, query, the 10,000 cap."""

from __future__ import annotations

import json
import time

import httpx
import hubspot
import pytest
from hubspot.crm.objects import (
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from .conftest import API_ERRORS


def search(client: hubspot.Client, object_type: str, *groups: list[Filter], **kwargs):
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=list(g)) for g in groups], **kwargs)
    return client.crm.objects.search_api.do_search(object_type, request)


def skus(result) -> list[str]:
    return [r.properties["hs_sku"] for r in result.results]


def test_eq_is_case_insensitive_for_strings(client: hubspot.Client):
    result = search(client, "products", [Filter(property_name="hs_sku", operator="EQ",
                                                value="bottle-1l")], properties=["hs_sku"])
    assert skus(result) == ["BOTTLE-1L"] and result.total == 1


def test_email_lookup_ignores_case(client: hubspot.Client):
    result = search(client, "contacts", [Filter(property_name="email", operator="EQ",
                                                value="ava.bergstrom@trailhead.example")],
                    properties=["email"])
    assert [r.properties["email"] for r in result.results] == ["Ava.Bergstrom@Trailhead.example"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([Filter(property_name="price", operator="GT", value="400")], ["TENT-4P"]),
        ([Filter(property_name="price", operator="GT", value="280")],
         ["TENT-2P", "TENT-4P"]),
        ([Filter(property_name="price", operator="LTE", value="6.49")], ["FUEL-230"]),
        ([Filter(property_name="price", operator="BETWEEN", value="59.95", high_value="75")],
         ["STOVE-CANISTER", "SVC-GUIDE-DAY"]),
        ([Filter(property_name="hs_sku", operator="IN", values=["lamp-400", "FILTER-SQZ"])],
         ["FILTER-SQZ", "LAMP-400"]),
        ([Filter(property_name="name", operator="CONTAINS_TOKEN", value="tent"),
          Filter(property_name="hs_sku", operator="NEQ", value="TENT-4P")],
         ["TENT-2P"]),
        ([Filter(property_name="hs_sku", operator="CONTAINS_TOKEN", value="BAG-*")],
         ["BAG-DOWN-20", "BAG-SYN-32"]),
    ],
)
def test_operators(client: hubspot.Client, filters, expected):
    result = search(client, "products", filters, properties=["hs_sku"], limit=100)
    assert sorted(skus(result)) == sorted(expected)


def test_has_property_and_or_groups(client: hubspot.Client):
    without = search(client, "contacts",
                     [Filter(property_name="email", operator="NOT_HAS_PROPERTY")], limit=100)
    with_email = search(client, "contacts",
                        [Filter(property_name="email", operator="HAS_PROPERTY")], limit=100)
    assert without.total == 1 and without.total + with_email.total == 12
    either = search(client, "products",
                    [Filter(property_name="hs_sku", operator="EQ", value="FUEL-230")],
                    [Filter(property_name="hs_sku", operator="EQ", value="LAMP-400")])
    assert either.total == 2


def test_sort_and_paging(client: hubspot.Client):
    seen, after = [], None
    while True:
        page = search(client, "products", [], properties=["price", "hs_sku"], limit=4,
                      after=after, sorts=[{"propertyName": "price", "direction": "DESCENDING"}])
        seen.extend(float(r.properties["price"]) for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == 15 and seen == sorted(seen, reverse=True)


def test_incremental_read_on_last_modified(client: hubspot.Client):
    before = search(client, "invoices", [], properties=["hs_lastmodifieddate"], limit=1,
                    sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}])
    cursor = before.results[0].properties["hs_lastmodifieddate"]
    page = client.crm.commerce.invoices.basic_api.get_page(limit=1)
    time.sleep(0.01)
    client.crm.objects.basic_api.update("invoices", page.results[0].id,
                                        SimplePublicObjectInput(properties={"hs_title": "x"}))
    changed = search(client, "invoices", [Filter(property_name="hs_lastmodifieddate",
                                                 operator="GT", value=cursor)])
    assert [r.id for r in changed.results] == [page.results[0].id]


def test_query_searches_default_text_properties(client: hubspot.Client):
    result = search(client, "contacts", [], query="okaf", properties=["lastname"])
    assert result.total >= 1
    assert all(r.properties["lastname"] == "Okafor" for r in result.results)


def test_limits_of_a_search_request(client: hubspot.Client):
    too_many_groups = [[Filter(property_name="hs_sku", operator="HAS_PROPERTY")]] * 6
    with pytest.raises(API_ERRORS) as raised:
        search(client, "products", *too_many_groups)
    assert raised.value.status == 400
    with pytest.raises(API_ERRORS) as raised:
        search(client, "products", [], after="9950", limit=100)
    assert "10000" in json.loads(raised.value.body)["message"]
    with pytest.raises(API_ERRORS):
        search(client, "products", [], limit=201)


def test_new_records_are_searchable_after_the_configured_delay(http):
    from emulator_core.server import ServerThread
    from hubspot_emulator import EmulatorConfig, create_app

    with ServerThread(create_app(EmulatorConfig(seed="demo", search_delay_s=0.3))) as server:
        private = httpx.post(f"{server.url}/_emulator/portals/2468101/private-app-token").json()
        client = hubspot.Client.create(access_token=private["token"], host=server.url)
        client.crm.objects.basic_api.create("products", SimplePublicObjectInputForCreate(
            properties={"name": "Late", "hs_sku": "LATE-1"}))
        by_sku = [Filter(property_name="hs_sku", operator="EQ", value="LATE-1")]
        assert search(client, "products", by_sku).total == 0
        time.sleep(0.35)
        assert search(client, "products", by_sku).total == 1


def test_datetime_filters_take_epoch_millis(client: hubspot.Client):
    # 2026-01-20T00:00:00Z: the demo invoices are created day 1 to day 27 after 2026-01-05.
    later = search(client, "invoices", [Filter(property_name="createdate", operator="GTE",
                                              value="1768867200000")], limit=100)
    earlier = search(client, "invoices", [Filter(property_name="createdate", operator="LT",
                                                value="2026-01-20T00:00:00Z")], limit=100)
    assert later.total + earlier.total == 18 and later.total > 0 and earlier.total > 0
    assert all(r.properties["createdate"] >= "2026-01-20" for r in later.results)


def test_one_sort_only(client: hubspot.Client):
    with pytest.raises(API_ERRORS) as raised:
        search(client, "products", [], sorts=[
            {"propertyName": "price", "direction": "DESCENDING"},
            {"propertyName": "name", "direction": "ASCENDING"}])
    assert raised.value.status == 400
    assert "one sort only" in json.loads(raised.value.body)["message"]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "12:00"])
def test_a_bad_date_is_a_400(client: hubspot.Client, value: str):
    with pytest.raises(API_ERRORS) as raised:
        search(client, "invoices", [Filter(property_name="hs_lastmodifieddate", operator="GT",
                                           value=value)])
    body = json.loads(raised.value.body)
    assert raised.value.status == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["code"] == "INVALID_FILTER_VALUE"


def test_changed_records_are_found_by_their_new_values_only_after_the_delay():
    from emulator_core.server import ServerThread
    from hubspot_emulator import EmulatorConfig, create_app

    with ServerThread(create_app(EmulatorConfig(seed="demo", search_delay_s=0.4))) as server:
        private = httpx.post(f"{server.url}/_emulator/portals/2468101/private-app-token").json()
        client = hubspot.Client.create(access_token=private["token"], host=server.url)
        by_sku = [Filter(property_name="hs_sku", operator="EQ", value="FUEL-230")]
        fuel = search(client, "products", by_sku).results[0]
        client.crm.objects.basic_api.update("products", fuel.id, SimplePublicObjectInput(
            properties={"price": "7.99"}))
        new_price = [Filter(property_name="price", operator="EQ", value="7.99")]
        old_price = [Filter(property_name="price", operator="EQ", value="6.49")]
        assert search(client, "products", new_price).total == 0
        assert search(client, "products", old_price).total == 1
        time.sleep(0.45)
        assert search(client, "products", new_price).total == 1
        assert search(client, "products", old_price).total == 0
