"""Test helper: run tap-netsuite in-process and collect its Singer output."""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import orjson
from tap_netsuite.tap import TapNetSuite


@dataclass
class SyncResult:
    """Records per stream (in order), STATE values and what the tap wrote to stderr."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    @property
    def state(self) -> dict[str, Any]:
        return self.states[-1] if self.states else {}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def run_tap(config: dict[str, Any], state: dict[str, Any] | None = None) -> SyncResult:
    """Sync every selected stream once; raises what the tap raises."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    tap_logger = logging.getLogger(TapNetSuite.name)
    level = tap_logger.level
    tap_logger.setLevel(logging.INFO)  # the SDK defaults plugin loggers to WARNING outside the CLI
    try:
        with redirect_stdout(out), redirect_stderr(err):
            tap = TapNetSuite(config=config, state=state, parse_env_config=False)
            tap.sync_all()
            out.flush()
    finally:
        root.removeHandler(capture)
        tap_logger.setLevel(level)
    result = SyncResult(stderr=err.getvalue() + "\n".join(capture.lines))
    out.seek(0)
    for line in out.read().splitlines():
        message = orjson.loads(line)
        result.messages.append(message)
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            result.states.append(message["value"])
    return result


def key_of(stream: str, record: dict[str, Any]) -> tuple[Any, ...]:
    """The primary key of a record of `stream`."""
    return (record["transaction"], record["id"]) if stream == "transactionline" else (record["id"],)


def merge(current: dict[str, dict[tuple[Any, ...], dict[str, Any]]], result: SyncResult) -> None:
    """Apply a sync's records the way the loader does: highest `_concord_version` wins, deletions remove."""
    for stream, records in result.records.items():
        table = current.setdefault(stream, {})
        for record in records:
            key = key_of(stream, record)
            old = table.get(key)
            if old is not None and old["_concord_version"] > record["_concord_version"]:
                continue
            table[key] = record
    for table in current.values():
        for key in [k for k, r in table.items() if r.get("_sdc_deleted_at")]:
            del table[key]
