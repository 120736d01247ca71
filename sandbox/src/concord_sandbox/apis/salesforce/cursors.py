"""Query locators: the server-side cursors behind `nextRecordsUrl`.

A query runs once, in one read transaction on its own connection, so every page comes from the same snapshot
(as a Salesforce query locator does). Pages are served in order; the most recently served pages are kept, so
a client that lost a response (reset, truncated body) can ask for the same `nextRecordsUrl` again and get the
same records. Locators expire after 15 idle minutes (wall clock), as Salesforce's do.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concord_sandbox.apis.salesforce.errors import SalesforceApiError

_ALPHABET = string.ascii_letters + string.digits
IDLE_SECONDS = 15 * 60
MAX_OPEN = 256
KEPT_PAGES = 2


def invalid_locator(locator: str) -> SalesforceApiError:
    """400 INVALID_QUERY_LOCATOR for a cursor that expired, never existed, or an offset it cannot serve."""
    return SalesforceApiError(400, "INVALID_QUERY_LOCATOR", f"invalid query locator: {locator}")


@dataclass
class Cursor:
    """An open query: its connection and statement, the rows served so far, recently served pages."""

    conn: sqlite3.Connection
    rows: sqlite3.Cursor
    total: int
    batch: int
    build: Callable[[Any], dict[str, Any]]
    position: int = 0
    pages: OrderedDict[int, bytes] = field(default_factory=OrderedDict)
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    closed: bool = False

    def close(self) -> None:
        """End the read transaction and close the connection; pages already served stay available."""
        if self.closed:
            return
        self.closed = True
        try:
            self.rows.close()
            if self.conn.in_transaction:
                self.conn.execute("rollback")
        finally:
            self.conn.close()


def new_locator_id() -> str:
    """A Salesforce-style query locator id (key prefix 01g)."""
    return "01g" + "".join(secrets.choice(_ALPHABET) for _ in range(15))


class CursorRegistry:
    """Open cursors by locator id, least recently used first; thread-safe."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, cursor: Cursor) -> str:
        """Register a cursor with more pages to serve; returns its locator id."""
        locator = new_locator_id()
        evicted: list[Cursor] = []
        with self._lock:
            self._open[locator] = cursor
            now = time.monotonic()
            for key in list(self._open):
                c = self._open[key]
                if len(self._open) > MAX_OPEN or now - c.last_used > IDLE_SECONDS:
                    evicted.append(self._open.pop(key))
        for c in evicted:
            c.close()
        return locator

    def get(self, locator: str) -> Cursor:
        """The open cursor for a locator id, or INVALID_QUERY_LOCATOR."""
        with self._lock:
            cursor = self._open.get(locator)
            if cursor is None or time.monotonic() - cursor.last_used > IDLE_SECONDS:
                raise invalid_locator(locator)
            self._open.move_to_end(locator)
            cursor.last_used = time.monotonic()
            return cursor

    def close_all(self) -> None:
        """Close every open cursor (server shutdown)."""
        with self._lock:
            cursors = list(self._open.values())
            self._open.clear()
        for c in cursors:
            c.close()
