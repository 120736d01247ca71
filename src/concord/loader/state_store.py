"""Singer state in `concord_meta.singer_state`, keyed by state id (by default the source name).

The loader writes a batch's STATE in the batch's own transaction; taps (through `concord sync`, Airflow tasks
or a shell: `target-concord --config c.json --print-state`) read their starting state with `read_state`.
"""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
from psycopg.types.json import Jsonb


def read_state(conn_or_url: psycopg.Connection | str, state_id: str) -> dict[str, Any]:
    """The last committed Singer state for `state_id`, or `{}` when none was stored."""
    if isinstance(conn_or_url, str):
        from concord.warehouse.connection import connect

        with connect(conn_or_url) as conn:
            return read_state(conn, state_id)
    row = conn_or_url.execute(
        "select state from concord_meta.singer_state where state_id = %s", (state_id,)).fetchone()
    return dict(row[0]) if row and isinstance(row[0], dict) else {}


def write_state(conn: psycopg.Connection, state_id: str, state: Any, run_id: str) -> None:
    """Upsert the state inside the caller's transaction (it commits with the batch's rows)."""
    conn.execute(
        "insert into concord_meta.singer_state (state_id, state, run_id) values (%s, %s, %s) "
        "on conflict (state_id) do update set state = excluded.state, run_id = excluded.run_id, updated_at = now()",
        (state_id, Jsonb(state, dumps=lambda v: orjson.dumps(v).decode()), run_id),
    )
