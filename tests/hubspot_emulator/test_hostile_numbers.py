"""Odd numbers written to every numeric property of the HubSpot emulator: never a 500, never a
half-applied write; invalid values are HubSpot's 400 VALIDATION_ERROR body, valid odd ones
(negative, many decimals, -0) behave as HubSpot's commerce rules say (README, "Numbers").

Property-based (hypothesis) over raw HTTP, so the bodies can hold what no SDK would send: NaN and
Infinity tokens, 1e30 as a JSON number, booleans, objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubspot_emulator.models import HubSpotWorld
from hubspot_emulator.seed import MAIN_PORTAL

LIMIT = Decimal(10) ** 15
PLAIN = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")  # HubSpot's number rule (changelog)
WIDE = Context(prec=200)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass(frozen=True)
class Raw:
    """A JSON number token put into the body as is (1e30, NaN, -0.0)."""

    text: str


def encode(body: Any) -> str:
    marks: dict[str, str] = {}

    def default(value: Any) -> str:
        if isinstance(value, Raw):
            key = f"\x00raw{len(marks)}\x00"
            marks[key] = value.text
            return key
        raise TypeError(value)

    text = json.dumps(body, default=default)
    for key, raw in marks.items():
        text = text.replace(json.dumps(key), raw)
    return text


ODD_TEXT = ["1e30", "1E+30", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "-0", "-0.00", "0.1",
            "1,000.00", " 12.5", "12.5 ", "\u00a012.5", "1 000", "1_000", "+5", ".5", "5.", "--5",
            "0x10", "1e-30", "\u0661\u0662", "", " ", "true", "null", "999999999999999",
            "1000000000000000", "-999999999999999.99", "0.333333333333333333333333333333333",
            "1e999999999", "9" * 400, "12.34.56", "-", "."]
NUMBER_TEXT = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
    st.integers(0, 12).flatmap(lambda places: st.decimals(
        min_value=-(10**16), max_value=10**16, places=places)).map(lambda d: format(d, "f")),
    st.text(alphabet="0123456789.,-+ eE_", max_size=14),
)
JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|-?Infinity")
HOSTILE = st.one_of(
    NUMBER_TEXT,
    NUMBER_TEXT.filter(JSON_NUMBER.fullmatch).map(Raw),
    st.booleans(),
    st.none(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


def sent_number(value: Any) -> Decimal | None:
    """The number a client meant when it followed HubSpot's rule exactly, else None."""
    text = value.text if isinstance(value, Raw) else value
    if not isinstance(text, str) or not PLAIN.fullmatch(text):
        return None
    number = Decimal(text)
    return number if number.is_zero() or number.adjusted() < 15 else None


def numeric(value: Any) -> Decimal | None:
    """Whatever number the value spells, if any (for checking what was stored)."""
    text = value.text if isinstance(value, Raw) else value
    try:
        number = Decimal(str(text).strip()) if isinstance(text, str | int) else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def half_up(value: Decimal) -> str:
    with localcontext(WIDE):
        rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(abs(rounded) if rounded.is_zero() else rounded)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def post(http: httpx.Client, token: str, path: str, body: Any) -> httpx.Response:
    return http.post(path, content=encode(body), headers=auth(token))


def patch(http: httpx.Client, token: str, path: str, body: Any) -> httpx.Response:
    return http.patch(path, content=encode(body), headers=auth(token))


