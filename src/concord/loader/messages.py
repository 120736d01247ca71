"""Singer message lines: parse one line with orjson, name the line number when it is not a Singer message."""

from __future__ import annotations

import json
from typing import Any

import orjson

from concord.loader.errors import MalformedLineError

MESSAGE_TYPES = frozenset({"RECORD", "SCHEMA", "STATE", "ACTIVATE_VERSION", "BATCH"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_line(line: bytes, line_no: int) -> dict[str, Any]:
    """The message on `line`; raises MalformedLineError (with `line_no`) for non-JSON or unknown types.

    orjson first; integers beyond 64 bits (valid JSON orjson refuses) fall back to the standard library.
    """
    try:
        msg = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            msg = json.loads(line, parse_constant=_reject_constant)
            orjson.dumps(msg)  # refuses what PostgreSQL would (lone surrogates)
        except (ValueError, TypeError, orjson.JSONEncodeError):
            raise MalformedLineError(line_no, f"not valid JSON ({exc})") from None
    if not isinstance(msg, dict):
        raise MalformedLineError(line_no, f"a Singer message is a JSON object, got {type(msg).__name__}")
    kind = msg.get("type")
    if kind not in MESSAGE_TYPES:
        raise MalformedLineError(line_no, f"unknown Singer message type {kind!r}")
    return msg


def require(msg: dict[str, Any], field: str, kind: type | tuple[type, ...], line_no: int) -> Any:
    """`msg[field]` if it has the right JSON type, else MalformedLineError naming the line."""
    value = msg.get(field)
    if not isinstance(value, kind):
        raise MalformedLineError(line_no, f"{msg.get('type')} message needs '{field}' ({value!r} is not usable)")
    return value
