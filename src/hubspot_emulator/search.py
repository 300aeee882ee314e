"""The CRM search filter engine: HubSpot's operators over stored property strings.

https://developers.hubspot.com/docs/api/crm/search: at most 5 filterGroups (OR) of at most 6
filters (AND), 18 filters in all; limit ≤ 200; no more than 10,000 results per query.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .exceptions import ValidationError
from .objects import CrmObject
from .properties import PropertyDefinition, datetime_value

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_SORTS = 1
OPERATORS = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
_TOKEN_RE = re.compile(r"[\w@.+-]+", re.UNICODE)

Comparable = Decimal | str


@dataclass
class SearchRequest:
    filter_groups: list[dict[str, Any]]
    sorts: list[tuple[str, bool]]  # (property, descending)
    query: str | None
    properties: list[str] | None
    limit: int
    after: int


def parse_request(body: dict[str, Any]) -> SearchRequest:
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list):
        raise ValidationError("filterGroups must be a list")
    if len(groups) > MAX_GROUPS:
        raise ValidationError(f"Too many filter groups ({len(groups)}). The maximum is {MAX_GROUPS}.")
    total = 0
    for group in groups:
        filters = group.get("filters") or []
        total += len(filters)
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise ValidationError(
                f"Too many filters in a group ({len(filters)}). The maximum is "
                f"{MAX_FILTERS_PER_GROUP}.")
        for item in filters:
            if item.get("operator") not in OPERATORS:
                raise ValidationError(f"Unknown operator {item.get('operator')!r}.")
    if total > MAX_FILTERS:
        raise ValidationError(f"Too many filters ({total}). The maximum is {MAX_FILTERS}.")
    raw_sorts = body.get("sorts") or []
    if not isinstance(raw_sorts, list):
        raise ValidationError("sorts must be a list")
    if len(raw_sorts) > MAX_SORTS:
        # https://developers.hubspot.com/docs/api/crm/search: "You can only use one sorting rule".
        raise ValidationError(
            f"Too many sorts ({len(raw_sorts)}): a search takes one sort only. Sort by one "
            "property (e.g. hs_lastmodifieddate) and order the rest yourself.",
            context={"sorts": [str(len(raw_sorts))]})
    sorts: list[tuple[str, bool]] = []
    for sort in raw_sorts:
        if isinstance(sort, str):
            sorts.append((sort.lstrip("-"), sort.startswith("-")))
        elif isinstance(sort, dict) and sort.get("propertyName"):
            sorts.append((str(sort["propertyName"]),
                          str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"))
    limit = int(body.get("limit") or 10)
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    after = int(body.get("after") or 0)
    if after + limit > MAX_RESULTS:
        # HubSpot stops paging at 10,000 results for one query.
        raise ValidationError(
            f"Search results are capped at {MAX_RESULTS}; after={after} with limit={limit} goes "
            "past the cap. Narrow the query (e.g. by hs_lastmodifieddate) instead.")
    props = body.get("properties")
    return SearchRequest(groups, sorts, body.get("query") or None,
                         [str(p) for p in props] if props else None, limit, after)


def _stored(definition: PropertyDefinition | None, text: str) -> Comparable:
    """A stored value, ready to compare. Dates and datetimes are stored in ISO form already,
    so their strings sort chronologically without parsing (search scans every record)."""
    kind = definition.type if definition else "string"
    if kind == "number":
        try:
            return Decimal(text)
        except InvalidOperation:
            return text.lower()
    if kind in ("datetime", "date"):
        return text
    return text.lower()


def _wanted(definition: PropertyDefinition | None, raw: object) -> Comparable:
    """A filter value in the stored form: epoch millis or ISO text for dates and datetimes.
    A value that isn't one is a 400, as in HubSpot (no silent string comparison)."""
    text = "" if raw is None else str(raw)
    kind = definition.type if definition else "string"
    try:
        if kind == "datetime":
            return datetime_value(text)
        if kind == "date":
            return datetime_value(text)[:10]
        if kind == "number":
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation(text)
            return number
    except (ValueError, InvalidOperation) as exc:
        name = definition.name if definition else ""
        example = "a number" if kind == "number" else \
            "epoch milliseconds (e.g. 1767225600000) or an ISO 8601 date (e.g. 2026-01-01)"
        raise ValidationError(
            f"Invalid filter value {text!r} for {kind} property {name}: use {example}.",
            errors=[{"message": f"{text!r} is not a valid {kind}", "code": "INVALID_FILTER_VALUE",
                     "in": name}],
            context={"propertyName": [name]}) from exc
    return _stored(definition, text)


