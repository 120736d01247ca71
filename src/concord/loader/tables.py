"""DDL for landed streams: the current-state table, its evolution, and the per-stream staging table.

The table `raw_<source>.<stream>` holds one column per property (see `schema_map`), the primary key from
`key_properties`, and the meta columns `_concord_run_id`, `_concord_loaded_at`, `_concord_version`,
`_concord_deleted`, `_concord_table_version` (the Singer table version, for ACTIVATE_VERSION). The table comment
keeps the stream's version property as JSON so `concord replay` can rebuild the stream without the tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg import sql

from concord.loader.schema_map import META_COLUMNS, PG_TYPE, Column, StreamShape, kind_from_pg


@dataclass(frozen=True)
class ExistingTable:
    """What the catalog says about a landed table."""

    columns: dict[str, str]  # property column -> kind (meta columns excluded)
    key: list[str]
    version_kind: str
    comment: dict[str, Any]


def table_ident(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def existing_table(conn: psycopg.Connection, schema: str, table: str) -> ExistingTable | None:
    """The table's property columns, primary key, version kind and comment; None when it does not exist."""
    oid = conn.execute("select to_regclass(%s)::oid", (table_ident(schema, table).as_string(conn),)).fetchone()[0]
    if oid is None:
        return None
    rows = conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = %s and attnum > 0 and not attisdropped order by attnum", (oid,)).fetchall()
    key = [r[0] for r in conn.execute(
        "select a.attname from pg_index i join lateral unnest(i.indkey) with ordinality k(attnum, n) on true "
        "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum "
        "where i.indrelid = %s and i.indisprimary order by k.n", (oid,)).fetchall()]
    comment = conn.execute("select obj_description(%s, 'pg_class')", (oid,)).fetchone()[0]
    try:
        meta = orjson.loads(comment) if comment else {}
    except orjson.JSONDecodeError:
        meta = {}
    types = dict(rows)
    vtype = types.get("_concord_version", "numeric")
    return ExistingTable(
        columns={n: kind_from_pg(t) for n, t in rows if n not in META_COLUMNS},
        key=key,
        version_kind=kind_from_pg(vtype) if vtype != "text" else "text",
        comment=meta if isinstance(meta, dict) else {},
    )


def _column_def(col: Column) -> sql.Composable:
    collate = sql.SQL(' collate "C"') if col.kind == "text" else sql.SQL("")
    return sql.SQL("{} {}{}").format(sql.Identifier(col.name), sql.SQL(PG_TYPE[col.kind]), collate)


def _version_type(kind: str) -> sql.Composable:
    return sql.SQL('text collate "C"' if kind == "text" else PG_TYPE[kind])


def _set_comment(conn: psycopg.Connection, ident: sql.Composed, shape: StreamShape) -> None:
    note = orjson.dumps({"concord": {"version_property": shape.version_property}}).decode()
    conn.execute(sql.SQL("comment on table {} is {}").format(ident, sql.Literal(note)))


def create_table(conn: psycopg.Connection, schema: str, table: str, shape: StreamShape) -> None:
    """Create the schema (if needed) and the current-state table for `shape`."""
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    ident = table_ident(schema, table)
    defs = [_column_def(c) for c in shape.columns]
    defs += [
        sql.SQL("_concord_run_id text not null"),
        sql.SQL("_concord_loaded_at timestamptz not null default now()"),
        sql.SQL("_concord_version {}").format(_version_type(shape.version_kind)),
        sql.SQL("_concord_deleted boolean not null default false"),
        sql.SQL("_concord_table_version bigint"),
    ]
    if shape.key:
        defs.append(sql.SQL("primary key ({})").format(sql.SQL(", ").join(map(sql.Identifier, shape.key))))
    conn.execute(sql.SQL("create table {} ({})").format(ident, sql.SQL(", ").join(defs)))
    _set_comment(conn, ident, shape)


def evolve_table(conn: psycopg.Connection, schema: str, table: str, shape: StreamShape) -> None:
    """Add new columns and apply safe widenings (`shape.add`, `shape.widen`); incompatible ones stay as they are."""
    ident = table_ident(schema, table)
    for col in shape.add:
        conn.execute(sql.SQL("alter table {} add column {}").format(ident, _column_def(col)))
    for name, _old, new in shape.widen:
        collate = sql.SQL(' collate "C"') if new == "text" else sql.SQL("")
        conn.execute(sql.SQL("alter table {} alter column {} type {}{} using {}::{}").format(
            ident, sql.Identifier(name), sql.SQL(PG_TYPE[new]), collate, sql.Identifier(name), sql.SQL(PG_TYPE[new])))
    _set_comment(conn, ident, shape)


STAGE_EXTRA = "_concord_seq"


def create_stage(conn: psycopg.Connection, schema: str, table: str, stage: str) -> None:
    """(Re)create the session's temporary staging table for a stream: the target's columns plus arrival order."""
    conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(stage)))
    conn.execute(sql.SQL(
        "create temp table {} (like {} including defaults) on commit delete rows"
    ).format(sql.Identifier(stage), table_ident(schema, table)))
    conn.execute(sql.SQL("alter table {} add column {} bigint not null").format(
        sql.Identifier(stage), sql.Identifier(STAGE_EXTRA)))


def is_empty(conn: psycopg.Connection, schema: str, table: str) -> bool:
    return conn.execute(sql.SQL("select not exists (select from {})").format(table_ident(schema, table))).fetchone()[0]
