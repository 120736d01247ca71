"""Canonical values of a row (JSON-ready) and their content hash: the diff compares hashes, never raw rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import orjson


def plain(value: Any) -> Any:
    """A JSON-ready value: decimals as numbers (integers when whole), dates as ISO strings."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        raise ValueError("not a finite number: NaN")
    return value


def content_hash(creating: bool, values: dict[str, Any]) -> str:
    """sha256 over the mode and the sorted values: the same desired write always hashes the same."""
    data = orjson.dumps({"create": creating, "values": values}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()
