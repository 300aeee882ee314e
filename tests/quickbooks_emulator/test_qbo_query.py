"""The query language: grammar edge cases over raw HTTP, and the parser on its own."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quickbooks_emulator.exceptions import QueryParseError
from quickbooks_emulator.query import parse_query

from .conftest import Emulator


@pytest.fixture
def token(emulator: Emulator) -> str:
    return emulator.token()["access_token"]


def rows(emulator: Emulator, text: str, token: str) -> Any:
    response = emulator.query(text, token)
    assert response.status_code == 200, response.text
    return response.json()["QueryResponse"]


def fault_code(emulator: Emulator, text: str, token: str) -> str:
    response = emulator.query(text, token)
    assert response.status_code == 400
    body = response.json()
    assert body["Fault"]["type"] == "ValidationFault" and "time" in body
    return str(body["Fault"]["Error"][0]["code"])


def test_get_and_post_text_agree(emulator: Emulator, token: str) -> None:
    text = "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'maya.chen@cedarpeak.example'"
    by_get = rows(emulator, text, token)
    by_post = emulator.api("POST", "query", token, content=text, headers={"Content-Type": "application/text"})
    assert by_post.json()["QueryResponse"] == by_get
    assert by_get["Customer"][0]["DisplayName"] == "Maya Chen"
    assert by_get["startPosition"] == 1 and by_get["maxResults"] == 1


def test_backslash_escaped_quote(emulator: Emulator, token: str) -> None:
    created = emulator.api("POST", "customer", token, json={"DisplayName": "Aoife O'Brien"})
    assert created.status_code == 200
    found = rows(emulator, r"SELECT * FROM Customer WHERE DisplayName = 'Aoife O\'Brien'", token)
    assert found["Customer"][0]["Id"] == created.json()["Customer"]["Id"]


def test_in_like_and_ordering(emulator: Emulator, token: str) -> None:
    found = rows(
        emulator,
        "select * from Item where Sku in ('TENT-2P', 'TENT-4P', 'NOPE') orderby UnitPrice desc",
        token,
    )
    assert [i["Sku"] for i in found["Item"]] == ["TENT-4P", "TENT-2P"]
    assert {
        c["DisplayName"]
        for c in rows(emulator, "SELECT * FROM Customer WHERE DisplayName LIKE '%Rossi%'", token)["Customer"]
    } == {
        "Sofia Rossi",
        "Harborlight Cafe (Sofia Rossi)",
    }
    assert [
        c["DisplayName"]
        for c in rows(emulator, "SELECT * FROM Customer WHERE DisplayName LIKE 'Et%'", token)["Customer"]
    ] == ["Ethan Okafor"]


def test_paging_and_count(emulator: Emulator, token: str) -> None:
    total = rows(emulator, "SELECT COUNT(*) FROM Item", token)["totalCount"]
    first = rows(emulator, "SELECT * FROM Item ORDERBY Name STARTPOSITION 1 MAXRESULTS 5", token)
    second = rows(emulator, "SELECT * FROM Item ORDER BY Name STARTPOSITION 6 MAXRESULTS 5", token)
    names = [i["Name"] for i in first["Item"] + second["Item"]]
    assert first["maxResults"] == 5 and second["startPosition"] == 6
    assert names == sorted(names, key=str.lower) and len(set(names)) == 10 and total == 14
    assert rows(emulator, "SELECT * FROM Item STARTPOSITION 100", token) == {}
    assert rows(emulator, "SELECT * FROM Item MAXRESULTS 5000", token)["maxResults"] == 14


def test_numbers_dates_and_metadata(emulator: Emulator, token: str) -> None:
    cheap = rows(emulator, "SELECT * FROM Item WHERE UnitPrice < 45 AND Type = 'NonInventory'", token)
    assert {i["Sku"] for i in cheap["Item"]} == {"FUEL-230", "FILTER-SQZ", "LAMP-400", "bottle-1l"}
    recent = rows(
        emulator, "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2020-01-01T00:00:00-08:00'", token
    )
    assert len(recent["Customer"]) == 12
    assert rows(emulator, "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2999-01-01'", token) == {}
    selected = rows(emulator, "SELECT Id, DisplayName FROM Customer WHERE Id = '1'", token)["Customer"][0]
    assert selected["sparse"] is True and "PrimaryEmailAddr" not in selected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'", "4000"),
        ("SELECT * FROM Customer WHERE DisplayName = 'unterminated", "4000"),
        ("SELECT * Customer", "4000"),
        ("SELECT * FROM customer", "4000"),
        ("SELECT * FROM Vendor", "4000"),
        ("SELECT * FROM Customer MAXRESULTS 0", "4000"),
        ("SELECT * FROM Customer WHERE DisplayName ~ 'x'", "4000"),
        ("", "4000"),
        ("SELECT * FROM Customer WHERE Nickname = 'x'", "4001"),
    ],
)
def test_parse_errors(emulator: Emulator, token: str, text: str, code: str) -> None:
    assert fault_code(emulator, text, token) == code


# Lone surrogates can't be encoded in a request.
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)


@given(st.text(alphabet=st.characters(blacklist_categories=SURROGATES), max_size=30))
def test_escaped_strings_round_trip(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    query = parse_query(f"SELECT * FROM Customer WHERE DisplayName = '{escaped}' MAXRESULTS 10")
    assert query.conditions[0].values == (value,)
    assert query.max_results == 10


def test_parser_shape() -> None:
    query = parse_query(
        "Select *, Sku From Item Where Active = true And Sku In ('A', 'B') OrderBy Name Desc StartPosition 3"
    )
    assert query.entity == "Item" and not query.fields
    assert [(c.field, c.operator) for c in query.conditions] == [("Active", "="), ("Sku", "IN")]
    assert query.ordering[0].descending and query.start_position == 3 and query.max_results == 100
    with pytest.raises(QueryParseError):
        parse_query("SELECT * FROM Item GROUP BY Name")


def test_ids_compare_as_numbers(emulator: Emulator, token: str) -> None:
    found = rows(emulator, "SELECT * FROM Item WHERE Id > '9' ORDERBY Id", token)
    assert [item["Id"] for item in found["Item"]] == ["10", "11", "12", "13", "14"]
    by_customer = rows(emulator, "SELECT * FROM Invoice WHERE CustomerRef IN ('12', '012')", token)
    assert [invoice["DocNumber"] for invoice in by_customer["Invoice"]] == ["QB-0001"]
