"""A parser for the SOQL subset the emulator runs.

    SELECT field, … | COUNT()  FROM object  [WHERE condition]
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], …]  [LIMIT n]  [OFFSET n]

Conditions combine comparisons (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `IN (…)`, `NOT IN (…)`) with
`AND`, `OR`, `NOT` and parentheses. Literals: 'strings' (backslash escapes), numbers, `true`/`false`, `null`,
dates (`2026-01-01`) and datetimes (`2026-01-01T00:00:00Z`, `…+00:00`, `…+0000`, `….000000Z`).
`parse` returns a `Query`; any text outside the subset raises `SoqlSyntaxError` (→ 400 MALFORMED_QUERY).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime


class SoqlSyntaxError(ValueError):
    """The query text is not in the supported SOQL subset; the message names the offending token."""


@dataclass(frozen=True)
class Literal:
    """A typed literal: kind is one of string, number, boolean, null, date, datetime."""

    kind: str
    value: object


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # = != < <= > >= like in notin
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderItem:
    field: str
    descending: bool
    nulls_last: bool | None


@dataclass(frozen=True)
class Query:
    """A parsed query; `fields` is empty for `SELECT COUNT()`."""

    fields: tuple[str, ...]
    sobject: str
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    count: bool


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
             "nulls", "first", "last", "limit", "offset", "null", "true", "false", "count"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise SoqlSyntaxError(f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


def parse_datetime(text: str) -> datetime:
    """A SOQL datetime literal as an aware UTC datetime (fractions beyond microseconds are dropped)."""
    main, _, rest = text.partition(".")
    if rest:
        digits = re.match(r"\d+", rest)
        frac = digits.group() if digits else ""
        tz = rest[len(frac):]
        text = f"{main}.{frac[:6].ljust(6, '0')}{tz}"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def next(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "eof":
            raise SoqlSyntaxError("unexpected end of query")
        self.i += 1
        return tok

    def at_keyword(self, *words: str) -> bool:
        kind, text = self.peek()
        return kind == "name" and text.lower() in words

    def keyword(self, word: str) -> None:
        kind, text = self.next()
        if kind != "name" or text.lower() != word:
            raise SoqlSyntaxError(f"unexpected token '{text}', expecting {word.upper()}")

    def punct(self, char: str) -> None:
        _kind, text = self.next()
        if text != char:
            raise SoqlSyntaxError(f"unexpected token '{text}', expecting '{char}'")

    def identifier(self) -> str:
        kind, text = self.next()
        if kind != "name" or text.lower() in _KEYWORDS - {"count", "first", "last"}:
            raise SoqlSyntaxError(f"unexpected token '{text}', expecting a field or object name")
        return text

    def integer(self) -> int:
        kind, text = self.next()
        if kind != "number" or not text.isdigit():
            raise SoqlSyntaxError(f"unexpected token '{text}', expecting a non-negative integer")
        return int(text)

    def query(self) -> Query:
        self.keyword("select")
        fields: list[str] = []
        count = False
        if self.at_keyword("count") and self.peek(1)[1] == "(":
            self.next()
            self.punct("(")
            self.punct(")")
            count = True
        else:
            fields.append(self.identifier())
            while self.peek()[1] == ",":
                self.next()
                fields.append(self.identifier())
        self.keyword("from")
        sobject = self.identifier()
        where = None
        if self.at_keyword("where"):
            self.next()
            where = self.condition()
        order: list[OrderItem] = []
        if self.at_keyword("order"):
            self.next()
            self.keyword("by")
            order.append(self.order_item())
            while self.peek()[1] == ",":
                self.next()
                order.append(self.order_item())
        limit = offset = None
        if self.at_keyword("limit"):
            self.next()
            limit = self.integer()
        if self.at_keyword("offset"):
            self.next()
            offset = self.integer()
        kind, text = self.peek()
        if kind != "eof":
            raise SoqlSyntaxError(f"unexpected token '{text}'")
        return Query(tuple(fields), sobject, where, tuple(order), limit, offset, count)

    def order_item(self) -> OrderItem:
        name = self.identifier()
        descending = False
        if self.at_keyword("asc", "desc"):
            descending = self.next()[1].lower() == "desc"
        nulls_last = None
        if self.at_keyword("nulls"):
            self.next()
            if not self.at_keyword("first", "last"):
                raise SoqlSyntaxError(f"unexpected token '{self.peek()[1]}', expecting FIRST or LAST")
            nulls_last = self.next()[1].lower() == "last"
        return OrderItem(name, descending, nulls_last)

    def condition(self) -> Condition:
        items = [self.conjunction()]
        while self.at_keyword("or"):
            self.next()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.at_keyword("and"):
            self.next()
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def negation(self) -> Condition:
        if self.at_keyword("not"):
            self.next()
            return Not(self.negation())
        if self.peek()[1] == "(":
            self.next()
            inner = self.condition()
            self.punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        name = self.identifier()
        kind, text = self.peek()
        if kind == "op":
            self.next()
            op = "!=" if text == "<>" else text
            return Comparison(name, op, self.literal())
        lowered = text.lower() if kind == "name" else ""
        if lowered == "like":
            self.next()
            value = self.literal()
            if value.kind != "string":
                raise SoqlSyntaxError("LIKE expects a string literal")
            return Comparison(name, "like", value)
        if lowered in ("in", "not"):
            self.next()
            op = "in"
            if lowered == "not":
                self.keyword("in")
                op = "notin"
            self.punct("(")
            values = [self.literal()]
            while self.peek()[1] == ",":
                self.next()
                values.append(self.literal())
            self.punct(")")
            return Comparison(name, op, tuple(values))
        raise SoqlSyntaxError(f"unexpected token '{text}', expecting an operator after {name}")

    def literal(self) -> Literal:
        kind, text = self.next()
        if kind == "string":
            body = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])
            return Literal("string", body)
        if kind == "number":
            return Literal("number", float(text) if "." in text else int(text))
        if kind == "datetime":
            try:
                return Literal("datetime", parse_datetime(text))
            except ValueError as exc:
                raise SoqlSyntaxError(f"invalid datetime literal '{text}'") from exc
        if kind == "date":
            try:
                return Literal("date", date.fromisoformat(text))
            except ValueError as exc:
                raise SoqlSyntaxError(f"invalid date literal '{text}'") from exc
        if kind == "name" and text.lower() in ("true", "false"):
            return Literal("boolean", text.lower() == "true")
        if kind == "name" and text.lower() == "null":
            return Literal("null", None)
        raise SoqlSyntaxError(f"unexpected token '{text}', expecting a literal value")


def parse(text: str) -> Query:
    """Parse one SOQL query of the supported subset; raises SoqlSyntaxError naming the offending token."""
    if not text.strip():
        raise SoqlSyntaxError("empty query")
    return _Parser(text).query()
