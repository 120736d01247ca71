"""Running SOQL: the first page of a query and the pages behind its `nextRecordsUrl`.

Response bodies are `{"totalSize", "done", "nextRecordsUrl"?, "records"}`, encoded once with orjson; a page
is kept encoded so a repeated request for the same `nextRecordsUrl` returns the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from concord_sandbox.apis.salesforce.cursors import Cursor, CursorRegistry, invalid_locator
from concord_sandbox.apis.salesforce.errors import malformed_query
from concord_sandbox.apis.salesforce.objects import SObject
from concord_sandbox.apis.salesforce.serialize import record_builder
from concord_sandbox.apis.salesforce.soql import SoqlSyntaxError, parse
from concord_sandbox.apis.salesforce.translate import translate
from concord_sandbox.timefmt import sf

DEFAULT_BATCH = 2000
MIN_BATCH, MAX_BATCH = 200, 2000
RECYCLE_BIN_SECONDS = 15 * 86400


def batch_size(header: str | None) -> int:
    """The page size from `Sforce-Query-Options: batchSize=N` (clamped to 200 to 2,000; default 2,000)."""
    if not header:
        return DEFAULT_BATCH
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(MAX_BATCH, int(value)))
    return DEFAULT_BATCH


@dataclass
class QueryRunner:
    """Runs queries against the store for one API version prefix; owns the open cursors."""

    open_reader: Callable[[], sqlite3.Connection]
    sobjects: dict[str, SObject]
    cursors: CursorRegistry

    def first_page(self, soql: str, *, include_deleted: bool, now: int, batch: int, version: str) -> bytes:
        """Run `soql` and return its first page; raises SalesforceApiError for bad queries."""
        try:
            query = parse(soql)
        except SoqlSyntaxError as exc:
            raise malformed_query(f"{soql}\n{exc}") from exc
        plan = translate(query, self.sobjects, include_deleted=include_deleted,
                         bin_cutoff=sf(now - RECYCLE_BIN_SECONDS))
        conn = self.open_reader()
        if plan.count:
            try:
                (total,) = conn.execute(plan.sql, plan.params).fetchone()
            finally:
                conn.close()
            return orjson.dumps({"totalSize": total, "done": True, "records": []})
        build = record_builder(plan.sobject.name, version, plan.fields)
        conn.execute("begin")  # one snapshot for the count and every page
        try:
            (total,) = conn.execute(plan.count_sql, plan.params).fetchone()
            rows = conn.execute(plan.sql, plan.params)
        except BaseException:
            conn.close()
            raise
        cursor = Cursor(conn, rows, total, batch, build)
        if total <= batch:
            body = self._page(cursor, None, version)
            cursor.close()
            return body
        locator = self.cursors.add(cursor)
        with cursor.lock:
            return self._serve(cursor, locator, 0, version)

    def next_page(self, locator_ref: str, version: str) -> bytes:
        """The page a `nextRecordsUrl` names (`<locator>-<offset>`); INVALID_QUERY_LOCATOR if unknown."""
        locator, _, offset_text = locator_ref.rpartition("-")
        if not locator or not offset_text.isdigit():
            raise invalid_locator(locator_ref)
        cursor = self.cursors.get(locator)
        with cursor.lock:
            return self._serve(cursor, locator, int(offset_text), version)

    def _serve(self, cursor: Cursor, locator: str, offset: int, version: str) -> bytes:
        cached = cursor.pages.get(offset)
        if cached is not None:
            return cached
        if offset != cursor.position or cursor.closed:
            raise invalid_locator(f"{locator}-{offset}")
        body = self._page(cursor, locator, version)
        cursor.pages[offset] = body
        while len(cursor.pages) > 2:
            cursor.pages.popitem(last=False)
        if cursor.position >= cursor.total:
            cursor.close()
        return body

    def _page(self, cursor: Cursor, locator: str | None, version: str) -> bytes:
        rows = cursor.rows.fetchmany(cursor.batch)
        cursor.position += len(rows)
        build = cursor.build
        done = cursor.position >= cursor.total or len(rows) < cursor.batch
        page: dict[str, object] = {"totalSize": cursor.total, "done": done}
        if not done:
            page["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{cursor.position}"
        page["records"] = [build(row) for row in rows]
        return orjson.dumps(page)
