"""The loader's row in `concord_meta.runs`: stage `load:<source>`, counts, and per-stream detail."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
from psycopg.types.json import Jsonb


def _jsonb(value: Any) -> Jsonb:
    return Jsonb(value, dumps=lambda v: orjson.dumps(v, default=str).decode())


def start(conn: psycopg.Connection, run_id: str, source: str, stage: str | None = None) -> None:
    """Open (or reopen, for a rerun with the same run id) the ledger row; autocommits its own transaction."""
    with conn.transaction():
        conn.execute(
            "insert into concord_meta.runs (run_id, stage, source) values (%s, %s, %s) "
            "on conflict (run_id, stage) do update set status = 'running', started_at = now(), ended_at = null",
            (run_id, stage or f"load:{source}", source))


def finish(conn: psycopg.Connection, run_id: str, source: str, status: str, records_in: int,
           records_out: int, quarantined: int, bytes_in: int, detail: dict[str, Any], stage: str | None = None,
           ) -> None:
    """Close the ledger row with the run's counts."""
    with conn.transaction():
        conn.execute(
            "update concord_meta.runs set status = %s, ended_at = now(), records_in = %s, records_out = %s, "
            "quarantined = %s, bytes = %s, detail = %s where run_id = %s and stage = %s",
            (status, records_in, records_out, quarantined, bytes_in, _jsonb(detail), run_id, stage or f"load:{source}"))
