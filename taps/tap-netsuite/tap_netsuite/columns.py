"""Typed columns: how a SuiteQL field is selected, what JSON schema it has and how its text becomes a value.

SuiteQL returns every value as text and omits nulls; the tap turns `'T'/'F'` into booleans, integers and
decimals into numbers (the decimal text keeps the API's precision: float repr round-trips it), and timestamps
`YYYY-MM-DD HH24:MI:SS` (selected through TO_CHAR, UTC) into RFC 3339 date-times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS"
DATE_FORMAT = "YYYY-MM-DD"


def to_datetime(text: str) -> str:
    """'2026-01-01 10:00:00' → '2026-01-01T10:00:00+00:00'."""
    return f"{text[:10]}T{text[11:19]}+00:00"


def to_bool(text: str) -> bool:
    return text == "T"


def _same(text: str) -> str:
    return text


_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": ["string", "null"]},
    "integer": {"type": ["integer", "null"]},
    "number": {"type": ["number", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
}
_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "string": _same, "integer": int, "number": float, "boolean": to_bool, "date": _same, "datetime": to_datetime,
}


@dataclass(frozen=True)
class Column:
    """One output property: its name, the SuiteQL expression it is read from and its kind."""

    name: str
    expr: str
    kind: str = "string"
    description: str = ""

    def select(self) -> str:
        """The SELECT item (dates and timestamps formatted explicitly so the account's preferences don't matter)."""
        if self.kind == "datetime":
            return f"TO_CHAR({self.expr}, '{DATETIME_FORMAT}') AS {self.name}"
        if self.kind == "date":
            return f"TO_CHAR({self.expr}, '{DATE_FORMAT}') AS {self.name}"
        return f"{self.expr} AS {self.name}"

    def schema(self) -> dict[str, Any]:
        schema = dict(_SCHEMAS[self.kind])
        if self.description:
            schema["description"] = self.description
        return schema

    @property
    def convert(self) -> Callable[[str], Any]:
        return _CONVERTERS[self.kind]


def cols(alias: str, spec: str) -> list[Column]:
    """Columns from a compact spec 'name:kind name …' (kind defaults to string) on table alias `alias`."""
    out = []
    for part in spec.split():
        name, _, kind = part.partition(":")
        out.append(Column(name, f"{alias}.{name}", kind or "string"))
    return out