def _compare(a: Comparable, b: Comparable) -> int:
    if type(a) is not type(b):
        a, b = str(a), str(b)
    return (a > b) - (a < b)  # type: ignore[operator]


def _tokens(value: str) -> list[str]:
    return [t.lower() for t in _TOKEN_RE.findall(value)] + [value.lower()]


Properties = dict[str, str]
Predicate = Callable[[Properties], bool]


def _compile(item: dict[str, Any],
             definitions: Callable[[str], PropertyDefinition | None]) -> Predicate:
    """One filter as a predicate; its value is converted once, not once per record."""
    name = str(item.get("propertyName", ""))
    operator = item["operator"]
    definition = definitions(name)

    def value_of(props: Properties) -> str:
        return props.get(name) or ""

    if operator == "HAS_PROPERTY":
        return lambda obj: value_of(obj) != ""
    if operator == "NOT_HAS_PROPERTY":
        return lambda obj: value_of(obj) == ""
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(item.get("value", "")).lower()
        wanted = operator == "CONTAINS_TOKEN"

        def contains(obj: Properties) -> bool:
            stored = value_of(obj)
            hit = stored != "" and any(fnmatch.fnmatchcase(t, pattern) for t in _tokens(stored))
            return hit == wanted

        return contains
    if operator in ("IN", "NOT_IN"):
        values = [_wanted(definition, v) for v in item.get("values") or []]
        inside_wanted = operator == "IN"

        def member(obj: Properties) -> bool:
            stored = value_of(obj)
            mine = _stored(definition, stored)
            inside = stored != "" and any(_compare(mine, v) == 0 for v in values)
            return inside == inside_wanted

        return member
    value = _wanted(definition, item.get("value"))
    if operator == "NEQ":
        return lambda obj: (value_of(obj) == ""
                            or _compare(_stored(definition, value_of(obj)), value) != 0)
    high = _wanted(definition, item.get("highValue")) if operator == "BETWEEN" else value
    tests: dict[str, Callable[[int, int], bool]] = {
        "EQ": lambda low, _: low == 0,
        "BETWEEN": lambda low, top: low >= 0 and top <= 0,
        "LT": lambda low, _: low < 0,
        "LTE": lambda low, _: low <= 0,
        "GT": lambda low, _: low > 0,
        "GTE": lambda low, _: low >= 0,
    }
    test = tests[operator]

    def ordered(obj: Properties) -> bool:
        stored = value_of(obj)
        if stored == "":
            return False
        mine = _stored(definition, stored)
        return test(_compare(mine, value), _compare(mine, high))

    return ordered


def _query_matches(props: Properties, query: str, text_properties: tuple[str, ...]) -> bool:
    tokens: list[str] = []
    for name in text_properties:
        tokens.extend(_tokens(props.get(name) or ""))
    return all(any(t.startswith(term) for t in tokens) for term in query.lower().split())


def run(objects: list[tuple[CrmObject, Properties]], request: SearchRequest,
        definitions: Callable[[str], PropertyDefinition | None],
        text_properties: tuple[str, ...]) -> tuple[list[CrmObject], int]:
    """Matching objects for one page, and the total number of matches. Each object comes with
    the properties the search index holds for it (they lag writes by the search delay)."""
    for group in request.filter_groups:
        for item in group.get("filters") or []:
            name = str(item.get("propertyName", ""))
            if definitions(name) is None:
                raise ValidationError(f"Property {name!r} does not exist and cannot be filtered on.",
                                      context={"propertyName": [name]})
    groups = [[_compile(item, definitions) for item in group.get("filters") or []]
              for group in request.filter_groups]
    found = [
        (obj, props) for obj, props in objects
        if (not groups or any(all(test(props) for test in group) for group in groups))
        and (request.query is None or _query_matches(props, request.query, text_properties))
    ]
    found.sort(key=lambda pair: int(pair[0].id))
    for name, descending in reversed(request.sorts):
        definition = definitions(name)
        with_value = [p for p in found if p[1].get(name)]
        without = [p for p in found if not p[1].get(name)]
        keyed = sorted(with_value, key=lambda p: _SortKey(_stored(definition, p[1][name])),
                       reverse=descending)
        found = keyed + without
    page = found[request.after:request.after + request.limit]
    return [obj for obj, _ in page], len(found)


class _SortKey:
    def __init__(self, value: Comparable) -> None:
        self.value = value

    def __lt__(self, other: _SortKey) -> bool:
        return _compare(self.value, other.value) < 0
