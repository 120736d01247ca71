"""The live ground truth: one record per planted inconsistency, with its keys and planted/repaired times."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from concord_sandbox.timefmt import iso


@dataclass(frozen=True)
class TruthRecord:
    """One planted instance as `concord sandbox truth` reports it."""

    instance_id: str
    cls: str
    keys: dict[str, dict[str, list[Any]]]
    planted_at: str
    repaired_at: str | None
    repaired_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "class": self.cls,
            "keys": self.keys,
            "planted_at": self.planted_at,
            "repaired_at": self.repaired_at,
            "repaired_by": self.repaired_by,
        }


def next_instance_number(conn: sqlite3.Connection) -> int:
    """The number the next planted instance gets (instance ids are 'I' + 7 digits, in planting order)."""
    row = conn.execute("select max(instance_id) from sandbox_truth").fetchone()
    return 1 if row[0] is None else int(row[0][1:]) + 1


def record_planted(
    conn: sqlite3.Connection, planted: list[tuple[str, dict[str, dict[str, list[Any]]], int]]
) -> None:
    """Insert planted instances (class, keys, planted-at unix time) and index their keys."""
    n = next_instance_number(conn)
    truth_rows, key_rows = [], []
    for offset, (cls, keys, at) in enumerate(planted):
        iid = f"I{n + offset:07d}"
        truth_rows.append((iid, cls, orjson.dumps(keys, option=orjson.OPT_SORT_KEYS).decode(), iso(at)))
        for system, objects in keys.items():
            for obj, values in objects.items():
                key_rows.extend((system, obj, str(v), iid) for v in values)
    conn.executemany(
        "insert into sandbox_truth (instance_id, class, keys, planted_at) values (?, ?, ?, ?)", truth_rows
    )
    conn.executemany(
        "insert or ignore into sandbox_truth_key (system, object, key, instance_id) values (?, ?, ?, ?)",
        key_rows,
    )


def list_truth(
    conn: sqlite3.Connection, cls: str | None = None, open_only: bool = False
) -> list[TruthRecord]:
    """Every planted instance (optionally of one class, optionally only unrepaired), in planting order."""
    sql = "select instance_id, class, keys, planted_at, repaired_at, repaired_by from sandbox_truth where 1=1"
    args: list[Any] = []
    if cls:
        sql += " and class = ?"
        args.append(cls)
    if open_only:
        sql += " and repaired_at is null"
    rows = conn.execute(sql + " order by instance_id", args).fetchall()
    return [TruthRecord(r[0], r[1], orjson.loads(r[2]), r[3], r[4], r[5]) for r in rows]


def instances_touching(conn: sqlite3.Connection, system: str, obj: str, key: object) -> list[str]:
    """Ids of unrepaired instances whose keys include (system, object, key)."""
    rows = conn.execute(
        "select k.instance_id from sandbox_truth_key k join sandbox_truth t using (instance_id) "
        "where k.system = ? and k.object = ? and k.key = ? and t.repaired_at is null",
        (system, obj, str(key)),
    ).fetchall()
    return [r[0] for r in rows]
