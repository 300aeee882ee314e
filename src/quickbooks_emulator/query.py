"""The QuickBooks query language: a tokenizer, a recursive-descent parser and an evaluator.

Grammar (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries):
    SELECT (* [, field]* | COUNT(*) | field [, field]*) FROM Entity
    [WHERE cond (AND cond)*] [ORDERBY|ORDER BY field [ASC|DESC] [, ...]]
    [STARTPOSITION n] [MAXRESULTS n]
    cond := field (= | < | > | <= | >= | !=) value | field IN (value, ...) | field LIKE 'text'
OR, GROUP BY and JOIN are not part of the language. Strings use single quotes, backslash escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from .clock import parse_qbo_datetime
from .exceptions import QueryParseError, QueryValidationError

T = TypeVar("T")
# Responses never carry more than 1000 entities; a bigger MAXRESULTS is capped.
MAX_RESULTS_CAP = 1000
DEFAULT_MAX_RESULTS = 100
KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "IN",
        "LIKE",
        "ORDERBY",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "STARTPOSITION",
        "MAXRESULTS",
        "COUNT",
        "TRUE",
        "FALSE",
    }
)
OPERATORS = ("<=", ">=", "!=", "<>", "=", "<", ">")


@dataclass(frozen=True)
class Token:
    kind: str  # WORD, KEYWORD, STRING, NUMBER, OP, PUNCT, END
    text: str
    position: int


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # = < > <= >= != IN LIKE
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] = field(default_factory=list)  # empty = all
    conditions: list[Condition] = field(default_factory=list)
    ordering: list[Ordering] = field(default_factory=list)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _parse_error(detail: str) -> QueryParseError:
    return QueryParseError(f"QueryParserError: {detail}")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        start = index
        if char == "'":
            index += 1
            chars: list[str] = []
            while True:
                if index >= length:
                    raise _parse_error(f"Encountered unterminated string starting at {start}")
                current = text[index]
                if current == "\\" and index + 1 < length:
                    # Intuit escapes quotes with a backslash (python-quickbooks' build_where_clause).
                    chars.append(text[index + 1])
                    index += 2
                    continue
                if current == "'":
                    index += 1
                    break
                chars.append(current)
                index += 1
            tokens.append(Token("STRING", "".join(chars), start))
            continue
        if char.isdigit() or (char in "-." and index + 1 < length and text[index + 1].isdigit()):
            index += 1
            while index < length and (text[index].isdigit() or text[index] == "."):
                index += 1
            tokens.append(Token("NUMBER", text[start:index], start))
            continue
        if char.isalpha() or char == "_":
            while index < length and (text[index].isalnum() or text[index] in "_."):
                index += 1
            word = text[start:index]
            kind = "KEYWORD" if word.upper() in KEYWORDS else "WORD"
            tokens.append(Token(kind, word, start))
            continue
        operator = next((op for op in OPERATORS if text.startswith(op, index)), None)
        if operator is not None:
            tokens.append(Token("OP", operator, start))
            index += len(operator)
            continue
        if char in "*,()":
            tokens.append(Token("PUNCT", char, start))
            index += 1
            continue
        raise _parse_error(f'Encountered " "{char}" at line 1, column {start + 1}.')
    tokens.append(Token("END", "", length))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "END":
            self.index += 1
        return token

    def is_keyword(self, *words: str) -> bool:
        return self.current.kind == "KEYWORD" and self.current.text.upper() in words

    def is_punct(self, char: str) -> bool:
        return self.current.kind == "PUNCT" and self.current.text == char

    def expect_keyword(self, word: str) -> None:
        if not self.is_keyword(word):
            self.fail(f"expected {word}")
        self.advance()

    def expect_punct(self, char: str) -> None:
        if not self.is_punct(char):
            self.fail(f'expected "{char}"')
        self.advance()

    def fail(self, expectation: str) -> None:
        token = self.current
        shown = "<EOF>" if token.kind == "END" else token.text
        raise _parse_error(
            f'Encountered " {token.kind} "{shown}"" at line 1, column {token.position + 1}. '
            f"Was {expectation}."
        )

    def field_name(self) -> str:
        if self.current.kind != "WORD":
            self.fail("expecting a property name")
        return self.advance().text

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        query = Query(entity="")
        if self.is_keyword("COUNT"):
            self.advance()
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            query.count = True
        elif self.is_punct("*"):
            self.advance()
            while self.is_punct(","):
                self.advance()
                self.field_name()  # `SELECT *, Sku` (python-quickbooks) still returns everything
        else:
            query.fields.append(self.field_name())
            while self.is_punct(","):
                self.advance()
                query.fields.append(self.field_name())
        self.expect_keyword("FROM")
        query.entity = self.field_name()
        if self.is_keyword("WHERE"):
            self.advance()
            query.conditions.append(self.condition())
            while self.is_keyword("AND", "OR"):
                if self.is_keyword("OR"):
                    self.fail("expecting AND (OR is not supported)")
                self.advance()
                query.conditions.append(self.condition())
        if self.is_keyword("ORDERBY", "ORDER"):
            if self.advance().text.upper() == "ORDER":
                self.expect_keyword("BY")
            query.ordering.append(self.ordering())
            while self.is_punct(","):
                self.advance()
                query.ordering.append(self.ordering())
        if self.is_keyword("STARTPOSITION"):
            self.advance()
            query.start_position = self.positive_int("STARTPOSITION")
        if self.is_keyword("MAXRESULTS"):
            self.advance()
            query.max_results = min(self.positive_int("MAXRESULTS"), MAX_RESULTS_CAP)
        if self.current.kind != "END":
            self.fail("expecting end of query")
        return query

    def positive_int(self, clause: str) -> int:
        token = self.current
        if token.kind != "NUMBER" or not token.text.isdigit() or int(token.text) < 1:
            self.fail(f"expecting a positive integer after {clause}")
        self.advance()
        return int(token.text)

    def ordering(self) -> Ordering:
        name = self.field_name()
        descending = False
        if self.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        return Ordering(name, descending)

    def condition(self) -> Condition:
        name = self.field_name()
        if self.is_keyword("IN"):
            self.advance()
            self.expect_punct("(")
            values = [self.value()]
            while self.is_punct(","):
                self.advance()
                values.append(self.value())
            self.expect_punct(")")
            return Condition(name, "IN", tuple(values))
        if self.is_keyword("LIKE"):
            self.advance()
            if self.current.kind != "STRING":
                self.fail("expecting a quoted pattern after LIKE")
            return Condition(name, "LIKE", (self.advance().text,))
        if self.current.kind != "OP":
            self.fail("expecting one of =, <, >, <=, >=, IN, LIKE")
        operator = self.advance().text
        return Condition(name, "!=" if operator == "<>" else operator, (self.value(),))

    def value(self) -> Any:
        token = self.current
        if token.kind == "STRING":
            self.advance()
            return token.text
        if token.kind == "NUMBER":
            self.advance()
            try:
                return Decimal(token.text)
            except InvalidOperation:
                self.fail("expecting a number")
        if token.kind == "KEYWORD" and token.text.upper() in ("TRUE", "FALSE"):
            self.advance()
            return token.text.upper() == "TRUE"
        self.fail("expecting a value")
        raise AssertionError("unreachable")


def parse_query(text: str) -> Query:
    if not text or not text.strip():
        raise _parse_error("Empty query")
    return _Parser(tokenize(text)).parse()


# -- evaluation -------------------------------------------------------------------------------
def resolve(entity: dict[str, Any], path: str) -> Any:
    """A property's comparable value; `CustomerRef` means its value, `PrimaryEmailAddr` its Address."""
    current: Any = entity
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        match = next((key for key in current if key.lower() == part.lower()), None)
        if match is None:
            return None
        current = current[match]
    if isinstance(current, dict):
        if "value" in current:
            return current["value"]
        if "Address" in current:
            return current["Address"]
        if "FreeFormNumber" in current:
            return current["FreeFormNumber"]
    return current


