"""`concord_meta.load_batches`: when each batch that changed a raw table started and was about to commit.

A batch's rows carry `_concord_loaded_at = now()`, the start of its transaction, yet become visible only when it
commits, up to the time it takes to stream `batch_size_rows` records later. An incremental build that ran in
between could not see them although they are older than the build. The incremental marts therefore reprocess
rows loaded since the start of the earliest batch that committed after their last build began (see the dbt macro
`incremental_changed_keys`), instead of guessing a lookback.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg

# Batches committed longer ago than this are past any build's watermark; the loader prunes them.
KEEP = "30 days"


def record(conn: psycopg.Connection, run_id: str, schema: str, changed: Mapping[str, int]) -> None:
    """In the batch's transaction, just before it commits: one row per table it changed (name → rows)."""
    if not changed:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "insert into concord_meta.load_batches (run_id, schema_name, table_name, rows, started_at, committed_at)"
            " values (%s, %s, %s, %s, now(), clock_timestamp())",
            [(run_id, schema, table, rows) for table, rows in sorted(changed.items())],
        )


def prune(conn: psycopg.Connection) -> None:
    """Drop the rows of batches committed more than KEEP ago. Commits."""
    conn.execute(f"delete from concord_meta.load_batches where committed_at < now() - interval '{KEEP}'")
    conn.commit()
