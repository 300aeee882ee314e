"""Odd numbers sent to every amount of the QuickBooks emulator: never a 500, never a half-applied
write; unreadable or out-of-range numbers are Intuit's 400 ValidationFault code 2010, valid odd
ones are rounded like QuickBooks Online (amounts to the cent, Qty and UnitPrice to 7 decimals),
and the JSON never shows a binary float artefact (README, "Numbers").

Property-based (hypothesis) over raw HTTP, so bodies can hold what python-quickbooks would never
send: NaN and Infinity tokens, 1e30 as a JSON number, booleans, objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quickbooks_emulator.seed import MAIN_REALM, TEST_REALM

from .conftest import Emulator

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
# What java.math.BigDecimal reads, which is what Intuit's JSON reader takes for an amount.
BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
AMOUNT_KEYS = {"Amount", "TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "TotalTax",
               "TaxableAmount", "UnappliedAmt", "Deposit", "TaxAmount", "NetAmountTaxable",
               "TaxInclusiveAmt", "RemainingCredit"}
UNIT_KEYS = {"Qty", "UnitPrice", "PurchaseCost", "QtyOnHand"}
CHECKING = "8"  # the demo companies' bank account, a refund account
CENT, HALF_CENT, HALF_UNIT = Decimal("0.01"), Decimal("0.005"), Decimal("0.00000005")


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


ODD_TEXT = ["1e30", "1E+30", "NaN", "Infinity", "-Infinity", "-0", "-0.00", "0.1", "0.105",
            "1,000.00", " 12.5", "12.5 ", "1 000", "1_000", "+5", ".5", "5.", "--5", "0x10",
            "1e-30", "1e-999999999", "1e999999999", "\u0661\u0662", "", " ", "true", "null",
            "9999999999.99", "9999999999.999", "10000000000", "-9999999999.99",
            "0.333333333333333333333333", "123456789.123456789", "12.34.56", "-", "."]
NUMBER_TEXT = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
    st.floats().map(repr),
    st.integers(0, 10).flatmap(lambda places: st.decimals(
        min_value=-(10**11), max_value=10**11, places=places)).map(lambda d: format(d, "f")),
    st.text(alphabet="0123456789.,-+ eE_", max_size=14),
)
JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|-?Infinity")
HOSTILE = st.one_of(
    NUMBER_TEXT,
    NUMBER_TEXT.filter(JSON_NUMBER.fullmatch).map(Raw),
    st.booleans(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


def readable(value: Any) -> Decimal | None:
    """The number a value spells for Intuit's reader (absent counts as None too)."""
    text = value.text if isinstance(value, Raw) else value
    if not isinstance(text, str) or not BIG_DECIMAL.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def in_range(number: Decimal) -> bool:
    return number.is_zero() or number.adjusted() < 10


def places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def check_numbers(value: Any, key: str = "") -> None:
    """No float artefact anywhere: amounts have at most 2 decimals, Qty/UnitPrice at most 7, and
    no number has more than 15 significant digits (the response is parsed with Decimal)."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_numbers(item, name)
    elif isinstance(value, list):
        for item in value:
            check_numbers(item, key)
    elif isinstance(value, Decimal):
        assert len(value.as_tuple().digits) <= 15, (key, value)
        if key in AMOUNT_KEYS:
            assert places(value) <= 2, (key, value)
            assert value.adjusted() < 10 or value.is_zero(), (key, value)
        if key in UNIT_KEYS:
            assert places(value) <= 7, (key, value)


def body_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body = json.loads(response.text, parse_float=Decimal)
    check_numbers(body)
    return dict(body)


def fault_of(response: httpx.Response) -> dict[str, str]:
    """Intuit's fault shape: 400, ValidationFault, one error with Message, Detail and code."""
    assert response.status_code == 400, response.text
    body = body_of(response)
    assert body["Fault"]["type"] == "ValidationFault" and body["time"]
    [error] = body["Fault"]["Error"]
    assert error["Message"] and error["Detail"] and error["code"]
    return dict(error)