def _comparable(stored: Any, wanted: Any) -> tuple[Any, Any] | None:
    """Coerce a stored value and a literal to one comparable type, or None when impossible."""
    if stored is None:
        return None
    if isinstance(stored, bool) or isinstance(wanted, bool):
        if isinstance(wanted, str):
            wanted = wanted.lower() == "true"
        return bool(stored), bool(wanted)
    if isinstance(stored, int | float | Decimal) or isinstance(wanted, Decimal):
        try:
            return Decimal(str(stored)), Decimal(str(wanted))
        except InvalidOperation:
            return None
    text = str(stored)
    if _looks_like_date(text) and isinstance(wanted, str) and _looks_like_date(wanted):
        try:
            return parse_qbo_datetime(text), parse_qbo_datetime(wanted)
        except ValueError:
            return None
    # String comparisons in QBO queries are case-insensitive.
    return text.lower(), str(wanted).lower()


def _looks_like_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


def _like(stored: Any, pattern: str) -> bool:
    if stored is None:
        return False
    text = str(stored).lower()
    parts = pattern.lower().split("%")
    if len(parts) == 1:
        return text == parts[0]
    if not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return False
    position = len(parts[0])
    end_limit = len(text) - len(parts[-1])
    for part in parts[1:-1]:
        found = text.find(part, position, end_limit)
        if found < 0:
            return False
        position = found + len(part)
    return position <= end_limit


