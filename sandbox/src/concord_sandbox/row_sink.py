"""Rows collected in memory during generation, grouped by table and column list, ready for executemany.

Generation workers fill a `RowSink` and hand its batches to the process that owns the database, so building
rows (Python) and inserting them (SQLite) run on different cores.
"""

from __future__ import annotations

import sqlite3
from typing import Any

BatchKey = tuple[str, tuple[str, ...]]


class RowSink:
    """Rows (dicts keyed by column name) per table, stored as tuples in column order."""

    def __init__(self) -> None:
        self.batches: dict[BatchKey, list[tuple[Any, ...]]] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        key = (table, tuple(row))
        rows = self.batches.get(key)
        if rows is None:
            rows = self.batches[key] = []
        rows.append(tuple(row.values()))


def write_batches(conn: sqlite3.Connection, batches: dict[BatchKey, list[tuple[Any, ...]]]) -> int:
    """Insert every batch; returns the number of rows written."""
    total = 0
    for (table, cols), rows in batches.items():
        names = ", ".join(f'"{c}"' for c in cols)
        conn.executemany(f'insert into "{table}" ({names}) values ({", ".join("?" * len(cols))})', rows)
        total += len(rows)
    return total