@dataclass
class Api:
    emulator: Emulator
    token: str
    realm: str = MAIN_REALM

    def post(self, path: str, body: Any, **params: str) -> httpx.Response:
        return self.emulator.api("POST", path, self.token, self.realm, content=encode(body),
                                 headers={"Content-Type": "application/json"}, params=params)

    def count(self, entity: str) -> int:
        response = self.emulator.query(f"select count(*) from {entity}", self.token, self.realm)
        assert response.status_code == 200, response.text
        return int(response.json()["QueryResponse"]["totalCount"])

    def first(self, entity: str) -> dict[str, Any]:
        response = self.emulator.query(f"select * from {entity} maxresults 1", self.token, self.realm)
        assert response.status_code == 200, response.text
        return dict(response.json()["QueryResponse"][entity][0])


@pytest.fixture
def api(emulator: Emulator) -> Api:
    return Api(emulator, emulator.token()["access_token"])


def sales_line(item: str, **numbers: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {"ItemRef": {"value": item}}}
    for name, value in numbers.items():
        if name == "Amount":
            line["Amount"] = value
        else:
            line["SalesItemLineDetail"][name] = value
    return line


def assert_refusal_is_right(error: dict[str, str], field: str, value: Any) -> None:
    """2010 for what can't be read or is out of range; 6000 only for a total below zero."""
    number = readable(value)
    if number is None or not in_range(number):
        assert error["code"] == "2010", error
        assert error.get("element") == field, error
        return
    if error["code"] == "6000":
        assert "must be positive" in error["Detail"] and number < 0, error
    else:  # a readable, in-range number whose line amount or total leaves the 10.5 format
        assert error["code"] == "2010" and "out of range" in error["Detail"], error


@pytest.mark.parametrize("entity", ["Invoice", "Estimate", "CreditMemo", "RefundReceipt"])
@pytest.mark.parametrize("field", ["Qty", "UnitPrice", "Amount"])
@SETTINGS
@given(value=HOSTILE)
def test_sales_form_line_numbers(api: Api, entity: str, field: str, value: Any) -> None:
    before = api.count(entity)
    body: dict[str, Any] = {"CustomerRef": {"value": "1"}, "Line": [sales_line("1", **{field: value})]}
    if entity == "RefundReceipt":
        body["DepositToAccountRef"] = {"value": CHECKING}
    response = api.post(entity.lower(), body)
    if response.status_code == 200:
        saved = body_of(response)[entity]
        line = saved["Line"][0]
        detail = line["SalesItemLineDetail"]
        number = readable(value)
        if number is not None and field in ("Qty", "UnitPrice") and abs(number) >= HALF_UNIT:
            assert abs(detail[field] - number) <= HALF_UNIT + abs(number) / 10**14
        if field == "Amount" and number is not None and abs(number) >= HALF_CENT:
            assert line["Amount"] == number.quantize(CENT, rounding=ROUND_HALF_UP)
        lines = [li["Amount"] for li in saved["Line"] if li["DetailType"] == "SalesItemLineDetail"]
        assert saved["TotalAmt"] == sum(lines) + saved["TxnTaxDetail"].get("TotalTax", 0)
        assert saved["TotalAmt"] >= 0
        assert api.count(entity) == before + 1
    else:
        assert_refusal_is_right(fault_of(response), field, value)
        assert api.count(entity) == before, "a refused create stored something"


@pytest.mark.parametrize("field", ["TotalAmt", "Line.Amount"])
@SETTINGS
@given(value=HOSTILE)
def test_payment_amounts(api: Api, field: str, value: Any) -> None:
    before = api.count("Payment")
    if field == "TotalAmt":
        body: dict[str, Any] = {"CustomerRef": {"value": "1"}, "TotalAmt": value}
    else:
        body = {"CustomerRef": {"value": "1"}, "TotalAmt": "1000000",
                "Line": [{"Amount": value, "LinkedTxn": []}]}
    response = api.post("payment", body)
    number = readable(value)
    if response.status_code == 200:
        payment = body_of(response)["Payment"]
        if field == "TotalAmt":
            assert number is not None and abs(number) < HALF_CENT or number >= 0
            if abs(number) >= HALF_CENT:
                assert payment["TotalAmt"] == number.quantize(CENT, rounding=ROUND_HALF_UP)
        assert api.count("Payment") == before + 1
        return
    error = fault_of(response)
    assert api.count("Payment") == before, "a refused payment stored something"
    if value in ("", {}, []) and field == "TotalAmt":  # python-quickbooks's "unset"
        assert error["code"] == "2020", error  # and TotalAmt is required
    elif number is None or not in_range(number):
        assert error["code"] == "2010" and error["element"] == field.split(".")[-1], error
    else:  # negative amounts; applied amounts past what the payment brings
        assert error["code"] == "6000" and (number < 0 or number > 1000000), error