def assert_refused(response: httpx.Response, name: str) -> dict[str, Any]:
    """HubSpot's validation body: 400, VALIDATION_ERROR, the property named, a message."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: "), body
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]
    assert [e["in"] for e in body["errors"]] == [name]
    assert all(e["message"] for e in body["errors"])
    return dict(body)


NUMERIC_PATHS = [
    ("products", "price", {"name": "Odd"}),
    ("products", "hs_cost_of_goods_sold", {"name": "Odd"}),
    ("commerce_payments", "hs_initial_amount", {"hs_initiated_date": "2026-02-01"}),
    ("taxes", "hs_value", {"hs_label": "Odd tax"}),
    ("line_items", "hs_position_on_quote", {"name": "Odd"}),
]


@pytest.mark.parametrize(("object_type", "name", "base"), NUMERIC_PATHS)
@SETTINGS
@given(value=HOSTILE)
def test_a_number_property_takes_valid_numbers_and_refuses_the_rest(
        http: httpx.Client, private_token: str, world: HubSpotWorld, object_type: str, name: str,
        base: dict[str, str], value: Any):
    backend = world.backends[MAIN_PORTAL]
    before = backend.count(object_type)
    response = post(http, private_token, f"/crm/v3/objects/{object_type}",
                    {"properties": {**base, name: value}})
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        stored = response.json()["properties"].get(name, "")
        assert stored == "" or PLAIN.fullmatch(stored), stored
        if stored:
            assert Decimal(stored) == numeric(value) and abs(Decimal(stored)) < LIMIT
        assert backend.count(object_type) == before + 1
    else:
        body = assert_refused(response, name)
        # REQUIRED_PROPERTY: a payment's hs_initial_amount written as null or "".
        assert body["errors"][0]["code"] in ("INVALID_FLOAT", "LEADING_TRAILING_WHITESPACE",
                                             "INVALID_PROPERTY_VALUE", "REQUIRED_PROPERTY")
        assert sent_number(value) is None, "a plain number HubSpot takes was refused"
        assert backend.count(object_type) == before, "a refused create stored something"


LINE_CASES = [
    ("price", {"quantity": "2"}),
    ("quantity", {"price": "10.00"}),
    ("discount", {"quantity": "2", "price": "10.00"}),
    ("hs_discount_percentage", {"quantity": "2", "price": "10.00"}),
]


def expected_amount(props: dict[str, str]) -> tuple[Decimal, Decimal]:
    with localcontext(WIDE):
        quantity = Decimal(props.get("quantity") or "0")
        price = Decimal(props.get("price") or "0")
        gross = quantity * price
        if props.get("hs_discount_percentage"):
            discount = gross * Decimal(props["hs_discount_percentage"]) / 100
        else:
            discount = quantity * Decimal(props.get("discount") or "0")
        return gross - discount, discount


@pytest.mark.parametrize(("name", "base"), LINE_CASES)
@SETTINGS
@given(value=HOSTILE)
def test_line_item_numbers_and_amounts(http: httpx.Client, private_token: str, world: HubSpotWorld,
                                       name: str, base: dict[str, str], value: Any):
    backend = world.backends[MAIN_PORTAL]
    before = backend.count("line_items")
    response = post(http, private_token, "/crm/v3/objects/line_items",
                    {"properties": {"name": "Odd", **base, name: value}})
    assert response.status_code < 500, response.text
    number = sent_number(value)
    if response.status_code == 201:
        props = response.json()["properties"]
        amount, discount = expected_amount(props)
        assert props["amount"] == half_up(amount)
        assert props["hs_total_discount"] == half_up(discount)
        assert abs(amount) < LIMIT and not props["amount"].startswith("-0.00")
        assert backend.count("line_items") == before + 1
        return
    assert backend.count("line_items") == before, "a refused create stored something"
    if number is None:
        assert_refused(response, name)
        return
    # A valid number whose line amount would leave HubSpot's range: refused, saying why.
    amount, discount = expected_amount({**base, name: str(number)})
    assert max(abs(amount), abs(discount)) >= LIMIT
    body = assert_refused(response, "quantity")
    assert "outside -10^15 to 10^15" in body["errors"][0]["message"]


def open_invoice(http: httpx.Client, token: str) -> tuple[str, str]:
    def create(object_type: str, **properties: str) -> str:
        made = post(http, token, f"/crm/v3/objects/{object_type}", {"properties": properties})
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    invoice = create("invoices", hs_currency="USD")
    contact = create("contacts", email="odd.numbers@example.com")
    line = create("line_items", name="Tent", quantity="2", price="100.00")
    for path in (f"/crm/v4/objects/invoices/{invoice}/associations/default/contacts/{contact}",
                 f"/crm/v4/objects/invoices/{invoice}/associations/default/line_items/{line}"):
        assert http.put(path, headers=auth(token)).status_code < 300
    opened = patch(http, token, f"/crm/v3/objects/invoices/{invoice}",
                   {"properties": {"hs_invoice_status": "open"}})
    assert opened.status_code == 200, opened.text
    return invoice, line


def read(world: HubSpotWorld, object_type: str, object_id: str, names: str) -> dict[str, str]:
    """Stored values, read from the emulator's state (40 examples × 3 calls would pass the
    private-app token's 110 requests per 10 s)."""
    stored = world.backends[MAIN_PORTAL].get_object(object_type, object_id).properties
    return {name: stored.get(name, "") for name in names.split(",")}


