"""Repair detection: after a write, re-evaluate the open instances whose keys it touched."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import orjson

from concord_sandbox.predicates import PREDICATES
from concord_sandbox.timefmt import iso

TouchedKey = tuple[str, str, object]  # (system, object/table, key)


def reevaluate(conn: sqlite3.Connection, touched: Iterable[TouchedKey], now: int, by: str) -> list[str]:
    """Mark repaired (at `now`, by `by`) every open instance touching `touched` whose predicate no longer holds.

    Returns the ids of the instances marked repaired.
    """
    candidates: set[str] = set()
    for system, obj, key in touched:
        if key is None or key == "":
            continue
        rows = conn.execute(
            "select k.instance_id from sandbox_truth_key k join sandbox_truth t using (instance_id) "
            "where k.system = ? and k.object = ? and k.key = ? and t.repaired_at is null",
            (system, obj, str(key)),
        ).fetchall()
        candidates.update(r[0] for r in rows)
    repaired = []
    for iid in sorted(candidates):
        cls, keys = conn.execute(
            "select class, keys from sandbox_truth where instance_id = ?", (iid,)
        ).fetchone()
        if not PREDICATES[cls](conn, orjson.loads(keys)):
            conn.execute(
                "update sandbox_truth set repaired_at = ?, repaired_by = ? where instance_id = ?",
                (iso(now), by, iid),
            )
            repaired.append(iid)
    return repaired