@pytest.mark.parametrize("field", ["UnitPrice", "PurchaseCost"])
@SETTINGS
@given(value=HOSTILE)
def test_item_prices(api: Api, field: str, value: Any) -> None:
    before = api.count("Item")
    name = f"Odd item {before}"
    response = api.post("item", {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": "1"},
                                 field: value})
    number = readable(value)
    if response.status_code == 200:
        item = body_of(response)["Item"]
        if number is not None and abs(number) >= HALF_UNIT:
            assert abs(item[field] - number) <= HALF_UNIT + abs(number) / 10**14
        assert api.count("Item") == before + 1
    else:
        error = fault_of(response)
        assert error["code"] == "2010" and error["element"] == field, error
        assert number is None or number.adjusted() >= 9  # unreadable, or past 10 digits
        assert api.count("Item") == before


@SETTINGS
@given(values=st.lists(HOSTILE, min_size=1, max_size=4))
def test_batch_items_fail_one_by_one(api: Api, values: list[Any]) -> None:
    before = api.count("Invoice")
    items = [{"bId": str(i), "operation": "create",
              "Invoice": {"CustomerRef": {"value": "1"}, "Line": [sales_line("1", Qty=v)]}}
             for i, v in enumerate(values)]
    items.append({"bId": "good", "operation": "create",
                  "Invoice": {"CustomerRef": {"value": "1"}, "Line": [sales_line("1", Qty=2)]}})
    response = api.post("batch", {"BatchItemRequest": items})
    assert response.status_code == 200, response.text
    answers = {a["bId"]: a for a in body_of(response)["BatchItemResponse"]}
    assert "Invoice" in answers["good"]
    made = [a for a in answers.values() if "Invoice" in a]
    for bid, answer in answers.items():
        if "Fault" in answer:
            [error] = answer["Fault"]["Error"]
            assert answer["Fault"]["type"] == "ValidationFault"
            assert_refusal_is_right(error, "Qty", values[int(bid)])
    assert api.count("Invoice") == before + len(made)


@pytest.fixture
def invoice(api: Api) -> dict[str, Any]:
    response = api.post("invoice", {"CustomerRef": {"value": "1"},
                                    "Line": [sales_line("1", Qty=2, UnitPrice="10.00")]})
    return dict(body_of(response)["Invoice"])


@SETTINGS
@given(field=st.sampled_from(["Qty", "UnitPrice", "Amount"]), value=HOSTILE)
def test_a_refused_update_changes_nothing(api: Api, invoice: dict[str, Any], field: str,
                                          value: Any) -> None:
    current = body_of(api.emulator.api("GET", f"invoice/{invoice['Id']}", api.token))["Invoice"]
    response = api.post("invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"],
                                    "sparse": True, "CustomerRef": {"value": "1"},
                                    "Line": [sales_line("1", **{field: value})]})
    after = body_of(api.emulator.api("GET", f"invoice/{invoice['Id']}", api.token))["Invoice"]
    if response.status_code == 200:
        assert int(after["SyncToken"]) == int(current["SyncToken"]) + 1
    else:
        fault_of(response)
        assert after == current, "a refused update changed the invoice"