@pytest.fixture
def invoice_line(http: httpx.Client, private_token: str) -> tuple[str, str]:
    """One open invoice with one line, shared by all examples of a test."""
    return open_invoice(http, private_token)


@SETTINGS
@given(name=st.sampled_from(["price", "quantity", "discount"]), value=HOSTILE)
def test_a_refused_line_update_changes_nothing_and_an_accepted_one_moves_the_invoice(
        http: httpx.Client, private_token: str, world: HubSpotWorld,
        invoice_line: tuple[str, str], name: str, value: Any):
    invoice, line = invoice_line
    fields = "quantity,price,discount,amount,hs_lastmodifieddate"
    before = read(world, "line_items", line, fields)
    response = patch(http, private_token, f"/crm/v3/objects/line_items/{line}",
                     {"properties": {name: value}})
    assert response.status_code < 500, response.text
    after = read(world, "line_items", line, fields)
    totals = read(world, "invoices", invoice, "hs_subtotal,hs_balance_due")
    if response.status_code != 200:
        assert response.status_code == 400, response.text
        assert after == before, "a refused update changed the line item"
    assert totals["hs_subtotal"] == after["amount"]
    assert totals["hs_balance_due"] == after["amount"]


@pytest.mark.parametrize(("object_type", "name", "base"), [
    ("invoices", "hs_subtotal", {"hs_currency": "USD"}),
    ("invoices", "hs_amount_billed", {"hs_currency": "USD"}),
    ("invoices", "hs_balance_due", {"hs_currency": "USD"}),
    ("invoices", "hs_amount_paid", {"hs_currency": "USD"}),
    ("quotes", "hs_quote_amount", {"hs_title": "Q", "hs_expiration_date": "2026-12-31"}),
    ("line_items", "amount", {"name": "Odd"}),
    ("commerce_payments", "hs_refunds_amount",
     {"hs_initial_amount": "5", "hs_initiated_date": "2026-02-01"}),
])
@SETTINGS
@given(value=HOSTILE)
def test_calculated_amounts_are_read_only_whatever_is_written(
        http: httpx.Client, private_token: str, object_type: str, name: str,
        base: dict[str, str], value: Any):
    response = post(http, private_token, f"/crm/v3/objects/{object_type}",
                    {"properties": {**base, name: value}})
    body = assert_refused(response, name)
    assert body["errors"][0]["code"] == "READ_ONLY_VALUE"


@SETTINGS
@given(values=st.lists(HOSTILE, min_size=1, max_size=5))
def test_batch_create_refuses_only_the_bad_inputs(http: httpx.Client, private_token: str,
                                                  world: HubSpotWorld, values: list[Any]):
    backend = world.backends[MAIN_PORTAL]
    before = backend.count("products")
    inputs = [{"properties": {"name": f"Odd {i}", "price": v}} for i, v in enumerate(values)]
    response = post(http, private_token, "/crm/v3/objects/products/batch/create", {"inputs": inputs})
    assert response.status_code in (201, 207, 400), response.text
    body = response.json()
    if response.status_code == 400:  # every input refused, and only one: a plain error body
        made, refused = [], [body]
    else:
        made, refused = body["results"], body.get("errors", [])
    assert len(made) + len(refused) == len(values)
    assert backend.count("products") == before + len(made)
    for error in refused:
        assert error["category"] == "VALIDATION_ERROR" and error["message"]
    for product in made:
        price = product["properties"].get("price", "")
        assert price == "" or PLAIN.fullmatch(price)


