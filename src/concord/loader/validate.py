"""Per-record conversion: a Singer RECORD line → the row COPY writes, or RecordRejected naming field and reason.

Two converters per stream, with the same semantics, both generated as straight-line Python per stream because
they run once per record:

* the **fast path** decodes the whole line with a msgspec decoder typed for the stream (C-speed validation;
  numbers and nested values stay the exact JSON text via `msgspec.Raw`). Anything it does not accept, and any
  line with a `\\u0000` or surrogate escape or longer than `max_value_bytes`, goes to the slow path;
* the **slow path** decodes the record as `{property: raw JSON}` and checks each property on its own, so it can
  say which field broke and why.

Checked: wrong JSON type, integers outside bigint, unparsable dates (Python's ISO 8601 parser), NUL bytes (text
and jsonb cannot hold them), values over `max_value_bytes`, properties the schema does not declare, missing key
properties. Nothing is coerced: numbers land from their JSON text (no float rounding), a value either lands
as sent or the record is quarantined. Naive date-times (no offset) are read as UTC; JSON null and a missing
property both land as SQL NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
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
LineConverter = Callable[[bytes], Row]
_NULL = msgspec.Raw(b"null")
_NUMBER_START = frozenset(b"-0123456789")
_BIGINT = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
FAST_MISS = (msgspec.ValidationError, msgspec.DecodeError, LookupError, ValueError)
# Date-times in this exact RFC 3339 shape (and valid, which Python's parser checks) go to COPY as the text sent:
# formatting a datetime object costs psycopg ~1 µs per value, passing the string nothing. Other ISO 8601 forms
# Python accepts land as the parsed datetime, so PostgreSQL never sees a form it might read differently.
_CANONICAL_DT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})?").fullmatch
_CANONICAL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def datetime_value(text: str) -> Any:
    """A valid date-time as COPY should get it: the text itself if canonical, else the parsed datetime."""
    parsed = datetime.fromisoformat(text)
    return text if _CANONICAL_DT(text) else parsed


def date_value(text: str) -> Any:
    """A valid date as COPY should get it: the text itself if `YYYY-MM-DD`, else the parsed date."""
    parsed = date.fromisoformat(text)
    return text if _CANONICAL_DATE(text) else parsed


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _type_name(raw: bytes) -> str:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "invalid JSON text"
    return {dict: "object", list: "array", str: "str", bool: "bool", int: "int", float: "float"}.get(
        type(value), type(value).__name__)


def _loads_text(raw: Any, field: str) -> Any:
    try:
        return orjson.loads(raw if isinstance(raw, bytes) else bytes(raw))
    except orjson.JSONDecodeError as exc:  # e.g. a lone surrogate escape, which PostgreSQL cannot store
        raise RecordRejected(field, f"invalid string: {exc}") from None


def _is_integer_text(raw: bytes) -> bool:
    return raw[:1] in (b"-", *(bytes([d]) for d in b"0123456789")) and not any(c in raw for c in b".eE")


def _numeric_in_range(raw: bytes) -> bool:
    """Whether PostgreSQL's numeric can hold this JSON number (its exponent, if any, is within ±16000)."""
    exponent = raw.lower().partition(b"e")[2]
    return not exponent or abs(int(exponent)) <= 16000


def _reject(field: str | None, reason: str) -> RecordRejected:
    return RecordRejected(field, reason)


def _version_column(shape: StreamShape) -> Column:
    check = {"timestamptz": "timestamptz", "numeric": "numeric"}.get(shape.version_kind, "text")
    return Column(VERSION_PROPERTY, shape.version_kind, check)


@dataclass(frozen=True)
class Plan:
    """The properties a converter reads, in row order, and how version and deleted are derived."""

    columns: list[Column]  # row columns
    reads: list[Column]  # columns + the `_concord_version` property when the tap sends one
    key: list[str]
    version: str  # expression over v<i>
    deleted: str

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def plan(shape: StreamShape) -> Plan:
    """The row layout both converters produce for `shape` (ValueError if a key property has no column)."""
    cols = list(shape.columns)
    reads = list(cols)
    index = {c.name: i for i, c in enumerate(cols)}
    missing = [k for k in shape.key if k not in index]
    if missing:
        raise ValueError(f"key properties {missing} are not in the schema")
    vp = shape.version_property
    if vp is None:
        version = "None"
    elif vp == VERSION_PROPERTY:
        reads.append(_version_column(shape))
        version = f"v{len(cols)}"
    else:
        version = f"v{index[vp]}"
    deleted = "False"
    if DELETED_AT_PROPERTY in index:
        deleted = f"v{index[DELETED_AT_PROPERTY]} is not None"
    else:
        for c in cols:
            if c.name.lower() in DELETED_FLAGS and c.check == "boolean":
                deleted = f"v{index[c.name]} is True"
                break
    return Plan(cols, reads, list(shape.key), version, deleted)