def matches(entity: dict[str, Any], condition: Condition) -> bool:
    stored = resolve(entity, condition.field)
    if condition.field.lower().endswith("id") or condition.field.lower().endswith("ref"):
        # Ids are numeric strings: `Id > '9'` must find Id 10.
        stored = _numeric_id(stored)
        condition = Condition(
            condition.field, condition.operator, tuple(_numeric_id(v) for v in condition.values)
        )
    if condition.operator == "LIKE":
        return _like(stored, str(condition.values[0]))
    if condition.operator == "IN":
        return any(_compare(stored, "=", value) for value in condition.values)
    return _compare(stored, condition.operator, condition.values[0])


def _numeric_id(value: Any) -> Any:
    return Decimal(value) if isinstance(value, str) and value.isdigit() else value


def _compare(stored: Any, operator: str, wanted: Any) -> bool:
    pair = _comparable(stored, wanted)
    if pair is None:
        return False
    left, right = pair
    try:
        if operator == "=":
            return bool(left == right)
        if operator == "!=":
            return bool(left != right)
        if operator == "<":
            return bool(left < right)
        if operator == ">":
            return bool(left > right)
        if operator == "<=":
            return bool(left <= right)
        if operator == ">=":
            return bool(left >= right)
    except TypeError:
        return False
    return False


def _sort_key(entity: dict[str, Any], name: str) -> tuple[int, Any]:
    value = resolve(entity, name)
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float | Decimal):
        return (1, Decimal(str(value)))
    text = str(value)
    if name.lower() == "id" and text.isdigit():
        return (1, Decimal(text))
    if _looks_like_date(text):
        try:
            moment: datetime = parse_qbo_datetime(text)
            return (2, moment.timestamp())
        except ValueError:
            pass
    return (3, text.lower())


def validate_fields(query: Query, queryable: Iterable[str]) -> None:
    allowed = {name.lower() for name in queryable} | {"id"}
    names = [c.field for c in query.conditions] + [o.field for o in query.ordering]
    for name in names:
        lowered = name.lower()
        if lowered.startswith("metadata.") or lowered in allowed:
            continue
        raise QueryValidationError(f"QueryValidationError: property '{name}' is not queryable")


def run(query: Query, items: list[T], view: Callable[[T], dict[str, Any]]) -> tuple[list[T], int]:
    """Filter, order and page items seen through `view`; returns (page, total matching)."""
    viewed = [(view(item), item) for item in items]
    selected = [pair for pair in viewed if all(matches(pair[0], c) for c in query.conditions)]
    if query.ordering:
        for ordering in reversed(query.ordering):  # stable sorts, last key first
            name = ordering.field
            selected.sort(key=lambda pair: _sort_key(pair[0], name), reverse=ordering.descending)
    else:
        selected.sort(key=lambda pair: _sort_key(pair[0], "Id"))
    total = len(selected)
    start = query.start_position - 1
    return [item for _, item in selected[start : start + query.max_results]], total


def project(entity: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """`SELECT a, b`: only those properties (plus identity), marked sparse."""
    wanted = {name.lower() for name in names}
    kept = {key: value for key, value in entity.items() if key.lower() in wanted}
    for key in ("Id", "SyncToken", "domain", "MetaData"):
        if key in entity:
            kept.setdefault(key, entity[key])
    kept["sparse"] = True
    return kept
