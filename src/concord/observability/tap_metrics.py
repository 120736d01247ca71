"""What a tap's log says about its run: records emitted per stream, HTTP requests, API errors by status, retries.

singer-sdk logs one `METRIC: {json}` line per HTTP response (`http_request_duration`, tagged with
`http_status_code`) and per record-counter flush (`record_count`, the records since the last flush). Retries are
the backoff handler's lines: singer-sdk's own (`Backing off … seconds after … tries`, tap-stripe) and the
overrides in tap-salesforce (`retry N in S s after`) and tap-netsuite (`retrying after S s (attempt N)`).
A retry after a connection reset or a timeout has no HTTP status; it counts under the key `connection`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

_METRIC = re.compile(rb"METRIC: (\{.*\})\s*$")
_RETRY = re.compile(rb"Backing off [\d.]+ seconds|: retry \d+ in [\d.]+ s after|: retrying after [\d.]+ s \(attempt")
_NO_STATUS = re.compile(rb"Connection|Timeout|ChunkedEncoding|reset", re.IGNORECASE)
_HAS_STATUS = re.compile(rb"HTTP \d{3}|status \d{3}|returned \d{3}")


@dataclass
class TapMetrics:
    records: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    api_errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0

    @property
    def records_total(self) -> int:
        return sum(self.records.values())


def parse_tap_log(path: Path) -> TapMetrics:
    """The metrics in the tap log at `path` (empty metrics when the file is missing)."""
    metrics = TapMetrics()
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return metrics
    for line in lines:
        if _RETRY.search(line):
            metrics.retries += 1
            if _NO_STATUS.search(line) and not _HAS_STATUS.search(line):
                metrics.api_errors["connection"] += 1
            continue
        match = _METRIC.search(line)
        if not match:
            continue
        try:
            point = orjson.loads(match.group(1))
        except orjson.JSONDecodeError:
            continue
        tags = point.get("tags") or {}
        if point.get("metric") == "http_request_duration":
            metrics.requests += 1
            status = tags.get("http_status_code")
            if isinstance(status, int) and status >= 400:
                metrics.api_errors[str(status)] += 1
        elif point.get("metric") == "record_count":
            metrics.records[str(tags.get("stream", "?"))] += int(point.get("value") or 0)
    return metrics