# -- slow path: {property: raw JSON} per record ------------------------------------------------------------
def _slow_value_code(i: int, col: Column, lim: int) -> list[str]:
    n = repr(col.name)
    v = f"v{i}"
    lines = [f"{v} = g({n})", f"if {v} is not None and {v} == NULL: {v} = None"]
    if col.incompatible is not None:
        return [*lines, f"if {v} is not None: raise R({n}, {col.incompatible!r})"]
    kind = col.check
    if kind == "text":
        body = [f"{v} = loads_text({v}, {n})",
                f"if {v}.__class__ is not str: raise R({n}, 'expected a string, got ' + type({v}).__name__)",
                f"if '\\x00' in {v}: raise R({n}, 'NUL byte in a string')",
                f"if len({v}) > {lim // 4} and len({v}.encode()) > {lim}: raise R({n}, 'oversized value: ' + str(len({v}.encode())) + ' bytes > {lim}')"]
    elif kind == "bigint":
        body = [f"b = bytes({v})",
                f"if not is_int(b): raise R({n}, 'expected an integer, got ' + type_name(b))",
                f"{v} = int(b)",
                f"if not -9223372036854775808 <= {v} <= 9223372036854775807: raise R({n}, 'integer out of bigint range')"]
    elif kind == "numeric":
        body = [f"b = bytes({v})",
                f"if b[0] not in NUMBER_START: raise R({n}, 'expected a number, got ' + type_name(b))",
                f"if len(b) > {lim}: raise R({n}, 'oversized value')",
                f"if not numeric_in_range(b): raise R({n}, 'number outside the numeric range')",
                f"{v} = b.decode()"]
    elif kind == "boolean":
        body = [f"b = bytes({v})",
                f"if b == b'true': {v} = True",
                f"elif b == b'false': {v} = False",
                f"else: raise R({n}, 'expected a boolean, got ' + type_name(b))"]
    elif kind in ("timestamptz", "date"):
        parse, what = ("dt_parse", "date-time") if kind == "timestamptz" else ("d_parse", "date")
        body = [f"{v} = loads_text({v}, {n})",
                f"if {v}.__class__ is not str: raise R({n}, 'expected a {what} string, got ' + type({v}).__name__)",
                "try:",
                f"    {v} = {parse}({v})",
                "except ValueError:",
                f"    raise R({n}, 'unparsable {what}: ' + repr({v}[:64])) from None"]
    else:  # jsonb: validate the parsed value, land the exact JSON text
        body = [f"b = bytes({v})",
                f"p = loads_text(b, {n})",
                f"if b'\\\\u0000' in b and has_nul(p): raise R({n}, 'NUL byte in a JSON value')",
                f"if len(b) > {lim}: raise R({n}, 'oversized value: ' + str(len(b)) + ' bytes > {lim}')",
                f"{v} = b.decode()"]
    return [*lines, f"if {v} is not None:", *("    " + line for line in body)]


class _RawRecord(msgspec.Struct):
    type: str
    record: dict[str, msgspec.Raw]
    version: int | None = None


_RAW_DECODER = msgspec.json.Decoder(_RawRecord)


def build_slow(shape: StreamShape, run_id: str, max_value_bytes: int) -> LineConverter:
    """The field-by-field converter: a row, or RecordRejected naming the field and the reason."""
    p = plan(shape)
    known = frozenset(c.name for c in p.reads)
    src = ["def convert(r, tv):", "    g = r.get",
           "    if not r.keys() <= KNOWN:",
           "        raise R(sorted(set(r) - KNOWN)[0], 'property not in the stream schema')"]
    for i, col in enumerate(p.reads):
        src += ["    " + line for line in _slow_value_code(i, col, max_value_bytes)]
    index = {c.name: i for i, c in enumerate(p.columns)}
    for k in p.key:
        src.append(f"    if v{index[k]} is None: raise R({k!r}, 'missing key property')")
    values = "".join(f"v{i}, " for i in range(len(p.columns)))
    src.append(f"    return ({values}RUN, {p.version}, {p.deleted}, tv)")
    ns: dict[str, Any] = {
        "R": _reject, "KNOWN": known, "NULL": _NULL, "loads_text": _loads_text, "has_nul": _has_nul,
        "is_int": _is_integer_text, "type_name": _type_name, "numeric_in_range": _numeric_in_range, "NUMBER_START": _NUMBER_START,
        "dt_parse": datetime_value, "d_parse": date_value, "RUN": run_id,
    }
    exec(compile("\n".join(src), "<concord slow converter>", "exec"), ns)
    convert = ns["convert"]

    def slow(line: bytes) -> Row:
        try:
            msg = _RAW_DECODER.decode(line)
        except msgspec.ValidationError as exc:
            field = "version" if "$.version" in str(exc) else None
            reason = "record is not an object" if "$.record" in str(exc) else f"invalid RECORD message: {exc}"
            raise RecordRejected(field, reason) from None
        except msgspec.DecodeError as exc:
            raise RecordRejected(None, f"invalid JSON: {exc}") from None
        return convert(msg.record, msg.version)

    return slow


