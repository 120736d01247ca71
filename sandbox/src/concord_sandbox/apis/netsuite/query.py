"""SuiteQL execution and the REST envelope: one page of a translated query from a read-only connection.

The envelope is NetSuite's: `{links, count, hasMore, items, offset, totalResults}`; every item carries
`links: []`, values are strings (numbers in plain decimal notation) and null fields are omitted, as SuiteQL
returns them. `totalResults` is counted once per query and data version (then reused by the following pages).
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from concord_sandbox.apis.netsuite.errors import NetSuiteApiError
from concord_sandbox.apis.netsuite.suiteql import Translation, translate

MAX_LIMIT = 1000
DEFAULT_LIMIT = 1000
DEFAULT_MAX_RESULTS = 100_000


class PagingError(NetSuiteApiError):
    """`limit` or `offset` out of range (names the parameter and the allowed range)."""

    def __init__(self, parameter: str, value: object, reason: str) -> None:
        super().__init__(400, "INVALID_PARAMETER", f"Invalid '{parameter}' parameter value {value!r}: {reason}.",
                         path=parameter)


def text(value: object) -> str:
    """A stored value as SuiteQL's JSON shows it: plain decimal text, integral floats without `.0`."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def parse_paging(limit: str | None, offset: str | None, max_results: int) -> tuple[int, int]:
    """Validated (limit, offset) from the query string."""
    try:
        lim = DEFAULT_LIMIT if limit in (None, "") else int(limit)
    except ValueError as exc:
        raise PagingError("limit", limit, "expected an integer") from exc
    try:
        off = 0 if offset in (None, "") else int(offset)
    except ValueError as exc:
        raise PagingError("offset", offset, "expected an integer") from exc
    if not 1 <= lim <= MAX_LIMIT:
        raise PagingError("limit", lim, f"must be between 1 and {MAX_LIMIT}")
    if off < 0:
        raise PagingError("offset", off, "must not be negative")
    if off >= max_results:
        raise PagingError("offset", off, f"a query returns at most {max_results} results; narrow the query")
    return lim, off


@dataclass
class _Continuation:
    """An open cursor positioned after the rows already served, on its own connection (its own snapshot)."""

    conn: sqlite3.Connection
    cursor: sqlite3.Cursor
    next_offset: int
    total: int
    used_at: float
    version: int


