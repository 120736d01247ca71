"""`concord_meta.quarantine`: records the loader refused, why, and whether a later replay resolved them.

A record is identified by its source, stream and the SHA-256 of its raw line: seeing it again (a rerun after a
crash, or a failed replay) refreshes `last_seen_at`, `attempts`, `reason` and `run_id` instead of adding a row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class Entry:
    """One refused record."""

    source: str
    stream: str
    record_key: Any
    field_path: str | None
    reason: str
    raw_record: str
    run_id: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw_record.encode("utf-8", "surrogatepass")).hexdigest()


def _jsonb(value: Any) -> Jsonb | None:
    if value is None:
        return None
    try:
        text = orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        text = orjson.dumps(repr(value)).decode()
    return Jsonb(text.replace("\\u0000", "\\\\u0000"), dumps=lambda v: v)


_UPSERT = (
    "insert into concord_meta.quarantine "
    "(source, stream, record_key, field_path, reason, raw_record, raw_sha256, run_id) "
    "values (%s, %s, %s, %s, %s, %s, %s, %s) "
    "on conflict (source, stream, raw_sha256) do update set last_seen_at = now(), "
    "attempts = quarantine.attempts + 1, reason = excluded.reason, field_path = excluded.field_path, "
    "run_id = excluded.run_id, resolved_at = null, resolved_by_run = null"
)


def record(conn: psycopg.Connection, entries: Iterable[Entry]) -> None:
    """Upsert entries inside the caller's transaction."""
    params = [(e.source, e.stream, _jsonb(e.record_key), e.field_path, e.reason, e.raw_record, e.sha256, e.run_id)
              for e in entries]
    if params:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, params)


@dataclass(frozen=True)
class Quarantined:
    """An unresolved quarantine row, as replay reads it."""

    id: int
    stream: str
    raw_record: str
    reason: str
    first_seen_at: datetime


def unresolved(conn: psycopg.Connection, source: str, stream: str | None = None) -> list[Quarantined]:
    """Unresolved rows for a source (optionally one stream), oldest first (the order they arrived in)."""
    rows = conn.execute(
        "select id, stream, raw_record, reason, first_seen_at from concord_meta.quarantine "
        "where source = %s and (%s::text is null or stream = %s) and resolved_at is null order by id",
        (source, stream, stream)).fetchall()
    return [Quarantined(*r) for r in rows]


def resolve(conn: psycopg.Connection, ids: list[int], run_id: str) -> None:
    """Mark rows resolved by `run_id` (inside the caller's transaction, with the rows that landed)."""
    if ids:
        conn.execute("update concord_meta.quarantine set resolved_at = now(), resolved_by_run = %s "
                     "where id = any(%s)", (run_id, ids))


def still_failing(conn: psycopg.Connection, failures: list[tuple[int, str | None, str]], run_id: str) -> None:
    """Record a failed replay attempt: (id, field path, reason) per row."""
    with conn.cursor() as cur:
        cur.executemany(
            "update concord_meta.quarantine set attempts = attempts + 1, last_seen_at = now(), "
            "field_path = %s, reason = %s, run_id = %s where id = %s",
            [(field, reason, run_id, qid) for qid, field, reason in failures])
