"""COPY sinks: rows stream straight into one open `COPY … FROM STDIN` on the batch's connection.

A connection runs one COPY at a time, so rows for another sink (another stream, or a stream's staging table
while its rows go straight to the target) wait in memory until the batch is flushed; the wait list is bounded
by the batch size. psycopg's `write_row` builds the COPY text in C.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg import sql


class Sink:
    """One COPY destination (a table and column list) within a batch."""

    __slots__ = ("copy_sql", "label", "pending", "rows")

    def __init__(self, copy_sql: sql.Composed, label: str) -> None:
        self.copy_sql = copy_sql
        self.label = label
        self.pending: list[tuple[Any, ...]] = []
        self.rows = 0  # rows written to this sink in the current batch


class CopyWriter:
    """Routes rows to sinks; `finish()` ends the open COPY and copies every waiting row."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.active: Sink | None = None
        self._cm: AbstractContextManager[Any] | None = None
        self._copy: Any = None
        self._waiting: list[Sink] = []

    def write(self, sink: Sink, row: tuple[Any, ...]) -> None:
        """Send `row` to `sink`: straight into the open COPY if it is that sink's, else into its wait list."""
        sink.rows += 1
        if sink is self.active:
            self._copy.write_row(row)
        elif self.active is None:
            self._open(sink)
            self._copy.write_row(row)
        else:
            if not sink.pending:
                self._waiting.append(sink)
            sink.pending.append(row)

    def _open(self, sink: Sink) -> None:
        cur = self.conn.cursor()
        # psycopg's QueuedLibpqWriter (a sending thread) was measured 1.5x slower here: GIL hand-offs per buffer.
        self._cm = cur.copy(sink.copy_sql)
        self._copy = self._cm.__enter__()
        self.active = sink

    def _close(self) -> None:
        if self._cm is not None:
            self._cm.__exit__(None, None, None)
        self._cm = self._copy = self.active = None

    def finish(self) -> None:
        """End the open COPY, then COPY each sink's waiting rows; afterwards no COPY is open."""
        self._close()
        for sink in self._waiting:
            self._open(sink)
            write = self._copy.write_row
            for row in sink.pending:
                write(row)
            sink.pending.clear()
            self._close()
        self._waiting.clear()

    def abandon(self) -> None:
        """After a failure: abort the open COPY (psycopg sends CopyFail) and drop waiting rows; the caller rolls back."""
        cm = self._cm
        self._cm = self._copy = self.active = None
        if cm is not None:
            with contextlib.suppress(Exception):  # the COPY is being abandoned either way
                cm.__exit__(RuntimeError, RuntimeError("loader failed"), None)
        for sink in self._waiting:
            sink.pending.clear()
        self._waiting.clear()
