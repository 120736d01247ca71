"""List parameters (`limit`, `starting_after`, `ending_before`, `created[…]`) translated into one SQL range scan.

Lists are newest first: ordered by (`created`, tie-breaker) descending, where the tie-breaker is `id` for
resources and `seq` for events. A cursor names an object; its (created, tie-breaker) bounds the next page.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from concord_sandbox.apis.stripe.errors import invalid_request

_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass
class ListQuery:
    """A parsed list request: page size, at most one cursor, and the `created` bounds."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    created: list[tuple[str, int]] = field(default_factory=list)


def _int(params: dict[str, Any], name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_request(f"Invalid integer: {value}", param=name) from None


def parse_list_query(params: dict[str, Any]) -> ListQuery:
    """Validate the common list parameters (400 naming the parameter when one is invalid)."""
    query = ListQuery()
    if "limit" in params:
        query.limit = _int(params, "limit", params["limit"])
        if not 1 <= query.limit <= 100:
            raise invalid_request("Invalid limit: must be between 1 and 100", param="limit")
    query.starting_after = params.get("starting_after") or None
    query.ending_before = params.get("ending_before") or None
    if query.starting_after and query.ending_before:
        raise invalid_request("You may only specify one of these parameters: starting_after, ending_before.",
                              param="ending_before")
    created = params.get("created")
    if isinstance(created, dict):
        for op, value in created.items():
            if op not in _OPS:
                raise invalid_request(f"Invalid created[{op}]", param=f"created[{op}]")
            query.created.append((_OPS[op], _int(params, f"created[{op}]", value)))
    elif created is not None:
        query.created.append(("=", _int(params, "created", created)))
    return query


@dataclass
class Page:
    """Rows of one page (newest first) and whether more exist past it in the direction of travel."""

    rows: list[tuple[Any, ...]]
    has_more: bool


def fetch_page(conn: sqlite3.Connection, table: str, columns: str, tie: str, where: list[str],
               args: list[Any], query: ListQuery, cursor_obj: str, cursor_lookup: str = "id") -> Page:
    """Run the page query on `table`; `where`/`args` are the resource's own filters (already validated).

    `tie` is the column that orders rows within one second (`id` or `seq`); `cursor_lookup` is the column a
    cursor value is matched against. An unknown cursor is a 404 naming the parameter, as Stripe answers.
    """
    where, args = [*where], [*args]
    for op, value in query.created:
        where.append(f"created {op} ?")
        args.append(value)
    descending = True
    cursor = query.starting_after or query.ending_before
    if cursor:
        row = conn.execute(f"select created, {tie} from {table} where {cursor_lookup} = ?", (cursor,)).fetchone()
        if row is None:
            param = "starting_after" if query.starting_after else "ending_before"
            raise invalid_request(f"No such {cursor_obj}: '{cursor}'", param=param, code="resource_missing",
                                  status=404)
        # A row-value comparison is a range on the (created, tie) index; the equivalent `or` form scans it.
        if query.starting_after:
            where.append(f"(created, {tie}) < (?, ?)")
        else:
            where.append(f"(created, {tie}) > (?, ?)")
            descending = False
        args.extend((row[0], row[1]))
    order = "desc" if descending else "asc"
    sql = (f"select {columns} from {table}" + (f" where {' and '.join(where)}" if where else "")
           + f" order by created {order}, {tie} {order} limit ?")
    rows = conn.execute(sql, (*args, query.limit + 1)).fetchall()
    has_more = len(rows) > query.limit
    rows = rows[:query.limit]
    if not descending:
        rows.reverse()
    return Page(rows, has_more)
