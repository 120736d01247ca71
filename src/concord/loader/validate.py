"""Per-record conversion: a Singer record → the row COPY writes, or RecordRejected naming field and reason.

The checks are exactly what PostgreSQL would refuse or what the schema forbids: wrong JSON type, integers
outside bigint, non-finite numbers, unparsable dates, NUL bytes (text and jsonb cannot hold them), values over
`max_value_bytes`, properties the schema does not declare, missing key properties. Nothing is coerced: a value
either lands as sent or the record is quarantined. Naive date-times (no offset) are read as UTC.

The converter is generated Python source per stream (one straight-line function, no per-field calls) because
it runs once per record on the loader's hot path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from concord.loader.errors import RecordRejected
from concord.loader.schema_map import (
    DELETED_AT_PROPERTY,
    DELETED_FLAGS,
    VERSION_PROPERTY,
    Column,
    StreamShape,
)

Row = tuple[Any, ...]
Converter = Callable[[dict[str, Any], Any], Row]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _reject(field: str | None, reason: str) -> RecordRejected:
    return RecordRejected(field, reason)


@dataclass(frozen=True)
class RowLayout:
    """Where things sit in a converted row: property columns, then run id, version, deleted, table version."""

    columns: list[Column]
    key_index: list[int]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def width(self) -> int:
        return len(self.columns) + 4


def _value_code(i: int, col: Column, lim: int) -> list[str]:
    n = repr(col.name)
    v = f"v{i}"
    lines = [f"{v} = g({n})"]
    if col.incompatible is not None:
        lines += [f"if {v} is not None: raise R({n}, {col.incompatible!r})"]
        return lines
    body: list[str]
    kind = col.check
    if kind == "text":
        body = [f"if {v}.__class__ is not str: raise R({n}, 'expected a string, got ' + type({v}).__name__)",
                f"if '\\x00' in {v}: raise R({n}, 'NUL byte in a string')",
                f"if len({v}) > {lim // 4} and len({v}.encode()) > {lim}: raise R({n}, 'oversized value: ' + str(len({v}.encode())) + ' bytes > {lim}')"]
    elif kind == "bigint":
        body = [f"if {v}.__class__ is not int: raise R({n}, 'expected an integer, got ' + type({v}).__name__)",
                f"if not -9223372036854775808 <= {v} <= 9223372036854775807: raise R({n}, 'integer out of bigint range')"]
    elif kind == "numeric":
        body = [f"c = {v}.__class__",
                f"if c is not int and c is not float: raise R({n}, 'expected a number, got ' + type({v}).__name__)",
                f"if c is float and not isfinite({v}): raise R({n}, 'non-finite number')"]
    elif kind == "boolean":
        body = [f"if {v}.__class__ is not bool: raise R({n}, 'expected a boolean, got ' + type({v}).__name__)"]
    elif kind in ("timestamptz", "date"):
        parse = "dt_parse" if kind == "timestamptz" else "d_parse"
        what = "date-time" if kind == "timestamptz" else "date"
        body = [f"if {v}.__class__ is not str: raise R({n}, 'expected a {what} string, got ' + type({v}).__name__)",
                "try:",
                f"    {v} = {parse}({v})",
                "except ValueError:",
                f"    raise R({n}, 'unparsable {what}: ' + repr({v}[:64])) from None"]
    else:  # jsonb
        body = [f"{v} = dumps({v})",
                f"if b'\\\\u0000' in {v} and has_nul(g({n})): raise R({n}, 'NUL byte in a JSON value')",
                f"if len({v}) > {lim}: raise R({n}, 'oversized value: ' + str(len({v})) + ' bytes > {lim}')",
                f"{v} = {v}.decode()"]
    lines.append(f"if {v} is not None:")
    lines += ["    " + line for line in body]
    return lines


def build_converter(shape: StreamShape, run_id: str, max_value_bytes: int) -> tuple[Converter, RowLayout]:
    """Compile the converter for a stream shape; returns it and the row layout it produces."""
    cols = shape.columns
    index = {c.name: i for i, c in enumerate(cols)}
    missing = [k for k in shape.key if k not in index]
    if missing:
        raise ValueError(f"key properties {missing} are not in the schema")
    known = {c.name for c in cols}
    src = ["def convert(r, tv):", "    g = r.get",
           "    if not r.keys() <= KNOWN:",
           "        extra = sorted(set(r) - KNOWN)[0]",
           "        raise R(extra, 'property not in the stream schema')"]
    for i, col in enumerate(cols):
        src += ["    " + line for line in _value_code(i, col, max_value_bytes)]
    for k in shape.key:
        src.append(f"    if v{index[k]} is None: raise R({k!r}, 'missing key property')")
    # version
    vp = shape.version_property
    if vp is None:
        version = "None"
    elif vp == VERSION_PROPERTY:
        known.add(vp)
        vcol = Column(vp, shape.version_kind, {"timestamptz": "timestamptz", "numeric": "numeric"}.get(shape.version_kind, "text"))
        src += ["    " + line for line in _value_code(len(cols), vcol, max_value_bytes)]
        version = f"v{len(cols)}"
    else:
        version = f"v{index[vp]}"
    # deleted
    deleted = "False"
    if DELETED_AT_PROPERTY in index:
        deleted = f"v{index[DELETED_AT_PROPERTY]} is not None"
    else:
        for c in cols:
            if c.name.lower() in DELETED_FLAGS and c.check == "boolean":
                deleted = f"v{index[c.name]} is True"
                break
    values = ", ".join(f"v{i}" for i in range(len(cols)))
    src.append(f"    return ({values}{', ' if cols else ''}RUN, {version}, {deleted}, tv)")
    namespace: dict[str, Any] = {
        "R": _reject, "KNOWN": frozenset(known), "dumps": orjson.dumps, "has_nul": _has_nul,
        "isfinite": math.isfinite, "dt_parse": datetime.fromisoformat, "d_parse": date.fromisoformat,
        "RUN": run_id,
    }
    exec(compile("\n".join(src), f"<concord converter {shape.key}>", "exec"), namespace)
    return namespace["convert"], RowLayout(cols, [index[k] for k in shape.key])


def record_key(record: Any, key: list[str]) -> Any:
    """The record's key values as sent (for quarantine rows); None when the record is not an object."""
    if not isinstance(record, dict):
        return None
    return {k: record.get(k) for k in key}
