"""Time formats of the three systems. The simulated clock counts integer unix seconds (UTC)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from concord_sandbox.errors import InvalidOptionError


def parse_iso(text: str) -> int:
    """Unix seconds of an ISO-8601 timestamp ('2026-01-01T00:00:00Z'); naive times are UTC."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidOptionError("timestamp", text, "expected ISO-8601 such as 2026-01-01T00:00:00Z") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def iso(ts: int) -> str:
    """Sandbox meta format: 2026-01-01T00:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def sf(ts: int) -> str:
    """Salesforce datetime format: 2026-01-01T00:00:00.000+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(ts))


def sf_date(ts: int) -> str:
    """Salesforce date format: 2026-01-01."""
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def ns(ts: int) -> str:
    """NetSuite timestamp as stored: 2026-01-01 00:00:00 (UTC, second precision)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def ns_date(ts: int) -> str:
    """NetSuite date as stored: 2026-01-01."""
    return time.strftime("%Y-%m-%d", time.gmtime(ts))
