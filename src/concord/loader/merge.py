"""The set-based merge of a staging table into the current-state table.

One statement per stream and batch: the staged rows reduced to one per key (highest `_concord_version`, ties
and missing versions broken by arrival order `_concord_seq`), then `insert … on conflict do update` where the
incoming version is at least the stored one, so a replayed or re-sent older record never overwrites a newer one
and an equal version sent later wins. A null version counts as lower than any version.
"""

from __future__ import annotations

from psycopg import sql

from concord.loader.tables import STAGE_EXTRA, table_ident

META_WRITTEN = ("_concord_run_id", "_concord_version", "_concord_deleted", "_concord_table_version")


def merge_statement(schema: str, table: str, stage: str, columns: list[str], key: list[str]) -> sql.Composed:
    """The merge SQL for one stream (`columns`: property columns in row order)."""
    target = table_ident(schema, table)
    cols = [*columns, *META_WRITTEN]
    col_list = sql.SQL(", ").join(map(sql.Identifier, cols))
    keys = sql.SQL(", ").join(map(sql.Identifier, key))
    updates = sql.SQL(", ").join(
        [sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in cols if c not in key]
        + [sql.SQL("_concord_loaded_at = now()")]
    )
    return sql.SQL(
        "insert into {target} as t ({cols}) "
        "select distinct on ({keys}) {cols} from {stage} "
        "order by {keys}, _concord_version desc nulls last, {seq} desc "
        "on conflict ({keys}) do update set {updates} "
        "where t._concord_version is null or excluded._concord_version >= t._concord_version"
    ).format(target=target, cols=col_list, keys=keys, stage=sql.Identifier(stage),
             seq=sql.Identifier(STAGE_EXTRA), updates=updates)


def append_statement(schema: str, table: str, stage: str, columns: list[str]) -> sql.Composed:
    """Plain insert of staged rows in arrival order (streams without key properties)."""
    cols = sql.SQL(", ").join(map(sql.Identifier, [*columns, *META_WRITTEN]))
    return sql.SQL("insert into {} ({}) select {} from {} order by {}").format(
        table_ident(schema, table), cols, cols, sql.Identifier(stage), sql.Identifier(STAGE_EXTRA))


def copy_statement(ident: sql.Composable, columns: list[str], staged: bool) -> sql.Composed:
    """`copy … from stdin` for a converted row (plus arrival order when `staged`)."""
    cols = [*columns, *META_WRITTEN, *([STAGE_EXTRA] if staged else [])]
    return sql.SQL("copy {} ({}) from stdin").format(ident, sql.SQL(", ").join(map(sql.Identifier, cols)))