@dataclass
class QueryEngine:
    """Runs SuiteQL pages on read-only connections; `max_results` is the per-query cap.

    Clients page sequentially, and SQLite's OFFSET costs O(offset); so a page leaves its cursor open and the
    request for the next offset of the same query continues it (O(page)). A continuation is used only while
    the database is unchanged since it started (otherwise the query runs afresh, as NetSuite would see the
    change), is dropped after `idle_seconds`, and at most `max_continuations` stay open. `totalResults` is counted once per query while the database is unchanged.
    """

    open_reader: Any  # () -> sqlite3.Connection
    max_results: int = DEFAULT_MAX_RESULTS
    max_continuations: int = 16
    idle_seconds: float = 60.0
    _local: threading.local = field(default_factory=threading.local)
    _schema: dict[str, tuple[str, ...]] | None = None
    _translations: dict[str, Translation] = field(default_factory=dict)
    _counts: dict[tuple[str, tuple[object, ...]], tuple[int, int]] = field(default_factory=dict)
    _continuations: dict[tuple[str, tuple[object, ...], int], _Continuation] = field(default_factory=dict)
    _probe: sqlite3.Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def conn(self) -> sqlite3.Connection:
        """This thread's reader connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.open_reader()
        return conn

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (one probe connection, so comparable)."""
        with self._lock:
            if self._probe is None:
                self._probe = self.open_reader()
            return int(self._probe.execute("pragma data_version").fetchone()[0])

    def translation(self, query: str) -> Translation:
        """The (cached) translation of a query."""
        cached = self._translations.get(query)
        if cached is None:
            if self._schema is None:
                from concord_sandbox.apis.netsuite.suiteql import table_schema
                self._schema = table_schema(self.conn())
            cached = translate(query, self._schema)
            if " order by " not in cached.sql and not cached.sql.startswith("select distinct"):
                # SuiteQL without ORDER BY has no defined order; the emulator pins one so paging is stable.
                cached = dataclasses.replace(cached, sql=f'{cached.sql} order by "{cached.first_alias}".rowid')
            with self._lock:
                if len(self._translations) > 1000:
                    self._translations.clear()
                self._translations[query] = cached
        return cached

    def total(self, conn: sqlite3.Connection, tr: Translation) -> int:
        """Row count of a query, cached while the data version of the database is unchanged."""
        version = self.data_version()
        key = (tr.sql, tuple(tr.params))
        with self._lock:
            hit = self._counts.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        count = int(conn.execute(tr.count_sql, tr.count_params).fetchone()[0])
        with self._lock:
            if len(self._counts) > 1000:
                self._counts.clear()
            self._counts[key] = (version, count)
        return count

    def _take_continuation(self, key: tuple[str, tuple[object, ...], int]) -> _Continuation | None:
        now = time.monotonic()
        with self._lock:
            expired = [k for k, c in self._continuations.items() if now - c.used_at > self.idle_seconds]
            stale = [self._continuations.pop(k) for k in expired]
            found = self._continuations.pop(key, None)
        for c in stale:
            c.conn.close()
        return found

    def _keep_continuation(self, key: tuple[str, tuple[object, ...], int], cont: _Continuation) -> None:
        with self._lock:
            self._continuations[key] = cont
            surplus = []
            while len(self._continuations) > self.max_continuations:
                oldest = min(self._continuations, key=lambda k: self._continuations[k].used_at)
                surplus.append(self._continuations.pop(oldest))
        for c in surplus:
            c.conn.close()

    def _rows(self, tr: Translation, take: int, offset: int) -> tuple[list[tuple[Any, ...]], int]:
        """`take` rows from `offset` and the query's total, continuing an open cursor when one is there."""
        params = tuple(tr.params)
        cont = self._take_continuation((tr.sql, params, offset))
        version = self.data_version()
        if cont is not None and cont.version != version:
            cont.conn.close()
            cont = None
        if cont is None:
            conn = self.open_reader()
            conn.execute("begin")  # one snapshot for the count and every page read from this cursor
            total = self.total(conn, tr)
            cursor = conn.execute(f"{tr.sql} limit -1 offset ?", [*params, offset])
            cont = _Continuation(conn, cursor, offset, total, 0.0, version)
        rows = cont.cursor.fetchmany(take)
        cont.next_offset = offset + len(rows)
        cont.used_at = time.monotonic()
        if len(rows) == take and cont.next_offset < min(cont.total, self.max_results):
            self._keep_continuation((tr.sql, params, cont.next_offset), cont)
        else:
            cont.conn.close()
        return rows, cont.total

    def page(self, query: str, limit: int, offset: int, base_url: str) -> dict[str, Any]:
        """The envelope of one page of `query` (already validated paging)."""
        tr = self.translation(query)
        rows, total = self._rows(tr, min(limit, self.max_results - offset), offset)
        cols = tr.columns
        items = []
        for row in rows:
            item: dict[str, Any] = {"links": []}
            for name, value in zip(cols, row, strict=True):
                if value is not None:
                    item[name] = value if value.__class__ is str else text(value)
            items.append(item)
        reachable = min(total, self.max_results)
        has_more = offset + len(items) < reachable
        return {"links": _links(base_url, limit, offset, reachable, has_more), "count": len(items),
                "hasMore": has_more, "items": items, "offset": offset, "totalResults": total}


def _links(base_url: str, limit: int, offset: int, reachable: int, has_more: bool) -> list[dict[str, str]]:
    def href(off: int) -> str:
        return f"{base_url}?{urlencode({'limit': limit, 'offset': off})}"

    links = []
    if offset > 0:
        links.append({"rel": "previous", "href": href(max(0, offset - limit))})
    links.append({"rel": "first", "href": href(0)})
    if has_more:
        links.append({"rel": "next", "href": href(offset + limit)})
    last = max(0, (reachable - 1) // limit * limit) if reachable else 0
    links.append({"rel": "last", "href": href(last)})
    links.append({"rel": "self", "href": href(offset)})
    return links