def test_amounts_are_decimal_and_rendered_without_float_artefacts(api: Api) -> None:
    """0.1 + 0.2 is 0.3 in QuickBooks: computed in Decimal, kept to the cent, written plainly."""
    item = body_of(api.post("item", {"Name": "Dime", "Type": "Service",
                                     "IncomeAccountRef": {"value": "1"}, "UnitPrice": 0.1}))["Item"]
    response = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [
        sales_line(item["Id"], Qty=1), sales_line(item["Id"], Qty=2),
        sales_line(item["Id"], Qty=3, UnitPrice="0.1000000001"),
        sales_line(item["Id"], Qty="0.3333333333", UnitPrice=3)]})
    invoice = body_of(response)["Invoice"]
    amounts = [li["Amount"] for li in invoice["Line"] if li["DetailType"] == "SalesItemLineDetail"]
    assert amounts == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3"), Decimal("1")]
    assert invoice["Line"][3]["SalesItemLineDetail"]["Qty"] == Decimal("0.3333333")
    assert invoice["Line"][2]["SalesItemLineDetail"]["UnitPrice"] == Decimal("0.1")
    assert '"Amount":0.3,' in response.text and "0000000000" not in response.text
    assert "99999999" not in response.text
    assert invoice["TotalAmt"] == sum(amounts) + invoice["TxnTaxDetail"]["TotalTax"]


@pytest.mark.parametrize(("line", "error"), [
    (sales_line("1", Qty=-1), "6000"),  # a total below zero
    (sales_line("1", Qty=1, UnitPrice="1e30"), "2010"),
    (sales_line("1", Qty="1e6", UnitPrice="1e6"), "2010"),  # Amount past the 10.5 format
    (sales_line("1", Amount=Raw("NaN")), "2010"),
    (sales_line("1", Qty=" 2"), "2010"),
    (sales_line("1", Qty=True), "2010"),
    (sales_line("1", Qty={"value": 2}), "2010"),
])
def test_invalid_lines_get_intuits_fault(api: Api, line: dict[str, Any], error: str) -> None:
    fault = fault_of(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}))
    assert fault["code"] == error
    if error == "2010":
        assert fault["Message"] == "Request has invalid or unsupported property"


def test_a_negative_line_is_fine_while_the_total_stays_positive(api: Api) -> None:
    response = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [
        sales_line("1", Qty=2), sales_line("1", Qty=-1)]})
    invoice = body_of(response)["Invoice"]
    assert [li["Amount"] for li in invoice["Line"][:2]] == [Decimal(578), Decimal(-289)]


@pytest.mark.parametrize("shape", [
    {"Line": "one line"}, {"Line": [7]}, {"Line": [{"DetailType": "SalesItemLineDetail",
                                                    "SalesItemLineDetail": "tent"}]},
    {"Line": [{"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": [1]}}]},
])
def test_malformed_shapes_are_a_fault_not_a_500(api: Api, shape: dict[str, Any]) -> None:
    before = api.count("Invoice")
    fault_of(api.post("invoice", {"CustomerRef": {"value": "1"}, **shape}))
    assert api.count("Invoice") == before


def test_generate_takes_zero_customers(emulator: Emulator) -> None:
    """A company with no customers is a valid company to generate (items only, or nothing)."""
    token = emulator.token(TEST_REALM)["access_token"]

    def customers() -> int:
        found = emulator.query("select count(*) from Customer", token, TEST_REALM).json()
        return int(found["QueryResponse"]["totalCount"])

    before = customers()
    made = emulator.control("POST", f"/companies/{TEST_REALM}/generate",
                            {"seed": 5, "customers": 0, "items": 3})
    assert made["created"] == {"customers": 0, "items": 3, "invoices": 0}
    assert emulator.control("POST", f"/companies/{TEST_REALM}/generate",
                            {"seed": 6, "customers": 0})["created"]["customers"] == 0
    assert customers() == before
    skus = emulator.query("select * from Item where Sku like 'GEN-5-%'", token, TEST_REALM).json()
    assert len(skus["QueryResponse"]["Item"]) == 3


@pytest.mark.parametrize("value", ["Infinity", "NaN", "1e30", "-1", '"abc"', "true", "[1]",
                                   '{"a": 1}', "1.5", "10000000000"])
@pytest.mark.parametrize("key", ["customers", "items", "invoices", "lines_per_invoice", "seed"])
def test_generate_refuses_odd_counts_with_a_message(emulator: Emulator, key: str, value: str) -> None:
    response = emulator.http.post(f"{emulator.url}/_emulator/companies/{TEST_REALM}/generate",
                                  content=f'{{"{key}": {value}, "items": 1, "customers": 1}}'
                                  if key not in ("items", "customers") else f'{{"{key}": {value}}}',
                                  headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert key in response.json()["error"] and "whole number" in response.json()["error"]