# -- fast path: one typed msgspec decode per line ----------------------------------------------------------
_FAST_TYPES: dict[str, Any] = {"text": str, "bigint": _BIGINT, "boolean": bool, "timestamptz": str,
                               "date": str, "numeric": msgspec.Raw, "jsonb": msgspec.Raw}


def build_fast(stream: str, shape: StreamShape, run_id: str, max_value_bytes: int) -> LineConverter:
    """The typed converter; raises one of FAST_MISS for anything the slow path must look at."""
    p = plan(shape)
    keys = set(p.key)
    fields: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    post: list[str] = []
    for i, col in enumerate(p.reads):
        attr = f"f{i}"
        rename[attr] = col.name
        base = None if col.incompatible is not None else _FAST_TYPES[col.check]
        if base is msgspec.Raw:
            fields.append((attr, msgspec.Raw, _NULL))
            post.append(f"v{i} = r.{attr}")
            post.append(f"v{i} = None if v{i} == NULL else str(v{i}, 'utf-8')")
            if col.check == "numeric":  # exponents go to the slow path, which checks the numeric range
                post.append(f"if v{i} is not None and (v{i}[0] not in NUMBER_CHARS or 'e' in v{i} or 'E' in v{i}): "
                            "raise LookupError")
            if col.name in keys:
                post.append(f"if v{i} is None: raise LookupError")
        elif base is None:
            fields.append((attr, None, None))
            post.append(f"v{i} = None")
        elif col.name in keys:
            fields.append((attr, base, msgspec.NODEFAULT))
            post.append(f"v{i} = r.{attr}")
        else:
            fields.append((attr, base | None, None))
            post.append(f"v{i} = r.{attr}")
        if col.incompatible is None and col.check in ("timestamptz", "date"):
            parse = "dt_value" if col.check == "timestamptz" else "d_value"
            post.append(f"if v{i} is not None: v{i} = {parse}(v{i})")
    # msgspec wants required fields first
    fields.sort(key=lambda f: f[2] is not msgspec.NODEFAULT)
    record_type = msgspec.defstruct("Record", [f if f[2] is not msgspec.NODEFAULT else f[:2] for f in fields],
                                    rename=rename, forbid_unknown_fields=True)
    envelope = msgspec.defstruct("Envelope", [
        ("type", Literal["RECORD"]), ("stream", Literal[stream]), ("record", record_type),
        ("version", int | None, None)])
    decode = msgspec.json.Decoder(envelope).decode
    values = "".join(f"v{i}, " for i in range(len(p.columns)))
    src = ["def fast(line):",
           f"    if len(line) > {max_value_bytes} or b'\\\\u0000' in line or b'\\\\ud' in line or b'\\\\uD' in line:",
           "        raise LookupError",
           "    e = decode(line)",
           "    r = e.record",
           *("    " + line for line in post),
           f"    return ({values}RUN, {p.version}, {p.deleted}, e.version)"]
    ns: dict[str, Any] = {"decode": decode, "NULL": _NULL, "NUMBER_CHARS": "-0123456789", "RUN": run_id,
                          "dt_value": datetime_value, "d_value": date_value}
    exec(compile("\n".join(src), f"<concord fast converter {stream}>", "exec"), ns)
    return ns["fast"]


def record_key(line: bytes, key: list[str]) -> Any:
    """The record's key values as sent (for quarantine rows); None when the line has no record object."""
    try:
        record = _RAW_DECODER.decode(line).record
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    values: dict[str, Any] = {}
    for k in key:
        raw = record.get(k)
        try:
            values[k] = None if raw is None else orjson.loads(bytes(raw))
        except orjson.JSONDecodeError:
            values[k] = bytes(raw).decode("utf-8", "replace")
    return values
