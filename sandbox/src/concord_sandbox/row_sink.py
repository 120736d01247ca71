"""Batched inserts for bulk generation: rows accumulate per table and go to SQLite with executemany."""

from __future__ import annotations

import sqlite3
from typing import Any


class RowSink:
    """Collects rows (dicts keyed by column name) per table and writes them in batches.

    Rows of one table must share their key order within a batch key; the insert statement is built from it.
    """

    def __init__(self, conn: sqlite3.Connection, batch: int = 20000) -> None:
        self._conn = conn
        self._batch = batch
        self._rows: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        key = (table, tuple(row))
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = []
        rows.append(row)
        if len(rows) >= self._batch:
            self._write(key, rows)
            rows.clear()

    def flush(self) -> None:
        """Write every pending row."""
        for key, rows in self._rows.items():
            if rows:
                self._write(key, rows)
                rows.clear()

    def _write(self, key: tuple[str, tuple[str, ...]], rows: list[dict[str, Any]]) -> None:
        table, cols = key
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'insert into "{table}" ({names}) values ({", ".join(":" + c for c in cols)})'
        self._conn.executemany(sql, rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
