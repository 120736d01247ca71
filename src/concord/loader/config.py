"""Loader settings: a JSON config file and/or `CONCORD_*` environment variables (the file wins).

| setting | env | default |
|---|---|---|
| `source` | `CONCORD_SOURCE` | required: lands in schema `raw_<source>` |
| `warehouse_url` | `CONCORD_WAREHOUSE_URL` | Concord's warehouse (embedded cluster when unset) |
| `batch_size_rows` | `CONCORD_BATCH_SIZE_ROWS` | 100000: a batch commits at the first STATE after this many records |
| `run_id` | `CONCORD_RUN_ID` | generated `load-<utc time>-<hex>` |
| `state_id` | `CONCORD_STATE_ID` | the source name |
| `version_property` | `CONCORD_VERSION_PROPERTY` | none: `_concord_version`, the replication key, `_sdc_sequence` |
| `max_value_bytes` | `CONCORD_MAX_VALUE_BYTES` | 16 MiB: a longer value is quarantined as oversized |
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from concord.loader.errors import ConfigError

_SOURCE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
DEFAULT_BATCH_ROWS = 100_000
DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024


def new_run_id() -> str:
    """A fresh run id: `load-<UTC timestamp>-<8 hex>`."""
    return f"load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class LoaderConfig:
    """Everything a run needs; `schema` is where the source's tables land."""

    source: str
    warehouse_url: str | None = None
    batch_size_rows: int = DEFAULT_BATCH_ROWS
    run_id: str = ""
    state_id: str = ""
    version_property: str | None = None
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES

    @property
    def schema(self) -> str:
        return f"raw_{self.source}"

    @staticmethod
    def load(path: Path | None = None, overrides: dict[str, Any] | None = None) -> LoaderConfig:
        """Read the config file (if any), fill gaps from `CONCORD_*` env, validate."""
        raw: dict[str, Any] = {}
        if path is not None:
            try:
                raw = orjson.loads(Path(path).read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise ConfigError(f"Cannot read loader config {path}: {exc}") from exc
            if not isinstance(raw, dict):
                raise ConfigError(f"Loader config {path} must be a JSON object")
        raw.update(overrides or {})
        env = os.environ

        def pick(key: str) -> Any:
            value = raw.get(key)
            return value if value not in (None, "") else env.get(f"CONCORD_{key.upper()}") or None

        source = pick("source")
        if not source or not _SOURCE.match(str(source)):
            raise ConfigError(
                f"Loader setting 'source' must be a lowercase identifier (e.g. 'stripe'), got {source!r}"
            )
        try:
            batch = int(pick("batch_size_rows") or DEFAULT_BATCH_ROWS)
            max_bytes = int(pick("max_value_bytes") or DEFAULT_MAX_VALUE_BYTES)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Loader settings batch_size_rows/max_value_bytes must be integers: {exc}") from exc
        if batch < 1 or max_bytes < 1:
            raise ConfigError("Loader settings batch_size_rows and max_value_bytes must be positive")
        unknown = set(raw) - {"source", "warehouse_url", "batch_size_rows", "run_id", "state_id",
                              "version_property", "max_value_bytes"}
        if unknown:
            raise ConfigError(f"Unknown loader settings: {', '.join(sorted(unknown))}")
        return LoaderConfig(
            source=str(source),
            warehouse_url=pick("warehouse_url"),
            batch_size_rows=batch,
            run_id=str(pick("run_id") or new_run_id()),
            state_id=str(pick("state_id") or source),
            version_property=pick("version_property"),
            max_value_bytes=max_bytes,
        )