@pytest.mark.parametrize(("line", "amount", "discount"), [
    ({"quantity": "3", "price": "-19.99"}, "-59.97", "0.00"),  # negative prices are taken
    ({"quantity": "-2", "price": "10"}, "-20.00", "0.00"),
    ({"quantity": "3", "price": "0.333333333333333333"}, "1.00", "0.00"),  # many decimals
    ({"quantity": "1", "price": "0.005"}, "0.01", "0.00"),  # half up to the cent
    ({"quantity": "1", "price": "-0.005"}, "-0.01", "0.00"),
    ({"quantity": "-0", "price": "12.50"}, "0.00", "0.00"),  # never "-0.00"
    ({"quantity": "2", "price": "10", "discount": "0.125"}, "19.75", "0.25"),
    ({"quantity": "3", "price": "10", "hs_discount_percentage": "33.3333"}, "20.00", "10.00"),
    ({"quantity": "999999999999999", "price": "0.99"}, "989999999999999.01", "0.00"),
])
def test_valid_odd_line_values_follow_hubspots_rules(http: httpx.Client, private_token: str,
                                                     line: dict[str, str], amount: str,
                                                     discount: str):
    response = post(http, private_token, "/crm/v3/objects/line_items",
                    {"properties": {"name": "Odd", **line}})
    assert response.status_code == 201, response.text
    props = response.json()["properties"]
    assert (props["amount"], props["hs_total_discount"]) == (amount, discount)
    for name, value in line.items():
        assert props[name] == value  # stored exactly as written


@pytest.mark.parametrize(("value", "code"), [
    (Raw("1e30"), "INVALID_FLOAT"), (Raw("NaN"), "INVALID_FLOAT"),
    (Raw("Infinity"), "INVALID_FLOAT"), ("1e30", "INVALID_FLOAT"), ("NaN", "INVALID_FLOAT"),
    ("1,000.00", "INVALID_FLOAT"), ("1 000", "INVALID_FLOAT"), ("1000000000000000", "INVALID_FLOAT"),
    (" 12.50", "LEADING_TRAILING_WHITESPACE"), ("12.50\u00a0", "LEADING_TRAILING_WHITESPACE"),
    (True, "INVALID_FLOAT"), ({"amount": 1}, "INVALID_PROPERTY_VALUE"),
])
def test_invalid_prices_get_hubspots_validation_body(http: httpx.Client, private_token: str,
                                                     value: Any, code: str):
    response = post(http, private_token, "/crm/v3/objects/line_items",
                    {"properties": {"name": "Odd", "quantity": "1", "price": value}})
    body = assert_refused(response, "price")
    assert body["errors"][0]["code"] == code
    listed = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert listed[0]["isValid"] is False and listed[0]["name"] == "price"
    assert listed[0]["error"] == code and listed[0]["portalId"] == MAIN_PORTAL


@pytest.mark.parametrize("value", ["Infinity", "NaN", "1e30", "-1", '"abc"', "true", "[1]",
                                   '{"a": 1}', "1.5", "10000000000"])
@pytest.mark.parametrize("key", ["contacts", "products", "invoices", "lines_per_invoice", "seed"])
def test_generate_refuses_odd_counts_with_a_message(http: httpx.Client, world: HubSpotWorld,
                                                    key: str, value: str):
    before = world.backends[MAIN_PORTAL].count("contacts")
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/generate",
                         content=f'{{"{key}": {value}}}',
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert key in response.json()["error"] and "whole number" in response.json()["error"]
    assert world.backends[MAIN_PORTAL].count("contacts") == before
