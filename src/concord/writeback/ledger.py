"""The writeback's row in `concord_meta.runs` (stage `writeback:<destination>`)."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg


def start(conn: psycopg.Connection, run_id: str, stage: str, destination: str) -> None:
    conn.execute(
        "insert into concord_meta.runs (run_id, stage, source, status) values (%s, %s, %s, 'running') "
        "on conflict (run_id, stage) do update set started_at = now(), ended_at = null, status = 'running'",
        (run_id, stage, destination))


def finish(conn: psycopg.Connection, run_id: str, stage: str, status: str, *, records_in: int = 0,
           records_out: int = 0, retries: int = 0, api_errors: dict[str, int] | None = None,
           detail: dict[str, Any] | None = None) -> None:
    conn.execute(
        "update concord_meta.runs set ended_at = now(), status = %s, records_in = %s, records_out = %s, "
        "retries = %s, api_errors = %s::jsonb, detail = %s::jsonb where run_id = %s and stage = %s",
        (status, records_in, records_out, retries, orjson.dumps(api_errors or {}).decode(),
         orjson.dumps(detail or {}).decode(), run_id, stage))
